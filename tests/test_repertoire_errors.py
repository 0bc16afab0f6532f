"""Bad input to hopfield.repertoire: one table of (label, callable, exception type, message regex).

Each callable gets a namespace of prepared files; every case must raise a named HopfieldInputError
(or the ImportError for a missing extra) and leave no temporary or half-written file behind.
"""

from __future__ import annotations

import types

import numpy as np
import pytest

from hopfield import HopfieldInputError, HopfieldTypeError
from hopfield.repertoire import (
    AminoAcidError,
    BurdenTest,
    ColumnError,
    EmptyRepertoireError,
    KmerLogistic,
    MissingRepertoireError,
    Motif,
    MotifOracle,
    PreparedFormatError,
    PreparedWriter,
    Repertoire,
    RepertoireDataset,
    RepertoireFileError,
    collate_bags,
    kfold_splits,
    prepare,
    read_metadata,
    read_repertoire,
    roc_auc,
    simulate,
    write_prepared,
)
from repertoire_files import (
    AIRR_BAD,
    AIRR_BAD_COUNT,
    AIRR_EMPTY,
    AIRR_NO_SEQUENCE,
    AIRR_SMALL,
    PLAIN,
    small_dataset,
    write,
)

pytest.importorskip("airr")


@pytest.fixture
def f(tmp_path):
    """Files for the cases: f.root, AIRR files, a metadata table, a prepared dataset."""
    root = tmp_path
    meta = small_dataset(root / "d")
    ns = types.SimpleNamespace(root=root, meta=meta, dir=root / "d")
    ns.good = write(root / "good.tsv", AIRR_SMALL)
    ns.bad = write(root / "bad.tsv", AIRR_BAD)
    ns.empty = write(root / "empty.tsv", AIRR_EMPTY)
    ns.blank = write(root / "blank.tsv", "")
    ns.noseq = write(root / "noseq.tsv", AIRR_NO_SEQUENCE)
    ns.badcount = write(root / "badcount.tsv", AIRR_BAD_COUNT)
    ns.negcount = write(root / "neg.tsv", "sequence_id\tjunction_aa\tduplicate_count\n1\tCASF\t-2\n")
    ns.badflag = write(root / "flag.tsv", "sequence_id\tjunction_aa\timplanted\n1\tCASF\tmaybe\n")
    ns.plain = write(root / "plain.tsv", PLAIN)
    ns.ragged = write(root / "ragged.tsv", "cdr3\tcount\nCASF\t1\nCAW\n")
    (root / "latin.tsv").write_bytes("sequence_id\tjunction_aa\n1\tCAS\xe9F\n".encode("latin-1"))
    ns.latin = root / "latin.tsv"
    ns.prepared = prepare(meta, root / "prepared", label_column="status")
    ns.notdir = write(root / "afile.txt", "x")
    write(root / "other" / "keep.txt", "not a dataset")
    ns.other = root / "other"
    (root / "junk").mkdir()
    write(root / "junk" / "manifest.json", "{not json")
    ns.junk = root / "junk"
    return ns


def md(f, text: str, name: str = "m.tsv"):
    return write(f.dir / name, text)


def add_with_label_2(f) -> None:
    with PreparedWriter(f.root / "w") as writer:  # the error aborts the writer: nothing is left
        writer.add(Repertoire.from_sequences(["CAS"]), label=2, id="a")


def add_inconsistent(f) -> None:
    bad = Repertoire(np.array([1, 2, 25], np.uint8), np.array([0, 3], np.int64))
    write_prepared([("a", bad, 0)], f.root / "w")


def add_twice(f) -> None:
    rep = Repertoire.from_sequences(["CAS"])
    write_prepared([("a", rep, 0), ("a", rep, 1)], f.root / "w")


