"""``secretsops scan org`` against a plain loop of ``secretsops scan --history``, same repositories.

Generates ``--repos`` bare repositories (``git fast-import``), each of ``--commits`` commits over
40 Python files with planted AWS keys and GitHub tokens, then times, as whole processes, with
every history cache removed before each run:

- loop: ``secretsops scan --history REPO --no-cache -j 1`` for each repository in turn;
- org, 1 and 2 workers: ``secretsops scan org LIST --workers N`` over the same local paths
  (scanned in place, the embedded LocalCluster's start-up included), and over one repository
  alone (the fixed cost: start-up);
- org over ``file://`` URLs, 2 workers: first run (mirrors cloned), second run (mirrors fetched,
  history caches hit), and ``--resume`` (only ``git ls-remote`` per repository).

Prints medians of ``--runs`` runs, per-repository time, the org scan's fixed cost and its
marginal time per repository against the loop's, and checks that every run found the same
findings. Usage:

    python benchmarks/org_scan.py [--repos 24] [--commits 60] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
SECRETSOPS = BIN / "secretsops"


def git(cwd: Path, *args: str, data: bytes | None = None) -> str:
    env = dict(os.environ, GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    proc = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", *args],
        cwd=cwd,
        input=data,
        capture_output=True,
        check=True,
        env=env,
    )
    return proc.stdout.decode().strip()


def generate(path: Path, commits: int, seed: int) -> None:
    rng = random.Random(seed)
    git(path.parent, "init", "-q", "--bare", path.name)
    files = {f"src/mod{i}.py": [f"x{j} = {j}" for j in range(30)] for i in range(40)}
    stream: list[bytes] = []
    for n in range(commits):
        name = rng.choice(list(files))
        body = files[name]
        at = rng.randrange(len(body) + 1)
        if n % 20 == 7:
            key = "AKIA" + "".join(
                rng.choice(string.ascii_uppercase + string.digits) for _ in "x" * 16
            )
            body.insert(at, f'aws_id = "{key}"')
        elif n % 20 == 13:
            tok = "ghp_" + "".join(
                rng.choice(string.ascii_letters + string.digits) for _ in "x" * 36
            )
            body.insert(at, f'github = "{tok}"')
        else:
            body.insert(at, f"value_{n} = compute({rng.randint(0, 10**6)})")
        data = ("\n".join(body) + "\n").encode()
        msg = f"commit {n}\n".encode()
        stream += [
            b"commit refs/heads/main\n",
            f"committer Bench <b@example.com> {1_600_000_000 + n * 60} +0000\n".encode(),
            b"data %d\n" % len(msg) + msg,
            f"M 100644 inline {name}\n".encode(),
            b"data %d\n" % len(data) + data,
        ]
    git(path, "fast-import", "--quiet", data=b"".join(stream))
    git(path, "symbolic-ref", "HEAD", "refs/heads/main")


def env() -> dict[str, str]:
    out = dict(os.environ, GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    out["PATH"] = f"{BIN}{os.pathsep}{out.get('PATH', '')}"
    return out


def timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env(), capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd[:4])} failed: {proc.stderr[-500:]}")
    return elapsed


def clear_caches(repos: list[Path]) -> None:
    for repo in repos:
        shutil.rmtree(repo / "secretsops", ignore_errors=True)


def loop(repos: list[Path], work: Path) -> tuple[float, int]:
    total, found = 0.0, 0
    for repo in repos:
        out = work / "one.json"
        cmd = [str(SECRETSOPS), "scan", "--history", str(repo), "--no-cache", "-j", "1"]
        total += timed([*cmd, "-q", "-f", "json", "-o", str(out)], work)
        found += len(json.loads(out.read_text())["findings"])
    return total, found


def org(listing: Path, work: Path, workers: int, cache: Path, *extra: str) -> tuple[float, int]:
    out = work / "org.json"
    cmd = [str(SECRETSOPS), "scan", "org", str(listing), "--workers", str(workers), "-q"]
    cmd += ["--cache-dir", str(cache), "--state", str(cache / "state.json"), *extra]
    elapsed = timed([*cmd, "-f", "json", "-o", str(out)], work)
    report = json.loads(out.read_text())
    bad = [r for r in report["repositories"] if r["status"] not in ("ok", "unchanged")]
    if bad:
        raise SystemExit(f"org scan failed for {bad[0]['name']}: {bad[0].get('error')}")
    return elapsed, len(report["findings"])


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--repos", type=int, default=24)
    parser.add_argument("--commits", type=int, default=60)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="secretsops-org-bench-"))
    try:
        repos = [work / f"repo{i:03d}.git" for i in range(args.repos)]
        for i, repo in enumerate(repos):
            generate(repo, args.commits, seed=i)
        paths = work / "paths.txt"
        paths.write_text("\n".join(str(r) for r in repos) + "\n")
        single = work / "single.txt"
        single.write_text(f"{repos[0]}\n")
        urls = work / "urls.txt"
        urls.write_text("\n".join(r.as_uri() for r in repos) + "\n")
        print(f"{args.repos} repositories x {args.commits} commits; {os.cpu_count()} cores")
        rows: dict[str, list[float]] = {}
        counts: dict[str, set[int]] = {}

        def record(name: str, result: tuple[float, int]) -> None:
            rows.setdefault(name, []).append(result[0])
            counts.setdefault(name, set()).add(result[1])

        for run in range(args.runs):
            clear_caches(repos)
            record("loop of scan --history", loop(repos, work))
            clear_caches(repos)
            rows.setdefault("scan org, 1 repository", []).append(
                org(single, work, 1, work / f"cache-single-{run}")[0]
            )
            for workers in (1, 2):
                clear_caches(repos)
                cache = work / f"cache-{run}-{workers}"
                record(f"scan org, {workers} worker(s)", org(paths, work, workers, cache))
            cache = work / f"cache-url-{run}"
            record("scan org file://, clone", org(urls, work, 2, cache))
            record("scan org file://, fetch", org(urls, work, 2, cache))
            record("scan org file://, --resume", org(urls, work, 2, cache, "--resume"))
        n = args.repos
        print(f"{'run':<30} {'wall s':>8} {'per repo s':>11} {'findings':>9}")
        for name, times in rows.items():
            m = statistics.median(times)
            if name == "scan org, 1 repository":
                print(f"{name:<30} {m:>8.2f} {m:>11.3f} {'':>9}")
                continue
            found = "/".join(str(c) for c in sorted(counts[name]))
            print(f"{name:<30} {m:>8.2f} {m / n:>11.3f} {found:>9}")
        base = statistics.median(rows["loop of scan --history"])
        one = statistics.median(rows["scan org, 1 worker(s)"])
        two = statistics.median(rows["scan org, 2 worker(s)"])
        fixed = statistics.median(rows["scan org, 1 repository"])
        marginal = (one - fixed) / max(n - 1, 1)
        print(
            f"scan org fixed cost (cluster start-up, 1 repository): {fixed:.2f} s; then "
            f"{marginal * 1000:.0f} ms per repository on 1 worker, against "
            f"{base / n * 1000:.0f} ms per repository for the loop (a process each): "
            f"per-repository overhead {(marginal - base / n) * 1000:+.0f} ms"
        )
        print(
            f"2 workers / 1 worker: {two / one:.2f}x wall time; loop / org 2 workers: "
            f"{base / two:.2f}x"
        )
        same = len({c for cs in counts.values() for c in cs}) == 1
        print("findings identical across runs" if same else "FINDINGS DIFFER across runs")
        return 0 if same else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
