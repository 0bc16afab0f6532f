"""What the continuous-time networks share (seed 001 §1.2 and §2.1): ``simulate``, ``retrieve``,
``velocity``, ``jacobian``, ``stability`` over a batch of states, and the :class:`Stability` verdict.

:class:`ODENetwork` is the base of :class:`hopfield.ContinuousTimeHopfield` and
:class:`hopfield.ContinuousDenseMemory`: a subclass supplies its stored tensors (``_stored``), vector
field, energy and Jacobian; this class checks states, times and solver options (the input rule of
``docs/conventions.md``), and calls :mod:`hopfield.functional.continuous_ode` (solvers by name, default
``"dopri5-batched"``). Half-precision states are computed in float32 (adaptive steps need more than 3
digits) and the results cast back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from hopfield._arrays import Output
from hopfield._deprecation import deprecated_alias, renamed_arguments
from hopfield._errors import input_error
from hopfield._network import Network
from hopfield._result import Retrieval
from hopfield._tolerances import compute_dtype, tolerances
from hopfield._validate import (
    as_input,
    as_states,
    check_bool,
    check_increasing,
    check_int,
    check_optional_int,
    check_positive,
    check_seed,
)
from hopfield.functional import continuous_ode as ode

__all__ = ["ODENetwork", "Stability", "solver_options"]


def solver_options(
    dtype: torch.dtype,
    method: object,
    rtol: object,
    atol: object,
    step_size: object,
    adjoint: object = False,
    max_evals: object = ode.DEFAULT_MAX_EVALS,
    method_name: str = "method",
) -> dict[str, Any]:
    """Checked solver options for states of ``dtype`` (``rtol``/``atol`` ``None``: the dtype's defaults).

    ``rtol`` must be at least 10 machine epsilons of ``dtype`` (no solver resolves less); ``step_size``
    applies to fixed-grid methods only; ``adjoint`` needs a torchdiffeq method.
    """
    if not isinstance(method, str) or method not in ode.SOLVERS:
        expected = f"a known ODE solver (one of {', '.join(map(repr, ode.SOLVERS.names()))})"
        raise input_error(method_name, expected, repr(method))
    solver = ode.SOLVERS.get(method)
    if check_bool(adjoint, "adjoint") and solver.backend != "torchdiffeq":
        valid = ", ".join(repr(n) for n in ode.SOLVERS.names() if ode.SOLVERS.get(n).backend == "torchdiffeq")
        expected = f"False with {method_name} {method!r} (the adjoint method needs one of {valid})"
        raise input_error("adjoint", expected, True)
    if step_size is not None:
        if not solver.fixed:
            fixed = ", ".join(repr(n) for n in ode.SOLVERS.names() if ode.SOLVERS.get(n).fixed)
            expected = f"None for the adaptive {method_name} {method!r} (it applies to {fixed})"
            raise input_error("step_size", expected, step_size)
        step_size = check_positive(step_size, "step_size")
    tols = tolerances(dtype)
    floor = 10 * tols.eps
    rtol = tols.ode_rtol if rtol is None else check_positive(rtol, "rtol")
    if rtol < floor:
        raise input_error("rtol", f"at least {floor:.3g} (10 machine epsilons of {dtype})", rtol)
    return {
        "method": method,
        "rtol": rtol,
        "atol": tols.ode_atol if atol is None else check_positive(atol, "atol"),
        "step_size": step_size,
        "max_evals": check_int(max_evals, "max_evals"),
    }


@dataclass(frozen=True)
class Stability:
    """Linear stability at states ``x`` (001 §1.2.5, Lemma 16). Shapes for a ``(B, d)`` batch.

    Attributes
    ----------
    eigenvalues:
        ``(B, d)`` eigenvalues of the Jacobian of ``dx/dt``: real and ascending when the Jacobian is
        similar to a symmetric matrix (symmetric ``W``), complex otherwise (complex64 for float32 and
        half-precision states, complex128 for float64).
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


class ODENetwork(Network):
    """What both continuous networks share: state handling, ``simulate``, ``retrieve``, ``stability``.

    Subclasses set ``_stored`` (the weights first), ``tau`` and the hooks ``_field``, ``_relax_energy``,
    ``_jacobian`` (and ``_eigenvalues`` where the Jacobian has structure).
    """

    tau: float
    weights: Tensor

    @property
    def dim(self) -> int:
        """d, the dimension of a state."""
        return int(self.weights.shape[-1])

    def _params(self, x: Tensor) -> tuple[Tensor, ...]:
        """The stored tensors in the dtype and on the device of ``x``: cast through the bounded cache,
        or afresh when they carry gradients (training through ``simulate``)."""
        stored = tuple(getattr(self, n) for n in self._stored)
        key = (x.dtype, x.device)
        if (stored[0].dtype, stored[0].device) == key:
            return stored

        def make() -> tuple[Tensor, ...]:
            return tuple(p.to(dtype=key[0], device=key[1]) for p in stored)

        return make() if any(p.requires_grad for p in stored) else self._cast(key, make)

    def _states(self, state: Any, name: str = "state") -> tuple[Tensor, Output]:
        t, out = as_states(state, self.dim, name, device=self.device, other="weights")
        return t.to(compute_dtype(t.dtype)), out

    # subclasses: the vector field, the energy reported by retrieve, the Jacobian and its eigenvalues
    def _field(self, params: tuple[Tensor, ...]) -> Callable[[Tensor], Tensor]:
        raise NotImplementedError

    def _relax_energy(self, x: Tensor, params: tuple[Tensor, ...]) -> Tensor | None:
        raise NotImplementedError

    def _jacobian(self, x: Tensor, params: tuple[Tensor, ...]) -> Tensor:
        raise NotImplementedError

    def _eigenvalues(self, x: Tensor, jac: Tensor, params: tuple[Tensor, ...]) -> Tensor:
        eig: Tensor = torch.linalg.eigvalsh(jac)
        return eig

    @renamed_arguments(x="state")
    def velocity(self, state: Any) -> Any:
        """``dx/dt`` at each state: ``(d,) -> (d,)``, ``(B, d) -> (B, d)``."""
        xt, out = self._states(state)
        return out(self._field(self._params(xt))(xt))

    @renamed_arguments(x="state")
    def jacobian(self, state: Any) -> Any:
        """The Jacobian ``d(dx/dt)/dx`` at each state: ``(d,) -> (d, d)``, ``(B, d) -> (B, d, d)``."""
        xt, out = self._states(state)
        return out(self._jacobian(xt, self._params(xt)))

    @renamed_arguments(x="state")
    def stability(self, state: Any, *, tol: float | None = None) -> Stability:
        """Eigenvalues of the Jacobian at ``state`` (meant for fixed points, e.g. ``retrieve(...).state``)
        and a verdict; ``tol`` (default 1e-9 in float64, 1e-5 in float32: ``hopfield._tolerances``) is
        the margin around 0."""
        xt, out = self._states(state)
        tol = tolerances(xt.dtype).eig if tol is None else check_positive(tol, "tol")
        params = self._params(xt)
        with torch.no_grad():
            jac = self._jacobian(xt, params)
            eig = self._eigenvalues(xt, jac, params)
            max_real = (eig.real if eig.is_complex() else eig).amax(dim=-1)
            speed = self._field(params)(xt).abs().amax(dim=-1)
        words = ["stable" if m < -tol else "unstable" if m > tol else "marginal" for m in max_real.tolist()]
        return Stability(
            out(eig), out(max_real), out(speed), out(max_real < -tol), words[0] if out.squeeze else words
        )

    @renamed_arguments(x0="state")
    def simulate(
        self,
        state: Any,
        t: Any,
        *,
        method: str = ode.DEFAULT_METHOD,
        rtol: float | None = None,
        atol: float | None = None,
        step_size: float | None = None,
        adjoint: bool = False,
        max_evals: int = ode.DEFAULT_MAX_EVALS,
    ) -> Any:
        """Trajectories from ``state`` at the times ``t``, all rows in one batched solve.

        Parameters
        ----------
        state:
            Initial states ``(d,)`` or ``(B, d)``, finite.
        t:
            ``(T,)`` strictly increasing times, ``T >= 2`` (any real dtype; cast to the states' dtype);
            ``t[0]`` is the time of ``state``.
        method:
            A solver of ``hopfield.functional.continuous.SOLVERS``: ``"dopri5-batched"`` (default;
            Dormand-Prince 5(4) with a step size of its own for every trajectory) or a torchdiffeq
            solver, adaptive ``"dopri5"``, ``"dopri8"``, ``"bosh3"``, ... (one step size for the batch)
            or fixed-grid ``"euler"``, ``"rk4"``, ...
        rtol, atol:
            Adaptive methods' tolerances, held per trajectory (default 1e-7/1e-9 in float64,
            1e-5/1e-7 in float32 and half precision); ``rtol`` at least 10 machine epsilons.
        step_size:
            Fixed-grid methods' step (default: the grid ``t`` itself).
        adjoint:
            Backpropagate with the adjoint ODE (memory constant in the number of steps), for training;
            torchdiffeq methods only (``method="dopri5"``). Without it, autograd backpropagates
            through the solver's steps (any method).
        max_evals:
            Most evaluations of ``dx/dt`` per trajectory; more raise
            :class:`~hopfield.HopfieldBudgetError` (stiff dynamics, e.g. a tiny ``tau``, or a huge span).

        Returns
        -------
        ``(T, B, d)`` trajectories (``(T, d)`` for a ``(d,)`` state; NumPy for NumPy input; the
        states' dtype).
        """
        xt, out = self._states(state)
        tt, _ = as_input(t, "t", kind="any", ranks=(1,), shape="(T,)", batch=False, dtype=torch.float64)
        tt = check_increasing(tt.to(dtype=xt.dtype, device=xt.device), "t")
        opts = solver_options(xt.dtype, method, rtol, atol, step_size, adjoint, max_evals)
        params = self._params(xt)
        traj = ode.integrate(self._field(params), xt, tt, adjoint=adjoint, params=params, **opts)
        return out(traj[:, 0] if out.squeeze else traj, batch_axis=False)

    @renamed_arguments(x0="state")
    def retrieve(
        self,
        state: Any,
        *,
        max_steps: int | None = None,
        tol: float | None = None,
        seed: int | torch.Generator | None = None,
        t_max: float | None = None,
        dt: float | None = None,
        method: str = ode.DEFAULT_METHOD,
        rtol: float | None = None,
        atol: float | None = None,
        step_size: float | None = None,
        max_evals: int = ode.DEFAULT_MAX_EVALS,
    ) -> Retrieval:
        """Relax each state: integrate until ``max |dx/dt| < tol`` per trajectory, or ``t_max``.

        Parameters
        ----------
        state:
            Initial states ``(d,)`` or ``(B, d)``.
        max_steps:
            At most this many checks of the speed (one every ``dt``); default ``ceil(t_max / dt)``.
        tol:
            Speed below which a trajectory has stopped; default 1e-8 (float64) or 1e-4 (float32 and
            half precision), ``hopfield._tolerances``.
        seed:
            Accepted for a uniform API; the dynamics are deterministic and use no randomness.
        t_max, dt:
            Longest time (default ``200 tau``) and the interval between speed checks (default
            ``tau / 10``).
        method, rtol, atol, step_size:
            The solver, as in :meth:`simulate`. ``rtol``/``atol`` default to the smaller of
            :meth:`simulate`'s defaults and ``tol tau / 10`` (the speed at a solved state is only as
            small as the state is accurate), ``rtol`` no lower than 10 machine epsilons.
        max_evals:
            Most evaluations of ``dx/dt`` per trajectory over the whole relaxation; more raise
            :class:`~hopfield.HopfieldBudgetError`.

        Returns
        -------
        Retrieval
            ``state`` (the fixed point reached), ``steps`` (speed checks, ``time / dt``),
            ``converged``, ``energy`` (the Lyapunov function at the state), ``cycle`` (all False) and
            ``extras["time"]``, the time taken.
        """
        check_seed(seed)
        max_steps = check_optional_int(max_steps, "max_steps")
        xt, out = self._states(state)
        tol = tolerances(xt.dtype).speed if tol is None else check_positive(tol, "tol")
        t_max = 200.0 * self.tau if t_max is None else check_positive(t_max, "t_max")
        dt = self.tau / 10 if dt is None else check_positive(dt, "dt")
        opts = solver_options(xt.dtype, method, rtol, atol, step_size, False, max_evals)
        floor = 0.1 * tol * self.tau
        info = torch.finfo(xt.dtype)
        if rtol is None:
            opts["rtol"] = max(min(opts["rtol"], floor), 10 * info.eps)
        if atol is None:
            opts["atol"] = max(min(opts["atol"], floor), info.tiny)
        params = self._params(xt)
        raw = ode.relax(self._field(params), xt, tol, t_max, dt, max_steps=max_steps, **opts)
        with torch.no_grad():
            energy = self._relax_energy(raw.state, params)
        return Retrieval.from_raw(raw, out, energy)

    @deprecated_alias("retrieve")
    def relax(self, state: Any = None, **options: Any) -> Retrieval:
        """Deprecated name of :meth:`retrieve` (kept one release; warns with ``FutureWarning``)."""
        raise NotImplementedError
