"""Experiments of the Hopfield layers (004 §B2.6, §B5; the three demos of the hflayers package).

- ``layers-mil-bits``: multiple-instance learning on bags of bit patterns (a bag is positive when it
  holds one of a few signal patterns), with ``HopfieldPooling``;
- ``layers-mil-mnist``: bags of MNIST digits of different sizes (positive when a bag holds a 9), with
  ``HopfieldPooling`` against the attention-MIL pooling of Ilse et al. (2018);
- ``layers-latch``: a latched sequence (the first symbol decides the label, the rest is noise), where
  ``HopfieldPooling`` replaces an LSTM.

Each ``compute`` takes the layer classes as a parameter (:class:`Layers`, ours by default), so that
``benchmarks/layers_vs_hflayers.py`` runs the very same code with hflayers' classes (same data, seeds and
budget). Data come from ``ctx.seed``; models are initialized and trained under ``torch.random.fork_rng``
seeded with ``ctx.seed`` (the global generator is restored afterwards).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from hopfield import data
from hopfield._table import markdown_table
from hopfield.experiments import Context, register
from hopfield.plotting import subplots

__all__ = [
    "OURS",
    "Layers",
    "bit_bags",
    "compute_bits",
    "compute_latch",
    "compute_mnist",
    "latch_sequences",
    "mnist_bags",
]


@dataclass(frozen=True)
class Layers:
    """The layer classes a model is built from: ours (``hopfield.nn``) or another package's."""

    name: str
    Hopfield: Any
    HopfieldPooling: Any
    HopfieldLayer: Any


def _ours() -> Layers:
    from hopfield import nn as hnn

    return Layers("hopfield.nn", hnn.Hopfield, hnn.HopfieldPooling, hnn.HopfieldLayer)


OURS = _ours()


