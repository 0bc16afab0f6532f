"""MNIST classification with DeepHNN (003 §4.2): ``seed003-patterns`` and ``seed003-cnn``.

- ``seed003-patterns`` ("A Simple Experiment"): the 30 hand-drawn digit patterns (3 per digit) stored in
  a DeepHNN (1 channel, 10 features, deep 3, 1,024 neurons), beta = 0.07, 2 iterations. The images are
  scaled as the patterns are (``2 L / 255 - 1``, background -1). We report the zero-shot accuracy (the
  patterns as given) and the accuracy after training the patterns, the per-feature bias and log-beta
  (all of the DeepHNN's parameters) with cross-entropy and Adam, the rate halved when the test accuracy
  stops improving (the seed's "adaptive learning rate using the current accuracy"), and how far each
  pattern moved, beside how many test images it decided before training (its "attribution").
- ``seed003-cnn`` ("DeepHNN as MLP"): a linear CNN (5 channels, 4x4 kernels, stride 2, no padding: 15x15 =
  225 neurons per channel), a DeepHNN (5 channels, 10 features, deep 5) and a convex merge of the 5
  channels into 10 logits: 56,440 trainable parameters (asserted), Adam with learning rate 0.01.

Data: :data:`hopfield.experiments._seed003_train.SPLIT_TEXT`; training by
:func:`hopfield.experiments._seed003_train.fit` (checkpoint every epoch, resume).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor, nn

from hopfield import data
from hopfield._table import markdown_table
from hopfield.experiments import Context, register
from hopfield.experiments._seed003_train import SPLIT_TEXT, Task, accuracy_eval, fit, mnist32
from hopfield.plotting import subplots

__all__ = ["CNN_PARAMETERS", "PatternClassifier", "build_cnn", "compute_cnn", "compute_patterns"]

#: The seed's parameter count of the CNN model: conv 85 + patterns 56,250 + bias 50 + log-beta 5 + merge 50.
CNN_PARAMETERS = 56_440
PATTERN_BETA, PATTERN_ITERATIONS = 0.07, 2
SEED_PATTERNS = {"loss": 1.8, "accuracy": 0.32}
SEED_CNN = {"text": 0.87, "notebook": 0.92, "loss": 0.7}


class PatternClassifier(nn.Module):
    """Images ``(B, 1, 32, 32)`` -> DeepHNN(1, 10, deep 3, 1024) on the flat image -> logits ``(B, 10)``."""

    def __init__(self, patterns: Tensor) -> None:
        super().__init__()
        from hopfield.nn import DeepHNN

        self.hnn = DeepHNN(
            1,
            10,
            3,
            patterns.shape[-1],
            iterations=PATTERN_ITERATIONS,
            beta=PATTERN_BETA,
            patterns=patterns.float().unsqueeze(0),
        )

    def forward(self, x: Tensor) -> Tensor:
        out: Tensor = self.hnn(x.flatten(1).unsqueeze(1)).squeeze(1)
        return out


class _CNNClassifier(nn.Module):
    """Linear conv (1 -> 5, 4x4, stride 2) -> DeepHNN(5, 10, deep 5, 225) -> convex merge -> ``(B, 10)``."""

    def __init__(self, iterations: int) -> None:
        super().__init__()
        from hopfield.nn import ConvexMerge, DeepHNN

        self.conv = nn.Conv2d(1, 5, 4, stride=2, padding=0)
        self.hnn = DeepHNN(5, 10, 5, 15 * 15, iterations=iterations)
        self.merge = ConvexMerge(5, 10)

    def forward(self, x: Tensor) -> Tensor:
        h = self.conv(x).flatten(2)  # (B, 5, 225)
        out: Tensor = self.merge(self.hnn(h))
        return out


def build_cnn(iterations: int = 1) -> nn.Module:
    """The CNN model of 003 §4.2 "DeepHNN as MLP"; asserts the seed's 56,440 trainable parameters."""
    model = _CNNClassifier(iterations)
    count = sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert count == CNN_PARAMETERS, f"{count} trainable parameters, the seed has {CNN_PARAMETERS}"
    return model


