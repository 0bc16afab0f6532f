"""Checkpoints and prediction of :class:`hopfield.nn.RepertoireClassifier`: :func:`save_model` /
:func:`load_model` (the configuration is stored and compared on load), :func:`predict` on every sequence
of prepared repertoires, :func:`predict_repertoires` on in-memory ones (new AIRR files).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from numpy.typing import NDArray

import hopfield.nn._repertoire as _model
from hopfield._io import atomic_write
from hopfield.repertoire._batch import RepertoireBag, collate_bags
from hopfield.repertoire._dataset import RepertoireDataset
from hopfield.repertoire._errors import RepertoireFileError
from hopfield.repertoire._repertoire import Repertoire

if TYPE_CHECKING:
    from hopfield.nn._repertoire import RepertoireClassifier

__all__ = [
    "CHECKPOINT_FORMAT",
    "CHECKPOINT_VERSION",
    "autocast_for",
    "load_model",
    "predict",
    "predict_repertoires",
    "read_checkpoint",
    "repertoire_bag",
    "save_model",
    "write_checkpoint",
]

CHECKPOINT_FORMAT = "hopfield-deeprc-checkpoint"
CHECKPOINT_VERSION = 1
Progress = Callable[..., Any]


# ------------------------------------------------------------------------------------------ checkpoints
def write_checkpoint(path: Path, payload: dict[str, Any]) -> None:
    atomic_write(path, lambda f: torch.save(payload, f))


def read_checkpoint(path: str | os.PathLike[str]) -> dict[str, Any]:
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
    payload = {"format": CHECKPOINT_FORMAT, "version": CHECKPOINT_VERSION, "model_config": model.config()}
    payload.update(extra, model={k: v.detach().cpu() for k, v in model.state_dict().items()})
    write_checkpoint(Path(path), payload)
    return Path(path)


def load_model(
    path: str | os.PathLike[str], model: RepertoireClassifier | None = None
) -> tuple[RepertoireClassifier, dict[str, Any]]:
    """The model of a checkpoint (:func:`save_model` or :func:`fit`'s ``best.pt``) and the checkpoint.

    With ``model``, the parameters are loaded into it, and a checkpoint of another configuration raises
    :class:`~hopfield.nn.CheckpointConfigError`.
    """
    payload = read_checkpoint(path)
    net = model if model is not None else _model.RepertoireClassifier.from_config(payload["model_config"])
    net.load_checkpoint_state(payload["model_config"], payload["model"])
    return net, payload


# ------------------------------------------------------------------------------------------ prediction
def autocast_for(device: torch.device, amp: bool) -> Any:
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
        with autocast_for(device, amp):
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
