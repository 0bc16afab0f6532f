"""Couplings of a classical binary Hopfield network, its fields, energy and overlaps (001 §1.1, 003 §2.1).

A network of ``d`` neurons in {-1, +1} has weights ``W`` (d, d) and a bias (threshold) ``h`` (d,). The
**local field** of a state ``s`` is ``phi(s) = W s + h`` (003 Definition 2.1.2; the seeds' ``b`` of
001 Definition 1 is this ``h``), and a neuron updated alone becomes ``sgn(phi_i)`` (003 eq. (2.3)).

**Zero field rule.** ``sgn(0)`` is not defined by the seeds; here a neuron whose field is exactly zero
*keeps its current state*. The energy change of a flip is ``-2 |phi_i| - 2 W_ii`` (see
:func:`energy`), so keeping the state on a zero field is what makes every fixed point strict and the
energy strictly decrease on every flip when ``W_ii >= 0`` and ``phi_i != 0``.

**Exact fields.** :class:`Couplings` stores ``W = scale * K``. For the Hebb rule ``K = X^T X - P I`` has
integer entries and the fields ``K s`` are integers, exact in float32 while below ``2^24``, so zero
fields are detected exactly. With ``P < d/2`` the Hebb couplings are kept *factored*: ``K s = X^T (X s)
- P s``, never forming ``W`` (``O(P d)`` per state instead of ``O(d^2)``).

**Small products.** A product ``(m, k) @ (k, n)`` of fewer than :data:`SMALL_PRODUCT` multiply-adds
with a long contraction (``k >= 128``: the fields of a few states) or a single row (``m = 1``: one state;
the cache update of a one-pattern network) is computed element-wise (:func:`matmul`, :func:`addmm`,
:func:`addmm_`), where the BLAS library would fork its thread pool for it: torch runs it on the calling
thread, while a fork costs far more than the product on a busy machine. Other small products stay with
BLAS, which runs them on one thread. The library never sets torch's thread count.

Shapes: states ``(B, d)`` with entries ±1 in a floating dtype. Nothing here validates its arguments.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch
from torch import Tensor

__all__ = [
    "SMALL_PRODUCT",
    "Couplings",
    "addmm",
    "addmm_",
    "decide",
    "energy",
    "is_fixed_point",
    "local_field",
    "matmul",
    "overlaps",
    "sync_step",
]

#: Small products ``(m, k) @ (k, n)`` with ``m k n`` below this may be computed element-wise (see the
#: module docstring); torch's element-wise kernels stay on the calling thread below 32768 entries.
SMALL_PRODUCT = 1 << 15


def _elementwise(m: int, k: int, n: int) -> bool:
    # The BLAS library (MKL) forks for long contractions (k >= 256) from a few thousand multiply-adds, and
    # for a row times a matrix from k n >= 8192 (measured on x86-64).
    return m * k * n < SMALL_PRODUCT and (k >= 128 or (m == 1 and k * n >= 8192))


def matmul(a: Tensor, b: Tensor) -> Tensor:
    """``a @ b`` for ``a`` (m, k) and ``b`` (k, n): (m, n). Element-wise when small (module docstring)."""
    if _elementwise(a.shape[0], a.shape[1], b.shape[1]):
        return (a.unsqueeze(2) * b.unsqueeze(0)).sum(dim=1)
    return a @ b


def addmm(c: Tensor, a: Tensor, b: Tensor, beta: float = 1.0) -> Tensor:
    """``beta c + a @ b`` (``torch.addmm``): (m, n). Element-wise when small (module docstring)."""
    if _elementwise(a.shape[0], a.shape[1], b.shape[1]):
        return torch.add(matmul(a, b), c, alpha=beta)
    return torch.addmm(c, a, b, beta=beta)


def addmm_(c: Tensor, a: Tensor, b: Tensor) -> Tensor:
    """``c += a @ b`` in place (``Tensor.addmm_``). Element-wise when small (module docstring)."""
    if _elementwise(a.shape[0], a.shape[1], b.shape[1]):
        return c.add_(matmul(a, b))
    return c.addmm_(a, b)


@dataclass(frozen=True)
class Couplings:
    """Weights ``W = scale * K`` and bias ``h`` of a binary network, stored for exact, cheap fields.

    Either ``matrix`` is ``K`` (d, d) (dense form), or ``factors`` is ``X`` (P, d) with ±1 entries and
    ``K = X^T X - P I`` (factored Hebb form: 003 Definition 2.1.4 with ``scale = 1/d``).

    Attributes
    ----------
    bias:
        ``h`` (d,).
    matrix, matrix_t:
        ``K`` and its transpose (the same tensor when ``K`` is symmetric); row ``j`` of ``matrix_t`` is
        the change of every field per unit change of ``s_j``.
    factors, factors_t:
        ``X`` (P, d) and ``X^T`` (d, P), contiguous.
    scale:
        Positive factor of ``W``.
    integral:
        ``K`` has integer entries (Hebb): fields are exact and cached fields never drift.
    """

    bias: Tensor
    matrix: Tensor | None = None
    matrix_t: Tensor | None = None
    factors: Tensor | None = None
    factors_t: Tensor | None = None
    scale: float = 1.0
    integral: bool = False

    @classmethod
    def dense(cls, weights: Tensor, bias: Tensor, scale: float = 1.0) -> Couplings:
        """Dense couplings ``W = scale * weights`` (asymmetric ``weights`` are allowed here)."""
        symmetric = bool(torch.equal(weights, weights.T))
        matrix_t = weights if symmetric else weights.T.contiguous()
        return cls(bias=bias, matrix=weights, matrix_t=matrix_t, scale=scale)

    @classmethod
    def hebb(cls, patterns: Tensor, bias: Tensor | None = None, factored: bool | None = None) -> Couplings:
        """Hebb couplings ``W = (1/d)(X^T X - P I)`` of ±1 ``patterns`` (P, d) (003 Definition 2.1.4).

        ``factored=None`` keeps them factored when ``P < d/2`` (fields cost ``O(P d)``, not ``O(d^2)``).
        """
        p, d = patterns.shape
        bias = patterns.new_zeros(d) if bias is None else bias
        if factored is None:
            factored = 2 * p < d
        if factored:
            x = patterns.contiguous()
            return cls(bias=bias, factors=x, factors_t=x.T.contiguous(), scale=1.0 / d, integral=True)
        k = patterns.T @ patterns
        k.diagonal().zero_()
        return cls(bias=bias, matrix=k, matrix_t=k, scale=1.0 / d, integral=True)

    @property
    def dim(self) -> int:
        """d, the number of neurons."""
        return self.bias.shape[0]

    @property
    def factored(self) -> bool:
        """True for the factored Hebb form."""
        return self.factors is not None

    @property
    def dtype(self) -> torch.dtype:
        """The dtype of the stored tensors."""
        return self.bias.dtype

    @property
    def device(self) -> torch.device:
        """The device of the stored tensors."""
        return self.bias.device

    def to(self, dtype: torch.dtype | None = None, device: torch.device | str | None = None) -> Couplings:
        """The same couplings in another dtype / on another device."""

        def cast(t: Tensor | None) -> Tensor | None:
            return None if t is None else t.to(dtype=dtype, device=device)

        same_t = self.matrix_t is self.matrix
        matrix = cast(self.matrix)
        return replace(
            self,
            bias=self.bias.to(dtype=dtype, device=device),
            matrix=matrix,
            matrix_t=matrix if same_t else cast(self.matrix_t),
            factors=cast(self.factors),
            factors_t=cast(self.factors_t),
        )

    def weights(self) -> Tensor:
        """The dense ``W`` (d, d) (materialized for the factored form)."""
        if self.factors is not None:
            x = self.factors
            k = x.T @ x
            k.diagonal().sub_(x.shape[0])
            return k * self.scale
        assert self.matrix is not None
        return self.matrix * self.scale

    def cache(self, states: Tensor) -> Tensor:
        """What an asynchronous sweep keeps up to date: ``K s`` (B, d), or ``X s`` (B, P) if factored."""
        if self.factors_t is not None:
            return matmul(states, self.factors_t)
        assert self.matrix_t is not None
        return matmul(states, self.matrix_t)

    def cache_t(self, states_t: Tensor) -> Tensor:
        """:meth:`cache`, neuron-major: ``X s`` (P, B) or ``K s`` (d, B) of ``states_t`` (d, B)."""
        if self.factors is not None:
            return matmul(self.factors, states_t)
        assert self.matrix is not None
        return matmul(self.matrix, states_t)

    def raw_field(self, states: Tensor) -> Tensor:
        """``K s`` for each state: (B, d). Integers for integer ``K`` (Hebb)."""
        if self.factors is not None and self.factors_t is not None:
            p = self.factors.shape[0]
            return addmm(states, matmul(states, self.factors_t), self.factors, beta=-p)
        assert self.matrix_t is not None
        return matmul(states, self.matrix_t)


def local_field(states: Tensor, couplings: Couplings) -> Tensor:
    """Local field ``phi(s) = W s + h`` (003 Definition 2.1.2), ``(B, d) -> (B, d)``."""
    return torch.add(couplings.bias, couplings.raw_field(states), alpha=couplings.scale)


def energy(states: Tensor, couplings: Couplings) -> Tensor:
    """Lyapunov function ``L = -1/2 s^T W s - h^T s`` (003 Lemma 2.1.1; ``E`` of 001 Lemma 2), (B,).

    The bias enters the field with a plus sign and the energy with a minus sign (``phi = J xi + h`` in
    003 eq. (2.3), ``H_{J,h} = -1/2 xi J xi - h xi`` in 003 Theorem 2.1; ``b`` in 001). Flipping neuron
    ``i`` changes it by ``2 s_i phi_i - 2 W_ii``; after an update that flips it, ``-2|phi_i| - 2 W_ii``
    (the seeds print ``-2|phi_i| - J_ii`` (003) and ``-2 (x' - x) phi`` (001); both off by a factor,
    neither changes the sign).
    """
    raw = couplings.raw_field(states)
    e = -0.5 * couplings.scale * (states * raw).sum(dim=-1)
    return e - (states * couplings.bias).sum(dim=-1) if bool(couplings.bias.any()) else e


def overlaps(states: Tensor, patterns: Tensor) -> Tensor:
    """Mattis magnetizations ``m_mu = (1/d) sum_i x^mu_i s_i`` (003 Definition 2.2.7): (B, d) -> (B, P)."""
    return matmul(states, patterns.T) / states.shape[-1]


def decide(field: Tensor, states: Tensor) -> Tensor:
    """``sgn(field)``, keeping ``states`` where ``field == 0`` (the zero field rule). Same shape.

    Computed as ``sgn(s + 2 sgn(phi))``: exact for any float field, and three cheap element-wise ops.
    """
    return torch.sign(torch.add(states, torch.sign(field), alpha=2.0))


def is_fixed_point(states: Tensor, couplings: Couplings) -> Tensor:
    """True where no neuron would change: ``sgn(phi_i) = s_i`` or ``phi_i = 0`` for every i. (B,) bool."""
    return (decide(local_field(states, couplings), states) == states).all(dim=-1)


def sync_step(states: Tensor, couplings: Couplings) -> Tensor:
    """One parallel update ``s <- sgn(W s + h)`` (003 Definition 2.1.2), zero fields keep. (B, d)."""
    if not bool(couplings.bias.any()):  # sgn(scale K s) = sgn(K s): skip a pass over (B, d)
        return decide(couplings.raw_field(states), states)
    return decide(local_field(states, couplings), states)
