"""Working-tree scan: ``secretsops scan DIR`` next to ``gitleaks dir DIR`` on the same folder.

    python benchmarks/worktree.py DIR [--runs 5] [--backends hyperscan,ahocorasick]

Alternating whole-process runs; per tool the median wall time, CPU time (user + sys of the
child and its children, from ``os.wait4``), peak RSS and the findings; the ratios. DIR is any
checkout (``git clone -q REPO DIR``); the scan reads its tracked and untracked files as a user's
``secretsops scan`` does (``gitleaks dir`` reads every file under DIR, ``.git`` excepted).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _timing import timed

BIN = Path(sys.executable).parent
SECRETSOPS = BIN / "secretsops"
GITLEAKS = shutil.which("gitleaks", path=str(BIN)) or "gitleaks"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("dir", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--backends", default="hyperscan,ahocorasick")
    args = parser.parse_args()
    folder = args.dir.resolve()
    backends = [b for b in args.backends.split(",") if b]
    work = Path(tempfile.mkdtemp(prefix="secretsops-bench-"))
    try:
        cache = work / "cache"
        runs: dict[str, list[dict[str, float]]] = {b: [] for b in backends}
        runs["gitleaks"] = []
        outs = {name: work / f"{name}.json" for name in runs}
        for _ in range(args.runs):
            for backend in backends:
                env = dict(os.environ, SECRETSOPS_PREFILTER=backend)
                env["SECRETSOPS_CACHE_DIR"] = str(cache)
                cmd = [str(SECRETSOPS), "scan", str(folder), "-q", "-f", "json"]
                runs[backend].append(timed([*cmd, "-o", str(outs[backend])], env=env))
            cmd = [GITLEAKS, "dir", str(folder), "--no-banner", "--exit-code", "0"]
            cmd += ["--report-format", "json", "--report-path", str(outs["gitleaks"])]
            runs["gitleaks"].append(timed([*cmd, "--log-level", "error"]))
        files = subprocess.run(
            ["git", "-C", str(folder), "ls-files"], capture_output=True, text=True, check=False
        ).stdout.count("\n")
        print(f"folder: {folder}  tracked files: {files}")
        row = "{:<24} {:>8} {:>8} {:>8} {:>9}"
        print(row.format("tool", "wall s", "cpu s", "rss MB", "findings"))
        for name, timings in runs.items():
            data = json.loads(outs[name].read_text() or "[]")
            count = len(data["findings"]) if isinstance(data, dict) else len(data)
            label = name if name == "gitleaks" else f"secretsops ({name})"
            print(
                row.format(
                    label,
                    f"{statistics.median(t['wall'] for t in timings):.2f}",
                    f"{statistics.median(t['cpu'] for t in timings):.2f}",
                    f"{max(t['rss_mb'] for t in timings):.0f}",
                    count,
                )
            )
        theirs = statistics.median(t["wall"] for t in runs["gitleaks"])
        for backend in backends:
            ours = statistics.median(t["wall"] for t in runs[backend])
            print(f"ratio secretsops ({backend})/gitleaks dir wall: {ours / theirs:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
