"""Training of :class:`hopfield.nn.RepertoireClassifier` (DeepRC): :func:`fit` with subsampling, the
top-fraction step, early stopping, checkpoints with resume and data-parallel processes; :func:`predict`
on every sequence; :class:`DeepRC`, the model as a :class:`~hopfield.repertoire.Baseline` for
:func:`~hopfield.repertoire.cross_validate`.

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
from hopfield._io import atomic_write
from hopfield._validate import check_bool, check_int, check_optional_int, check_real
from hopfield.repertoire._batch import RepertoireBag, RepertoireBatch, collate_bags
from hopfield.repertoire._dataset import RepertoireDataset
from hopfield.repertoire._errors import CheckpointConfigError, RepertoireFileError
from hopfield.repertoire._repertoire import Repertoire

if TYPE_CHECKING:
    from hopfield.nn._repertoire import RepertoireClassifier

__all__ = [
    "CHECKPOINT_FORMAT",
    "DeepRC",
    "TrainConfig",
    "fit",
    "load_model",
    "predict",
    "predict_repertoires",
    "save_model",
]

CHECKPOINT_FORMAT = "hopfield-deeprc-checkpoint"
_VERSION = 1
Progress = Callable[..., Any]


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters of :func:`fit` (checkpoints store them; resuming needs the same, but ``epochs``).

    Attributes
    ----------
    epochs:
        Maximum number of passes over the training repertoires.
    lr, weight_decay:
        Adam's learning rate and (L2) weight decay.
    batch_size:
        Repertoires per step (over all processes together when distributed).
    subsample:
        Sequences drawn per repertoire and epoch (None: all); prediction always uses all.
    top_fraction:
        Fraction of each subsample, by attention, back-propagated through (DeepRC: 0.1).
    patience:
        Stop after this many epochs without a better validation score (ROC AUC, ties broken by loss).
    seed:
        Initialization, batch order and subsamples.
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
    patience: int = 5
    seed: int = 0
    device: str = "cpu"
    amp: bool = False
    weight_decay: float = 0.0
    model: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_int(self.epochs, "epochs", 1)
        check_real(self.lr, "lr", low=0.0, low_open=True)
        check_real(self.weight_decay, "weight_decay", low=0.0)
        check_int(self.batch_size, "batch_size", 1)
        check_optional_int(self.subsample, "subsample", 1)
        check_real(self.top_fraction, "top_fraction", low=0.0, high=1.0, low_open=True)
        check_int(self.patience, "patience", 1)
        check_int(self.seed, "seed", 0)
        check_bool(self.amp, "amp")
        try:
            torch.device(self.device)
        except (RuntimeError, TypeError):
            raise input_error("device", "a torch device name such as 'cpu' or 'cuda'", self.device) from None
        _model.RepertoireClassifier(**self.model)  # checks the model's arguments now


# ------------------------------------------------------------------------------------------ checkpoints
def _save(path: Path, payload: dict[str, Any]) -> None:
    atomic_write(path, lambda f: torch.save(payload, f))


def _load(path: str | os.PathLike[str]) -> dict[str, Any]:
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise RepertoireFileError(
            "no such checkpoint", path=str(path), argument="checkpoint", expected="a file", received=str(path)
        ) from None
    except Exception as exc:  # pickle, zip or torch errors: not a checkpoint
        raise RepertoireFileError(
            f"is not a checkpoint ({type(exc).__name__})",
            path=str(path),
            argument="checkpoint",
            expected=CHECKPOINT_FORMAT,
            received=str(exc)[:200],
        ) from None
    if not isinstance(payload, dict) or payload.get("format") != CHECKPOINT_FORMAT:
        raise RepertoireFileError(
            f"is not a {CHECKPOINT_FORMAT}",
            path=str(path),
            argument="checkpoint",
            expected=CHECKPOINT_FORMAT,
            received=type(payload).__name__,
        )
    return payload


def save_model(path: str | os.PathLike[str], model: RepertoireClassifier, **extra: Any) -> Path:
    """Write ``model`` (its configuration and parameters, and ``extra`` plain values) atomically."""
    payload = {"format": CHECKPOINT_FORMAT, "version": _VERSION, "model_config": model.config()}
    payload.update(extra, model={k: v.detach().cpu() for k, v in model.state_dict().items()})
    _save(Path(path), payload)
    return Path(path)


def load_model(
    path: str | os.PathLike[str], model: RepertoireClassifier | None = None
) -> tuple[RepertoireClassifier, dict[str, Any]]:
    """The model of a checkpoint (:func:`save_model` or :func:`fit`'s ``best.pt``) and the checkpoint.

    With ``model``, the parameters are loaded into it, and a checkpoint of another configuration raises
    :class:`~hopfield.nn.CheckpointConfigError`.
    """
    payload = _load(path)
    net = model if model is not None else _model.RepertoireClassifier.from_config(payload["model_config"])
    net.load_checkpoint_state(payload["model_config"], payload["model"])
    return net, payload


# ------------------------------------------------------------------------------------------ prediction
def _autocast(device: torch.device, amp: bool) -> Any:
    return torch.autocast("cuda", dtype=torch.float16, enabled=amp and device.type == "cuda")


def _device(model: torch.nn.Module) -> torch.device:
    return next(model.parameters()).device


@torch.no_grad()
def _logits(model: RepertoireClassifier, bags: Any, n: int, amp: bool, progress: Progress | None) -> Any:
    device = _device(model)
    was = model.training
    model.eval()
    out = np.empty(n, dtype=np.float64)
    wrap = progress or (lambda it, **kw: it)
    for j, bag in enumerate(wrap(bags, total=n, desc="predict", unit="repertoire")):
        with _autocast(device, amp):
            out[j] = float(model(collate_bags([bag]).to(device))[0].double())
    model.train(was)
    return out


def predict(
    model: RepertoireClassifier,
    dataset: RepertoireDataset,
    idx: Sequence[int] | NDArray[np.int64],
    *,
    amp: bool = False,
    progress: Progress | None = None,
) -> NDArray[np.float64]:
    """Logits (float64 ``(len(idx),)``) of repertoires ``idx`` from every sequence (no subsample)."""
    data = dataset if dataset.max_sequences is None else RepertoireDataset(dataset.path)
    index = [int(i) for i in np.asarray(idx).reshape(-1)]
    return np.asarray(_logits(model, (data[i] for i in index), len(index), amp, progress))


def repertoire_bag(rep: Repertoire, index: int = 0) -> RepertoireBag:
    """A :class:`RepertoireBag` of a whole in-memory :class:`Repertoire` (label 0)."""
    n = len(rep)
    return RepertoireBag(
        residues=torch.from_numpy(np.ascontiguousarray(rep.residues)),
        offsets=torch.from_numpy(np.ascontiguousarray(rep.offsets)),
        label=torch.tensor(0.0),
        index=index,
        sequence_index=torch.arange(n, dtype=torch.int64),
        counts=None if rep.counts is None else torch.from_numpy(np.asarray(rep.counts, dtype=np.int64)),
    )


def predict_repertoires(
    model: RepertoireClassifier, repertoires: Sequence[Repertoire], *, amp: bool = False
) -> NDArray[np.float64]:
    """Logits of in-memory repertoires (e.g. :func:`read_repertoire` of new AIRR files)."""
    bags = (repertoire_bag(r, i) for i, r in enumerate(repertoires))
    return np.asarray(_logits(model, bags, len(repertoires), amp, None))


# ------------------------------------------------------------------------------------------ training
def _batches(train: NDArray[np.int64], batch_size: int, seed: int, epoch: int) -> list[NDArray[np.int64]]:
    """The epoch's batches: a seeded permutation split into ``ceil(n / batch_size)`` near-equal parts."""
    perm = np.random.default_rng([seed, epoch, 7]).permutation(train)
    return [b for b in np.array_split(perm, math.ceil(len(perm) / batch_size)) if len(b)]


def _step_loss(net: Any, batch: RepertoireBatch, fraction: float, scale: float) -> torch.Tensor:
    logits = net(batch, top_fraction=fraction)
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
    payload = _load(path)
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

    Returns the model at its best validation epoch (on the CPU... or ``config.device``) and the history
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
    model.reset_parameters(torch.Generator().manual_seed(config.seed))
    model.to(device)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
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
        for b in wrap(_batches(train, config.batch_size, config.seed, epoch), desc=f"epoch {epoch + 1}"):
            if len(b) < world:
                raise input_error("batch_size", f"batches of at least {world} repertoires", len(b))
            batch = collate_bags([data[int(i)] for i in b[rank::world]]).to(device)
            with _autocast(device, amp):
                loss = _step_loss(net, batch, config.top_fraction, world / len(b))
            opt.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()  # type: ignore[no-untyped-call]
            scaler.step(opt)
            scaler.update()
            total += float(loss.detach()) * len(b) / world
            seen += int(batch.bag_sizes.sum())
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
            _save(
                folder / "last.pt",
                {
                    "format": CHECKPOINT_FORMAT,
                    "version": _VERSION,
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
