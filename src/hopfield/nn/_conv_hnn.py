"""ConvHNN2d: a Hopfield network applied to every patch of an image (003 §4.1 "Convolutions", §4.3).

The functional core: :func:`conv_hnn2d` (Listing 4.2: the patches of ``x`` are the states, the loop runs
as the one update :func:`hopfield.nn.functional.hopfield_update`, the logits ``beta X^T xi`` come out per
position) and :func:`conv_transpose_hnn2d` (§4.3: the "transposed Hopfield convolution", each position's
recalled pattern ``X softmax(logits)`` summed back into an image, as ``conv_transpose2d`` does).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from hopfield._errors import input_error
from hopfield._validate import check_int, describe
from hopfield.nn._hnn_base import (
    bias_parameter,
    check_input,
    init_patterns,
    log_parameter,
    make_parameter,
    size_arg,
)
from hopfield.nn._update import hopfield_update

__all__ = ["ConvHNN2d", "conv_hnn2d", "conv_transpose_hnn2d"]

Pair = tuple[int, int]


def _pair(value: object, name: str, minimum: int) -> Pair:
    """An int or a pair of ints, each ``>= minimum``, as a pair."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise input_error(name, f"an integer >= {minimum} or a pair of them", describe(value))
        return (check_int(value[0], name, minimum), check_int(value[1], name, minimum))
    v = check_int(value, name, minimum)
    return (v, v)


def _out_size(size: int, k: int, s: int, p: int, d: int) -> int:
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def _eye(n: int, like: Tensor) -> Tensor:
    return torch.eye(n, dtype=like.dtype, device=like.device)


def conv_hnn2d(
    x: Tensor,
    patterns: Tensor,
    beta: float | Tensor,
    iterations: int,
    stride: Pair = (1, 1),
    padding: Pair = (0, 0),
    dilation: Pair = (1, 1),
) -> Tensor:
    """The Hopfield convolution of Listing 4.2 (without its bias): ``(B, Cin, H, W) -> (B, Cout, H', W')``.

    Every patch ``xi`` of ``x`` (``Cin * kh * kw`` neurons, taken as ``conv2d`` does) runs ``iterations``
    updates ``xi <- X softmax(beta X^T xi)`` (004 eq. (17)) against the ``Cout`` patterns ``X``; the
    output at each position is the logits ``beta X^T xi``. This equals the seed's
    ``conv2d(x, beta X)`` followed by ``iterations`` times ``softmax`` and the 1x1 convolution with
    ``A_beta = beta X^T X``. The patches are never unfolded: the first update starts from the logits
    ``conv2d(x, beta X)`` (the one update with identity keys and values ``X`` gives ``X softmax(l)``),
    the later ones run on the recalled patches.

    Parameters
    ----------
    x:
        ``(B, Cin, H, W)``.
    patterns:
        ``(Cout, Cin, kh, kw)``.
    beta:
        A positive float or a one-element tensor.
    """
    c_out = patterns.shape[0]
    weight = patterns.to(x.dtype)
    logits = F.conv2d(x, beta * weight, stride=stride, padding=padding, dilation=dilation)  # beta X^T xi
    if iterations == 0:
        return logits
    b, h, w = logits.shape[0], logits.shape[2], logits.shape[3]
    flat = weight.reshape(c_out, -1)
    rows = logits.permute(0, 2, 3, 1).reshape(-1, c_out)  # (B * H' * W', Cout): one kernel call
    # the first update X softmax(beta X^T xi) from the logits (identity keys, values X), the rest on xi
    xi = hopfield_update(rows, _eye(c_out, rows), flat)
    for _ in range(iterations - 1):
        xi = hopfield_update(xi, flat, flat, beta)
    out = beta * (xi @ flat.T)
    return out.reshape(b, h, w, c_out).permute(0, 3, 1, 2)


def conv_transpose_hnn2d(
    logits: Tensor,
    patterns: Tensor,
    output_size: Pair,
    stride: Pair = (1, 1),
    padding: Pair = (0, 0),
    dilation: Pair = (1, 1),
) -> Tensor:
    """The transposed Hopfield convolution (003 §4.3): ``(B, Cout, H', W') -> (B, Cin, H, W)``.

    At each position the recalled pattern ``X softmax(logits)`` (the one update with the logits as
    queries, the identity as stored patterns and ``X`` as values), the patches summed into the image
    where they overlap: ``conv_transpose2d(softmax(logits, dim=1), patterns)``.
    """
    c_out = patterns.shape[0]
    kernel = (int(patterns.shape[2]), int(patterns.shape[3]))
    b, positions = logits.shape[0], logits.shape[2] * logits.shape[3]
    rows = logits.flatten(2).transpose(1, 2).reshape(b * positions, c_out)  # one kernel call
    flat = patterns.reshape(c_out, -1).to(logits.dtype)
    recalled = hopfield_update(rows, _eye(c_out, logits), flat).reshape(b, positions, -1)  # (B, L, D)
    return F.fold(
        recalled.transpose(1, 2), output_size, kernel, dilation=dilation, padding=padding, stride=stride
    )


