"""What the continuous-time networks share (seed 001 §1.2 and §2.1): ``simulate``, ``relax``,
``velocity``, ``jacobian``, ``stability`` over a batch of states, and the :class:`Stability` verdict.

``_ODENetwork`` is the base of :class:`hopfield.ContinuousTimeHopfield` and
:class:`hopfield.ContinuousDenseMemory`: a subclass supplies its parameters, vector field, energy and
Jacobian; this class validates states, times and solver arguments, and calls
:mod:`hopfield.functional.continuous_ode` (solvers by name, default ``"dopri5-batched"``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from hopfield._arrays import Output
from hopfield._result import Retrieval
from hopfield._validate import as_states, check_positive, check_rank, to_tensor
from hopfield.functional import continuous_ode as ode

__all__ = ["Stability"]

_RTOL = {torch.float64: 1e-7, torch.float32: 1e-5}
_ATOL = {torch.float64: 1e-9, torch.float32: 1e-7}
_SPEED_TOL = {torch.float64: 1e-8, torch.float32: 1e-4}
_EIG_TOL = {torch.float64: 1e-9, torch.float32: 1e-5}


def _check_adjoint(method: str, adjoint: bool, name: str = "method") -> None:
    """The adjoint method is torchdiffeq's: a ``ValueError`` naming the methods that have it."""
    if adjoint and ode.SOLVERS.get(method).backend != "torchdiffeq":
        valid = [n for n in ode.SOLVERS.names() if ode.SOLVERS.get(n).backend == "torchdiffeq"]
        raise ValueError(
            f"adjoint=True needs a torchdiffeq {name} (one of {', '.join(map(repr, valid))}), "
            f"got {name} {method!r}"
        )


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
        self,
        x: Tensor,
        method: str,
        rtol: float | None,
        atol: float | None,
        step_size: float | None,
        adjoint: bool = False,
    ) -> dict[str, Any]:
        solver = ode.SOLVERS.get(method)
        _check_adjoint(method, adjoint)
        if step_size is not None:
            if not solver.fixed:
                fixed = [n for n in ode.SOLVERS.names() if ode.SOLVERS.get(n).fixed]
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
        method: str = ode.DEFAULT_METHOD,
        rtol: float | None = None,
        atol: float | None = None,
        *,
        step_size: float | None = None,
        adjoint: bool = False,
    ) -> Any:
        """Trajectories from ``x0`` at the times ``t``, all rows in one batched solve.

        Parameters
        ----------
        x0:
            Initial states ``(d,)`` or ``(B, d)``, finite.
        t:
            ``(T,)`` strictly increasing times, ``T >= 2``; ``t[0]`` is the time of ``x0``.
        method:
            A solver of ``hopfield.functional.continuous.SOLVERS``: ``"dopri5-batched"`` (default;
            Dormand-Prince 5(4) with a step size of its own for every trajectory) or a torchdiffeq
            solver, adaptive ``"dopri5"``, ``"dopri8"``, ``"bosh3"``, ... (one step size for the batch)
            or fixed-grid ``"euler"``, ``"rk4"``, ...
        rtol, atol:
            Adaptive methods' tolerances, held per trajectory (default 1e-7/1e-9 in float64,
            1e-5/1e-7 in float32).
        step_size:
            Fixed-grid methods' step (default: the grid ``t`` itself).
        adjoint:
            Backpropagate with the adjoint ODE (memory constant in the number of steps), for training;
            torchdiffeq methods only (``method="dopri5"``). Without it, autograd backpropagates
            through the solver's steps (any method).

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
        args = self._solver_args(xt, method, rtol, atol, step_size, bool(adjoint))
        traj = ode.integrate(self._field(params), xt, tt, adjoint=bool(adjoint), params=params, **args)
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
        method: str = ode.DEFAULT_METHOD,
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
        raw = ode.relax(self._field(params), xt, tol, t_max, dt, **args)
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
