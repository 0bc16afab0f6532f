"""Run every benchmark one after the other and write ``benchmarks/RESULTS.md`` (atomically).

Run on a quiet machine: ``python benchmarks/run_all.py`` (``--quick`` for a smoke run). Each script prints
one markdown section with its machine, command and same-run baseline; this file only concatenates them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "src"))
from hopfield._io import write_text

HERE = Path(__file__).parent
SCRIPTS = ["bench_modern.py", "bench_classical.py", "bench_dense.py", "bench_continuous.py"]

HEADER = """# Benchmark results

Written by `python benchmarks/run_all.py` on {date}. Every number below was measured on the machine named in
its section, against a baseline measured in the same run; ratios are against that baseline. Benchmarks are
scripts, never timed tests. The machine has 2 CPU cores and no GPU (this task was not lent one), so no GPU
numbers are reported.

"""


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true")
    p.add_argument("--out", default=str(HERE / "RESULTS.md"))
    args = p.parse_args()
    sections = []
    for script in SCRIPTS:
        cmd = [sys.executable, str(HERE / script)] + (["--quick"] if args.quick else [])
        print("running", " ".join(cmd[1:]), flush=True)
        out = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=HERE.parent)
        sections.append(out.stdout.strip().replace(str(HERE.parent) + "/", ""))
    text = HEADER.format(date=dt.date.today().isoformat()) + "\n\n".join(sections) + "\n"
    write_text(args.out, text)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