def _everything(name: str) -> bool:
    return True


def _not_patterns(name: str) -> bool:
    return not name.endswith("patterns")


def _cross_entropy(model: nn.Module, batch: tuple[Tensor, ...], g: torch.Generator) -> Tensor:
    x, y = batch
    return nn.functional.cross_entropy(model(x), y)


# -------------------------------------------------------------------------------------------- compute
def _winners(model: PatternClassifier, x: Tensor) -> Tensor:
    """For each image, the pattern (0..29) whose logit decided the predicted class."""
    with torch.no_grad():
        hnn: Any = model.hnn
        logits: Tensor = hnn.logits(x.flatten(1).unsqueeze(1))[:, 0]  # (B, 30): before the max and bias
    return logits.argmax(-1)


def compute_patterns(ctx: Context) -> dict[str, Any]:
    """Zero-shot and trained accuracy of the 30 digit patterns in a DeepHNN (003 §4.2, Fig. 4.5)."""
    cfg: dict[str, Any] = {
        "n_train": 1200 if ctx.quick else 8000,
        "n_test": 600 if ctx.quick else 2000,
        "epochs": 3 if ctx.quick else 40,
        "batch": 64,
        "lr": 0.01,
        "beta": PATTERN_BETA,
        "iterations": PATTERN_ITERATIONS,
        "scale": "2 L / 255 - 1 (background -1), padded 28 -> 32",
        "trained": "patterns, bias, log-beta (all DeepHNN parameters)",
        "frozen": "bias and log-beta only (the patterns as given)",
    }
    patterns, names = data.load_digit_patterns(ctx.data_dir)
    x_train, y_train, x_test, y_test = mnist32(ctx, "signed", cfg["n_train"], cfg["n_test"])
    settings = {k: v for k, v in cfg.items() if k not in ("epochs", "batch", "frozen")}

    def task(name: str, trainable: Callable[[str], bool]) -> Task:
        return Task(
            name,
            settings,
            lambda: PatternClassifier(patterns),
            _cross_entropy,
            accuracy_eval(x_test, y_test),
            cfg["lr"],
            plateau="accuracy",
            trainable=trainable,
        )

    model, record = fit(
        ctx, task("seed003-patterns", _everything), (x_train, y_train), cfg["epochs"], cfg["batch"]
    )
    frozen_model, frozen = fit(
        ctx, task("seed003-patterns-frozen", _not_patterns), (x_train, y_train), cfg["epochs"], cfg["batch"]
    )
    hnn: Any = model.hnn
    after = hnn.patterns.detach()[0].double()
    change = torch.linalg.vector_norm(after - patterns, dim=-1) / torch.linalg.vector_norm(patterns, dim=-1)
    wins = torch.bincount(_winners(PatternClassifier(patterns), x_test), minlength=30)
    corr = float(torch.corrcoef(torch.stack([wins.double(), change]))[0, 1])
    fhnn: Any = frozen_model.hnn
    return {
        "config": cfg,
        "split": SPLIT_TEXT,
        "zero_shot_accuracy": record["history"][0]["accuracy"],
        "accuracy": record["history"][-1]["accuracy"],
        "test_loss": record["history"][-1]["test_loss"],
        "train_loss": record["history"][-1]["train_loss"],
        "beta_after": float(hnn.beta.detach().reshape(-1)[0]),
        "pattern_names": names,
        "pattern_change": change.tolist(),
        "zero_shot_wins": wins.tolist(),
        "change_wins_correlation": corr if math.isfinite(corr) else None,
        "patterns_before": patterns.tolist(),
        "patterns_after": after.tolist(),
        "frozen_patterns": {
            "accuracy": frozen["history"][-1]["accuracy"],
            "test_loss": frozen["history"][-1]["test_loss"],
            "train_loss": frozen["history"][-1]["train_loss"],
            "beta_after": float(fhnn.beta.detach().reshape(-1)[0]),
            "bias_after": fhnn.bias.detach()[0].tolist(),
            **frozen,
        },
        **record,
    }


