"""Whole-process timing shared by the benchmark scripts (run as ``python benchmarks/X.py``,
which puts this folder on ``sys.path``)."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path


def timed(
    cmd: list[str],
    cwd: Path | None = None,
    stdout: int | None = subprocess.DEVNULL,
    env: dict[str, str] | None = None,
) -> dict[str, float]:
    """Run ``cmd``; its wall time, CPU time (user + sys of the child and its waited-for
    children, from ``os.wait4``), peak RSS in MB and exit code."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=stdout, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    return {
        "wall": time.perf_counter() - start,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_mb": usage.ru_maxrss / 1024,
        "code": os.waitstatus_to_exitcode(status),
    }
