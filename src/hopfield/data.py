"""Data: built-in demo digits, the MNIST IDX loader, the report's digit patterns, and corruptions.

Nothing is downloaded. The demo uses scikit-learn's bundled 8x8 digits. MNIST and the 30 digit patterns
of seed 003 are read from a directory given as an argument or by the ``HOPFIELD_DATA_DIR`` environment
variable (the folder holding ``mnist/`` and ``digit-patterns/``).
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from hopfield._random import make_generator
from hopfield._validate import check_nonnegative, check_probability

__all__ = [
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
        raise ValueError(
            f"data_dir must be given or {ENV_VAR} set to the folder holding mnist/ and digit-patterns/, "
            "got neither"
        )
    p = Path(chosen)
    if not p.is_dir():
        raise ValueError(f"data_dir must be an existing directory, got {str(p)!r}")
    return p


def load_demo_digits(n_per_class: int = 4, seed: int = 0) -> tuple[Tensor, Tensor]:
    """scikit-learn's bundled 8x8 digits scaled to [-1, 1]: ``(10 n_per_class, 64)`` float64 and labels.

    The images are drawn per class with a seeded generator, so the set is the same on every machine.
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    rng = np.random.default_rng(seed)
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
        raise ValueError(f"{name} must be a readable IDX file, got {str(path)!r}: {exc}") from exc
    if len(raw) < 8 or int.from_bytes(raw[:4], "big") != magic:
        raise ValueError(f"{name} must be an IDX file with magic number {magic}, got a corrupt header")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    offset = 4 + 4 * ndim
    expected = int(np.prod(dims))
    if len(raw) - offset != expected:
        raise ValueError(
            f"{name} must hold {expected} bytes of data for shape {tuple(dims)}, got {len(raw) - offset}"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=offset).reshape(dims)


def load_mnist(path: str | os.PathLike[str] | None = None) -> tuple[Tensor, Tensor]:
    """The MNIST test set (the only split shipped here): ``(10000, 28, 28)`` uint8 images and labels."""
    root = data_dir(path) / "mnist"
    images = _read_idx(root / "t10k-images-idx3-ubyte.gz", 2051, "MNIST images")
    labels = _read_idx(root / "t10k-labels-idx1-ubyte.gz", 2049, "MNIST labels")
    if len(images) != len(labels):
        raise ValueError(f"MNIST labels must match images, got {len(labels)} vs {len(images)}")
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
            raise ValueError(f"digit pattern {n} must be a readable PNG at {str(file)!r}: {exc}") from exc
        rows.append(2.0 * grey.reshape(-1) / 255.0 - 1.0)
    return torch.from_numpy(np.stack(rows)), names


def mask(x: Tensor, fraction: float, seed: int | torch.Generator | None = 0, fill: float = 0.0) -> Tensor:
    """Set a random ``fraction`` of each row's entries to ``fill`` (exactly ``round(fraction d)`` of them)."""
    fraction = check_probability(fraction, "fraction", closed_low=True)
    g = make_generator(seed)
    b, d = x.shape
    k = round(fraction * d)
    order = torch.rand(b, d, generator=g).argsort(dim=-1)[:, :k]  # (B, k)
    out = x.clone()
    out.scatter_(1, order.to(x.device), fill)
    return out


def gaussian_noise(x: Tensor, sigma: float, seed: int | torch.Generator | None = 0) -> Tensor:
    """``x + sigma * N(0, 1)``, seeded."""
    sigma = check_nonnegative(sigma, "sigma")
    g = make_generator(seed)
    return x + sigma * torch.randn(x.shape, generator=g, dtype=x.dtype).to(x.device)


def flip(x: Tensor, fraction: float, seed: int | torch.Generator | None = 0) -> Tensor:
    """Flip the sign of exactly ``round(fraction d)`` random entries of each ±1 row."""
    fraction = check_probability(fraction, "fraction", closed_low=True)
    g = make_generator(seed)
    b, d = x.shape
    k = round(fraction * d)
    order = torch.rand(b, d, generator=g).argsort(dim=-1)[:, :k]
    out = x.clone()
    out.scatter_(1, order.to(x.device), -x.gather(1, order.to(x.device)))
    return out


def binarize(x: Tensor) -> Tensor:
    """Map to ±1 by sign, with 0 -> +1."""
    return torch.where(x >= 0, torch.ones_like(x), -torch.ones_like(x))
