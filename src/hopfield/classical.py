"""``ClassicalHopfield``: the classical binary Hopfield network (001 §1.1, 003 §2.1), a thin class.

The functions it calls live in :mod:`hopfield.functional.classical`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import torch
from torch import Tensor

from hopfield._arrays import Output
from hopfield._random import make_generator
from hopfield._result import Retrieval
from hopfield._validate import (
    as_patterns,
    as_states,
    check_binary,
    check_choice,
    check_dim,
    check_int,
    check_nonnegative,
    check_positive,
    check_rank,
    to_tensor,
)
from hopfield.functional import classical as F
from hopfield.functional.classical import DYNAMICS, LEARNING_RULES, Couplings
from hopfield.functional.classical_dynamics import SMALL_WORK, one_thread

__all__ = ["DYNAMICS", "LEARNING_RULES", "ORDERS", "ClassicalHopfield", "GlauberResult"]

#: Neuron orders of a sequential sweep.
ORDERS = ("random", "fixed")


def _bool(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return value


def _optimizer(value: object, name: str) -> type[torch.optim.Optimizer]:
    if isinstance(value, str):
        return F.optimizer_class(value)
    if isinstance(value, type) and issubclass(value, torch.optim.Optimizer):
        return value
    raise TypeError(f"{name} must be a torch.optim optimizer class or its name, got {value!r}")


def _lr(value: object, name: str) -> float | None:
    return None if value is None else check_positive(value, name)


#: The options each learning rule accepts from ``ClassicalHopfield(..., **rule_options)``, with checks.
RULE_OPTIONS: dict[str, dict[str, Callable[[Any, str], Any]]] = {
    "hebb": {},
    "storkey": {},
    "pseudoinverse": {"zero_diagonal": _bool},
    "gradient": {
        "temperature": check_positive,
        "optimizer": _optimizer,
        "lr": _lr,
        "steps": lambda v, n: check_int(v, n),
        "init": lambda v, n: check_choice(v, n, ("hebb", "zeros", "glorot")),
        "margin": check_nonnegative,
        "learn_bias": _bool,
        "surrogate": lambda v, n: check_choice(v, n, tuple(F.SURROGATES)),
        "seed": lambda v, n: make_generator(v),
    },
}


def _binary(x: Tensor, name: str, zero_one: bool) -> Tensor:
    """±1 entries (or {0, 1} mapped to ±1 when ``zero_one``); raises naming ``name``."""
    if not zero_one:
        return check_binary(x, name)
    bad = (x != 0) & (x != 1)
    if bool(bad.any()):
        raise ValueError(
            f"{name} must have entries in {{0, 1}} (zero_one=True), got {int(bad.sum())} other entries "
            f"(e.g. {x[bad].flatten()[0].item()!r})"
        )
    return 2 * x - 1


@dataclass(frozen=True)
class GlauberResult:
    """Output of :meth:`ClassicalHopfield.glauber` (NumPy for NumPy input; (d,) input drops ``B``).

    Attributes
    ----------
    state:
        (B, d) states after the last sweep.
    mean_overlaps:
        (B, P) Mattis magnetizations averaged over the sweeps after ``burn_in`` (None without patterns).
    overlaps:
        (n_sweeps, B, P) magnetizations after every sweep (``record=True``).
    energy:
        (n_sweeps, B) energies after every sweep (``record=True``).
    """

    state: Any
    mean_overlaps: Any = None
    overlaps: Any = None
    energy: Any = None


class ClassicalHopfield:
    """The classical binary Hopfield network: d neurons in {-1, +1}, weights ``W`` and bias ``h``.

    Built from stored patterns with a learning rule, or from explicit ``weights=``/``bias=``.

    Parameters
    ----------
    patterns:
        Stored patterns as rows, ``(P, d)``, entries ±1 (integers or floats; torch or NumPy). The seeds'
        ``X`` is ``patterns.T``. Kept for :meth:`overlaps` also when ``weights`` are given.
    rule:
        Learning rule, a name from :data:`LEARNING_RULES`: ``"hebb"`` (003 Definition 2.1.4),
        ``"storkey"``, ``"pseudoinverse"`` (projection rule) or ``"gradient"`` (001 Algorithm 1).
    weights:
        Explicit ``W`` (d, d) instead of a rule. It must be symmetric with a non-negative diagonal (the
        conditions of 001 Lemma 2 / 003 Lemma 2.1.1 under which asynchronous dynamics converge) unless
        ``allow_asymmetric=True``.
    bias:
        Explicit bias (threshold) ``h`` (d,): the field is ``W s + h``, the energy ``-1/2 s^T W s - h^T s``.
        Replaces the rule's bias (zero, or the one the gradient rule learns).
    zero_one:
        Accept patterns and states in {0, 1} (mapped to ±1 by ``2x - 1``), and return states in {0, 1}.
    allow_asymmetric:
        Accept ``weights`` that are not symmetric or have negative diagonal entries; dynamics then run
        but may not converge.
    **rule_options:
        Options of the rule: ``zero_diagonal`` (pseudoinverse, default True); ``temperature``,
        ``optimizer`` (a ``torch.optim`` class or name), ``lr``, ``steps``, ``init``, ``margin``,
        ``learn_bias``, ``surrogate``, ``seed`` (gradient, see
        :func:`hopfield.functional.classical.gradient_rule`).

    Computation happens in the dtype and on the device of the states passed in (integer or NumPy
    states take the network's). The zero field rule: a neuron whose field is exactly 0 keeps its state.
    The Hebb rule is stored exactly (integer ``X^T X - P I`` times ``1/d``), factored when ``P < d/2``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[1, -1, 1, -1, 1, -1], [1, 1, 1, -1, -1, -1]])
    >>> net = ClassicalHopfield(x, rule="pseudoinverse")
    >>> net.retrieve(np.array([1, -1, 1, -1, 1, 1]), dynamics="async", seed=0).state
    array([ 1, -1,  1, -1,  1, -1])
    """

    def __init__(
        self,
        patterns: Any = None,
        rule: str = "hebb",
        *,
        weights: Any = None,
        bias: Any = None,
        zero_one: bool = False,
        allow_asymmetric: bool = False,
        **rule_options: Any,
    ) -> None:
        self.zero_one = _bool(zero_one, "zero_one")
        self.allow_asymmetric = _bool(allow_asymmetric, "allow_asymmetric")
        if patterns is None and weights is None:
            raise ValueError("patterns or weights must be given, got neither")
        self.patterns: Tensor | None = None
        if patterns is not None:
            x = as_patterns(patterns, "patterns", allow_int=True)
            self.patterns = _binary(x, "patterns", self.zero_one)
        self.rule: str | None = None
        couplings: Couplings | None = None
        if weights is not None:
            if rule_options:
                raise ValueError(
                    f"rule options ({', '.join(sorted(rule_options))}) only apply when learning from "
                    "patterns, but weights were given"
                )
            w: Tensor | None = self._check_weights(weights)
            b = w.new_zeros(w.shape[0])
        else:
            assert self.patterns is not None
            LEARNING_RULES.get(rule)
            self.rule = rule
            options = self._check_options(rule, rule_options)
            if rule == "hebb":  # exact integer couplings, factored when P < d/2; W made on request
                couplings = Couplings.hebb(self.patterns)
                w, b = None, couplings.bias
            else:
                d = self.patterns.shape[1]
                with one_thread(self.patterns.shape[0] * d * d < 64 * SMALL_WORK):
                    w, b = self._learn(rule, options)
        if bias is not None:
            d = b.shape[0]
            b = to_tensor(bias, "bias", allow_int=True).to(dtype=b.dtype, device=b.device)
            check_rank(b, "bias", (1,), f"({d},)")
            check_dim(b, "bias", d, "weights")
        self.bias: Tensor = b
        if couplings is None:
            assert w is not None
            couplings = Couplings.dense(w, b)
        else:
            couplings = replace(couplings, bias=b)
        self._couplings = couplings
        self._weights: Tensor | None = w
        self._cache: dict[tuple[torch.dtype, torch.device], Couplings] = {}

    # ------------------------------------------------------------------ construction helpers
    def _check_weights(self, weights: Any) -> Tensor:
        w = to_tensor(weights, "weights", allow_int=True)
        check_rank(w, "weights", (2,), "(d, d)")
        if w.shape[0] != w.shape[1] or w.shape[0] == 0:
            raise ValueError(f"weights must have shape (d, d), got shape {tuple(w.shape)}")
        if self.patterns is not None:
            check_dim(w, "weights", self.patterns.shape[1], "patterns")
            self.patterns = self.patterns.to(w.dtype)
        if self.allow_asymmetric:
            return w
        scale = float(w.abs().amax()) or 1.0
        atol = (1e-12 if w.dtype == torch.float64 else 1e-6) * scale
        gap = float((w - w.T).abs().amax())
        if gap > atol:
            raise ValueError(
                f"weights must be symmetric (asynchronous dynamics are guaranteed to converge only then, "
                f"001 Lemma 2); got max |W - W^T| = {gap:.3g}. Pass allow_asymmetric=True to use them anyway"
            )
        diag = w.diagonal()
        if bool((diag < 0).any()):
            raise ValueError(
                f"weights must have a non-negative diagonal (003 Lemma 2.1.1), got min W_ii = "
                f"{float(diag.min()):.3g}. Pass allow_asymmetric=True to use them anyway"
            )
        return (w + w.T) / 2

    @staticmethod
    def _check_options(rule: str, options: dict[str, Any]) -> dict[str, Any]:
        valid = RULE_OPTIONS[rule]
        checked = {}
        for name, value in options.items():
            if name not in valid:
                names = ", ".join(sorted(valid)) or "none"
                raise ValueError(f"rule {rule!r} has no option {name!r}; its options: {names}")
            checked[name] = valid[name](value, name)
        if "seed" in checked:
            checked["generator"] = checked.pop("seed")
        return checked

    def _learn(self, rule: str, options: dict[str, Any]) -> tuple[Tensor, Tensor]:
        x = self.patterns
        assert x is not None
        if rule == "gradient":
            return F.gradient_rule(x, **options)
        w, b = LEARNING_RULES.get(rule)(x.to(torch.float64), **options)  # learned in float64
        return w.to(x.dtype), b.to(x.dtype)

    # ------------------------------------------------------------------ attributes
    @property
    def weights(self) -> Tensor:
        """``W`` (d, d) (materialized on first use for the factored Hebb form)."""
        if self._weights is None:
            self._weights = self._couplings.weights()
        return self._weights

    @property
    def dim(self) -> int:
        """d, the number of neurons."""
        return self._couplings.dim

    @property
    def n_patterns(self) -> int:
        """P, the number of stored patterns (0 without patterns)."""
        return 0 if self.patterns is None else self.patterns.shape[0]

    @property
    def couplings(self) -> Couplings:
        """The :class:`~hopfield.functional.classical.Couplings` the functional core uses."""
        return self._couplings

    # ------------------------------------------------------------------ helpers
    def _states(self, states: Any, name: str = "states") -> tuple[Tensor, Couplings, Output]:
        integer = isinstance(states, Tensor) and not torch.is_floating_point(states)
        s, out = as_states(states, self.dim, name, allow_int=True)
        dtype = self._couplings.bias.dtype
        if out.numpy:
            s = s.to(dtype=dtype, device=self._couplings.bias.device)
        elif integer:
            s = s.to(dtype)
        s = _binary(s, name, self.zero_one)
        key = (s.dtype, s.device)
        if key not in self._cache:
            self._cache[key] = self._couplings.to(s.dtype, s.device)
        return s, self._cache[key], out

    def _small(self, s: Tensor) -> Any:
        """One intra-op thread for small problems (see ``classical_dynamics.one_thread``)."""
        c = self._couplings
        width = 2 * c.factors.shape[0] if c.factors is not None else self.dim
        return one_thread(s.shape[0] * self.dim * width < SMALL_WORK)

    def _out_states(self, s: Tensor) -> Tensor:
        return (s + 1) / 2 if self.zero_one else s

    # ------------------------------------------------------------------ the network
    def energy(self, states: Any) -> Any:
        """Lyapunov function ``L = -1/2 s^T W s - h^T s`` (003 Lemma 2.1.1, 001 Lemma 2): (B,) or scalar."""
        s, c, out = self._states(states)
        with self._small(s):
            return out(F.energy(s, c))

    def local_field(self, states: Any) -> Any:
        """Local field ``phi = W s + h`` (003 Definition 2.1.2); same shape as ``states``."""
        s, c, out = self._states(states)
        with self._small(s):
            return out(F.local_field(s, c))

    def overlaps(self, states: Any, patterns: Any = None) -> Any:
        """Mattis magnetizations ``m_mu = (1/d) sum_i x^mu_i s_i`` (003 Definition 2.2.7): (B, P).

        Uses the stored patterns, or ``patterns`` (P, d) ±1 if given.
        """
        s, _, out = self._states(states)
        if patterns is None:
            if self.patterns is None:
                raise ValueError("patterns must be given: this network was built from weights only")
            x = self.patterns
        else:
            x = _binary(as_patterns(patterns, "patterns", allow_int=True), "patterns", self.zero_one)
            check_dim(x, "patterns", self.dim, "weights")
        return out(F.overlaps(s, x.to(dtype=s.dtype, device=s.device)))

    def is_fixed_point(self, states: Any) -> Any:
        """True where no neuron would change (every ``phi_i s_i > 0`` or ``phi_i = 0``): (B,) bool."""
        s, c, out = self._states(states)
        with self._small(s):
            return out(F.is_fixed_point(s, c))

    def retrieve(
        self,
        states: Any,
        dynamics: str = "async",
        temperature: float = 0.0,
        max_sweeps: int = 100,
        seed: int | torch.Generator | None = None,
        order: str = "random",
    ) -> Retrieval:
        """Run the dynamics from ``states`` (d,) or (B, d): B independent trajectories at once.

        Parameters
        ----------
        dynamics:
            ``"sync"`` (parallel; stops at a fixed point or a 2-cycle, 001 Theorem 3), ``"async"``
            (sequential sweeps; stops after a sweep without a flip) or ``"glauber"`` (stochastic
            sequential dynamics at ``temperature``, 003 Definition 2.1.5; runs all ``max_sweeps``).
        temperature:
            ``T >= 0`` for ``"glauber"`` (``T = 0`` is ``"async"``); must be 0 for the other dynamics.
        max_sweeps:
            At most this many sweeps (a sweep updates every neuron once; one parallel update is a sweep).
        seed:
            Int, ``torch.Generator`` or None: the neuron orders and the Glauber noise.
        order:
            ``"random"``: a fresh random order per sweep (shared by the batch); ``"fixed"``: 0..d-1.

        Returns
        -------
        Retrieval
            ``state`` (final states), ``steps`` (sweeps), ``converged`` (a fixed point was reached; for
            Glauber: the final state is a fixed point of the zero-temperature dynamics), ``energy``,
            ``cycle`` (sync only: ended in a 2-cycle).
        """
        fn = DYNAMICS.get(dynamics)
        temperature = check_nonnegative(temperature, "temperature")
        if temperature > 0 and dynamics != "glauber":
            raise ValueError(
                f"temperature must be 0 for dynamics={dynamics!r} (only 'glauber' is stochastic), "
                f"got {temperature!r}"
            )
        max_sweeps = check_int(max_sweeps, "max_sweeps")
        order = check_choice(order, "order", ORDERS)
        s, c, out = self._states(states)
        gen = make_generator(seed, s.device)
        raw = fn(s, c, max_sweeps, gen, order, temperature, F.DEFAULT_BLOCK)
        energy = raw.energy
        if energy is None:
            with self._small(s):
                energy = F.energy(raw.state, c)
        return Retrieval.build(
            out,
            state=self._out_states(raw.state),
            steps=raw.steps,
            converged=raw.converged,
            energy=energy,
            cycle=raw.cycle,
        )

    def glauber(
        self,
        states: Any,
        temperature: float,
        n_sweeps: int,
        *,
        burn_in: int = 0,
        seed: int | torch.Generator | None = None,
        order: str = "random",
        record: bool = False,
    ) -> GlauberResult:
        """Run ``n_sweeps`` Glauber sweeps of B chains and average their Mattis magnetizations.

        The equilibrium measurement of 003 §2.2: with ``burn_in`` sweeps discarded, ``mean_overlaps`` is
        the time average of ``m_mu`` per chain (stored patterns needed); ``record=True`` also returns
        the per-sweep overlaps and energies. See :func:`hopfield.functional.classical.glauber_sweeps`.
        """
        temperature = check_nonnegative(temperature, "temperature")
        n_sweeps = check_int(n_sweeps, "n_sweeps")
        burn_in = check_int(burn_in, "burn_in", minimum=0)
        if burn_in >= n_sweeps:
            raise ValueError(f"burn_in must be smaller than n_sweeps={n_sweeps}, got {burn_in}")
        order = check_choice(order, "order", ORDERS)
        record = _bool(record, "record")
        s, c, out = self._states(states)
        gen = make_generator(seed, s.device)
        x = None
        if self.patterns is not None:
            x = c.factors if c.factored else self.patterns.to(dtype=s.dtype, device=s.device)
        tr = F.glauber_sweeps(
            s, c, temperature, n_sweeps, gen, patterns=x, burn_in=burn_in, record=record, order=order
        )

        def timed(t: Tensor | None) -> Any:  # (n, B, ...) -> drop B for a (d,) input
            if t is None:
                return None
            t = t[:, 0] if out.squeeze else t
            return t.detach().cpu().numpy() if out.numpy else t

        return GlauberResult(
            state=out(self._out_states(tr.state)),
            mean_overlaps=out(tr.mean_overlaps),
            overlaps=timed(tr.overlaps),
            energy=timed(tr.energy),
        )

    def __repr__(self) -> str:
        source = f"rule={self.rule!r}" if self.rule else "weights"
        return (
            f"ClassicalHopfield(dim={self.dim}, n_patterns={self.n_patterns}, {source}, "
            f"dtype={self._couplings.bias.dtype})"
        )
