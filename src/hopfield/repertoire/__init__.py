"""Immune repertoires: read AIRR data, prepare it once into a compact memory-mapped form, simulate it.

The data layer of the DeepRC-style repertoire classifier (docs/repertoire.md):

- :func:`read_repertoire`, :func:`read_metadata`: AIRR rearrangement TSV (``junction_aa`` or ``cdr3_aa``;
  optional ``v_call``, ``j_call``, ``duplicate_count``), plain TSV/CSV with a sequence column, and a
  metadata table of files and labels. Bad input raises named errors with file and line.
- :func:`prepare` / :func:`write_prepared`: the compact layout (uint8 codes + int64 offsets, ``.npy``
  memory maps, a JSON manifest with checksums), written atomically with bounded memory.
- :class:`RepertoireDataset`: a lazy ``torch.utils.data.Dataset`` of repertoires with seeded
  subsampling; :func:`collate_bags` concatenates ragged bags with offsets.
- :func:`sequence_features`: one-hot amino acids + three position ramps, ``(n, 23, max_len)``.
- :func:`simulate` / :func:`simulate_repertoires`: datasets with implanted motifs and known ground truth.
- The model (:class:`hopfield.nn.RepertoireClassifier`): :func:`fit` (:class:`TrainConfig`), :func:`predict`,
  :func:`save_model` / :func:`load_model`, and :class:`DeepRC` for :func:`cross_validate`.
- Baselines on shared folds: :func:`kfold_splits`, :func:`roc_auc`, :func:`oracle_scores`,
  :class:`KmerLogistic`, :class:`BurdenTest`, :func:`cross_validate`.
"""

from hopfield.repertoire._alphabet import AMINO_ACIDS
from hopfield.repertoire._baselines import (
    BASELINES,
    Baseline,
    BurdenTest,
    KmerLogistic,
    MotifOracle,
    kmer_frequencies,
)
from hopfield.repertoire._batch import RepertoireBag, RepertoireBatch, collate_bags, gather_sequences
from hopfield.repertoire._dataset import RepertoireDataset, read_manifest
from hopfield.repertoire._errors import (
    AminoAcidError,
    CheckpointConfigError,
    ColumnError,
    EmptyRepertoireError,
    MissingDependencyError,
    MissingRepertoireError,
    PreparedFormatError,
    RepertoireFileError,
)
from hopfield.repertoire._evaluation import CrossValidation, Fold, cross_validate, kfold_splits, roc_auc
from hopfield.repertoire._features import N_FEATURES, sequence_features, slice_sequences
from hopfield.repertoire._kmers import kmer_windows, motif_matches
from hopfield.repertoire._metadata import Metadata, read_metadata
from hopfield.repertoire._motifs import Motif
from hopfield.repertoire._predict import load_model, predict, predict_repertoires, save_model
from hopfield.repertoire._prepare import PreparedWriter, prepare, write_prepared
from hopfield.repertoire._read import read_repertoire
from hopfield.repertoire._repertoire import Repertoire
from hopfield.repertoire._simulate import Simulation, SimulationConfig, simulate, simulate_repertoires
from hopfield.repertoire._train import DeepRC, TrainConfig, fit

__all__ = [
    "AMINO_ACIDS",
    "BASELINES",
    "N_FEATURES",
    "AminoAcidError",
    "Baseline",
    "BurdenTest",
    "CheckpointConfigError",
    "ColumnError",
    "CrossValidation",
    "DeepRC",
    "EmptyRepertoireError",
    "Fold",
    "KmerLogistic",
    "Metadata",
    "MissingDependencyError",
    "MissingRepertoireError",
    "Motif",
    "MotifOracle",
    "PreparedFormatError",
    "PreparedWriter",
    "Repertoire",
    "RepertoireBag",
    "RepertoireBatch",
    "RepertoireDataset",
    "RepertoireFileError",
    "Simulation",
    "SimulationConfig",
    "TrainConfig",
    "collate_bags",
    "cross_validate",
    "fit",
    "gather_sequences",
    "kfold_splits",
    "kmer_frequencies",
    "kmer_windows",
    "load_model",
    "motif_matches",
    "predict",
    "predict_repertoires",
    "prepare",
    "read_manifest",
    "read_metadata",
    "read_repertoire",
    "roc_auc",
    "save_model",
    "sequence_features",
    "simulate",
    "simulate_repertoires",
    "slice_sequences",
    "write_prepared",
]
