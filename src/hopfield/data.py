"""Data: built-in demo digits, the MNIST IDX loader, the report's digit patterns, and corruptions.

Nothing is downloaded. The demo uses scikit-learn's bundled 8x8 digits. MNIST and the 30 digit patterns
of seed 003 are read from a directory given as an argument or by the ``HOPFIELD_DATA_DIR`` environment
variable (the folder holding ``mnist/`` and ``digit-patterns/``).
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from hopfield._deprecation import keyword_only
from hopfield._errors import input_error
from hopfield._random import make_generator
from hopfield._validate import as_input, check_int, check_nonnegative, check_probability, check_seed

__all__ = [
    "DEMO_DIGITS_PER_CLASS",
    "binarize",
    "data_dir",
    "flip",
    "gaussian_noise",
    "load_demo_digits",
    "load_digit_patterns",
    "load_mnist",
    "mask",
]

ENV_VAR = "HOPFIELD_DATA_DIR"


def data_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """The data directory: ``path`` if given, else ``$HOPFIELD_DATA_DIR``; it must exist."""
    chosen = path if path is not None else os.environ.get(ENV_VAR)
    if chosen is None:
        raise input_error(
            "data_dir",
            f"given, or {ENV_VAR} set to the folder holding mnist/ and digit-patterns/",
            "neither",
        )
    p = Path(chosen)
    if not p.is_dir():
        raise input_error("data_dir", "an existing directory", repr(str(p)))
    return p


#: Images of the rarest class in scikit-learn's bundled digits (digit 8: 174 images).
DEMO_DIGITS_PER_CLASS = 174


@keyword_only(1, "seed")
def load_demo_digits(n_per_class: int = 4, *, seed: int | None = None) -> tuple[Tensor, Tensor]:
    """scikit-learn's bundled 8x8 digits scaled to [-1, 1]: ``(10 n_per_class, 64)`` float64 and labels.

    The images are drawn per class with a generator seeded by ``seed`` (an integer: the same set on every
    machine, as the demo does with seed 0; ``None``: a random set). ``n_per_class`` is at most
    :data:`DEMO_DIGITS_PER_CLASS`.
    """
    from sklearn.datasets import load_digits

    n_per_class = check_int(n_per_class, "n_per_class", 1, DEMO_DIGITS_PER_CLASS)
    s = check_seed(seed)
    if isinstance(s, torch.Generator):
        s = int(torch.randint(0, 2**62, (1,), generator=s))
    digits = load_digits()
    rng = np.random.default_rng(s)
    idx = np.concatenate(
        [rng.choice(np.flatnonzero(digits.target == c), n_per_class, replace=False) for c in range(10)]
    )
    images = digits.data[idx] / 8.0 - 1.0  # 0..16 -> [-1, 1]
    return torch.from_numpy(images), torch.from_numpy(digits.target[idx])


def _read_idx(path: Path, magic: int, name: str) -> np.ndarray:
    try:
        with gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as exc:
        raise input_error(name, "a readable IDX file", f"{str(path)!r} ({exc})") from exc
    if len(raw) < 8 or int.from_bytes(raw[:4], "big") != magic:
        raise input_error(
            name, f"an IDX file with magic number {magic}", f"a corrupt header in {str(path)!r}"
        )
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    offset = 4 + 4 * ndim
    expected = int(np.prod(dims))
    if len(raw) - offset != expected:
        raise input_error(
            name,
            f"{expected} bytes of data for shape {tuple(dims)}",
            f"{len(raw) - offset} in {str(path)!r}",
            verb="hold",
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=offset).reshape(dims)


def load_mnist(path: str | os.PathLike[str] | None = None) -> tuple[Tensor, Tensor]:
    """The MNIST test set (the only split shipped here): ``(10000, 28, 28)`` uint8 images and labels."""
    root = data_dir(path) / "mnist"
    images = _read_idx(root / "t10k-images-idx3-ubyte.gz", 2051, "MNIST images")
    labels = _read_idx(root / "t10k-labels-idx1-ubyte.gz", 2049, "MNIST labels")
    if len(images) != len(labels):
        raise input_error("MNIST labels", f"{len(images)} labels, one per image", len(labels), verb="hold")
    return torch.from_numpy(images.copy()), torch.from_numpy(labels.astype(np.int64))


def load_digit_patterns(path: str | os.PathLike[str] | None = None) -> tuple[Tensor, list[str]]:
    """The 30 digit patterns of seed 003 (§4.2, Table 4.1) as ``(30, 1024)`` float64 in [-1, 1].

    Grey level by ITU-R 601-2 luma (PIL's ``convert("L")``), mapped by ``2 L / 255 - 1``, flattened
    row-major; rows ordered ``pattern0_0, pattern0_1, ..., pattern9_2``. Returns the patterns and names.
    """
    from PIL import Image

    root = data_dir(path) / "digit-patterns"
    names = [f"pattern{d}_{k}" for d in range(10) for k in range(3)]
    rows = []
    for n in names:
        file = root / f"{n}.png"
        try:
            with Image.open(file) as im:
                grey = np.asarray(im.convert("L"), dtype=np.float64)
        except OSError as exc:
            raise input_error(f"digit pattern {n}", "a readable PNG", f"{str(file)!r} ({exc})") from exc
        rows.append(2.0 * grey.reshape(-1) / 255.0 - 1.0)
    return torch.from_numpy(np.stack(rows)), names


@keyword_only(2, "seed", "fill")
def mask(x: Any, fraction: float, *, seed: int | torch.Generator | None = None, fill: float = 0.0) -> Any:
    """Set a random ``fraction`` of each row's entries to ``fill`` (exactly ``round(fraction d)`` of them).

    ``x`` is ``(d,)`` or ``(B, d)``, torch or NumPy (the result comes back in its form and dtype).
    ``seed=None`` draws a random mask; pass a seed or generator to reproduce one.
    """
    t, form = as_input(x, "x", kind="any")
    fraction = check_probability(fraction, "fraction", closed_low=True)
    order = _chosen(t, fraction, seed)
    out = t.clone()
    out.scatter_(1, order, fill)
    return form.state(out)


@keyword_only(2, "seed")
def gaussian_noise(x: Any, sigma: float, *, seed: int | torch.Generator | None = None) -> Any:
    """``x + sigma * N(0, 1)`` for floating ``x`` ``(d,)`` or ``(B, d)``, torch or NumPy, returned in its
    form (``seed=None``: random; pass a seed or generator to reproduce)."""
    t, form = as_input(x, "x")
    sigma = check_nonnegative(sigma, "sigma")
    g = make_generator(seed)
    return form.state(t + sigma * torch.randn(t.shape, generator=g, dtype=t.dtype).to(t.device))


@keyword_only(2, "seed")
def flip(x: Any, fraction: float, *, seed: int | torch.Generator | None = None) -> Any:
    """Flip the sign of exactly ``round(fraction d)`` random entries of each ±1 row.

    ``x`` is ``(d,)`` or ``(B, d)``, torch or NumPy, of any real dtype (bool: True is +1); the result
    comes back in its form and dtype. ``seed=None``: random; pass a seed or generator to reproduce.
    """
    t, form = as_input(x, "x", kind="any")
    if form.state_dtype == torch.bool:
        t = 2 * t - 1
    fraction = check_probability(fraction, "fraction", closed_low=True)
    order = _chosen(t, fraction, seed)
    out = t.clone()
    out.scatter_(1, order, -t.gather(1, order))
    return form.state(out)


def _chosen(t: Tensor, fraction: float, seed: int | torch.Generator | None) -> Tensor:
    """``round(fraction d)`` distinct random columns per row of ``t`` (B, d), on ``t``'s device."""
    g = make_generator(seed)
    b, d = t.shape
    k = round(fraction * d)
    return torch.rand(b, d, generator=g).argsort(dim=-1)[:, :k].to(t.device)  # (B, k)


def binarize(x: Tensor) -> Tensor:
    """Map to ±1 by sign, with 0 -> +1."""
    return torch.where(x >= 0, torch.ones_like(x), -torch.ones_like(x))
