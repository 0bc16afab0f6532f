"""Background sequences of the simulator: i.i.d. amino acids with Gaussian lengths, or OLGA's human TRB model.

Each function takes a NumPy generator and returns ``(residues, offsets, v_call, j_call)`` (V/J None
when the background has no genes).
"""

from __future__ import annotations

import functools
import gc
import os
import warnings
from typing import Any

import numpy as np
from numpy.typing import NDArray

from hopfield.repertoire._alphabet import N_AMINO_ACIDS, encode, join_sequences
from hopfield.repertoire._errors import MissingDependencyError

__all__ = ["iid_background", "olga_background"]

Background = tuple[NDArray[np.uint8], NDArray[np.int64], tuple[str, ...] | None, tuple[str, ...] | None]


def iid_background(rng: np.random.Generator, n: int, *, length_mean: float, length_std: float) -> Background:
    """``n`` sequences of i.i.d. uniform amino acids; lengths ``round(N(length_mean, length_std^2))``,
    at least 1 (the paper's simulation: N(14.5, 1.1^2))."""
    lengths = np.maximum(np.rint(rng.normal(length_mean, length_std, size=n)), 1).astype(np.int64)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    residues = rng.integers(0, N_AMINO_ACIDS, size=int(offsets[-1]), dtype=np.uint8)
    return residues, offsets, None, None


@functools.lru_cache(maxsize=2)
def _olga_generator(model: str) -> tuple[Any, Any]:
    try:
        import olga.load_model as load_model
        import olga.sequence_generation as seq_gen
    except ImportError:
        raise MissingDependencyError("olga", "repertoire", "the OLGA background") from None
    folder = os.path.join(os.path.dirname(load_model.__file__), "default_models", model)
    with warnings.catch_warnings():  # OLGA leaves its model files to the garbage collector
        warnings.simplefilter("ignore", ResourceWarning)
        genomic = load_model.GenomicDataVDJ()
        genomic.load_igor_genomic_data(
            os.path.join(folder, "model_params.txt"),
            os.path.join(folder, "V_gene_CDR3_anchors.csv"),
            os.path.join(folder, "J_gene_CDR3_anchors.csv"),
        )
        generative = load_model.GenerativeModelVDJ()
        generative.load_and_process_igor_model(os.path.join(folder, "model_marginals.txt"))
        gc.collect()
    return seq_gen.SequenceGenerationVDJ(generative, genomic), genomic


def olga_background(rng: np.random.Generator, n: int, *, model: str = "human_T_beta") -> Background:
    """``n`` productive CDR3 junctions (``C...F``) drawn from OLGA's default human TRB model, with V/J calls.

    OLGA draws from NumPy's global generator; it is seeded from ``rng`` for the call and restored after,
    so the caller's global state is unchanged (not thread-safe). OLGA generates one sequence at a time,
    about 10^4 sequences per second per core.
    """
    generator, genomic = _olga_generator(model)
    state = np.random.get_state()  # noqa: NPY002 (OLGA draws from the legacy global generator)
    try:
        np.random.seed(int(rng.integers(0, 2**32)))  # noqa: NPY002
        draws = [generator.gen_rnd_prod_CDR3() for _ in range(n)]
    finally:
        np.random.set_state(state)  # noqa: NPY002
    raw, offsets = join_sequences([d[1] for d in draws])
    v = tuple(genomic.genV[int(d[2])][0] for d in draws)
    j = tuple(genomic.genJ[int(d[3])][0] for d in draws)
    return encode(raw), offsets, v, j