def compute_cnn(ctx: Context) -> dict[str, Any]:
    """Linear CNN + DeepHNN + convex merge on MNIST (003 §4.2 "DeepHNN as MLP", Fig. 4.6)."""
    cfg: dict[str, Any] = {
        "n_train": 2000 if ctx.quick else 8000,
        "n_test": 1000 if ctx.quick else 2000,
        "epochs": 3 if ctx.quick else 40,
        "batch": 64,
        "lr": 0.01,
        "iterations": 1,
        "scale": "2 L / 255 - 1 (background -1), padded 28 -> 32",
    }
    x_train, y_train, x_test, y_test = mnist32(ctx, "signed", cfg["n_train"], cfg["n_test"])
    task = Task(
        "seed003-cnn",
        {k: v for k, v in cfg.items() if k not in ("epochs", "batch")},
        lambda: build_cnn(cfg["iterations"]),
        _cross_entropy,
        accuracy_eval(x_test, y_test),
        cfg["lr"],
    )
    _, record = fit(ctx, task, (x_train, y_train), cfg["epochs"], cfg["batch"])
    return {
        "config": cfg,
        "split": SPLIT_TEXT,
        "accuracy": record["history"][-1]["accuracy"],
        "test_loss": record["history"][-1]["test_loss"],
        "train_loss": record["history"][-1]["train_loss"],
        **record,
    }


# ------------------------------------------------------------------------------------- plot, summarize
def plot_curves(results: dict[str, Any], others: dict[str, Any] | None = None) -> Any:
    """Training loss, test loss and test accuracy per epoch (epoch 0: before training).

    ``others``: more runs ``{label: history}``, their test accuracy drawn beside.
    """
    h = results["history"]
    ep = [r["epoch"] for r in h]
    fig, (ax1, ax2) = subplots(1, 2, figsize=(9, 3.5))
    ax1.plot(ep[1:], [r["train_loss"] for r in h[1:]], "o-", ms=3, label="train (cross-entropy)")
    ax1.plot(ep, [r["test_loss"] for r in h], "o-", ms=3, label="test (cross-entropy)")
    ax1.set(xlabel="epoch", ylabel="loss", yscale="log")
    ax1.legend(fontsize=7)
    ax2.plot(ep, [r["accuracy"] for r in h], "o-", ms=3, label="test accuracy")
    for label, other in (others or {}).items():
        ax2.plot([r["epoch"] for r in other], [r["accuracy"] for r in other], "s-", ms=3, label=label)
    ax2.axhline(0.1, color="grey", ls=":", lw=1, label="chance")
    ax2.set(xlabel="epoch", ylabel="test accuracy", ylim=(0, 1))
    ax2.legend(fontsize=7)
    fig.tight_layout()
    return fig


