"""``ClassicalHopfield``: the classical binary Hopfield network (001 §1.1, 003 §2.1), a thin class.

The functions it calls live in :mod:`hopfield.functional.classical`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import torch
from torch import Tensor

from hopfield._arrays import Output
from hopfield._deprecation import renamed_arguments
from hopfield._errors import HopfieldInputError, input_error
from hopfield._network import Network
from hopfield._random import make_generator
from hopfield._result import Retrieval
from hopfield._tolerances import compute_dtype, tolerances
from hopfield._validate import (
    as_input,
    as_patterns,
    as_states,
    check_binary_tol,
    check_bool,
    check_choice,
    check_int,
    check_nonnegative,
    check_seed,
    refuse_unknown,
)
from hopfield.functional import classical as F
from hopfield.functional.classical import DYNAMICS, LEARNING_RULES, RULE_OPTIONS, Couplings
from hopfield.functional.classical_glauber import GlauberResult

__all__ = ["DYNAMICS", "LEARNING_RULES", "ORDERS", "ClassicalHopfield", "GlauberResult"]

#: Neuron orders of a sequential sweep.
ORDERS = ("random", "fixed")


class ClassicalHopfield(Network):
    """The classical binary Hopfield network: d neurons in {-1, +1}, weights ``W`` and bias ``h``.

    Built from stored patterns with a learning rule, or from explicit ``weights=``/``bias=``.

    Parameters
    ----------
    patterns:
        Stored patterns as rows, ``(P, d)``, entries ±1 (bool, integers or floats; torch or NumPy). The
        seeds' ``X`` is ``patterns.T``. Kept for :meth:`overlaps` also when ``weights`` are given.
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
        Options of the rule (:data:`hopfield.functional.classical.RULE_OPTIONS`): ``zero_diagonal``
        (pseudoinverse, default True); ``temperature``, ``optimizer`` (a ``torch.optim`` class or name),
        ``lr``, ``steps``, ``init``, ``margin``, ``learn_bias``, ``surrogate``, ``seed`` (gradient, see
        :func:`hopfield.functional.classical.gradient_rule`; ``seed`` only matters for
        ``init="glorot"``; None is random).

    The network keeps its tensors in the patterns' (or weights') floating dtype, float32 for
    bool/integer input and for float16/bfloat16 input (binary fields are compared with zero exactly,
    which half precision cannot do beyond 2048). Computation happens in the dtype and on the device of
    the states passed in (float16/bfloat16 states in float32, cast back; bool, integer and NumPy states
    on the network's device, in its dtype). States come back in the input's dtype; energies and fields
    in the input's floating dtype (the network's for bool/integer input). The zero field rule: a neuron
    whose field is exactly 0 keeps its state. The Hebb rule is stored exactly (integer
    ``X^T X - P I`` times ``1/d``), factored when ``P < d/2``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[1, -1, 1, -1, 1, -1], [1, 1, 1, -1, -1, -1]])
    >>> net = ClassicalHopfield(x, rule="pseudoinverse")
    >>> net.retrieve(np.array([1, -1, 1, -1, 1, 1]), dynamics="async", seed=0).state
    array([ 1, -1,  1, -1,  1, -1])
    """

    _stored = ("_couplings", "patterns", "_weights")

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
        self.zero_one = check_bool(zero_one, "zero_one")
        self.allow_asymmetric = check_bool(allow_asymmetric, "allow_asymmetric")
        if patterns is None and weights is None:
            raise input_error("patterns", "given (or weights)", "neither patterns nor weights")
        x = None
        if patterns is not None:
            x = as_patterns(patterns, "patterns", kind="binary", zero_one=self.zero_one)
            x = x.to(compute_dtype(x.dtype))
        self.rule: str | None = None
        w: Tensor | None = None
        if weights is not None:
            if rule_options:
                raise HopfieldInputError(
                    f"rule options ({', '.join(sorted(rule_options))}) only apply when learning from "
                    "patterns, but weights were given",
                    argument=sorted(rule_options)[0],
                    expected="no rule options with weights",
                    received=sorted(rule_options),
                )
            w = self._check_weights(weights, x)
            x = None if x is None else x.to(w.dtype)
            couplings = Couplings.dense(w, w.new_zeros(w.shape[0]))
        else:
            assert x is not None
            learn = LEARNING_RULES.get(rule)
            options = self._check_options(rule, rule_options)
            if rule == "hebb":  # exact integer couplings, factored when P < d/2; W made on request
                couplings = Couplings.hebb(x)
            else:
                if rule == "gradient":
                    w, b = F.gradient_rule(x, **options)
                else:  # learned in float64
                    w, b = learn(x.to(torch.float64), **options)
                w, b = w.to(x.dtype), b.to(x.dtype)
                couplings = Couplings.dense(w, b)
            self.rule = rule
        if bias is not None:
            d = couplings.dim
            h, _ = as_input(bias, "bias", kind="any", ranks=(1,), shape=f"({d},)", dim=d, other="weights")
            couplings = replace(couplings, bias=h.to(dtype=couplings.dtype, device=couplings.device))
        self.patterns: Tensor | None = x
        self._couplings = couplings
        self._weights = w
        self._init_cache()

    # ------------------------------------------------------------------ construction helpers
    def _check_weights(self, weights: Any, patterns: Tensor | None) -> Tensor:
        w, _ = as_input(weights, "weights", kind="any", ranks=(2,), shape="(d, d)")
        if w.shape[0] != w.shape[1]:
            raise input_error("weights", "shape (d, d)", f"shape {tuple(w.shape)}", verb="have")
        if patterns is not None and w.shape[1] != patterns.shape[1]:
            raise input_error(
                "weights",
                f"last dimension {patterns.shape[1]} to match patterns",
                f"shape {tuple(w.shape)}",
                verb="have",
            )
        w = w.to(compute_dtype(w.dtype))
        if self.allow_asymmetric:
            return w
        scale = float(w.abs().amax()) or 1.0
        gap = float((w - w.T).abs().amax())
        if gap > tolerances(w.dtype).rtol * scale:
            raise input_error(
                "weights",
                "symmetric (asynchronous dynamics are guaranteed to converge only then, 001 Lemma 2)",
                f"max |W - W^T| = {gap:.3g}",
                hint=". Pass allow_asymmetric=True to use them anyway",
            )
        diag = w.diagonal()
        if bool((diag < 0).any()):
            raise input_error(
                "weights",
                "a non-negative diagonal (003 Lemma 2.1.1)",
                f"min W_ii = {float(diag.min()):.3g}",
                verb="have",
                hint=". Pass allow_asymmetric=True to use them anyway",
            )
        return (w + w.T) / 2

    @staticmethod
    def _check_options(rule: str, options: dict[str, Any]) -> dict[str, Any]:
        valid = RULE_OPTIONS[rule]
        refuse_unknown(options, valid, f"rule {rule!r}")
        checked = {name: valid[name](value, name) for name, value in options.items()}
        if "seed" in checked:
            checked["generator"] = make_generator(checked.pop("seed"))
        return checked

    # ------------------------------------------------------------------ attributes
    @property
    def weights(self) -> Tensor:
        """``W`` (d, d) (materialized on first use for the factored Hebb form)."""
        if self._weights is None:
            self._weights = self._couplings.weights()
        return self._weights

    @property
    def bias(self) -> Tensor:
        """``h`` (d,), the bias (threshold): the field is ``W s + h``."""
        return self._couplings.bias

    @property
    def dim(self) -> int:
        """d, the number of neurons."""
        return self._couplings.dim

    @property
    def n_patterns(self) -> int:
        """P, the number of stored patterns (0 without patterns)."""
        return 0 if self.patterns is None else int(self.patterns.shape[0])

    @property
    def couplings(self) -> Couplings:
        """The :class:`~hopfield.functional.classical.Couplings` the functional core uses."""
        return self._couplings

    # ------------------------------------------------------------------ helpers
    def _states(self, state: Any, name: str = "state") -> tuple[Tensor, Couplings, Tensor | None, Output]:
        """Checked ±1 states (B, d) in their compute dtype, the couplings and patterns cast for them."""
        s, out = as_states(
            state, self.dim, name, kind="binary", zero_one=self.zero_one, device=self.device, dtype=self.dtype
        )
        s = s.to(compute_dtype(s.dtype))
        key = (s.dtype, s.device)
        if key == (self.dtype, self.device):
            return s, self._couplings, self.patterns, out

        def make() -> tuple[Couplings, Tensor | None]:
            x = None if self.patterns is None else self.patterns.to(dtype=key[0], device=key[1])
            return self._couplings.to(dtype=key[0], device=key[1]), x

        c, x = self._cast(key, make)
        return s, c, x, out

    # ------------------------------------------------------------------ the network
    @renamed_arguments(states="state")
    def energy(self, state: Any) -> Any:
        """Lyapunov function ``L = -1/2 s^T W s - h^T s`` (003 Lemma 2.1.1, 001 Lemma 2): (B,) or scalar."""
        s, c, _, out = self._states(state)
        return out(F.energy(s, c))

    @renamed_arguments(states="state")
    def local_field(self, state: Any) -> Any:
        """Local field ``phi = W s + h`` (003 Definition 2.1.2); same shape as ``state``."""
        s, c, _, out = self._states(state)
        return out(F.local_field(s, c))

    @renamed_arguments(states="state")
    def overlaps(self, state: Any, patterns: Any = None) -> Any:
        """Mattis magnetizations ``m_mu = (1/d) sum_i x^mu_i s_i`` (003 Definition 2.2.7): (B, P).

        Uses the stored patterns, or ``patterns`` (P, d) ±1 if given.
        """
        if patterns is None and self.patterns is None:
            raise input_error("patterns", "given: this network was built from weights only", "None")
        s, _, x, out = self._states(state)
        if patterns is not None:
            x, _ = as_input(
                patterns,
                "patterns",
                kind="binary",
                ranks=(2,),
                shape=f"(n_patterns, {self.dim})",
                dim=self.dim,
                other="weights",
                zero_one=self.zero_one,
                device=s.device,
                dtype=s.dtype,
            )
        assert x is not None
        return out(F.overlaps(s, x.to(dtype=s.dtype, device=s.device)))

    @renamed_arguments(states="state")
    def is_fixed_point(self, state: Any) -> Any:
        """True where no neuron would change (every ``phi_i s_i > 0`` or ``phi_i = 0``): (B,) bool."""
        s, c, _, out = self._states(state)
        return out(F.is_fixed_point(s, c))

    @renamed_arguments(states="state", max_sweeps="max_steps")
    def retrieve(
        self,
        state: Any,
        *,
        dynamics: str = "async",
        max_steps: int = 100,
        tol: float | None = None,
        seed: int | torch.Generator | None = None,
        temperature: float = 0.0,
        order: str = "random",
    ) -> Retrieval:
        """Run the dynamics from ``state`` (d,) or (B, d): B independent trajectories at once.

        Parameters
        ----------
        state:
            ±1 states (bool, integer or floating; {0, 1} with ``zero_one``).
        dynamics:
            ``"sync"`` (parallel; stops at a fixed point or a 2-cycle, 001 Theorem 3), ``"async"``
            (sequential sweeps; stops after a sweep without a flip) or ``"glauber"`` (stochastic
            sequential dynamics at ``temperature``, 003 Definition 2.1.5).
        max_steps:
            At most this many sweeps (a sweep updates every neuron once; one parallel update is a
            sweep). Glauber dynamics at ``temperature > 0`` have no fixed point to stop at and run all
            ``max_steps`` sweeps.
        tol:
            ``None`` or 0: binary states stop at exact fixed points.
        seed:
            An integer in ``[0, 2**64)``, a ``torch.Generator`` or None (random): the neuron orders and
            the Glauber noise. Parallel dynamics and ``order="fixed"`` at zero temperature use none.
        temperature:
            ``T >= 0`` for ``"glauber"`` (``T = 0`` is ``"async"``); must be 0 for the other dynamics.
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
            raise input_error(
                "temperature", f"0 for dynamics={dynamics!r} (only 'glauber' is stochastic)", temperature
            )
        max_steps = check_int(max_steps, "max_steps")
        check_binary_tol(tol)
        order = check_choice(order, "order", ORDERS)
        checked_seed = check_seed(seed)
        s, c, _, out = self._states(state)
        gen = make_generator(checked_seed, s.device)
        raw = fn(s, c, max_steps, gen, order, temperature, F.DEFAULT_BLOCK)
        energy = raw.energy if raw.energy is not None else F.energy(raw.state, c)
        return Retrieval.from_raw(raw, out, energy)

    @renamed_arguments(states="state")
    def glauber(
        self,
        state: Any,
        *,
        temperature: float,
        n_sweeps: int,
        burn_in: int = 0,
        seed: int | torch.Generator | None = None,
        order: str = "random",
        record: bool = False,
    ) -> GlauberResult:
        """Run exactly ``n_sweeps`` Glauber sweeps of B chains and average their Mattis magnetizations.

        The equilibrium measurement of 003 §2.2, not a retrieval: every sweep runs (``n_sweeps`` is a
        number of sweeps, not a limit), and with ``burn_in`` sweeps discarded, ``mean_overlaps`` is the
        time average of ``m_mu`` per chain (stored patterns needed); ``record=True`` also returns the
        per-sweep overlaps and energies. ``seed``: as in :meth:`retrieve`. See
        :func:`hopfield.functional.classical.glauber_sweeps`.
        """
        temperature = check_nonnegative(temperature, "temperature")
        n_sweeps = check_int(n_sweeps, "n_sweeps")
        burn_in = check_int(burn_in, "burn_in", minimum=0, maximum=n_sweeps - 1)
        order = check_choice(order, "order", ORDERS)
        record = check_bool(record, "record")
        checked_seed = check_seed(seed)
        s, c, x, out = self._states(state)
        gen = make_generator(checked_seed, s.device)
        if x is not None and c.factors is not None:
            x = c.factors  # the same ±1 rows: overlaps come from the cached X s
        tr = F.glauber_sweeps(
            s, c, temperature, n_sweeps, gen, patterns=x, burn_in=burn_in, record=record, order=order
        )

        def timed(t: Tensor | None) -> Any:  # (n, B, ...): drop B for a (d,) input
            if t is None:
                return None
            return out(t[:, 0] if out.squeeze else t, batch_axis=False)

        return GlauberResult(
            state=out.state(tr.state),
            mean_overlaps=out(tr.mean_overlaps),
            overlaps=timed(tr.overlaps),
            energy=timed(tr.energy),
        )

    def __repr__(self) -> str:
        source = f"rule={self.rule!r}" if self.rule else "weights"
        return (
            f"ClassicalHopfield(dim={self.dim}, n_patterns={self.n_patterns}, {source}, "
            f"dtype={self.dtype}, device={self.device})"
        )
