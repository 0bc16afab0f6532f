"""The training harness shared by the MNIST experiments of seed 003 ch. 4 (``seed003-*``).

One place for what the three training experiments have in common:

- the data: the MNIST test set split at a fixed place (images 0-7,999 train, 8,000-9,999 test: the
  60,000-image training set is not in ``../shared/data``), padded from 28x28 to 32x32 with the background
  value as in the seed, scaled to ``[-1, 1]`` (``2 L / 255 - 1``, the scale of the digit patterns) or to
  ``[0, 1]``;
- the epoch loop :func:`fit`: mini-batches in an order drawn from a generator seeded by ``(seed, epoch)``
  (so an epoch is the same whether or not the run was interrupted before it), the model built under
  ``torch.random.fork_rng`` seeded with ``ctx.seed``, an evaluation after every epoch (and one before the
  first: the untrained model), a checkpoint after every epoch into ``ctx.work_dir/checkpoints/`` (written
  atomically: model, optimizer, scheduler, history) and resume from it when the configuration matches.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from hopfield import data
from hopfield._errors import input_error
from hopfield._io import atomic_write
from hopfield.experiments import Context

__all__ = [
    "SPLIT",
    "SPLIT_TEXT",
    "Task",
    "accuracy_eval",
    "batches",
    "epoch_generator",
    "fit",
    "load_checkpoint",
    "mnist32",
    "save_checkpoint",
]

#: Index of the first test image: images ``0 .. SPLIT - 1`` train, ``SPLIT .. 9999`` test.
SPLIT = 8000
SPLIT_TEXT = "MNIST test-set images 0-7,999 train, 8,000-9,999 test (the training set is not available)"


def mnist32(
    ctx: Context, scale: str, n_train: int | None = None, n_test: int | None = None
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """MNIST padded to 32x32: ``(x_train, y_train, x_test, y_test)``, images ``(n, 1, 32, 32)`` float32.

    Parameters
    ----------
    scale:
        ``"signed"``: ``2 L / 255 - 1`` in ``[-1, 1]`` (background -1, as the digit patterns);
        ``"unit"``: ``L / 255`` in ``[0, 1]``.
    n_train, n_test:
        Keep only the first images of each part (``None``: all 8,000 / 2,000).
    """
    images, labels = data.load_mnist(ctx.data_dir)
    x = nn.functional.pad(images.float(), (2, 2, 2, 2)).unsqueeze(1) / 255.0  # background 0 -> pad 0
    if scale == "signed":
        x = 2.0 * x - 1.0
    elif scale != "unit":
        raise input_error("scale", "'signed' or 'unit'", repr(scale))
    a, b = slice(0, SPLIT if n_train is None else min(n_train, SPLIT)), slice(SPLIT, None)
    x_test, y_test = x[b], labels[b]
    if n_test is not None:
        x_test, y_test = x_test[:n_test], y_test[:n_test]
    return x[a], labels[a], x_test, y_test


def epoch_generator(seed: int, epoch: int) -> torch.Generator:
    """The generator of one epoch (batch order, noise): a function of ``(seed, epoch)`` only."""
    return torch.Generator().manual_seed(1_000_003 * seed + epoch)


def batches(n: int, size: int, g: torch.Generator) -> Iterable[Tensor]:
    """A random permutation of ``range(n)`` cut into index batches of ``size``."""
    return torch.split(torch.randperm(n, generator=g), size)


@dataclass
class Task:
    """A training run: what :func:`fit` needs.

    Attributes
    ----------
    name:
        The checkpoint's file stem (unique per experiment and model).
    config:
        JSON-able settings; a checkpoint is resumed only when its ``config`` equals this one.
    make_model:
        Builds the model (called under a generator seeded with ``ctx.seed``).
    loss:
        ``loss(model, batch_tensors, g) -> scalar`` of one mini-batch (``g``: the epoch's generator, for
        noise).
    evaluate:
        ``evaluate(model) -> {metric: value}`` on the test set, run under ``torch.no_grad`` in eval mode.
    lr:
        Adam's learning rate.
    plateau:
        A metric of ``evaluate`` to drive ``ReduceLROnPlateau(mode="max")`` (the seed's "adaptive learning
        rate using the current accuracy"), or ``None`` for a constant rate.
    trainable:
        Which parameters to train, by a predicate on their names (default: all that the model does not
        freeze itself).
    """

    name: str
    config: dict[str, Any]
    make_model: Callable[[], nn.Module]
    loss: Callable[[nn.Module, tuple[Tensor, ...], torch.Generator], Tensor]
    evaluate: Callable[[nn.Module], dict[str, float]]
    lr: float
    plateau: str | None = None
    trainable: Callable[[str], bool] = field(default=lambda name: True)


def accuracy_eval(x: Tensor, y: Tensor, batch: int = 1000) -> Callable[[nn.Module], dict[str, float]]:
    """Test accuracy and mean cross-entropy of a classifier returning logits ``(n, 10)``."""

    def evaluate(model: nn.Module) -> dict[str, float]:
        logits = torch.cat([model(x[i : i + batch]) for i in range(0, x.shape[0], batch)])
        return {
            "accuracy": float((logits.argmax(-1) == y).float().mean()),
            "test_loss": float(nn.functional.cross_entropy(logits, y)),
        }

    return evaluate


def _checkpoint_path(ctx: Context, name: str) -> Path | None:
    return None if ctx.work_dir is None else Path(ctx.work_dir) / "checkpoints" / f"{name}.pt"


def load_checkpoint(ctx: Context, name: str, config: dict[str, Any]) -> dict[str, Any] | None:
    """The checkpoint ``name`` in ``ctx.work_dir/checkpoints/`` if it exists and its ``config`` matches."""
    path = _checkpoint_path(ctx, name)
    if path is None or not path.is_file():
        return None
    state: dict[str, Any] = torch.load(path, weights_only=True)
    return state if state.get("config") == config else None


def _save(record: dict[str, Any], f: Any) -> None:
    torch.save(record, f)


def save_checkpoint(ctx: Context, name: str, record: dict[str, Any]) -> None:
    """Write ``record`` (with its ``config``) as checkpoint ``name`` atomically (no-op without work_dir)."""
    path = _checkpoint_path(ctx, name)
    if path is not None:
        atomic_write(path, functools.partial(_save, record))


def _evaluate(model: nn.Module, task: Task) -> dict[str, float]:
    model.eval()
    with torch.no_grad():
        return task.evaluate(model)


def fit(
    ctx: Context, task: Task, train: tuple[Tensor, ...], epochs: int, batch: int
) -> tuple[nn.Module, dict[str, Any]]:
    """Train ``task``'s model with Adam for ``epochs`` epochs on the tensors ``train`` (first axis: samples).

    Returns the model and a JSON-able record: ``history`` (per epoch, from 0 = before training:
    ``train_loss`` (None at 0), ``lr`` and the metrics of ``evaluate``), ``seconds`` (training and
    evaluation, summed over interrupted runs), ``resumed_from`` (the epoch the checkpoint held, 0: none),
    ``trainable_parameters`` and ``threads``.
    """
    config = {**task.config, "epochs": epochs, "batch": batch, "seed": ctx.seed}
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(ctx.seed)
        model = task.make_model()
    for n, p in model.named_parameters():
        if not task.trainable(n):
            p.requires_grad_(False)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=task.lr)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="max", factor=0.5, patience=2)
    state = load_checkpoint(ctx, task.name, config)
    t0 = time.perf_counter()
    if state is not None:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        history: list[dict[str, Any]] = state["history"]
        start, spent = int(state["epoch"]), float(state["seconds"])
    else:
        history = [{"epoch": 0, "train_loss": None, "lr": task.lr, **_evaluate(model, task)}]
        start, spent = 0, 0.0
    n_samples = train[0].shape[0]
    for epoch in ctx.progress(range(start + 1, epochs + 1), desc=task.name, initial=start, total=epochs):
        model.train()
        g = epoch_generator(ctx.seed, epoch)
        total = 0.0
        for idx in batches(n_samples, batch, g):
            loss = task.loss(model, tuple(t[idx] for t in train), g)
            opt.zero_grad()
            torch.autograd.backward(loss)
            opt.step()
            total += float(loss.detach()) * idx.numel()
        metrics = _evaluate(model, task)
        history.append(
            {"epoch": epoch, "train_loss": total / n_samples, "lr": opt.param_groups[0]["lr"], **metrics}
        )
        if task.plateau is not None:
            sched.step(metrics[task.plateau])
        save_checkpoint(
            ctx,
            task.name,
            {
                "config": config,
                "epoch": epoch,
                "model": model.state_dict(),
                "optimizer": opt.state_dict(),
                "scheduler": sched.state_dict(),
                "history": history,
                "seconds": spent + time.perf_counter() - t0,
            },
        )
    record_out = {
        "history": history,
        "seconds": spent + time.perf_counter() - t0,
        "resumed_from": start,
        "trainable_parameters": sum(p.numel() for p in params),
        "threads": torch.get_num_threads(),
    }
    model.eval()
    return model, record_out
