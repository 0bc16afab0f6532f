"""``simulate``: AIRR datasets with known ground truth (the simulated category of DeepRC).

Repertoire ``r`` draws from its own stream ``SeedSequence(seed, spawn_key=(r + 1,))`` (labels from
``spawn_key=(0,)``, random motifs from ``(0, 1)``), so its background does not depend on how many
repertoires are made or in what order. Labels: exactly ``round(prevalence * n_repertoires)`` positives,
in random order. A positive repertoire gets exactly ``round(witness_rate * n_sequences)`` implanted
sequences (see :mod:`._motifs`); negatives get none. Background sequences may hold a motif by chance
(about ``(L - 3) / 20^4 = 7e-5`` per i.i.d. sequence of length L = 14.5 for a 4-mer); they are not marked.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray

from hopfield import __version__
from hopfield._errors import input_error
from hopfield._io import commit_folder, temporary_folder, write_json, write_text
from hopfield._validate import (
    check_choice,
    check_int,
    check_nonnegative,
    check_positive,
    check_real,
)
from hopfield.repertoire._alphabet import decode
from hopfield.repertoire._background import iid_background, olga_background
from hopfield.repertoire._motifs import Implants, Motif, implant, random_motifs
from hopfield.repertoire._prepare import _progress, check_output_folder
from hopfield.repertoire._repertoire import Repertoire
from hopfield.repertoire._rng import resolve_seed

__all__ = ["AIRR_COLUMNS", "SimulationConfig", "simulate", "simulate_repertoires"]

#: Columns of the simulated AIRR files: the AIRR-required fields, then the ground truth.
AIRR_COLUMNS = (
    "sequence_id",
    "sequence",
    "rev_comp",
    "productive",
    "v_call",
    "d_call",
    "j_call",
    "sequence_alignment",
    "germline_alignment",
    "junction",
    "junction_aa",
    "v_cigar",
    "d_cigar",
    "j_cigar",
    "implanted",
    "implant_motif",
    "implant_variant",
    "implant_offset",
)


@dataclass(frozen=True)
class SimulationConfig:
    """The parameters of a simulation (checked; see :func:`simulate`)."""

    n_repertoires: int
    n_sequences: int
    witness_rate: float
    motifs: tuple[Motif, ...]
    prevalence: float
    background: str
    length_mean: float
    length_std: float
    margin: int
    seed: int
    labels: NDArray[np.int64] = field(repr=False)

    @property
    def n_implants(self) -> int:
        """Implanted sequences per positive repertoire: ``round(witness_rate * n_sequences)``."""
        return round(self.witness_rate * self.n_sequences)

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_repertoires": self.n_repertoires,
            "n_sequences": self.n_sequences,
            "witness_rate": self.witness_rate,
            "n_implants": self.n_implants,
            "motifs": [m.to_dict() for m in self.motifs],
            "prevalence": self.prevalence,
            "background": self.background,
            "length_mean": self.length_mean,
            "length_std": self.length_std,
            "margin": self.margin,
            "seed": self.seed,
        }


def _config(
    n_repertoires: object,
    n_sequences: object,
    witness_rate: object,
    motifs: object,
    substitution: object,
    deletion: object,
    prevalence: object,
    background: object,
    length_mean: object,
    length_std: object,
    margin: object,
    seed: object,
) -> SimulationConfig:
    n_rep = check_int(n_repertoires, "n_repertoires", 1)
    n_seq = check_int(n_sequences, "n_sequences", 1)
    rate = check_real(witness_rate, "witness_rate", low=0.0, high=1.0)
    sub = check_real(substitution, "substitution", low=0.0, high=1.0)
    dele = check_real(deletion, "deletion", low=0.0, high=1.0)
    prev = check_real(prevalence, "prevalence", low=0.0, high=1.0)
    bg = check_choice(background, "background", ("iid", "olga"))
    mean = check_positive(length_mean, "length_mean")
    std = check_nonnegative(length_std, "length_std")
    s = resolve_seed(seed)
    if isinstance(motifs, (int, np.integer)) and not isinstance(motifs, bool):
        rng_motifs = np.random.default_rng(np.random.SeedSequence(s, spawn_key=(0, 1)))
        names: Sequence[Any] = random_motifs(rng_motifs, check_int(motifs, "motifs", 1))
    elif isinstance(motifs, (str, Motif)):
        names = [motifs]
    elif isinstance(motifs, Sequence) and len(motifs) > 0:
        names = list(motifs)
    else:
        raise input_error(
            "motifs", "a number of random motifs, a motif string or a list of them", repr(motifs)
        )
    objs = tuple(m if isinstance(m, Motif) else Motif(m, substitution=sub, deletion=dele) for m in names)
    n_pos = round(prev * n_rep)
    rng_labels = np.random.default_rng(np.random.SeedSequence(s, spawn_key=(0,)))
    labels = rng_labels.permutation(np.r_[np.ones(n_pos, np.int64), np.zeros(n_rep - n_pos, np.int64)])
    config = SimulationConfig(
        n_rep,
        n_seq,
        rate,
        objs,
        prev,
        bg,
        mean,
        std,
        check_int(margin, "margin", 0) if margin is not None else (3 if bg == "olga" else 0),
        s,
        labels,
    )
    if rate > 0 and config.n_implants == 0:
        raise input_error(
            "witness_rate", f">= {0.5 / n_seq:g} (at least one implant in {n_seq} sequences)", rate
        )
    return config


def _one(config: SimulationConfig, r: int) -> tuple[Repertoire, Implants | None]:
    rng = np.random.default_rng(np.random.SeedSequence(config.seed, spawn_key=(r + 1,)))
    if config.background == "iid":
        res, off, v, j = iid_background(
            rng, config.n_sequences, length_mean=config.length_mean, length_std=config.length_std
        )
    else:
        res, off, v, j = olga_background(rng, config.n_sequences)
    flags = np.zeros(config.n_sequences, dtype=bool)
    implants = None
    if config.labels[r] == 1 and config.n_implants > 0:
        implants = implant(rng, res, off, config.n_implants, list(config.motifs), config.margin)
        flags[implants.sequence] = True
    return Repertoire(res, off, v_call=v, j_call=j, implanted=flags, source=f"simulated:{r}"), implants


def simulate_repertoires(
    *,
    n_repertoires: int = 200,
    n_sequences: int = 10_000,
    witness_rate: float = 0.01,
    motifs: int | str | Motif | Sequence[str | Motif] = 1,
    substitution: float = 0.0,
    deletion: float = 0.0,
    prevalence: float = 0.5,
    background: str = "iid",
    length_mean: float = 14.5,
    length_std: float = 1.1,
    margin: int | None = None,
    seed: int | torch.Generator | None = None,
) -> tuple[SimulationConfig, Iterator[tuple[str, Repertoire, int]]]:
    """The simulation without files: ``(config, iterator of (id, Repertoire, label))``.

    The iterator feeds :func:`write_prepared` directly (no TSV round trip); arguments as :func:`simulate`.
    """
    config = _config(
        n_repertoires,
        n_sequences,
        witness_rate,
        motifs,
        substitution,
        deletion,
        prevalence,
        background,
        length_mean,
        length_std,
        margin,
        seed,
    )

    def items() -> Iterator[tuple[str, Repertoire, int]]:
        for r in range(config.n_repertoires):
            yield f"rep_{r:05d}", _one(config, r)[0], int(config.labels[r])

    return config, items()


def _airr_text(rid: str, rep: Repertoire, implants: Implants | None) -> str:
    n = len(rep)
    seqs = decode(rep.residues, rep.offsets)
    v = rep.v_call or ("",) * n
    j = rep.j_call or ("",) * n
    motif, variant, offset = [""] * n, [""] * n, [""] * n
    if implants is not None:
        for s, m, var, o in zip(
            implants.sequence.tolist(),
            implants.motif.tolist(),
            implants.variant,
            implants.offset.tolist(),
            strict=True,
        ):
            motif[s], variant[s], offset[s] = str(m), var, str(o)
    flags = np.where(rep.implanted if rep.implanted is not None else np.zeros(n, bool), "T", "F").tolist()
    rows = [
        f"{rid}_{i}\t\tF\tT\t{v[i]}\t\t{j[i]}\t\t\t\t{seqs[i]}\t\t\t\t{flags[i]}\t{motif[i]}\t{variant[i]}\t{offset[i]}"
        for i in range(n)
    ]
    return "\t".join(AIRR_COLUMNS) + "\n" + "\n".join(rows) + "\n"


@dataclass(frozen=True)
class Simulation:
    """What :func:`simulate` wrote: the folder, its ``metadata.tsv``, the config (motifs, seed, labels)."""

    path: Path
    metadata: Path
    config: SimulationConfig
    n_implanted: NDArray[np.int64]


def simulate(
    out: str | os.PathLike[str],
    *,
    n_repertoires: int = 200,
    n_sequences: int = 10_000,
    witness_rate: float = 0.01,
    motifs: int | str | Motif | Sequence[str | Motif] = 1,
    substitution: float = 0.0,
    deletion: float = 0.0,
    prevalence: float = 0.5,
    background: str = "iid",
    length_mean: float = 14.5,
    length_std: float = 1.1,
    margin: int | None = None,
    seed: int | torch.Generator | None = None,
    overwrite: bool = False,
    progress: bool | Callable[..., Any] = False,
) -> Simulation:
    """Write a simulated AIRR dataset with known ground truth into the folder ``out``.

    Parameters
    ----------
    n_repertoires, n_sequences:
        Repertoires, and sequences per repertoire.
    witness_rate:
        Fraction of a positive repertoire's sequences that get an implant (exactly
        ``round(witness_rate * n_sequences)``); negatives get none.
    motifs:
        An int (that many distinct random 4-mers), a motif string such as ``"LYAG"``, a :class:`Motif`,
        or a list of them; each implant takes one of them uniformly.
    substitution, deletion:
        Per-position probabilities for motifs given as strings (:mod:`._motifs` describes an implant).
    prevalence:
        Fraction of positive repertoires (exactly ``round(prevalence * n_repertoires)``).
    background:
        ``"iid"``: uniform amino acids, lengths ``round(N(length_mean, length_std^2))``, at least 1;
        ``"olga"``: OLGA's default human TRB model (needs ``olga``; about 10^4 sequences/s).
    margin:
        Residues kept free of implants at both ends of a sequence (default 0 for iid, 3 for OLGA).
    seed:
        int, ``torch.Generator`` or None (random; the seed drawn is recorded in ``simulation.json``).
    overwrite:
        Replace an earlier simulation at ``out``.

    Writes ``metadata.tsv`` (``filename``, ``label`` 1/0, ``n_sequences``, ``n_implanted``),
    ``repertoires/rep_NNNNN.tsv`` (AIRR rearrangements; the ground truth in ``implanted`` (T/F),
    ``implant_motif`` (index), ``implant_variant`` (``-`` marks a deleted position) and ``implant_offset``
    (0-based)) and ``simulation.json`` (the parameters, motifs and seed), written last.
    """
    config = _config(
        n_repertoires,
        n_sequences,
        witness_rate,
        motifs,
        substitution,
        deletion,
        prevalence,
        background,
        length_mean,
        length_std,
        margin,
        seed,
    )
    folder = check_output_folder(out, overwrite, marker="simulation.json", what="a simulation")
    tmp = temporary_folder(folder)
    try:
        n_implanted = np.zeros(config.n_repertoires, dtype=np.int64)
        rows = []
        for r in _progress(progress)(range(config.n_repertoires), desc="simulate", unit="rep"):
            rep, implants = _one(config, r)
            rid = f"rep_{r:05d}"
            write_text(tmp / "repertoires" / f"{rid}.tsv", _airr_text(rid, rep, implants))
            n_implanted[r] = 0 if implants is None else len(implants.sequence)
            rows.append(f"repertoires/{rid}.tsv\t{int(config.labels[r])}\t{len(rep)}\t{n_implanted[r]}")
        header = "filename\tlabel\tn_sequences\tn_implanted\n"
        write_text(tmp / "metadata.tsv", header + "\n".join(rows) + "\n")
        truth = {"labels": config.labels, "n_implanted": n_implanted, "created_by": f"hopfield {__version__}"}
        write_json(tmp / "simulation.json", {**config.to_dict(), **truth})
        commit_folder(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Simulation(folder, folder / "metadata.tsv", config, n_implanted)
