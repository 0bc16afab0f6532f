"""Reading AIRR, plain and metadata files: values, optional columns, bad input with file and line."""

from __future__ import annotations

import builtins

import numpy as np
import pytest

from hopfield import HopfieldInputError
from hopfield.repertoire import (
    AMINO_ACIDS,
    AminoAcidError,
    EmptyRepertoireError,
    MissingDependencyError,
    MissingRepertoireError,
    Repertoire,
    read_metadata,
    read_repertoire,
)
from repertoire_files import (
    AIRR_BAD,
    AIRR_CDR3,
    AIRR_EMPTY,
    AIRR_FULL,
    AIRR_ONLY_BAD,
    AIRR_SMALL,
    PLAIN,
    PLAIN_ONE_COLUMN,
    small_dataset,
    write,
)

pytest.importorskip("airr")


def test_airr_values_and_optional_columns(tmp_path) -> None:
    rep = read_repertoire(write(tmp_path / "r.tsv", AIRR_SMALL))
    assert rep.sequences() == ["CASSLGQAYEQYF", "CASSPDRGNTEAFF", "CSARDGTGNGYTF", "CASSQETQYF"]
    assert rep.residues.dtype == np.uint8 and rep.offsets.dtype == np.int64
    assert rep.offsets.tolist() == [0, 13, 27, 40, 50]
    assert rep.residues[0] == AMINO_ACIDS.index("C") and rep.residues.max() < 20
    assert rep.counts.tolist() == [3, 1, 1, 12]  # a null duplicate_count reads as 1
    assert rep.v_call == ("TRBV12-3*01", "TRBV7-9*01", "TRBV20-1*01", "TRBV4-1*01")
    assert rep.j_call == ("TRBJ2-7*01", "TRBJ1-1*01", "", "TRBJ2-5*01")
    assert rep.implanted is None and rep.n_dropped == 0 and len(rep) == 4


def test_airr_full_file_prefers_junction_and_reads_cdr3_on_request(tmp_path) -> None:
    import airr

    path = write(tmp_path / "full.tsv", AIRR_FULL)
    assert airr.validate_rearrangement(str(path))
    assert read_repertoire(path).sequences() == ["CASSLAPGATNEKLFF", "CASSYSGGYTF"]
    assert read_repertoire(path, sequence_column="cdr3_aa").sequences() == ["ASSLAPGATNEKLF", "ASSYSGGYT"]
    assert read_repertoire(path).counts is None
    assert read_repertoire(write(tmp_path / "c.tsv", AIRR_CDR3)).sequences() == [
        "ASSLGQAYEQY",
        "ASSPDRGNTEAF",
    ]


def test_gzip_and_plain_files(tmp_path) -> None:
    gz = read_repertoire(write(tmp_path / "r.tsv.gz", AIRR_SMALL))
    assert gz.sequences() == read_repertoire(write(tmp_path / "r.tsv", AIRR_SMALL)).sequences()
    plain = read_repertoire(write(tmp_path / "p.tsv", PLAIN), format="plain", count_column="templates")
    assert plain.sequences() == ["CASSLGQAYEQYF", "CASSPDRGNTEAFF"] and plain.counts.tolist() == [5, 2]
    one = read_repertoire(write(tmp_path / "one.tsv", PLAIN_ONE_COLUMN), format="plain")
    assert len(one) == 3 and one.counts is None
    csv = read_repertoire(write(tmp_path / "p.csv", PLAIN.replace("\t", ",")), format="plain")
    assert csv.sequences() == plain.sequences()


def test_bad_letters_name_file_and_line(tmp_path) -> None:
    path = write(tmp_path / "bad.tsv", AIRR_BAD)
    with pytest.raises(AminoAcidError, match=r"bad\.tsv:4: junction_aa 'CASS\*GQAYEQYF' holds '\*'") as info:
        read_repertoire(path)
    err = info.value
    assert err.line == 4 and err.path == str(path) and err.argument == "junction_aa"
    assert "3 row(s) like this" in str(err) and "on_invalid='drop'" in str(err)
    assert isinstance(err, HopfieldInputError) and isinstance(err, ValueError)


def test_drop_invalid_rows_and_count_them(tmp_path) -> None:
    rep = read_repertoire(write(tmp_path / "bad.tsv", AIRR_BAD), on_invalid="drop")
    assert rep.n_dropped == 3
    assert rep.sequences() == ["CASSLGQAYEQYF", "CASSPDRGNTEAFF", "CSARDGTGNGYTF", "CASSYSGGYTF"]


def test_empty_repertoires(tmp_path) -> None:
    with pytest.raises(EmptyRepertoireError, match=r"empty\.tsv: the repertoire has no sequences"):
        read_repertoire(write(tmp_path / "empty.tsv", AIRR_EMPTY))
    with pytest.raises(EmptyRepertoireError, match=r"no sequences left after dropping 2 invalid row"):
        read_repertoire(write(tmp_path / "allbad.tsv", AIRR_ONLY_BAD), on_invalid="drop")


def test_missing_airr_package_gives_install_hint(tmp_path, monkeypatch) -> None:
    path = write(tmp_path / "r.tsv", AIRR_SMALL)
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "airr" or name.startswith("airr."):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(MissingDependencyError, match=r"pip install 'hopfield\[repertoire\]'") as info:
        read_repertoire(path)
    assert isinstance(info.value, ImportError) and info.value.package == "airr"
    assert read_repertoire(write(tmp_path / "p.tsv", PLAIN), format="plain").counts is None  # plain: no airr


def test_from_sequences_round_trip() -> None:
    seqs = ["CASS", "W", "ACDEFGHIKLMNPQRSTVWY"]
    rep = Repertoire.from_sequences(seqs, counts=[1, 2, 3])
    assert rep.sequences() == seqs and rep.lengths.tolist() == [4, 1, 20]
    assert rep.residues[-20:].tolist() == list(range(20))


def test_metadata_labels_and_files(tmp_path) -> None:
    meta = read_metadata(small_dataset(tmp_path), label_column="status")
    assert meta.ids == tuple(f"reps/r{i}.tsv" for i in range(6))
    assert meta.labels.tolist() == [0, 1, 0, 1, 0, 1] and meta.label_values == ("-", "+")
    assert all(f.is_file() for f in meta.files)
    flipped = read_metadata(tmp_path / "metadata.tsv", label_column="status", positive="-")
    assert flipped.labels.tolist() == [1, 0, 1, 0, 1, 0]


def test_metadata_ids_without_suffix_csv_and_other_folder(tmp_path) -> None:
    small_dataset(tmp_path)
    text = "sample_id,diagnosis\nr0,healthy\nr1,sick\n"
    meta = read_metadata(
        write(tmp_path / "m.csv", text),
        label_column="diagnosis",
        positive="sick",
        repertoires_dir=tmp_path / "reps",
    )
    assert meta.files == (tmp_path / "reps" / "r0.tsv", tmp_path / "reps" / "r1.tsv")
    assert meta.labels.tolist() == [0, 1] and meta.label_values == ("healthy", "sick")


def test_metadata_naming_a_missing_file(tmp_path) -> None:
    small_dataset(tmp_path)
    text = "filename\tstatus\nreps/r0.tsv\t+\nreps/nope.tsv\t-\n"
    with pytest.raises(
        MissingRepertoireError, match=r"m\.tsv:3: filename 'reps/nope\.tsv' names no file"
    ) as info:
        read_metadata(write(tmp_path / "m.tsv", text), label_column="status")
    assert info.value.line == 3 and info.value.received.endswith("nope.tsv")
