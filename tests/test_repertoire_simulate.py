"""The simulator's statistics, measured on the AIRR files it writes: labels, witness rate, length law,
amino-acid law, motif presence, substitution and deletion rates; seeding; the OLGA background; speed."""

from __future__ import annotations

import csv
import json
import time

import numpy as np
import pytest
from scipy import stats

from hopfield.repertoire import (
    AMINO_ACIDS,
    Motif,
    read_metadata,
    read_repertoire,
    simulate,
    simulate_repertoires,
)

pytest.importorskip("airr")


def rows(path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


@pytest.fixture(scope="module")
def noisy(tmp_path_factory):
    """40 repertoires x 1000 sequences, witness rate 5%, two motifs with substitutions and deletions."""
    out = tmp_path_factory.mktemp("sim") / "noisy"
    return simulate(
        out,
        n_repertoires=40,
        n_sequences=1000,
        witness_rate=0.05,
        motifs=["LYAG", "WKDE"],
        substitution=0.2,
        deletion=0.1,
        seed=11,
    )


def test_labels_witness_rate_and_implant_column(noisy) -> None:
    meta = read_metadata(noisy.metadata, label_column="label")
    assert len(meta) == 40 and meta.labels.sum() == 20  # prevalence 0.5, exactly
    for label, file in zip(meta.labels, meta.files, strict=True):
        rep = read_repertoire(file)
        assert len(rep) == 1000
        assert rep.implanted.sum() == (50 if label else 0)  # witness rate 5% of positives' sequences
    truth = json.loads((noisy.path / "simulation.json").read_text())
    assert truth["labels"] == meta.labels.tolist() and truth["n_implants"] == 50 and truth["seed"] == 11


def test_length_law_and_amino_acids_are_the_papers(noisy) -> None:
    """Lengths ~ round(N(14.5, 1.1^2)) (chi-square against the exact discrete law); residues uniform."""
    meta = read_metadata(noisy.metadata, label_column="label")
    reps = [read_repertoire(f) for f in meta.files]
    lengths = np.concatenate([r.lengths for r in reps])
    values = np.arange(lengths.min(), lengths.max() + 1)
    law = stats.norm.cdf(values + 0.5, 14.5, 1.1) - stats.norm.cdf(values - 0.5, 14.5, 1.1)
    observed = np.array([(lengths == v).sum() for v in values])
    assert stats.chisquare(observed, law / law.sum() * len(lengths)).pvalue > 1e-3
    assert abs(lengths.mean() - 14.5) < 0.02
    background = np.concatenate([r.residues[~np.repeat(r.implanted, r.lengths)] for r in reps])
    assert stats.chisquare(np.bincount(background, minlength=20)).pvalue > 1e-3


def test_motifs_substitutions_and_deletions(noisy) -> None:
    """Every implant is in its sequence at its offset; per position, deletions ~ 0.1 and substitutions
    among the kept ~ 0.2, each substitute another amino acid; both motifs are used."""
    variants, motifs = [], []
    for path in sorted((noisy.path / "repertoires").glob("*.tsv")):
        for row in rows(path):
            if row["implanted"] == "T":
                variant, offset = row["implant_variant"], int(row["implant_offset"])
                kept = variant.replace("-", "")
                assert row["junction_aa"][offset : offset + len(kept)] == kept
                variants.append(variant)
                motifs.append(["LYAG", "WKDE"][int(row["implant_motif"])])
            else:
                assert row["implant_variant"] == row["implant_offset"] == ""
    v, m = np.array([list(x) for x in variants]), np.array([list(x) for x in motifs])
    assert v.shape == (1000, 4)  # 20 positives x 50 implants
    deleted = v == "-"
    changed = ~deleted & (v != m)
    assert abs(deleted.mean() - 0.1) < 0.02  # 4000 position trials: 2 % is > 4 standard errors
    assert abs(changed.sum() / (~deleted).sum() - 0.2) < 0.03
    assert abs(np.mean([x == "LYAG" for x in motifs]) - 0.5) < 0.08


def test_extreme_motif_variants() -> None:
    """substitution=1: every position becomes another amino acid; deletion=1: nothing is written."""
    from hopfield.repertoire._background import iid_background
    from hopfield.repertoire._motifs import implant

    rng = np.random.default_rng(0)
    res, off, _, _ = iid_background(rng, 500, length_mean=14.5, length_std=1.1)
    before = res.copy()
    imp = implant(rng, res, off, 400, [Motif("LYAG", substitution=1.0)], margin=0)
    assert all(a != b for v in imp.variant for a, b in zip(v, "LYAG", strict=True))
    for s, o, v in zip(imp.sequence, imp.offset, imp.variant, strict=True):
        written = res[off[s] + o : off[s] + o + 4]
        assert "".join(AMINO_ACIDS[c] for c in written) == v
    res = before.copy()
    imp = implant(rng, res, off, 400, [Motif("LYAG", deletion=1.0)], margin=0)
    assert set(imp.variant) == {"----"} and np.array_equal(res, before)


def test_exact_motifs_and_chance_matches() -> None:
    _, items = simulate_repertoires(
        n_repertoires=6, n_sequences=3000, witness_rate=0.01, motifs="LYAG", seed=2
    )
    for _, rep, label in items:
        seqs = rep.sequences()
        implanted = [s for s, f in zip(seqs, rep.implanted, strict=True) if f]
        assert all("LYAG" in s for s in implanted) and len(implanted) == 30 * label
        chance = sum("LYAG" in s for s, f in zip(seqs, rep.implanted, strict=True) if not f)
        assert chance <= 3  # expected 3000 * 11.5 / 20^4 = 0.2 per repertoire


def test_seeded_and_reproducible(tmp_path) -> None:
    a = simulate(tmp_path / "a", n_repertoires=4, n_sequences=200, witness_rate=0.05, motifs=2, seed=3)
    b = simulate(tmp_path / "b", n_repertoires=4, n_sequences=200, witness_rate=0.05, motifs=2, seed=3)
    c = simulate(tmp_path / "c", n_repertoires=4, n_sequences=200, witness_rate=0.05, motifs=2, seed=4)
    files = sorted(p.relative_to(a.path) for p in a.path.glob("repertoires/*.tsv"))
    assert (
        len(files) == 4 and (a.path / "metadata.tsv").read_bytes() == (b.path / "metadata.tsv").read_bytes()
    )
    assert all((a.path / f).read_bytes() == (b.path / f).read_bytes() for f in files)
    assert (a.path / files[-1]).read_bytes() != (c.path / files[-1]).read_bytes()
    assert a.config.motifs == b.config.motifs and len(a.config.motifs) == 2
    _, items = simulate_repertoires(n_repertoires=4, n_sequences=200, witness_rate=0.05, motifs=2, seed=3)
    for (rid, rep, _), f in zip(items, files, strict=True):
        assert rep.sequences() == read_repertoire(a.path / f).sequences() and f.stem == rid
    with pytest.raises(ValueError, match=r"out must be a new folder \(or pass overwrite=True\)"):
        simulate(tmp_path / "a", n_repertoires=4, n_sequences=200, seed=3)
    simulate(tmp_path / "a", n_repertoires=2, n_sequences=100, seed=3, overwrite=True)
    assert len(list((tmp_path / "a" / "repertoires").iterdir())) == 2


def test_output_is_valid_airr(tmp_path) -> None:
    import airr

    sim = simulate(tmp_path / "s", n_repertoires=2, n_sequences=50, witness_rate=0.1, seed=0)
    for path in (sim.path / "repertoires").iterdir():
        assert airr.validate_rearrangement(str(path))


def test_olga_background(tmp_path) -> None:
    pytest.importorskip("olga")
    state = np.random.get_state()[1].copy()  # noqa: NPY002
    motif = Motif("LYAG")
    _, items = simulate_repertoires(
        n_repertoires=2, n_sequences=300, witness_rate=0.05, motifs=[motif], background="olga", seed=1
    )
    for _, rep, label in items:
        seqs = rep.sequences()
        assert all(s[0] == "C" and s[-1] in "FVW" for s, f in zip(seqs, rep.implanted, strict=True) if not f)
        assert all(v.startswith("TRBV") for v in rep.v_call) and all(j.startswith("TRBJ") for j in rep.j_call)
        for s in (s for s, f in zip(seqs, rep.implanted, strict=True) if f):
            at = s.index("LYAG")
            assert at >= 3 and at + 4 <= len(s) - 3  # the margin keeps the conserved ends
        assert rep.implanted.sum() == 15 * label
    assert np.array_equal(np.random.get_state()[1], state)  # noqa: NPY002 (global generator restored)


def test_speed_200_repertoires_of_10k_sequences() -> None:
    """The issue's bound: 200 repertoires x 10^4 sequences within a minute on 2 cores (generation; the
    slow test below adds writing the AIRR files)."""
    start = time.perf_counter()
    _, items = simulate_repertoires(n_repertoires=200, n_sequences=10_000, witness_rate=0.01, seed=0)
    n = sum(len(rep) for _, rep, _ in items)
    assert n == 2_000_000 and time.perf_counter() - start < 30


@pytest.mark.slow
def test_speed_with_files(tmp_path) -> None:
    start = time.perf_counter()
    simulate(tmp_path / "big", n_repertoires=200, n_sequences=10_000, witness_rate=0.01, seed=0)
    assert time.perf_counter() - start < 60


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"witness_rate": 1.5}, r"witness_rate must be a finite number in \[0, 1\], got 1.5"),
        ({"witness_rate": 1e-6}, r"witness_rate must be >= 0.005 \(at least one implant in 100 sequences\)"),
        ({"motifs": "LY1G"}, r"motif must be a non-empty string over ACDEFGHIKLMNPQRSTVWY, got 'LY1G'"),
        ({"motifs": []}, r"motifs must be a number of random motifs, a motif string or a list of them"),
        ({"background": "mouse"}, r"background must be one of 'iid', 'olga', got 'mouse'"),
        ({"substitution": -0.1}, r"substitution must be a finite number in \[0, 1\]"),
        ({"n_repertoires": 0}, r"n_repertoires must be an integer >= 1, got 0"),
        ({"seed": -1}, r"seed must be an integer in \[0, 18446744073709551615\]"),
    ],
)
def test_bad_parameters(kwargs, match) -> None:
    with pytest.raises(ValueError, match=match):
        simulate_repertoires(**{"n_repertoires": 2, "n_sequences": 100, **kwargs})


def test_alphabet() -> None:
    assert AMINO_ACIDS == "ACDEFGHIKLMNPQRSTVWY" and len(set(AMINO_ACIDS)) == 20
