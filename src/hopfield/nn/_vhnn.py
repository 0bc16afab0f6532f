"""The variational Hopfield network VHNN (003 §4.4, Fig. 4.3, Listing 4.3)."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from hopfield._validate import check_int, check_tensor
from hopfield.nn._hnn import sphere_index, vhnn_step
from hopfield.nn._hnn_base import check_input, init_patterns, log_parameter, make_parameter, set_sizes

__all__ = ["VHNN"]


class VHNN(nn.Module):
    """Variational Hopfield network: the update with a sampled distribution (003 §4.4, Listing 4.3).

    Each of the ``iterations`` steps of :meth:`forward`, per channel ``c``:
    ``p = softmax(beta_c X_c^T xi)``, ``S = p + diag(sqrt(p (1 - p))) eps``, ``eps ~ N(0, eta_c^2)``,
    ``xi <- X_c S`` (:func:`hopfield.nn._hnn.vhnn_step`). The square root is taken on ``p`` without
    gradient (the seed's listing writes ``x.detach().requires_grad(False)``, which raises a
    ``TypeError``; ``.detach()`` is what it means). ``eta -> 0`` is the deterministic update
    ``xi <- X softmax(beta X^T xi)``.

    Parameters
    ----------
    channels, features, neurons:
        Positive sizes: ``channels`` independent networks of ``features`` patterns of ``neurons``.
    iterations:
        Steps of :meth:`forward` (>= 0).
    beta:
        Inverse temperature: a positive float, or a positive tensor ``(channels,)``; stored as its log
        (``log_beta``, shape ``(channels,)``).
    eta:
        Noise scale (the seed's ``1/sqrt(n)`` for ``n`` Bernoulli samples): a positive float or tensor
        ``(channels,)``; stored as ``log_eta`` ``(channels,)``.
    patterns:
        ``(channels, features, neurons)`` (copied); ``None``: ``U(-1/sqrt(neurons), 1/sqrt(neurons))``
        from ``generator``.
    train_beta, train_eta, train_patterns:
        Whether each is trainable; a frozen one is a parameter with ``requires_grad=False`` (it stays in
        the state dict).
    dtype, device:
        Of the parameters.
    generator:
        Draws the initial patterns (``None``: torch's global generator, as ``torch.nn`` layers do).

    Shapes: ``(batch, channels, neurons) -> (batch, channels, neurons)``.

    Examples
    --------
    >>> import torch
    >>> x = torch.eye(3)[None]  # one channel, three patterns of three neurons
    >>> m = VHNN(1, 3, 3, beta=8.0, eta=0.3, patterns=x, train_patterns=False)
    >>> g = torch.Generator().manual_seed(0)
    >>> states = m.trajectory(torch.tensor([[[0.9, 0.2, 0.1]]]), steps=4, generator=g)
    >>> states.shape, m.sphere_index(states).shape
    (torch.Size([4, 1, 1, 3]), torch.Size([4, 1, 1]))
    """

    def __init__(
        self,
        channels: int,
        features: int,
        neurons: int,
        iterations: int = 1,
        *,
        beta: float | Tensor = 1.0,
        eta: float | Tensor = 1.0,
        patterns: Tensor | None = None,
        train_beta: bool = True,
        train_eta: bool = True,
        train_patterns: bool = True,
        dtype: torch.dtype | None = None,
        device: torch.device | str | None = None,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        self.channels: int
        self.features: int
        self.neurons: int
        self.iterations: int
        set_sizes(self, iterations, channels=channels, features=features, neurons=neurons)
        c = (self.channels,)
        self.log_beta = log_parameter(beta, "beta", c, train_beta, "train_beta", dtype, device)
        self.log_eta = log_parameter(eta, "eta", c, train_eta, "train_eta", dtype, device)
        shape = (self.channels, self.features, self.neurons)
        init = init_patterns(patterns, "patterns", shape, dtype, device, generator)
        self.patterns = make_parameter(init, train_patterns, "train_patterns")

    @property
    def beta(self) -> Tensor:
        """``exp(log_beta)``, ``(channels,)``."""
        return self.log_beta.exp()

    @property
    def eta(self) -> Tensor:
        """``exp(log_eta)``, ``(channels,)``."""
        return self.log_eta.exp()

    def _check(self, x: object) -> Tensor:
        return check_input(x, "x", (("batch", None), ("channels", self.channels), ("neurons", self.neurons)))

    def _noise(self, xi: Tensor, generator: torch.Generator | None) -> Tensor:
        shape = (xi.shape[0], self.channels, self.features)
        return torch.randn(shape, generator=generator, dtype=xi.dtype, device=xi.device)

    def step(self, x: Tensor, generator: torch.Generator | None = None, *, sample: bool = True) -> Tensor:
        """One step ``xi <- X S`` (``sample=False``: ``xi <- X p``, no noise); ``(B, C, n) -> (B, C, n)``."""
        xi = self._check(x)
        noise = self._noise(xi, generator) if sample else None
        return vhnn_step(xi, self.patterns, self.beta.to(xi.dtype), self.eta.to(xi.dtype), noise)

    def forward(self, x: Tensor, generator: torch.Generator | None = None) -> Tensor:
        """``iterations`` noisy steps (Listing 4.3); ``(batch, channels, neurons)`` in and out.

        ``eps`` is drawn from ``generator`` (``None``: torch's global generator, so call
        ``torch.manual_seed`` first for a reproducible run). Differentiable in ``x``, ``patterns``,
        ``beta`` and ``eta``.
        """
        xi = self._check(x)
        for _ in range(self.iterations):
            xi = self.step(xi, generator)
        return xi

    def trajectory(self, x: Tensor, steps: int, generator: torch.Generator | None = None) -> Tensor:
        """The states after each of ``steps`` noisy steps: ``(B, C, n) -> (steps, B, C, n)``.

        Runs without gradient (a long chain, for the dynamics of 003 §4.4 "A Simple Experiment");
        ``eps`` from ``generator`` as in :meth:`forward`. Entry ``t`` is the state after step ``t + 1``.
        """
        xi = self._check(x)
        n = check_int(steps, "steps", minimum=0)
        out = torch.empty((n, *xi.shape), dtype=xi.dtype, device=xi.device)
        with torch.no_grad():
            for t in range(n):
                xi = self.step(xi, generator)
                out[t] = xi
        return out

    def sphere_index(self, states: Tensor) -> Tensor:
        """Which sphere ``S_i`` (radius ``1/(beta N M)``, 003 Prop. 3.4) each state is in, or -1.

        ``states`` ``(..., channels, neurons)`` (e.g. a :meth:`trajectory`) -> ``(..., channels)``
        int64; see :func:`hopfield.nn.sphere_index`.
        """
        check_tensor(states, "states", ranks=range(2, 9), shape="(..., channels, neurons)")
        lead = tuple(("axis", None) for _ in range(states.ndim - 2))
        check_input(states, "states", (*lead, ("channels", self.channels), ("neurons", self.neurons)))
        with torch.no_grad():
            return sphere_index(states, self.patterns.detach(), self.beta.detach())

    def extra_repr(self) -> str:
        return (
            f"channels={self.channels}, features={self.features}, neurons={self.neurons}, "
            f"iterations={self.iterations}"
        )
