"""Continuous-time networks solved as ODEs through torchdiffeq (seed 001 §1.2 and §2.1), thin classes.

- :class:`ContinuousTimeHopfield`: ``tau dx/dt = -x + f(W x + b)`` (Definition 5), its Lyapunov energy
  (Lemma 7), stability of fixed points (§1.2.5) and learning (Corollary 10, Algorithms 2 and 3).
- :class:`ContinuousDenseMemory`: ``tau dx/dt = -x + W^T grad F(W x + b) + v`` (Theorem 12, Examples
  13-15, Lemma 16).

Both integrate a batch ``(B, d)`` of trajectories in one solve; ``simulate`` returns ``(T, B, d)``
trajectories and ``relax`` integrates until ``max |dx/dt| < tol`` and returns a
:class:`hopfield.Retrieval`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from hopfield._arrays import Output, as_patterns, as_states, to_tensor
from hopfield._random import make_generator
from hopfield._result import Retrieval
from hopfield._validate import check_choice, check_dim, check_int, check_positive, check_rank
from hopfield.functional import continuous as C
from hopfield.functional import continuous_dense as D

__all__ = ["ContinuousDenseMemory", "ContinuousTimeHopfield", "Stability", "resolve_activation"]

_RTOL = {torch.float64: 1e-7, torch.float32: 1e-5}
_ATOL = {torch.float64: 1e-9, torch.float32: 1e-7}
_SPEED_TOL = {torch.float64: 1e-8, torch.float32: 1e-4}
_EIG_TOL = {torch.float64: 1e-9, torch.float32: 1e-5}


def resolve_activation(activation: str | Callable[[Tensor], Tensor]) -> C.Activation:
    """A registered activation by name, or a callable checked to be increasing into ``[-1, 1]``.

    A callable is probed on 4001 points of ``[-20, 20]`` (float64): it must return a tensor of the same
    shape, finite, in ``[-1, 1]``, and never decrease; otherwise ``ValueError`` naming ``activation``.
    """
    if isinstance(activation, str):
        return C.ACTIVATIONS.get(activation)
    if not callable(activation):
        raise TypeError(
            f"activation must be a name ({', '.join(map(repr, C.ACTIVATIONS.names()))}) or a callable, "
            f"got {type(activation).__name__}"
        )
    a = torch.linspace(-20.0, 20.0, 4001, dtype=torch.float64)
    try:
        y = activation(a)
    except Exception as exc:
        raise ValueError(f"activation must accept a float64 tensor, but calling it raised: {exc}") from exc
    if not isinstance(y, Tensor) or y.shape != a.shape:
        raise ValueError("activation must be elementwise: a tensor in, a tensor of the same shape out")
    y = y.detach().to(torch.float64)
    if not bool(torch.isfinite(y).all()) or float(y.min()) < -1 - 1e-12 or float(y.max()) > 1 + 1e-12:
        raise ValueError(
            f"activation must map into [-1, 1], got values in [{float(y.min()):.4g}, {float(y.max()):.4g}]"
        )
    drop = float((y[:-1] - y[1:]).max())
    if drop > 1e-12:
        raise ValueError(f"activation must be increasing, got a decrease of {drop:.3g} on [-20, 20]")
    return C.callable_activation(activation)


@dataclass(frozen=True)
class Stability:
    """Linear stability at states ``x`` (001 §1.2.5, Lemma 16). Shapes for a ``(B, d)`` batch.

    Attributes
    ----------
    eigenvalues:
        ``(B, d)`` eigenvalues of the Jacobian of ``dx/dt``: real and ascending when the Jacobian is
        similar to a symmetric matrix (symmetric ``W``), complex otherwise.
    max_real:
        ``(B,)`` largest real part.
    speed:
        ``(B,)`` ``max |dx/dt|`` at ``x``: near 0 at a fixed point (the verdict is about fixed points).
    stable:
        ``(B,)`` bool, ``max_real < -tol``.
    verdict:
        ``"stable"`` (``max_real < -tol``), ``"unstable"`` (``> tol``) or ``"marginal"`` (the
        linearization decides nothing); a list for a batch, a string for one state.
    """

    eigenvalues: Any
    max_real: Any
    speed: Any
    stable: Any
    verdict: Any


class _ODENetwork:
    """What both continuous networks share: state handling, ``simulate``, ``relax``, ``stability``."""

    tau: float
    _params: tuple[Tensor, ...]

    @property
    def dim(self) -> int:
        """d, the dimension of a state."""
        return self._params[0].shape[-1]

    def _cast(self, x: Tensor) -> tuple[Tensor, ...]:
        """The parameters in the dtype and on the device of ``x`` (cached unless they carry gradients)."""
        key = (x.dtype, x.device)
        p0 = self._params[0]
        if (p0.dtype, p0.device) == key:
            return self._params
        if any(p.requires_grad for p in self._params):
            return tuple(p.to(dtype=x.dtype, device=x.device) for p in self._params)
        cache = self.__dict__.setdefault("_cache", {})
        if key not in cache:
            cache[key] = tuple(p.to(dtype=x.dtype, device=x.device) for p in self._params)
        return cache[key]

    def _states(self, x: Any, name: str) -> tuple[Tensor, Output]:
        t, out = as_states(x, self.dim, name, other="weights")
        if not torch.is_floating_point(t) or t.dtype in (torch.float16, torch.bfloat16):
            t = t.to(torch.float32)
        return t, out

    # subclasses: the vector field, the energy reported by relax, the Jacobian and its eigenvalues
    def _field(self, params: tuple[Tensor, ...]) -> Callable[[Tensor], Tensor]:
        raise NotImplementedError

    def _relax_energy(self, x: Tensor, params: tuple[Tensor, ...]) -> Tensor:
        raise NotImplementedError

    def _jacobian(self, x: Tensor, params: tuple[Tensor, ...]) -> Tensor:
        raise NotImplementedError

    def _eigenvalues(self, x: Tensor, jac: Tensor, params: tuple[Tensor, ...]) -> Tensor:
        return torch.linalg.eigvalsh(jac)

    def velocity(self, x: Any) -> Any:
        """``dx/dt`` at each state: ``(d,) -> (d,)``, ``(B, d) -> (B, d)``."""
        xt, out = self._states(x, "x")
        return out(self._field(self._cast(xt))(xt))

    def jacobian(self, x: Any) -> Any:
        """The Jacobian ``d(dx/dt)/dx`` at each state: ``(d,) -> (d, d)``, ``(B, d) -> (B, d, d)``."""
        xt, out = self._states(x, "x")
        return out(self._jacobian(xt, self._cast(xt)))

    def stability(self, x: Any, tol: float | None = None) -> Stability:
        """Eigenvalues of the Jacobian at ``x`` (meant for fixed points, e.g. ``relax(...).state``) and a
        verdict; ``tol`` (default 1e-9 in float64, 1e-5 in float32) is the margin around 0."""
        xt, out = self._states(x, "x")
        tol = _EIG_TOL.get(xt.dtype, 1e-5) if tol is None else check_positive(tol, "tol")
        params = self._cast(xt)
        with torch.no_grad():
            jac = self._jacobian(xt, params)
            eig = self._eigenvalues(xt, jac, params)
            max_real = (eig.real if eig.is_complex() else eig).amax(dim=-1)
            speed = self._field(params)(xt).abs().amax(dim=-1)
        words = ["stable" if m < -tol else "unstable" if m > tol else "marginal" for m in max_real.tolist()]
        return Stability(
            out(eig), out(max_real), out(speed), out(max_real < -tol), words[0] if out.squeeze else words
        )

    def _solver_args(
        self, x: Tensor, method: str, rtol: float | None, atol: float | None, step_size: float | None
    ) -> dict[str, Any]:
        solver = C.SOLVERS.get(method)
        if step_size is not None:
            if not solver.fixed:
                fixed = [n for n in C.SOLVERS.names() if C.SOLVERS.get(n).fixed]
                raise ValueError(
                    f"step_size applies to fixed-grid methods ({', '.join(fixed)}) only, "
                    f"got method {method!r}"
                )
            step_size = check_positive(step_size, "step_size")
        return {
            "method": method,
            "rtol": _RTOL.get(x.dtype, 1e-5) if rtol is None else check_positive(rtol, "rtol"),
            "atol": _ATOL.get(x.dtype, 1e-7) if atol is None else check_positive(atol, "atol"),
            "step_size": step_size,
        }

    def simulate(
        self,
        x0: Any,
        t: Any,
        method: str = "dopri5",
        rtol: float | None = None,
        atol: float | None = None,
        *,
        step_size: float | None = None,
        adjoint: bool = False,
    ) -> Any:
        """Trajectories from ``x0`` at the times ``t``, one batched torchdiffeq solve.

        Parameters
        ----------
        x0:
            Initial states ``(d,)`` or ``(B, d)``, finite.
        t:
            ``(T,)`` strictly increasing times, ``T >= 2``; ``t[0]`` is the time of ``x0``.
        method:
            A torchdiffeq solver (``hopfield.functional.continuous.SOLVERS``): adaptive ``"dopri5"``
            (default), ``"dopri8"``, ``"bosh3"``, ... or fixed-grid ``"euler"``, ``"rk4"``, ...
        rtol, atol:
            Adaptive methods' tolerances, held per trajectory (default 1e-7/1e-9 in float64,
            1e-5/1e-7 in float32).
        step_size:
            Fixed-grid methods' step (default: the grid ``t`` itself).
        adjoint:
            Backpropagate with the adjoint ODE (memory constant in the number of steps), for training.

        Returns
        -------
        ``(T, B, d)`` trajectories (``(T, d)`` for a ``(d,)`` state; NumPy for NumPy input).
        """
        xt, out = self._states(x0, "x0")
        tt = to_tensor(t, "t")
        check_rank(tt, "t", (1,), "(T,)")
        if tt.numel() < 2:
            raise ValueError(f"t must hold at least 2 time points, got {tt.numel()}")
        if not bool((tt[1:] > tt[:-1]).all()):
            raise ValueError(
                f"t must be strictly increasing, got {tt.tolist()[:8]}{'...' if len(tt) > 8 else ''}"
            )
        tt = tt.to(dtype=xt.dtype, device=xt.device)
        params = self._cast(xt)
        args = self._solver_args(xt, method, rtol, atol, step_size)
        traj = C.integrate(self._field(params), xt, tt, adjoint=bool(adjoint), params=params, **args)
        if out.squeeze:
            traj = traj[:, 0]
        return Output(numpy=out.numpy)(traj, batch_axis=False)

    def relax(
        self,
        x0: Any,
        tol: float | None = None,
        t_max: float | None = None,
        *,
        dt: float | None = None,
        method: str = "dopri5",
        rtol: float | None = None,
        atol: float | None = None,
        step_size: float | None = None,
    ) -> Retrieval:
        """Integrate from ``x0`` until ``max |dx/dt| < tol`` per trajectory, or until ``t_max``.

        ``tol`` defaults to 1e-8 (float64) or 1e-4 (float32); ``t_max`` to ``200 tau``; the speed is
        checked every ``dt`` (default ``tau / 10``). The solver's ``rtol``/``atol`` default to the
        smaller of :meth:`simulate`'s defaults and ``tol tau / 10``: the speed at a solved state is only
        as small as the state is accurate. Returns a :class:`hopfield.Retrieval` with ``state`` (the
        fixed point reached), ``steps`` (checks of the speed, ``time / dt``), ``converged``, ``energy``
        (the Lyapunov function at the state) and ``extras["time"]``, the time taken.
        """
        xt, out = self._states(x0, "x0")
        tol = _SPEED_TOL.get(xt.dtype, 1e-4) if tol is None else check_positive(tol, "tol")
        t_max = 200.0 * self.tau if t_max is None else check_positive(t_max, "t_max")
        dt = self.tau / 10 if dt is None else check_positive(dt, "dt")
        params = self._cast(xt)
        args = self._solver_args(xt, method, rtol, atol, step_size)
        floor = 0.1 * tol * self.tau
        if rtol is None:
            args["rtol"] = min(args["rtol"], floor)
        if atol is None:
            args["atol"] = min(args["atol"], floor)
        raw = C.relax(self._field(params), xt, tol, t_max, dt, **args)
        with torch.no_grad():
            e = self._relax_energy(raw.state, params)
        return Retrieval.build(
            out,
            state=raw.state,
            steps=raw.steps,
            converged=raw.converged,
            energy=e,
            extras={"time": raw.time},
        )


class ContinuousTimeHopfield(_ODENetwork):
    """Continuous-time Hopfield network ``tau dx/dt = -x + f(W x + b)`` (Definition 5 of 001).

    Parameters
    ----------
    weights:
        ``(d, d)`` weights ``W`` (the seed requires ``W`` symmetric for its energy; the dynamics run for
        any square ``W``, the energy raises for a non-symmetric one). Float (torch or NumPy).
    bias:
        ``(d,)`` bias ``b`` (default zeros).
    tau:
        Time constant, > 0.
    activation:
        ``"tanh"`` (default), ``"sigmoid"`` (into [0, 1]), ``"sign"`` (the infinite-gain limit of
        Remark 6: use a fixed-grid method) or a callable increasing elementwise torch function into
        ``[-1, 1]`` (its energy then comes from quadrature).

    Examples
    --------
    >>> import numpy as np
    >>> net = ContinuousTimeHopfield(np.array([[0.0, 2.0], [2.0, 0.0]]))
    >>> res = net.relax(np.array([0.3, 0.1]))
    >>> bool(res.converged), res.state.round(4)
    (True, array([0.9575, 0.9575]))
    >>> net.stability(res.state).verdict
    'stable'
    """

    def __init__(
        self,
        weights: Any,
        bias: Any = None,
        tau: float = 1.0,
        activation: str | Callable[[Tensor], Tensor] = "tanh",
    ) -> None:
        w = to_tensor(weights, "weights", allow_int=True)
        check_rank(w, "weights", (2,), "(d, d)")
        if w.shape[0] != w.shape[1] or w.shape[0] == 0:
            raise ValueError(f"weights must be a non-empty square (d, d) matrix, got shape {tuple(w.shape)}")
        if bias is None:
            b = torch.zeros(w.shape[0], dtype=w.dtype, device=w.device)
        else:
            b = to_tensor(bias, "bias", allow_int=True)
            check_rank(b, "bias", (1,), f"({w.shape[0]},)")
            check_dim(b, "bias", w.shape[0], "weights")
            b = b.to(dtype=w.dtype, device=w.device)
        self.weights, self.bias = w, b
        self.tau = check_positive(tau, "tau")
        self.activation = resolve_activation(activation)
        self.losses: Tensor | None = None

    @property
    def _params(self) -> tuple[Tensor, ...]:  # type: ignore[override]
        return (self.weights, self.bias)

    @property
    def symmetric(self) -> bool:
        """True when ``W = W^T`` to rounding (the seed's condition for Lemma 7 and Theorem 9)."""
        w = self.weights.detach()
        scale = max(1.0, float(w.abs().max()))
        return bool((w - w.T).abs().max() <= 64 * torch.finfo(w.dtype).eps * scale)

    def _field(self, params: tuple[Tensor, ...]) -> Callable[[Tensor], Tensor]:
        w, b = params
        return lambda x: C.velocity(x, w, b, self.tau, self.activation)

    def _require_symmetric(self, what: str) -> None:
        if not self.symmetric:
            raise ValueError(
                f"weights must be symmetric for {what} (Lemma 7 of 001 needs W = W^T), got "
                f"max |W - W^T| = {float((self.weights - self.weights.T).abs().max()):.3g}"
            )

    def _relax_energy(self, x: Tensor, params: tuple[Tensor, ...]) -> Tensor:
        if not self.symmetric:
            return torch.full(x.shape[:1], float("nan"), dtype=x.dtype, device=x.device)
        return C.lyapunov(x, *params, self.activation)

    def _jacobian(self, x: Tensor, params: tuple[Tensor, ...]) -> Tensor:
        return C.jacobian(x, *params, self.tau, self.activation)

    def _eigenvalues(self, x: Tensor, jac: Tensor, params: tuple[Tensor, ...]) -> Tensor:
        if not self.symmetric:
            return torch.linalg.eigvals(jac)
        # -I + D W with D = diag(f') >= 0 has the eigenvalues of -I + D^1/2 W D^1/2 (AB and BA share them).
        w, b = params
        s = self.activation.df(x @ w.T + b).clamp(min=0).sqrt()
        return (torch.linalg.eigvalsh(s[:, :, None] * w * s[:, None, :]) - 1) / self.tau

    def reconstruct(self, x: Any) -> Any:
        """``f(W x + b)``, the tied auto-encoder of §1.2.4 (001); one Euler step with ``dt = tau``."""
        xt, out = self._states(x, "x")
        return out(C.reconstruct(xt, *self._cast(xt), self.activation))

    def energy(self, y: Any) -> Any:
        """Energy of Lemma 7 (001) in the seed's variable ``y = f(W x + b)``:
        ``E(y) = -1/2 y^T W y - b^T y + sum_a int_{f(0)}^{y_a} f^-1`` (``+inf`` outside the range of f).

        At a fixed point ``y = x``; along a trajectory use :meth:`lyapunov`. ``(d,) -> scalar``,
        ``(B, d) -> (B,)``. Needs symmetric weights.
        """
        self._require_symmetric("the energy")
        yt, out = self._states(y, "y")
        return out(C.energy(yt, *self._cast(yt), self.activation))

    def lyapunov(self, x: Any) -> Any:
        """``E(f(W x + b))``, non-increasing along every trajectory (Lemma 7, Theorem 9 of 001)."""
        self._require_symmetric("the Lyapunov function")
        xt, out = self._states(x, "x")
        return out(C.lyapunov(xt, *self._cast(xt), self.activation))

    def energy_rate(self, x: Any) -> Any:
        """``dE/dt = -tau sum_a f'(a_a) (da_a/dt)^2 <= 0`` at ``x`` (proof of Lemma 7)."""
        self._require_symmetric("the energy rate")
        xt, out = self._states(x, "x")
        return out(C.energy_rate(xt, *self._cast(xt), self.tau, self.activation))

    # ------------------------------------------------------------------ learning (Corollary 10)
    @classmethod
    def from_patterns(
        cls,
        patterns: Any,
        *,
        tau: float = 1.0,
        activation: str | Callable[[Tensor], Tensor] = "tanh",
        init: str = "glorot",
        seed: int | torch.Generator | None = None,
        **fit_kwargs: Any,
    ) -> ContinuousTimeHopfield:
        """A network trained on ``patterns`` (N, d) by :meth:`fit`, starting from ``init``: ``"glorot"``
        (the seed's suggestion, seeded), ``"hebb"`` (``X X^T / N``, zero diagonal) or ``"zeros"``."""
        x = as_patterns(patterns)
        init = check_choice(init, "init", ("glorot", "hebb", "zeros"))
        dtype = x.dtype if x.dtype in (torch.float32, torch.float64) else torch.float64
        g = make_generator(seed)
        d = x.shape[1]
        if init == "glorot":
            w = C.glorot(d, g, dtype).to(x.device)
        elif init == "hebb":
            w = C.project(x.T.to(dtype) @ x.to(dtype) / x.shape[0])
        else:
            w = torch.zeros(d, d, dtype=dtype, device=x.device)
        net = cls(w, None, tau, activation)
        return net.fit(x, seed=g, **fit_kwargs)

    def fit(
        self,
        patterns: Any,
        epochs: int = 500,
        lr: float | None = None,
        *,
        optimizer: str = "adam",
        method: str = "algorithm2",
        dt: float = 0.1,
        solver: str = "rk4",
        step_size: float | None = None,
        batch_size: int | None = None,
        zero_diagonal: bool = True,
        adjoint: bool = False,
        seed: int | torch.Generator | None = None,
        progress: Callable[..., Any] | None = None,
    ) -> ContinuousTimeHopfield:
        """Train ``(W, b)`` so that the patterns become fixed points (Corollary 10 of 001); in place.

        ``method`` ``"algorithm2"`` minimizes ``|x - f(W x + b)|^2``; ``"algorithm3"`` minimizes
        ``|x - x(dt)|^2`` through an ODE solve over ``dt`` with ``solver`` (``adjoint`` for the adjoint
        method). After every step of ``optimizer`` (``"adam"``, ``"sgd"``) ``W`` is symmetrized and, with
        ``zero_diagonal`` (the corollary's condition, default), its diagonal zeroed. ``batch_size``
        patterns per step (all by default). Returns ``self``; ``self.losses`` holds the loss per epoch.

        ``lr`` defaults to ``0.5 / d``: an Adam step moves each drive ``a = W x + b`` by about ``lr d``,
        and larger moves push tanh into wrong-sign saturation, where its gradient vanishes and training
        stalls (the difficulty that Remark 4 of 001 meets with its softsign).
        """
        x = as_patterns(patterns).to(dtype=self.weights.dtype, device=self.weights.device)
        check_dim(x, "patterns", self.dim, "weights")
        epochs = check_int(epochs, "epochs")
        lr = 0.5 / self.dim if lr is None else check_positive(lr, "lr")
        C.OPTIMIZERS.get(optimizer)
        C.LEARNING_RULES.get(method)
        dt = check_positive(dt, "dt")
        C.SOLVERS.get(solver)
        if batch_size is not None:
            batch_size = check_int(batch_size, "batch_size")
        if step_size is not None:
            step_size = check_positive(step_size, "step_size")
        res = C.train(
            x,
            self.weights,
            self.bias,
            self.tau,
            self.activation,
            epochs=epochs,
            lr=lr,
            optimizer=optimizer,
            method=method,
            batch_size=batch_size,
            zero_diagonal=bool(zero_diagonal),
            generator=make_generator(seed),
            progress=progress or (lambda it, **kw: it),
            dt=dt,
            solver=solver,
            step_size=step_size,
            adjoint=bool(adjoint),
        )
        self.weights, self.bias, self.losses = res.weights, res.bias, res.losses
        self.__dict__.pop("_cache", None)
        return self

    def __repr__(self) -> str:
        return (
            f"ContinuousTimeHopfield(dim={self.dim}, tau={self.tau}, activation={self.activation.name!r}, "
            f"dtype={self.weights.dtype})"
        )


class ContinuousDenseMemory(_ODENetwork):
    """Continuous dense associative memory ``tau dx/dt = -x + W^T grad F(W x + b) + v`` (Theorem 12, 001).

    Parameters
    ----------
    weights:
        ``(n, d)``: the rows ``v_i`` are the memories (Example 15).
    bias:
        ``(n,)`` bias ``b`` (default zeros).
    v:
        ``(d,)`` constant input ``v`` (default zeros).
    tau:
        Time constant, > 0.
    interaction:
        ``"lse"`` (default; ``F(z) = beta^-1 ln sum exp(beta z)``, Examples 14-15), ``"sigmoid"``
        (``F = beta^-1 sum softplus(beta z)``, Example 13) or a callable ``F(z) (B, n) -> (B,)`` with a
        bounded gradient (autograd supplies its gradient and Hessian).
    beta:
        Inverse temperature of the named interactions, > 0.

    Examples
    --------
    >>> import numpy as np
    >>> mem = ContinuousDenseMemory(np.eye(3), beta=8.0)
    >>> mem.relax(np.array([0.9, 0.2, 0.1])).state.round(3)
    array([0.999, 0.   , 0.   ])
    """

    def __init__(
        self,
        weights: Any,
        bias: Any = None,
        v: Any = None,
        tau: float = 1.0,
        interaction: str | Callable[[Tensor], Tensor] = "lse",
        beta: float = 1.0,
    ) -> None:
        w = to_tensor(weights, "weights", allow_int=True)
        check_rank(w, "weights", (2,), "(n_memories, d)")
        if w.numel() == 0:
            raise ValueError(f"weights must be non-empty, got shape {tuple(w.shape)}")
        n, d = w.shape

        def vector(x: Any, name: str, size: int, other: str) -> Tensor:
            if x is None:
                return torch.zeros(size, dtype=w.dtype, device=w.device)
            t = to_tensor(x, name, allow_int=True)
            check_rank(t, name, (1,), f"({size},)")
            check_dim(t, name, size, other)
            return t.to(dtype=w.dtype, device=w.device)

        self.weights = w
        self.bias = vector(bias, "bias", n, "the rows of weights")
        self.v = vector(v, "v", d, "the columns of weights")
        self.tau = check_positive(tau, "tau")
        self.beta = check_positive(beta, "beta")
        if isinstance(interaction, str):
            self.interaction = D.INTERACTIONS.get(interaction)
        elif callable(interaction):
            self.interaction = D.callable_interaction(interaction)
        else:
            raise TypeError(
                f"interaction must be a name ({', '.join(map(repr, D.INTERACTIONS.names()))}) or a callable, "
                f"got {type(interaction).__name__}"
            )

    @property
    def _params(self) -> tuple[Tensor, ...]:  # type: ignore[override]
        return (self.weights, self.bias, self.v)

    @property
    def n_memories(self) -> int:
        """n, the number of rows of ``W``."""
        return self.weights.shape[0]

    def _field(self, params: tuple[Tensor, ...]) -> Callable[[Tensor], Tensor]:
        w, b, v = params
        return lambda x: D.velocity(x, w, b, v, self.tau, self.interaction, self.beta)

    def _relax_energy(self, x: Tensor, params: tuple[Tensor, ...]) -> Tensor:
        return D.energy(x, *params, self.interaction, self.beta)

    def _jacobian(self, x: Tensor, params: tuple[Tensor, ...]) -> Tensor:
        w, b, _ = params
        return D.jacobian(x, w, b, self.tau, self.interaction, self.beta)

    def energy(self, x: Any) -> Any:
        """``E(x) = 1/2 x^T x - v^T x - F(W x + b)`` (Theorem 12 of 001).

        ``(d,) -> scalar``, ``(B, d) -> (B,)``.
        """
        xt, out = self._states(x, "x")
        return out(D.energy(xt, *self._cast(xt), self.interaction, self.beta))

    def probabilities(self, x: Any) -> Any:
        """``p = softmax(beta (W x + b))`` over the memories (Example 15): ``(B, d) -> (B, n)``."""
        xt, out = self._states(x, "x")
        w, b, _ = self._cast(xt)
        return out(D.probabilities(xt, w, b, self.beta))

    def covariance(self, x: Any) -> Any:
        """``Cov_{p(x)}(v)`` of Lemma 16 (001): ``(B, d) -> (B, d, d)``; the ``"lse"`` Jacobian is
        ``(-I + beta Cov) / tau``."""
        xt, out = self._states(x, "x")
        w, b, _ = self._cast(xt)
        return out(D.covariance(xt, w, b, self.beta))

    def __repr__(self) -> str:
        return (
            f"ContinuousDenseMemory(n_memories={self.n_memories}, dim={self.dim}, tau={self.tau}, "
            f"interaction={self.interaction.name!r}, beta={self.beta}, dtype={self.weights.dtype})"
        )
