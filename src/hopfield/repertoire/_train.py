"""Training of :class:`hopfield.nn.RepertoireClassifier` (DeepRC): :func:`fit` with subsampling, the
top-fraction step, early stopping, checkpoints with resume and data-parallel processes; :class:`DeepRC`,
the model as a :class:`~hopfield.repertoire.Baseline` for :func:`~hopfield.repertoire.cross_validate`.

One training step (DeepRC, Widrich et al. 2020, Sec. 3): each repertoire of the batch is a seeded
subsample of ``subsample`` sequences (:class:`RepertoireDataset`); attention over all of them is computed
without gradient, each repertoire's ``top_fraction`` most attended sequences are embedded again with
gradient, and the BCE loss of the pooled logits is back-propagated through them only (Adam).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from numpy.typing import NDArray

import hopfield.nn._repertoire as _model
from hopfield._errors import input_error
from hopfield._registry import Registry
from hopfield._validate import check_bool, check_int, check_optional_int, check_real
from hopfield.repertoire._batch import RepertoireBatch, collate_bags
from hopfield.repertoire._dataset import RepertoireDataset
from hopfield.repertoire._errors import CheckpointConfigError
from hopfield.repertoire._predict import (
    CHECKPOINT_FORMAT,
    CHECKPOINT_VERSION,
    autocast_for,
    predict,
    read_checkpoint,
    save_model,
    write_checkpoint,
)

if TYPE_CHECKING:
    from hopfield.nn._repertoire import RepertoireClassifier

__all__ = ["OPTIMIZERS", "DeepRC", "TrainConfig", "fit"]


#: Optimizers by name: ``f(parameters, lr, weight_decay)``.
OPTIMIZERS: Registry[Callable[..., torch.optim.Optimizer]] = Registry("optimizer", "optimizer")
OPTIMIZERS.register("adam")(
    lambda params, lr, weight_decay: torch.optim.Adam(params, lr, weight_decay=weight_decay)
)
OPTIMIZERS.register("sgd")(
    lambda params, lr, weight_decay: torch.optim.SGD(params, lr, weight_decay=weight_decay)
)
Progress = Callable[..., Any]


@dataclass(frozen=True, kw_only=True)
class TrainConfig:
    """Hyper-parameters of :func:`fit` (checkpoints store them; resuming needs the same, but ``epochs``).

    Attributes
    ----------
    epochs:
        Maximum number of passes over the training repertoires.
    lr, weight_decay:
        The learning rate and (L2) weight decay of the optimizer.
    optimizer:
        ``"adam"`` (DeepRC's) or ``"sgd"`` (plain gradient steps), from :data:`OPTIMIZERS`.
    batch_size:
        Repertoires per step (over all processes together when distributed).
    subsample:
        Sequences drawn per repertoire and epoch (None: all); prediction always uses all.
    top_fraction, min_kept:
        Each subsample's ``max(ceil(top_fraction * n), min(min_kept, n))`` most attended sequences are
        back-propagated through (DeepRC: 10%, i.e. 1000 of the 10^4 subsampled). The floor ``min_kept``
        keeps small repertoires whole: the reduction saves compute on large bags, while on small ones
        (hundreds of sequences) a near-uniform initial attention would pick a random 10% and the
        attention rarely learns to find the witnesses (measured: docs/repertoire.md, "Training").
    patience:
        Stop after this many epochs without a better validation score (ROC AUC, ties broken by loss).
    seed:
        Initialization, batch order and subsamples. ``None`` (the default): a fresh random seed, drawn
        once and kept in the config (and so in the checkpoints: resuming needs the same seed).
    device:
        ``"cpu"``, ``"cuda"``, ``"cuda:1"`` ...; ``amp`` runs the embedding under float16 autocast on CUDA
        (ignored on the CPU, which trains in the parameters' float32).
    model:
        Keyword arguments of :class:`RepertoireClassifier`.
    """

    epochs: int = 30
    lr: float = 3e-3
    batch_size: int = 4
    subsample: int | None = 10_000
    top_fraction: float = 0.1
    min_kept: int = 1000
    patience: int = 5
    seed: int | None = None
    device: str = "cpu"
    amp: bool = False
    weight_decay: float = 0.0
    optimizer: str = "adam"
    model: dict[str, Any] = field(default_factory=dict)

    @property
    def rng_seed(self) -> int:
        """The seed in use (the given one, or the one drawn at construction)."""
        assert self.seed is not None  # __post_init__ draws one
        return self.seed

    def __post_init__(self) -> None:
        check_int(self.epochs, "epochs", 1)
        check_real(self.lr, "lr", low=0.0, low_open=True)
        check_real(self.weight_decay, "weight_decay", low=0.0)
        check_int(self.batch_size, "batch_size", 1)
        check_optional_int(self.subsample, "subsample", 1)
        check_real(self.top_fraction, "top_fraction", low=0.0, high=1.0, low_open=True)
        check_int(self.min_kept, "min_kept", 1)
        check_int(self.patience, "patience", 1)
        if self.seed is None:  # a fresh random seed, recorded so that the run can be repeated
            object.__setattr__(self, "seed", int(np.random.SeedSequence().generate_state(1)[0]))
        else:
            check_int(self.seed, "seed", 0)
        check_bool(self.amp, "amp")
        OPTIMIZERS.get(self.optimizer)
        try:
            torch.device(self.device)
        except (RuntimeError, TypeError):
            raise input_error("device", "a torch device name such as 'cpu' or 'cuda'", self.device) from None
        _model.RepertoireClassifier(**self.model)  # checks the model's arguments now


# ------------------------------------------------------------------------------------------ training
def _batches(train: NDArray[np.int64], batch_size: int, seed: int, epoch: int) -> list[NDArray[np.int64]]:
    """The epoch's batches: a seeded permutation split into ``ceil(n / batch_size)`` near-equal parts."""
    perm = np.random.default_rng([seed, epoch, 7]).permutation(train)
    return [b for b in np.array_split(perm, math.ceil(len(perm) / batch_size)) if len(b)]


def _step_loss(net: Any, batch: RepertoireBatch, config: TrainConfig, scale: float) -> torch.Tensor:
    logits = net(batch, top_fraction=config.top_fraction, min_kept=config.min_kept)
    return (
        torch.nn.functional.binary_cross_entropy_with_logits(
            logits.float(), batch.labels.float(), reduction="sum"
        )
        * scale
    )


def _validate(
    model: RepertoireClassifier, dataset: RepertoireDataset, val: NDArray[np.int64], amp: bool
) -> dict[str, float]:
    from hopfield.repertoire._evaluation import roc_auc

    logits = predict(model, dataset, val, amp=amp)
    y = dataset.labels[val].astype(np.float64)
    loss = float(
        torch.nn.functional.binary_cross_entropy_with_logits(torch.from_numpy(logits), torch.from_numpy(y))
    )
    auc = roc_auc(y.astype(np.int64), logits) if len(np.unique(y)) == 2 else float("nan")
    return {"val_loss": loss, "val_auc": auc}


def _score(row: dict[str, float]) -> tuple[float, float]:
    auc = row["val_auc"]
    return (-1.0 if math.isnan(auc) else auc, -row["val_loss"])


def _identity(config: TrainConfig, dataset: RepertoireDataset, train: Any, val: Any) -> dict[str, Any]:
    cfg = asdict(config)
    cfg.pop("epochs")
    cfg["model"] = _model.RepertoireClassifier(**config.model).config()
    m = dataset.manifest
    return {
        "train_config": cfg,
        "dataset": [m["n_repertoires"], m["n_sequences"], m["n_residues"]],
        "train_idx": [int(i) for i in train],
        "val_idx": [int(i) for i in val],
    }


def _resume(path: Path, identity: dict[str, Any]) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    payload = read_checkpoint(path)
    theirs = payload.get("identity", {})
    if theirs != identity:
        diff = sorted(k for k in identity if theirs.get(k) != identity[k])
        raise CheckpointConfigError(
            f"{path}: checkpoint of another training configuration (differs in {', '.join(diff)}); "
            "use another checkpoint_dir or remove it",
            argument="checkpoint_dir",
            expected=str(identity.get("train_config")),
            received=str(theirs.get("train_config")),
        )
    return payload


def fit(
    dataset: RepertoireDataset,
    train_idx: Sequence[int] | NDArray[np.int64],
    val_idx: Sequence[int] | NDArray[np.int64],
    config: TrainConfig | None = None,
    *,
    checkpoint_dir: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
    distributed: bool = False,
) -> tuple[RepertoireClassifier, list[dict[str, float]]]:
    """Train a :class:`RepertoireClassifier` on repertoires ``train_idx``, early-stopped on ``val_idx``.

    Returns the model at its best validation epoch (on ``config.device``) and the history
    (one dict per epoch: ``epoch``, ``train_loss``, ``val_loss``, ``val_auc``, ``sequences``).

    ``checkpoint_dir``: ``last.pt`` is written (atomically) after every epoch and ``best.pt`` at the
    end; an existing ``last.pt`` of the same configuration, dataset and split is resumed (the result
    equals an uninterrupted run), one of another raises :class:`~hopfield.nn.CheckpointConfigError`.

    ``distributed``: data-parallel over the processes of an initialized ``torch.distributed`` group, or
    one initialized here from the ``torchrun`` variables (gloo on the CPU, NCCL on CUDA, where
    ``cuda`` means ``cuda:LOCAL_RANK``). Each step's batch is split over the ranks and the gradients
    averaged (``DistributedDataParallel``) so that a step equals the single-process step; rank 0 writes
    the checkpoints.
    """
    config = config or TrainConfig()
    train = np.asarray(train_idx, dtype=np.int64).reshape(-1)
    val = np.asarray(val_idx, dtype=np.int64).reshape(-1)
    if len(train) == 0 or len(val) == 0:
        raise input_error(
            "train_idx", "non-empty training and validation indices", f"{len(train)}, {len(val)}"
        )
    for name, ix in (("train_idx", train), ("val_idx", val)):
        if ix.min() < 0 or ix.max() >= len(dataset):
            raise input_error(name, f"indices in [0, {len(dataset) - 1}]", f"[{ix.min()}, {ix.max()}]")
    rank, world, device = 0, 1, torch.device(config.device)
    if check_bool(distributed, "distributed"):
        from hopfield.repertoire._parallel import init_distributed

        rank, world, device = init_distributed(device)
    amp = config.amp and device.type == "cuda"
    data = RepertoireDataset(dataset.path, max_sequences=config.subsample, seed=config.seed)
    model = _model.RepertoireClassifier(**config.model)
    model.reset_parameters(torch.Generator().manual_seed(config.rng_seed))
    model.to(device)
    opt = OPTIMIZERS.get(config.optimizer)(model.parameters(), config.lr, config.weight_decay)
    scaler = torch.amp.GradScaler("cuda", enabled=amp)
    state: dict[str, Any] = {"epoch": 0, "history": [], "best_model": None, "best": None, "bad": 0}
    identity = _identity(config, dataset, train, val)
    folder = None if checkpoint_dir is None else Path(checkpoint_dir)
    payload = None if folder is None else _resume(folder / "last.pt", identity)
    if payload is not None:
        model.load_state_dict(payload["model"])
        opt.load_state_dict(payload["optimizer"])
        scaler.load_state_dict(payload["scaler"])
        state = payload["state"]
    net: Any = model
    if world > 1:
        from torch.nn.parallel import DistributedDataParallel

        net = DistributedDataParallel(model, device_ids=[device] if device.type == "cuda" else None)
    wrap = progress or (lambda it, **kw: it)
    stopped = state["bad"] >= config.patience
    for epoch in range(state["epoch"], config.epochs):
        if stopped:
            break
        data.set_epoch(epoch)
        model.train()
        total, seen = 0.0, 0
        for b in wrap(_batches(train, config.batch_size, config.rng_seed, epoch), desc=f"epoch {epoch + 1}"):
            if len(b) < world:
                raise input_error("batch_size", f"batches of at least {world} repertoires", len(b))
            batch = collate_bags([data[int(i)] for i in b[rank::world]]).to(device)
            with autocast_for(device, amp):
                loss = _step_loss(net, batch, config, world / len(b))
            opt.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()  # type: ignore[no-untyped-call]
            scaler.step(opt)
            scaler.update()
            total += float(loss.detach()) * len(b) / world
            seen += int(batch.bag_sizes.sum())
        if world > 1:  # every rank's share of the loss and sequences
            sums = torch.tensor([total, float(seen)], dtype=torch.float64, device=device)
            torch.distributed.all_reduce(sums)
            total, seen = float(sums[0]), int(sums[1])
        row = {"epoch": float(epoch + 1), "train_loss": total / len(train), "sequences": float(seen)}
        row.update(_validate(model, dataset, val, amp))
        state["history"].append(row)
        if state["best"] is None or _score(row) > tuple(state["best"]):
            state["best"], state["bad"] = list(_score(row)), 0
            state["best_model"] = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
        else:
            state["bad"] += 1
        stopped = state["bad"] >= config.patience
        state["epoch"] = epoch + 1
        if folder is not None and rank == 0:
            write_checkpoint(
                folder / "last.pt",
                {
                    "format": CHECKPOINT_FORMAT,
                    "version": CHECKPOINT_VERSION,
                    "model_config": model.config(),
                    "identity": identity,
                    "model": {k: v.detach().cpu() for k, v in model.state_dict().items()},
                    "optimizer": opt.state_dict(),
                    "scaler": scaler.state_dict(),
                    "state": state,
                },
            )
        if world > 1:
            torch.distributed.barrier()
    if state["best_model"] is not None:
        model.load_state_dict(state["best_model"])
    if folder is not None and rank == 0:
        save_model(folder / "best.pt", model, history=state["history"], identity=identity)
    return model, list(state["history"])


class DeepRC:
    """The model as a :class:`~hopfield.repertoire.Baseline`: ``fit`` trains on the training repertoires,
    holding out ``val_fraction`` of them (stratified, seeded) for early stopping; ``score`` gives logits.

    ``checkpoint_dir``: fold ``k`` (the ``k``-th call of ``fit``) checkpoints in ``checkpoint_dir/foldk``
    and resumes from there.
    """

    name = "deeprc"

    def __init__(
        self,
        config: TrainConfig | None = None,
        *,
        val_fraction: float = 0.2,
        checkpoint_dir: str | os.PathLike[str] | None = None,
        progress: Progress | None = None,
        distributed: bool = False,
    ) -> None:
        self.config = config or TrainConfig()
        self.val_fraction = check_real(val_fraction, "val_fraction", low=0.0, high=0.5, low_open=True)
        self.checkpoint_dir = None if checkpoint_dir is None else Path(checkpoint_dir)
        self.progress = progress
        self.distributed = check_bool(distributed, "distributed")
        self.model: RepertoireClassifier | None = None
        self.history: list[list[dict[str, float]]] = []

    def fit(self, data: Any, train: NDArray[np.int64], labels: NDArray[np.int64]) -> DeepRC:
        from hopfield.repertoire._evaluation import kfold_splits

        if not isinstance(data, RepertoireDataset):
            raise input_error("data", "a RepertoireDataset (prepared)", type(data).__name__)
        train = np.asarray(train, dtype=np.int64)
        y = np.asarray(labels)[train]
        k = max(2, round(1 / self.val_fraction))
        if int(np.bincount(y, minlength=2).min()) >= k:
            inner, held = kfold_splits(y, k, seed=self.config.seed)[0]
            fit_idx, val_idx = train[inner], train[held]
        else:  # too few repertoires of a class to hold some out: validate on the training set
            fit_idx, val_idx = train, train
        fold = None if self.checkpoint_dir is None else self.checkpoint_dir / f"fold{len(self.history)}"
        self.model, hist = fit(
            data,
            fit_idx,
            val_idx,
            self.config,
            checkpoint_dir=fold,
            progress=self.progress,
            distributed=self.distributed,
        )
        self.history.append(hist)
        return self

    def score(self, data: Any, index: NDArray[np.int64]) -> NDArray[np.float64]:
        if self.model is None:
            raise RuntimeError("DeepRC.score before fit")
        return predict(self.model, data, index, amp=self.config.amp)
