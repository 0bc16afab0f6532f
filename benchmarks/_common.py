"""Shared benchmark helpers: machine description, timing, peak memory, markdown output.

Every benchmark script prints one self-contained markdown section (machine, command, table with the
baseline measured in the same run and the ratio) that is pasted into ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import torch

__all__ = ["command", "machine", "median_time", "min_time", "peak_rss_mib", "section", "timings"]


def machine() -> str:
    """One line naming the CPU, cores, torch build and threads."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads"
    )


def command() -> str:
    """The command line that ran this script."""
    return "python " + " ".join(sys.argv)


def timings(fn: Callable[[], Any], repeat: int = 5, warmup: int = 1) -> list[float]:
    """Wall-clock seconds of ``repeat`` calls of ``fn()`` after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def median_time(fn: Callable[[], Any], repeat: int = 5, warmup: int = 1) -> float:
    """The median of :func:`timings`, in seconds (robust to a busy neighbour)."""
    return statistics.median(timings(fn, repeat, warmup))


def min_time(fn: Callable[[], Any], repeat: int = 5, warmup: int = 1) -> float:
    """The fastest of :func:`timings`, in seconds (what the hardware can do: used for ceilings)."""
    return min(timings(fn, repeat, warmup))


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far, MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def status_kib(field: str, default: int | None = None) -> int:
    """A ``/proc/self/status`` field in KiB (``VmRSS``, ``VmHWM``, ``RssAnon``; Linux); ``default`` where the
    field is missing (None: raise)."""
    field = field.rstrip(":") + ":"
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1])
    if default is None:
        raise RuntimeError(f"/proc/self/status has no {field}")
    return default


def section(title: str, table: str, notes: str = "") -> str:
    """A markdown section with machine and command lines."""
    return f"## {title}\n\n- machine: {machine()}\n- command: `{command()}`\n\n{table}\n" + (
        f"\n{notes}\n" if notes else ""
    )
