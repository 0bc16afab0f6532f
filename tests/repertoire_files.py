"""Hand-written AIRR, plain and metadata files for the repertoire tests (imported by them)."""

from __future__ import annotations

import gzip
from pathlib import Path

#: A minimal AIRR rearrangement file: junction_aa, v/j calls, duplicate_count (one null).
AIRR_SMALL = """sequence_id\tjunction_aa\tv_call\tj_call\tduplicate_count
s1\tCASSLGQAYEQYF\tTRBV12-3*01\tTRBJ2-7*01\t3
s2\tCASSPDRGNTEAFF\tTRBV7-9*01\tTRBJ1-1*01\t1
s3\tCSARDGTGNGYTF\tTRBV20-1*01\t\t
s4\tCASSQETQYF\tTRBV4-1*01\tTRBJ2-5*01\t12
"""

#: The same file with every AIRR-required field (valid for airr.validate_rearrangement).
AIRR_FULL_HEADER = (
    "sequence_id\tsequence\trev_comp\tproductive\tv_call\td_call\tj_call\tsequence_alignment\t"
    "germline_alignment\tjunction\tjunction_aa\tv_cigar\td_cigar\tj_cigar\tcdr3_aa\n"
)
AIRR_FULL = AIRR_FULL_HEADER + (
    "a\t\tF\tT\tTRBV5-1*01\t\tTRBJ2-1*01\t\t\t\tCASSLAPGATNEKLFF\t\t\t\tASSLAPGATNEKLF\n"
    "b\t\tF\tT\tTRBV6-5*01\t\tTRBJ1-2*01\t\t\t\tCASSYSGGYTF\t\t\t\tASSYSGGYT\n"
)

#: cdr3_aa only (no junction_aa).
AIRR_CDR3 = "sequence_id\tcdr3_aa\n1\tASSLGQAYEQY\n2\tASSPDRGNTEAF\n"

#: Line 4 holds a stop codon '*', line 6 a lowercase letter, line 7 an empty sequence.
AIRR_BAD = """sequence_id\tjunction_aa
1\tCASSLGQAYEQYF
2\tCASSPDRGNTEAFF
3\tCASS*GQAYEQYF
4\tCSARDGTGNGYTF
5\tCASSqETQYF
6\t
7\tCASSYSGGYTF
"""

AIRR_ONLY_BAD = "sequence_id\tjunction_aa\n1\tCASS_X\n2\tXXX\n"
AIRR_EMPTY = "sequence_id\tjunction_aa\tv_call\n"
AIRR_NO_SEQUENCE = "sequence_id\tv_call\tj_call\n1\tTRBV5-1*01\tTRBJ2-1*01\n"
AIRR_BAD_COUNT = "sequence_id\tjunction_aa\tduplicate_count\n1\tCASSF\t2\n2\tCASSYF\tmany\n"
PLAIN = "amino_acid\ttemplates\nCASSLGQAYEQYF\t5\nCASSPDRGNTEAFF\t2\n"
PLAIN_ONE_COLUMN = "cdr3\nCASSLGQAYEQYF\nCASSPDRGNTEAFF\nCSARDGTGNGYTF\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return path


def small_dataset(root: Path, n: int = 6, *, metadata: str | None = None) -> Path:
    """``n`` AIRR repertoires under root/reps and root/metadata.tsv (labels alternate +/-); returns the
    metadata path."""
    seqs = ["CASSLGQAYEQYF", "CASSPDRGNTEAFF", "CSARDGTGNGYTF", "CASSQETQYF", "CASSYSGGYTF", "CAW"]
    lines = ["filename\tstatus\tage"]
    for i in range(n):
        rows = [f"{j}\t{seqs[(i + j) % len(seqs)]}\tTRBV{i % 3 + 1}*01\t{j + 1}" for j in range(i + 2)]
        text = "sequence_id\tjunction_aa\tv_call\tduplicate_count\n" + "\n".join(rows) + "\n"
        write(root / "reps" / f"r{i}.tsv", text)
        lines.append(f"reps/r{i}.tsv\t{'+' if i % 2 else '-'}\t{30 + i}")
    return write(root / "metadata.tsv", metadata if metadata is not None else "\n".join(lines) + "\n")