class ConvHNN2d(nn.Module):
    """A Hopfield network on every patch of an image (003 §4.1 "Convolutions", Listing 4.2, Fig. 4.2).

    ``channels_out`` patterns of ``channels_in x kh x kw`` neurons; :meth:`forward` gives the logits
    ``beta X^T xi`` of each patch after ``iterations`` updates, plus a bias per pattern
    (:func:`conv_hnn2d`); :meth:`transposed` maps logits back to an image with the patterns
    (:func:`conv_transpose_hnn2d`, the last layer of the §4.3 denoiser).

    Parameters
    ----------
    channels_in, channels_out:
        Positive sizes (``channels_out`` is the number of patterns).
    kernel_size, stride, dilation:
        Positive ints or pairs, as for ``nn.Conv2d``.
    padding:
        A non-negative int or pair (zero padding).
    iterations:
        Update steps per patch (>= 0).
    beta:
        A positive float; stored as ``log_beta`` ``(1,)``.
    patterns:
        ``(channels_out, channels_in, kh, kw)`` (copied); ``None``: ``U(-1/sqrt(D), 1/sqrt(D))``,
        ``D = channels_in * kh * kw``, from ``generator``.
    bias:
        Whether to add the bias ``(channels_out,)`` (initialized to 0).
    train_beta, train_patterns, train_bias:
        Whether each is trainable (frozen: ``requires_grad=False``, kept in the state dict).
    dtype, device:
        Of the parameters.
    generator:
        Draws the initial patterns (``None``: torch's global generator).

    Shapes: ``(B, channels_in, H, W) -> (B, channels_out, H', W')`` with ``H'`` as for ``nn.Conv2d``.
    Trainable parameters: ``channels_out * (channels_in * kh * kw + 1) + 1``.
    """

    def __init__(
        self,
        channels_in: int,
        channels_out: int,
        kernel_size: int | Pair,
        stride: int | Pair = 1,
        padding: int | Pair = 0,
        dilation: int | Pair = 1,
        iterations: int = 1,
        *,
        beta: float = 1.0,
        patterns: Tensor | None = None,
        bias: bool = True,
        train_beta: bool = True,
        train_patterns: bool = True,
        train_bias: bool = True,
        dtype: torch.dtype | None = None,
        device: torch.device | str | None = None,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        self.channels_in = size_arg(channels_in, "channels_in")
        self.channels_out = size_arg(channels_out, "channels_out")
        self.kernel_size = _pair(kernel_size, "kernel_size", 1)
        self.stride = _pair(stride, "stride", 1)
        self.padding = _pair(padding, "padding", 0)
        self.dilation = _pair(dilation, "dilation", 1)
        self.iterations = check_int(iterations, "iterations", minimum=0)
        self.log_beta = log_parameter(beta, "beta", (1,), train_beta, "train_beta", dtype, device)
        shape = (self.channels_out, self.channels_in, *self.kernel_size)
        init = init_patterns(patterns, "patterns", shape, dtype, device, generator)
        self.patterns = make_parameter(init, train_patterns, "train_patterns")
        self.bias = bias_parameter(bias, train_bias, (self.channels_out,), dtype, device)

    @property
    def beta(self) -> Tensor:
        """``exp(log_beta)``, ``(1,)``."""
        return self.log_beta.exp()

    def output_shape(self, height: int, width: int) -> Pair:
        """``(H', W')`` of the logits for an input of ``height x width``."""
        k, s, p, d = self.kernel_size, self.stride, self.padding, self.dilation
        return (_out_size(height, k[0], s[0], p[0], d[0]), _out_size(width, k[1], s[1], p[1], d[1]))

    def forward(self, x: Tensor) -> Tensor:
        """Listing 4.2: ``(B, channels_in, H, W) -> (B, channels_out, H', W')`` (logits plus bias)."""
        axes = (("batch", None), ("channels_in", self.channels_in), ("height", None), ("width", None))
        xi = check_input(x, "x", axes)
        if min(self.output_shape(xi.shape[2], xi.shape[3])) < 1:
            k, p, d = self.kernel_size, self.padding, self.dilation
            least = (d[0] * (k[0] - 1) + 1 - 2 * p[0], d[1] * (k[1] - 1) + 1 - 2 * p[1])
            raise input_error(
                "x",
                f"height >= {least[0]} and width >= {least[1]} (one patch)",
                f"shape {tuple(xi.shape)}",
                verb="have",
            )
        beta = self.beta.to(xi.dtype)
        out = conv_hnn2d(xi, self.patterns, beta, self.iterations, self.stride, self.padding, self.dilation)
        return out if self.bias is None else out + self.bias.to(out.dtype).view(1, -1, 1, 1)

    def transposed(self, logits: Tensor, output_size: Pair | None = None) -> Tensor:
        """The transposed Hopfield convolution: ``(B, channels_out, H', W') -> (B, channels_in, H, W)``.

        Each position's recalled pattern ``X softmax(logits)`` summed into the image
        (:func:`conv_transpose_hnn2d`; the bias is not subtracted). ``output_size``: ``(H, W)``, by
        default ``(H' - 1) * stride - 2 * padding + dilation * (k - 1) + 1`` (as ``conv_transpose2d``);
        another size must give the same ``H' x W'`` positions.
        """
        axes = (("batch", None), ("channels_out", self.channels_out), ("height", None), ("width", None))
        lg = check_input(logits, "logits", axes)
        k, s, p, d = self.kernel_size, self.stride, self.padding, self.dilation
        if output_size is None:
            size = tuple((lg.shape[2 + i] - 1) * s[i] - 2 * p[i] + d[i] * (k[i] - 1) + 1 for i in range(2))
        else:
            size = _pair(output_size, "output_size", 1)
        if min(size) < 1 or self.output_shape(size[0], size[1]) != tuple(lg.shape[2:]):
            raise input_error(
                "output_size",
                f"an image size (H, W) whose {tuple(lg.shape[2:])} patch positions match the logits'",
                describe(output_size if output_size is not None else size),
            )
        return conv_transpose_hnn2d(lg, self.patterns, (size[0], size[1]), s, p, d)

    def extra_repr(self) -> str:
        return (
            f"{self.channels_in}, {self.channels_out}, kernel_size={self.kernel_size}, stride={self.stride}, "
            f"padding={self.padding}, dilation={self.dilation}, iterations={self.iterations}"
        )