CASES = [
    # --- repertoire files
    (
        "bad letter",
        lambda f: read_repertoire(f.bad),
        AminoAcidError,
        r"bad\.tsv:4: junction_aa 'CASS\*GQAYEQYF' holds '\*'",
    ),
    (
        "empty sequence",
        lambda f: Repertoire.from_sequences(["CAS", ""]),
        AminoAcidError,
        r"<sequences>:1: sequences '' is empty",
    ),
    (
        "no rows",
        lambda f: read_repertoire(f.empty),
        EmptyRepertoireError,
        r"empty\.tsv: the repertoire has no sequences",
    ),
    (
        "all rows dropped",
        lambda f: Repertoire.from_sequences(["X"], on_invalid="drop"),
        EmptyRepertoireError,
        r"no sequences left after dropping 1 invalid row",
    ),
    (
        "empty file",
        lambda f: read_repertoire(f.blank),
        ColumnError,
        r"blank\.tsv: is empty \(no header line\)",
    ),
    (
        "no sequence column",
        lambda f: read_repertoire(f.noseq),
        ColumnError,
        r"noseq\.tsv: has no sequence column \(one of junction_aa, cdr3_aa\); its columns: sequence_id",
    ),
    (
        "named column missing",
        lambda f: read_repertoire(f.good, sequence_column="cdr3_aa"),
        ColumnError,
        r"has no column 'cdr3_aa'; its columns: sequence_id, junction_aa",
    ),
    (
        "count not an integer",
        lambda f: read_repertoire(f.badcount),
        RepertoireFileError,
        r"badcount\.tsv:3: not a valid AIRR row: field duplicate_count has invalid int many",
    ),
    (
        "negative count",
        lambda f: read_repertoire(f.negcount),
        RepertoireFileError,
        r"neg\.tsv:2: duplicate_count must be a positive integer, got -2",
    ),
    (
        "bad implant flag",
        lambda f: read_repertoire(f.badflag),
        RepertoireFileError,
        r"flag\.tsv:2: implanted must be T or F, got 'maybe'",
    ),
    ("not UTF-8", lambda f: read_repertoire(f.latin), RepertoireFileError, r"latin\.tsv: is not UTF-8 text"),
    (
        "no such file",
        lambda f: read_repertoire(f.root / "none.tsv"),
        HopfieldInputError,
        r"path must be an existing repertoire file, got .*none\.tsv",
    ),
    (
        "unknown format",
        lambda f: read_repertoire(f.good, format="fasta"),
        HopfieldInputError,
        r"format must be one of 'airr', 'plain', got 'fasta'",
    ),
    (
        "unknown on_invalid",
        lambda f: read_repertoire(f.good, on_invalid="skip"),
        HopfieldInputError,
        r"on_invalid must be one of 'raise', 'drop', got 'skip'",
    ),
    (
        "count column on AIRR",
        lambda f: read_repertoire(f.good, count_column="n"),
        HopfieldInputError,
        r"count_column must be None for AIRR files",
    ),
    (
        "plain: ragged row",
        lambda f: read_repertoire(f.ragged, format="plain"),
        RepertoireFileError,
        r"ragged\.tsv:3: has 1 fields where the header has 2",
    ),
    (
        "plain: count column missing",
        lambda f: read_repertoire(f.plain, format="plain", count_column="n"),
        ColumnError,
        r"has no column 'n'; its columns: amino_acid, templates",
    ),
    # --- metadata
    (
        "label column missing",
        lambda f: read_metadata(f.meta, label_column="disease"),
        ColumnError,
        r"metadata\.tsv: has no label column 'disease'; its columns: filename, status, age",
    ),
    (
        "id column missing",
        lambda f: read_metadata(md(f, "x\tstatus\nr\t+\n"), label_column="status"),
        ColumnError,
        r"has no id column one of filename, .*; its columns: x, status",
    ),
    (
        "missing file",
        lambda f: read_metadata(
            md(f, "filename\tstatus\nreps/r0.tsv\t+\nreps/gone\t-\n"), label_column="status"
        ),
        MissingRepertoireError,
        r"m\.tsv:3: filename 'reps/gone' names no file",
    ),
    (
        "duplicate id",
        lambda f: read_metadata(
            md(f, "filename\tstatus\nreps/r0.tsv\t+\nreps/r0.tsv\t-\n"), label_column="status"
        ),
        RepertoireFileError,
        r"m\.tsv:3: filename 'reps/r0\.tsv' appears twice",
    ),
    (
        "empty label",
        lambda f: read_metadata(md(f, "filename\tstatus\nreps/r0.tsv\t\n"), label_column="status"),
        RepertoireFileError,
        r"m\.tsv:2: status is empty",
    ),
    (
        "three labels",
        lambda f: read_metadata(
            md(f, "filename\ts\nreps/r0.tsv\ta\nreps/r1.tsv\tb\nreps/r2.tsv\tc\n"), label_column="s"
        ),
        RepertoireFileError,
        r"label column 's' holds 3 values \(a, b, c\); only binary labels",
    ),
    (
        "labels not recognized",
        lambda f: read_metadata(
            md(f, "filename\ts\nreps/r0.tsv\tsick\nreps/r1.tsv\twell\n"), label_column="s"
        ),
        HopfieldInputError,
        r"positive must be the positive label value \(one of \['sick', 'well'\]\)",
    ),
    (
        "positive not a label",
        lambda f: read_metadata(f.meta, label_column="status", positive="yes"),
        HopfieldInputError,
        r"positive must be one of the label values \['\+', '-'\], got 'yes'",
    ),
    (
        "no rows",
        lambda f: read_metadata(md(f, "filename\tstatus\n"), label_column="status"),
        RepertoireFileError,
        r"m\.tsv: has no rows",
    ),
    (
        "no metadata",
        lambda f: read_metadata(f.root / "none.tsv", label_column="s"),
        HopfieldInputError,
        r"metadata must be an existing metadata file",
    ),
    (
        "no repertoires_dir",
        lambda f: read_metadata(f.meta, label_column="status", repertoires_dir=f.root / "x"),
        HopfieldInputError,
        r"repertoires_dir must be an existing folder",
    ),
    # --- prepare and prepared datasets
    (
        "out is a file",
        lambda f: prepare(f.meta, f.notdir, label_column="status"),
        HopfieldInputError,
        r"out must be a folder path, got .*afile\.txt \(a file\)",
    ),
    (
        "out is another folder",
        lambda f: prepare(f.meta, f.other, label_column="status", overwrite=True),
        HopfieldInputError,
        r"out must be a new or empty folder, or a prepared dataset to overwrite",
    ),
    (
        "out exists",
        lambda f: prepare(f.meta, f.prepared, label_column="status"),
        HopfieldInputError,
        r"out must be a new folder \(or pass overwrite=True\)",
    ),
    (
        "bad file mid-way",
        lambda f: prepare(
            md(f, "filename\tstatus\nreps/r0.tsv\t+\n../bad.tsv\t-\n"), f.root / "new", label_column="status"
        ),
        AminoAcidError,
        r"bad\.tsv:4:",
    ),
    (
        "overwrite not bool",
        lambda f: prepare(f.meta, f.root / "n", label_column="status", overwrite="yes"),
        HopfieldTypeError,
        r"overwrite must be True or False, got 'yes'",
    ),
    (
        "no repertoires",
        lambda f: write_prepared([], f.root / "empty-prep"),
        HopfieldInputError,
        r"repertoires must be at least one repertoire, got none",
    ),
    ("label not 0/1", add_with_label_2, HopfieldInputError, r"label must be 0 or 1, got 2"),
    (
        "inconsistent repertoire",
        add_inconsistent,
        HopfieldInputError,
        r"repertoire must be uint8 codes 0\.\.19, int64 offsets from 0 to len\(residues\)",
    ),
    ("writer: duplicate id", add_twice, HopfieldInputError, r"id must be unique repertoire ids, got 'a'"),
    (
        "not a dataset",
        lambda f: RepertoireDataset(f.other),
        PreparedFormatError,
        r"other: is not a prepared dataset \(no manifest\.json",
    ),
    (
        "corrupt manifest",
        lambda f: RepertoireDataset(f.junk),
        PreparedFormatError,
        r"manifest\.json: is not valid JSON",
    ),
    (
        "max_sequences 0",
        lambda f: RepertoireDataset(f.prepared, max_sequences=0),
        HopfieldInputError,
        r"max_sequences must be an integer >= 1, got 0",
    ),
    (
        "seed negative",
        lambda f: RepertoireDataset(f.prepared, seed=-1),
        HopfieldInputError,
        r"seed must be an integer in \[0, 18446744073709551615\]",
    ),
    (
        "index out of range",
        lambda f: RepertoireDataset(f.prepared, seed=0)[6],
        HopfieldInputError,
        r"index must be an integer in \[-6, 5\], got 6",
    ),
    (
        "index not int",
        lambda f: RepertoireDataset(f.prepared, seed=0)["0"],
        HopfieldTypeError,
        r"index must be an integer in \[-6, 5\], got '0'",
    ),
    (
        "negative epoch",
        lambda f: RepertoireDataset(f.prepared, seed=0).set_epoch(-1),
        HopfieldInputError,
        r"epoch must be an integer >= 0, got -1",
    ),
    (
        "collate nothing",
        lambda f: collate_bags([]),
        HopfieldInputError,
        r"bags must be a non-empty sequence of RepertoireBag",
    ),
    # --- simulation, folds, baselines
    (
        "motif letters",
        lambda f: Motif("LY-G"),
        HopfieldInputError,
        r"motif must be a non-empty string over ACDEFGHIKLMNPQRSTVWY, got 'LY-G'",
    ),
    (
        "motif probability",
        lambda f: Motif("LYAG", deletion=1.5),
        HopfieldInputError,
        r"deletion must be a finite number in \[0, 1\], got 1.5",
    ),
    (
        "simulate into a file",
        lambda f: simulate(f.notdir, n_repertoires=2, n_sequences=100, seed=0),
        HopfieldInputError,
        r"out must be a folder path",
    ),
    (
        "simulate over a dataset",
        lambda f: simulate(f.prepared, n_repertoires=2, n_sequences=100, seed=0, overwrite=True),
        HopfieldInputError,
        r"out must be a new or empty folder, or a simulation to overwrite",
    ),
    (
        "labels not binary",
        lambda f: kfold_splits([0, 1, 2, 1], 2, seed=0),
        HopfieldInputError,
        r"labels must be a non-empty 1-D array of 0/1",
    ),
    (
        "scores shape",
        lambda f: roc_auc([0, 1, 1], [0.1, 0.2]),
        HopfieldInputError,
        r"scores must be finite values of shape \(3,\), got shape \(2,\)",
    ),
    (
        "scores NaN",
        lambda f: roc_auc([0, 1], [0.1, np.nan]),
        HopfieldInputError,
        r"scores must be finite values",
    ),
    (
        "oracle without motifs",
        lambda f: MotifOracle([]),
        HopfieldInputError,
        r"motifs must be at least one motif",
    ),
    (
        "oracle bad motif",
        lambda f: MotifOracle("LY1"),
        HopfieldInputError,
        r"motifs must be strings over ACDEFGHIKLMNPQRSTVWY, got 'LY1'",
    ),
    (
        "k too long",
        lambda f: KmerLogistic(k=(7,)),
        HopfieldInputError,
        r"k must be an integer in \[1, 6\], got 7",
    ),
    (
        "alpha zero",
        lambda f: BurdenTest(alpha=0.0),
        HopfieldInputError,
        r"alpha must be a finite number in \(0, 1\], got 0.0",
    ),
]


@pytest.mark.parametrize(("label", "call", "error", "match"), CASES, ids=[c[0] for c in CASES])
def test_bad_input(label, call, error, match, f) -> None:
    before = sorted(p.relative_to(f.root) for p in f.root.rglob("*"))
    with pytest.raises(error, match=match) as info:
        call(f)
    assert isinstance(info.value, HopfieldInputError), label
    after = sorted(p.relative_to(f.root) for p in f.root.rglob("*"))
    leftovers = set(after) - set(before)
    assert all(p.parts[0] == "d" for p in leftovers), leftovers  # nothing half-written (d: the case's input)
    assert not [p for p in after if p.name.startswith(".")], "a temporary file was left behind"
