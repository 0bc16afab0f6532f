"""Continuous-time Hopfield network solved as an ODE (seed 001 §1.2), thin class.

:class:`ContinuousTimeHopfield`: ``tau dx/dt = -x + f(W x + b)`` (Definition 5), its Lyapunov energy
(Lemma 7), stability of fixed points (§1.2.5) and learning (Corollary 10, Algorithms 2 and 3). The
continuous dense associative memory of §2.1 is :class:`hopfield.ContinuousDenseMemory`
(:mod:`hopfield.continuous_dense`); both share ``_ODENetwork``: a batch ``(B, d)`` of trajectories is
integrated in one solve (by default ``"dopri5-batched"``, a step size per trajectory); ``simulate``
returns ``(T, B, d)`` trajectories and ``relax`` integrates until ``max |dx/dt| < tol`` and returns a
:class:`hopfield.Retrieval`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor

from hopfield._ode_network import Stability, _check_adjoint, _ODENetwork
from hopfield._random import make_generator
from hopfield._validate import (
    as_patterns,
    check_choice,
    check_dim,
    check_int,
    check_positive,
    check_rank,
    to_tensor,
)
from hopfield.functional import continuous as C

__all__ = ["ContinuousTimeHopfield", "Stability", "resolve_activation"]


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
        _check_adjoint(solver, adjoint, "solver")
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