# ------------------------------------------------------------------------------------------------ data
def bit_bags(
    n_bags: int, instances: int, bits: int, signals: int, g: torch.Generator
) -> tuple[Tensor, Tensor]:
    """Bags ``(n_bags, instances, bits)`` of random 0/1 patterns; half the bags (the positives, label 1)
    hold one of ``signals`` signal patterns, which no other instance equals."""
    codes = torch.randperm(2**bits - 1, generator=g)[:signals] + 1  # distinct, non-zero
    x = torch.randint(1, 2**bits, (n_bags, instances), generator=g)
    bad = torch.isin(x, codes)
    while bool(bad.any()):
        x[bad] = torch.randint(1, 2**bits, (int(bad.sum()),), generator=g)
        bad = torch.isin(x, codes)
    y = (torch.randperm(n_bags, generator=g) < n_bags // 2).float()
    pos = torch.nonzero(y).flatten()
    slot = torch.randint(0, instances, (pos.numel(),), generator=g)
    x[pos, slot] = codes[torch.randint(0, signals, (pos.numel(),), generator=g)]
    bits_ = (x.unsqueeze(-1) >> torch.arange(bits)) & 1
    return bits_.float(), y


def mnist_bags(
    images: Tensor, labels: Tensor, n_bags: int, mean_size: float, g: torch.Generator, target: int = 9
) -> tuple[Tensor, Tensor, Tensor]:
    """Balanced bags of digits, sizes ~ N(mean, (mean/5)^2) in [2, 2 mean]: ``(B, S, 784)`` padded, the
    padding mask ``(B, S)`` (True: padding) and the labels (1: the bag holds a ``target`` digit)."""
    sizes = (
        (torch.randn(n_bags, generator=g) * mean_size / 5 + mean_size).round().clamp(2, 2 * mean_size).long()
    )
    width = int(sizes.max())
    others, hits = torch.nonzero(labels != target).flatten(), torch.nonzero(labels == target).flatten()
    idx = others[torch.randint(0, others.numel(), (n_bags, width), generator=g)]
    y = (torch.rand(n_bags, generator=g) < 0.5).float()
    pos = torch.nonzero(y).flatten()
    slot = (torch.rand(pos.numel(), generator=g) * sizes[pos]).long()
    idx[pos, slot] = hits[torch.randint(0, hits.numel(), (pos.numel(),), generator=g)]
    pad = torch.arange(width) >= sizes[:, None]
    x = images[idx].reshape(n_bags, width, -1).float() / 255.0
    return x.masked_fill(pad[..., None], 0.0), pad, y


def latch_sequences(n: int, length: int, symbols: int, g: torch.Generator) -> tuple[Tensor, Tensor]:
    """One-hot sequences ``(n, length, symbols)``: the first symbol is 0 or 1 (the label), the others are
    drawn from ``2 .. symbols - 1``."""
    s = torch.randint(2, symbols, (n, length), generator=g)
    y = torch.randint(0, 2, (n,), generator=g)
    s[:, 0] = y
    return nn.functional.one_hot(s, symbols).float(), y.float()


# ----------------------------------------------------------------------------------------------- models
class _Pooled(nn.Module):
    """Instance embedding -> pooling ``pool(h, pad) -> (B, width)`` -> one logit."""

    def __init__(self, embed: nn.Module, pool: nn.Module, width: int) -> None:
        super().__init__()
        self.embed, self.pool, self.head = embed, pool, nn.Linear(width, 1)

    def forward(self, x: Tensor, pad: Tensor | None = None) -> Tensor:
        out: Tensor = self.head(self.pool(self.embed(x), pad)).squeeze(-1)
        return out


class _HopfieldPool(nn.Module):
    """``HopfieldPooling`` of the given package: one learned state pattern, ``heads`` heads."""

    def __init__(self, layers: Layers, size: int, heads: int) -> None:
        super().__init__()
        self.pool = layers.HopfieldPooling(input_size=size, num_heads=heads, quantity=1)

    def forward(self, h: Tensor, pad: Tensor | None) -> Tensor:
        out: Tensor = self.pool(h, stored_pattern_padding_mask=pad)
        return out


class _AttentionMIL(nn.Module):
    """Attention-MIL pooling (Ilse et al. 2018): ``a = softmax(w^T tanh(V h))``, ``z = sum_i a_i h_i``."""

    def __init__(self, size: int, hidden: int) -> None:
        super().__init__()
        self.v, self.w = nn.Linear(size, hidden), nn.Linear(hidden, 1, bias=False)

    def forward(self, h: Tensor, pad: Tensor | None) -> Tensor:
        a = self.w(torch.tanh(self.v(h))).squeeze(-1)
        if pad is not None:
            a = a.masked_fill(pad, float("-inf"))
        out: Tensor = torch.einsum("bn,bnd->bd", torch.softmax(a, dim=-1), h)
        return out


class _LSTM(nn.Module):
    def __init__(self, symbols: int, hidden: int) -> None:
        super().__init__()
        self.lstm, self.head = nn.LSTM(symbols, hidden, batch_first=True), nn.Linear(hidden, 1)

    def forward(self, x: Tensor, pad: Tensor | None = None) -> Tensor:
        out: Tensor = self.head(self.lstm(x)[1][0][-1]).squeeze(-1)
        return out


# --------------------------------------------------------------------------------------------- training
def _train(
    ctx: Context,
    make: Callable[[], nn.Module],
    train: tuple[Tensor, ...],
    test: tuple[Tensor, ...],
    epochs: int,
    lr: float,
    batch: int,
    desc: str,
) -> dict[str, Any]:
    """Adam on the BCE loss; test accuracy after each epoch; seconds of training and evaluation."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(ctx.seed)
        model = make()
        opt = torch.optim.Adam(model.parameters(), lr=lr)
        n = train[0].shape[0]
        curve, losses = [], []
        t0 = time.perf_counter()
        for _ in ctx.progress(range(epochs), desc=desc):
            model.train()
            total = 0.0
            for idx in torch.split(torch.randperm(n), batch):
                *xs, y = (t[idx] for t in train)
                loss = nn.functional.binary_cross_entropy_with_logits(model(*xs), y)
                opt.zero_grad()
                torch.autograd.backward(loss)
                opt.step()
                total += float(loss.detach()) * idx.numel()
            model.eval()
            with torch.no_grad():
                *xs, y = test
                curve.append(float(((model(*xs) > 0).float() == y).float().mean()))
            losses.append(total / n)
        seconds = time.perf_counter() - t0
    return {
        "accuracy": curve[-1],
        "seconds": seconds,
        "threads": torch.get_num_threads(),
        "test_accuracy": curve,
        "train_loss": losses,
    }


def _split(x: tuple[Tensor, ...], n_train: int) -> tuple[tuple[Tensor, ...], tuple[Tensor, ...]]:
    return tuple(t[:n_train] for t in x), tuple(t[n_train:] for t in x)


def compute_bits(ctx: Context, layers: Layers = OURS, *, baselines: bool = True) -> dict[str, Any]:
    """MIL on bit-pattern bags: 2,048 bags of 16 instances of 8 bits, 8 signals (quick: 512 bags)."""
    cfg: dict[str, Any] = {
        "bags": 512 if ctx.quick else 2048,
        "instances": 16,
        "bits": 8,
        "signals": 8,
        "epochs": 8 if ctx.quick else 20,
        "size": 32,
        "heads": 4,
    }
    g = torch.Generator().manual_seed(ctx.seed)
    x, y = bit_bags(cfg["bags"], cfg["instances"], cfg["bits"], cfg["signals"], g)
    train, test = _split((x, y), cfg["bags"] * 3 // 4)

    def make() -> nn.Module:
        embed = nn.Sequential(
            nn.Linear(cfg["bits"], cfg["size"]), nn.ReLU(), nn.Linear(cfg["size"], cfg["size"]), nn.ReLU()
        )
        return _Pooled(embed, _HopfieldPool(layers, cfg["size"], cfg["heads"]), cfg["size"])

    models = {"HopfieldPooling": _train(ctx, make, train, test, cfg["epochs"], 3e-3, 32, "bits")}
    return {"layers": layers.name, "config": cfg, "models": models}


def compute_mnist(ctx: Context, layers: Layers = OURS, *, baselines: bool = True) -> dict[str, Any]:
    """MNIST bags (first 8,000 test images to train, last 2,000 to test), positive when holding a 9."""
    images, labels = data.load_mnist(ctx.data_dir)
    cfg: dict[str, Any] = {
        "train_bags": 200 if ctx.quick else 800,
        "test_bags": 100 if ctx.quick else 300,
        "mean_size": 10,
        "epochs": 6 if ctx.quick else 15,
        "size": 64,
        "heads": 4,
        "split": "images 0-7999 train, 8000-9999 test",
    }
    g = torch.Generator().manual_seed(ctx.seed)
    train = mnist_bags(images[:8000], labels[:8000], cfg["train_bags"], cfg["mean_size"], g)
    test = mnist_bags(images[8000:], labels[8000:], cfg["test_bags"], cfg["mean_size"], g)

    def embed() -> nn.Module:
        return nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, cfg["size"]), nn.ReLU())

    def hop() -> nn.Module:
        return _Pooled(embed(), _HopfieldPool(layers, cfg["size"], cfg["heads"]), cfg["size"])

    def attention_mil() -> nn.Module:
        return _Pooled(embed(), _AttentionMIL(cfg["size"], 64), cfg["size"])

    models = {"HopfieldPooling": _train(ctx, hop, train, test, cfg["epochs"], 1e-3, 16, "mnist bags")}
    if baselines:
        models["attention-MIL (baseline)"] = _train(
            ctx, attention_mil, train, test, cfg["epochs"], 1e-3, 16, "attention MIL"
        )
    return {"layers": layers.name, "config": cfg, "models": models}


def compute_latch(ctx: Context, layers: Layers = OURS, *, baselines: bool = True) -> dict[str, Any]:
    """Latched sequences: 4,096 training and 1,024 test sequences of 48 symbols (quick: 16 symbols)."""
    cfg: dict[str, Any] = {
        "train": 512 if ctx.quick else 4096,
        "test": 256 if ctx.quick else 1024,
        "length": 16 if ctx.quick else 48,
        "symbols": 6,
        "epochs": 3 if ctx.quick else 10,
        "size": 32,
    }
    g = torch.Generator().manual_seed(ctx.seed)
    x, y = latch_sequences(cfg["train"] + cfg["test"], cfg["length"], cfg["symbols"], g)
    train, test = _split((x, y), cfg["train"])

    def hop() -> nn.Module:
        embed = nn.Linear(cfg["symbols"], cfg["size"])
        return _Pooled(embed, _HopfieldPool(layers, cfg["size"], 1), cfg["size"])

    models = {"HopfieldPooling": _train(ctx, hop, train, test, cfg["epochs"], 1e-3, 32, "latch")}
    if baselines:
        models["LSTM (baseline)"] = _train(
            ctx, lambda: _LSTM(cfg["symbols"], cfg["size"]), train, test, cfg["epochs"], 1e-3, 32, "LSTM"
        )
    return {"layers": layers.name, "config": cfg, "models": models}


# -------------------------------------------------------------------------------------- plot, summary
def plot(results: dict[str, Any]) -> dict[str, Any]:
    """Test accuracy and training loss per epoch of every model."""
    fig, (ax1, ax2) = subplots(1, 2, figsize=(9, 3.5))
    for name, r in results["models"].items():
        epochs = range(1, len(r["test_accuracy"]) + 1)
        ax1.plot(epochs, r["test_accuracy"], "o-", label=name)
        ax2.plot(epochs, r["train_loss"], "o-", label=name)
    ax1.set(xlabel="epoch", ylabel="test accuracy", ylim=(0.4, 1.02))
    ax2.set(xlabel="epoch", ylabel="training loss (BCE)")
    ax1.legend(fontsize=7)
    fig.tight_layout()
    return {"training": fig}


def summarize(results: dict[str, Any]) -> str:
    """The models' test accuracy and time, with the configuration."""
    rows = [
        [name, f"{r['accuracy']:.3f}", f"{r['seconds']:.1f}", len(r["test_accuracy"])]
        for name, r in results["models"].items()
    ]
    cfg = ", ".join(f"{k}={v}" for k, v in results["config"].items())
    return (
        markdown_table(["model", "test accuracy", "seconds (train + eval)", "epochs"], rows)
        + f"\n\nLayers: {results['layers']}. Configuration: {cfg}. hflayers' demo notebooks report no fixed"
        " numbers; `python benchmarks/layers_vs_hflayers.py` runs the same code with hflayers' classes"
        " (same data, seeds, budget) and prints both."
    )


SEED = "004 §B2.6, §B5; hflayers' demos"
register(
    "layers-mil-bits",
    "Multiple-instance learning on bags of bit patterns with HopfieldPooling",
    SEED,
    compute=compute_bits,
    plot=plot,
    summarize=summarize,
)
register(
    "layers-mil-mnist",
    "MNIST bags (a 9 makes a bag positive): HopfieldPooling vs attention-MIL",
    SEED,
    compute=compute_mnist,
    plot=plot,
    summarize=summarize,
)
register(
    "layers-latch",
    "Latched sequences: HopfieldPooling replaces an LSTM",
    SEED,
    compute=compute_latch,
    plot=plot,
    summarize=summarize,
)