def plot_patterns(results: dict[str, Any]) -> dict[str, Any]:
    """Training curves and the 30 patterns before and after training (with their relative change)."""
    before = torch.tensor(results["patterns_before"]).reshape(30, 32, 32)
    after = torch.tensor(results["patterns_after"]).reshape(30, 32, 32)
    fig, axes = subplots(6, 10, figsize=(12, 7.8))
    for k in range(30):
        row, col = divmod(k, 10)
        for img, ax in ((before[k], axes[2 * row, col]), (after[k], axes[2 * row + 1, col])):
            ax.imshow(img.numpy(), cmap="gray", vmin=-1, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[2 * row, col].set_title(results["pattern_names"][k], fontsize=7)
        axes[2 * row + 1, col].set_title(f"change {results['pattern_change'][k]:.2f}", fontsize=7)
    fig.suptitle("digit patterns before (upper rows) and after training (lower rows)")
    fig.tight_layout()
    frozen = {"patterns frozen (bias, beta trained)": results["frozen_patterns"]["history"]}
    return {"training": plot_curves(results, frozen), "patterns": fig}


def _maybe(x: float | None) -> str:
    return "undefined" if x is None else f"{x:.2f}"


def _time(results: dict[str, Any]) -> str:
    return (
        f"{results['seconds']:.0f} s for {len(results['history']) - 1} epochs on"
        f" {results['threads']} thread(s)"
    )


def summarize_patterns(r: dict[str, Any]) -> str:
    """Zero-shot and trained accuracy beside the seed's; which patterns changed."""
    change = torch.tensor(r["pattern_change"])
    wins = torch.tensor(r["zero_shot_wins"])
    fz = r["frozen_patterns"]
    top = wins.argsort(descending=True)[:5]
    rows = [
        ["zero-shot accuracy (patterns as given)", f"{r['zero_shot_accuracy']:.3f}", "(Fig. 4.5: poor)"],
        ["test accuracy after training", f"{r['accuracy']:.3f}", f"{SEED_PATTERNS['accuracy']}"],
        ["test accuracy, patterns frozen (bias, beta trained)", f"{fz['accuracy']:.3f}", ""],
        ["final training loss, patterns frozen", f"{fz['train_loss']:.3g}", ""],
        ["final training loss (cross-entropy)", f"{r['train_loss']:.3g}", f"{SEED_PATTERNS['loss']}"],
        ["mean relative pattern change", f"{float(change.mean()):.3f}", "high-attribution ones unchanged"],
        [
            "mean change of the 5 patterns deciding most test images",
            f"{float(change[top].mean()):.3f}",
            "",
        ],
        ["correlation (decided images, change)", _maybe(r["change_wins_correlation"]), ""],
        ["beta after training", f"{r['beta_after']:.4f}", f"{PATTERN_BETA} (start)"],
    ]
    cfg = r["config"]
    return (
        markdown_table(["quantity", "ours", "seed 003 §4.2"], rows)
        + f"\n\nData: {r['split']} (ours used {cfg['n_train']} / {cfg['n_test']}). Scaling: {cfg['scale']}."
        f" Trained: {cfg['trained']} (second run: {cfg['frozen']}); Adam, lr {cfg['lr']} halved when"
        f" the test accuracy stalls, batch {cfg['batch']}. {_time(r)} (frozen run: {_time(fz)})."
        " Relative change: ||x' - x|| / ||x|| per pattern; 'decided images':"
        " the test images whose predicted class came from that pattern before training."
    )


def summarize_cnn(r: dict[str, Any]) -> str:
    """Accuracy beside the seed's text and the authors' notebook."""
    rows = [
        ["test accuracy", f"{r['accuracy']:.3f}", f"~{SEED_CNN['text']}", f"{SEED_CNN['notebook']}"],
        ["final training loss", f"{r['train_loss']:.3g}", f"{SEED_CNN['loss']}", ""],
        ["trainable parameters", f"{r['trainable_parameters']:,}", f"{CNN_PARAMETERS:,}", ""],
    ]
    cfg = r["config"]
    return (
        markdown_table(["quantity", "ours", "seed text", "authors' notebook"], rows)
        + f"\n\nData: {r['split']} (ours used {cfg['n_train']} / {cfg['n_test']}; the seed trained on the"
        f" 60,000 training images). Scaling: {cfg['scale']}. Adam, lr {cfg['lr']}, batch {cfg['batch']},"
        f" DeepHNN iterations {cfg['iterations']}; no regularization term (Fig. 4.6 shows one, not"
        f" specified). {_time(r)}."
    )


SEED = "003 §4.2"
register(
    "seed003-patterns",
    "The 30 digit patterns in a DeepHNN on MNIST: zero-shot and after training",
    SEED,
    compute=compute_patterns,
    plot=plot_patterns,
    summarize=summarize_patterns,
)
register(
    "seed003-cnn",
    "Linear CNN + DeepHNN + convex merge on MNIST (56,440 parameters)",
    SEED,
    compute=compute_cnn,
    plot=lambda r: {"training": plot_curves(r)},
    summarize=summarize_cnn,
)
