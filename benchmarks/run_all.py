"""Run every benchmark one after the other and write ``benchmarks/RESULTS.md`` (atomically).

Run on a quiet machine: ``python benchmarks/run_all.py`` (``--quick`` for a smoke run, ``--only a.py,b.py`` to
rerun some). Each script prints one markdown section with its machine, command and same-run baseline;
this file keeps each in ``benchmarks/results/`` and concatenates them.
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
#: The last full section of each script (RESULTS.md is their concatenation, so one script can be rerun alone).
SECTIONS = HERE / "results"
#: Each script with the flag of its smoke run (``--quick`` here).
SCRIPTS = {
    "bench_modern.py": "--quick",
    "bench_classical.py": "--quick",
    "bench_dense.py": "--quick",
    "bench_continuous.py": "--quick",
    "bench_layers.py": "--small",
    "bench_memory.py": "--quick",
    "bench_repertoire.py": "--small",
}

HEADER = """# Benchmark results

Assembled by `python benchmarks/run_all.py` on {date} from `benchmarks/results/*.md` (each the last full run
of one script; `--only bench_x.py` reruns one). Every number below was measured on the machine named in
its section, against a baseline measured in the same run; ratios are against that baseline. Benchmarks are
scripts, never timed tests. The machine has 2 CPU cores and no GPU (this task was not lent one), so no GPU
numbers are reported.

"""


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true")
    p.add_argument("--out", default=str(HERE / "RESULTS.md"))
    p.add_argument("--only", help="comma-separated scripts to run (the others keep their last section)")
    args = p.parse_args()
    chosen = args.only.split(",") if args.only else list(SCRIPTS)
    unknown = sorted(set(chosen) - set(SCRIPTS))
    if unknown:
        p.error(f"--only: unknown scripts {unknown}; valid: {', '.join(SCRIPTS)}")
    for script in chosen:
        cmd = [sys.executable, str(HERE / script)] + ([SCRIPTS[script]] if args.quick else [])
        print("running", " ".join(cmd[1:]), flush=True)
        out = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=HERE.parent)
        section = out.stdout.strip().replace(str(HERE.parent) + "/", "")
        if not args.quick:  # a smoke run never replaces a recorded section
            write_text(SECTIONS / f"{Path(script).stem}.md", section + "\n")
        else:
            print(section)
    if args.quick:
        return
    sections = [(SECTIONS / f"{Path(s).stem}.md") for s in SCRIPTS]
    text = HEADER.format(date=dt.date.today().isoformat())
    text += "\n\n".join(f.read_text().strip() for f in sections if f.exists()) + "\n"
    write_text(args.out, text)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
