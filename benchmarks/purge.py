"""Purge time next to history-scan time on the same repository.

    python benchmarks/purge.py REPO [--jobs 0] [--plant 30] [--all-real] [--runs 3]
    python benchmarks/purge.py --generate 5000 [--runs 3]

REPO (any clone or mirror; it is only read) is mirror-cloned into a temporary folder. A branch
``bench-secrets`` is added there with ``--plant`` commits, each writing one secret generated at
run time (a password, an AWS access key id or a GitHub token; nothing is committed here). Then:

1. ``secretsops scan --history --no-cache`` (a cold full-history scan): wall time;
2. ``secretsops baseline create --history``, the planted values labelled real (``--all-real``:
   every finding, i.e. a replacement list as long as the history's findings);
3. ``secretsops purge --yes`` on that baseline, as is (the verification rescan takes blobs the
   rewrite left unchanged from the original's cache) and with ``--no-cache``: wall time, and
   the phases it reports (backup bundle, mirror clone + git-filter-repo + prune, verification
   rescan + every object read);
4. a check with git that no planted value is left in the purged mirror.

Steps 1 and 3 are repeated ``--runs`` times, alternating; the medians are printed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
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
sys.path.insert(0, str(Path(__file__).resolve().parent))


def git(
    repo: Path, *args: str, input: bytes | None = None, env: dict[str, str] | None = None
) -> str:
    out = subprocess.run(
        ["git", *args], cwd=repo, input=input, capture_output=True, check=True, env=env
    )
    return out.stdout.decode().strip()


def timed(cmd: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    return time.perf_counter() - start, proc


def planted_value(rng: random.Random, n: int) -> tuple[str, str]:
    """(line, value) of one generated secret."""
    alnum = string.ascii_letters + string.digits
    if n % 3 == 0:
        value = "".join(rng.choice(alnum) for _ in range(18)) + "aZ9"
        return f'password = "{value}"', value
    if n % 3 == 1:
        value = "AKIA" + "".join(
            rng.choice(string.ascii_uppercase + string.digits) for _ in range(16)
        )
        return f'aws_id = "{value}"', value
    value = "ghp_" + "".join(rng.choice(alnum) for _ in range(35)) + "7"
    return f"GITHUB_TOKEN={value}", value


def plant(mirror: Path, count: int, seed: int = 7) -> list[str]:
    """``count`` commits on a new branch from HEAD, each adding a file with one secret."""
    rng = random.Random(seed)
    env = dict(os.environ, GIT_INDEX_FILE=str(mirror / "bench-index"))
    env.update(GIT_AUTHOR_NAME="b", GIT_AUTHOR_EMAIL="b@example.com")
    env.update(GIT_COMMITTER_NAME="b", GIT_COMMITTER_EMAIL="b@example.com")
    head = git(mirror, "rev-parse", "HEAD")
    values = []
    for i in range(count):
        line, value = planted_value(rng, i)
        values.append(value)
        git(mirror, "read-tree", head, env=env)
        blob = git(mirror, "hash-object", "-w", "--stdin", input=f"{line}\n".encode())
        git(mirror, "update-index", "--add", "--cacheinfo", f"100644,{blob},bench/s{i}.py", env=env)
        tree = git(mirror, "write-tree", env=env)
        head = git(mirror, "commit-tree", tree, "-p", head, "-m", f"bench secret {i}", env=env)
    git(mirror, "update-ref", "refs/heads/bench-secrets", head)
    (mirror / "bench-index").unlink(missing_ok=True)
    git(mirror, "gc", "-q")
    return values


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("repo", nargs="?", type=Path)
    parser.add_argument("--generate", type=int, default=0, help="generate N commits instead")
    parser.add_argument("--jobs", type=int, default=0)
    parser.add_argument("--plant", type=int, default=30)
    parser.add_argument("--all-real", action="store_true")
    parser.add_argument("--runs", type=int, default=3, help="alternating runs (medians)")
    args = parser.parse_args()
    if (args.repo is None) == (not args.generate):
        parser.error("give REPO or --generate N")
    jobs = args.jobs or (os.cpu_count() or 1)
    with tempfile.TemporaryDirectory(prefix="bench-purge-") as tmp:
        work = Path(tmp)
        src = work / "src.git"
        if args.generate:
            from history import generate

            generate(src, args.generate)
        else:
            git(work, "clone", "-q", "--mirror", str(args.repo.resolve()), str(src))
            # Pull-request refs of a server mirror cannot be pushed back, and a stored mirror
            # may lack some of their objects: branches and tags only.
            pulls = git(src, "for-each-ref", "--format=delete %(refname)", "refs/pull")
            if pulls:
                git(src, "update-ref", "--stdin", input=(pulls + "\n").encode())
                print(f"dropped {len(pulls.splitlines())} refs/pull/* refs")
        values = plant(src, args.plant)
        commits = int(git(src, "rev-list", "--all", "--count"))
        refs = len(git(src, "for-each-ref", "--format=%(refname)").splitlines())
        print(
            f"repository: {args.repo or f'generated {args.generate}'}: {commits} commits, "
            f"{refs} refs, {args.plant} planted secrets; {jobs} job(s), {os.cpu_count()} cores"
        )

        baseline = work / "history.baseline"
        base_s, proc = timed(
            [
                str(SECRETSOPS),
                "baseline",
                "create",
                "--history",
                str(src),
                "-b",
                str(baseline),
                "-j",
                str(jobs),
            ],
            work,
        )
        assert proc.returncode == 0, proc.stderr
        data = json.loads(baseline.read_text())
        wanted = {hashlib.sha1(v.encode()).hexdigest() for v in values}  # noqa: S324
        confirmed = 0
        for entries in data["results"].values():
            for entry in entries:
                if args.all_real or entry["hashed_secret"] in wanted:
                    entry["is_secret"] = True
                    confirmed += 1
        baseline.write_text(json.dumps(data))
        print(
            f"baseline create --history (fills the cache): {base_s:7.2f} s  "
            f"({confirmed} entries labelled real)"
        )

        # Alternating runs: scan, purge, purge --no-cache; medians of each figure.
        figures: dict[str, list[float]] = {}
        findings = left = 0
        for run in range(args.runs):
            scan_s, findings = history_scan(src, work, jobs)
            figures.setdefault("scan", []).append(scan_s)
            for variant, extra in (("default", []), ("--no-cache", ["--no-cache"])):
                purge_s, phases, purged = purge(src, work, baseline, jobs, extra, run)
                figures.setdefault(variant, []).append(purge_s)
                figures.setdefault(f"{variant} ratio", []).append(purge_s / scan_s)
                for name, value in phases.items():
                    figures.setdefault(f"{variant} {name}", []).append(value)
                left += sum(1 for v in values if v.encode() in purged)
        med = {name: statistics.median(v) for name, v in figures.items()}
        print(f"{args.runs} alternating runs, medians")
        print(f"history scan (cold, --no-cache): {med['scan']:7.2f} s  ({findings} findings)")
        for variant in ("default", "--no-cache"):
            print(
                f"purge {variant + ' (end to end)':28s} {med[variant]:7.2f} s  "
                f"= {med[variant + ' ratio']:.2f} x the history scan"
            )
            for name, label in PHASES:
                if f"{variant} {name}" in med:
                    print(f"  {label:34s} {med[f'{variant} {name}']:7.2f} s")
        print(f"planted values left in the purged mirrors (git cat-file): {left}")
        return 0 if left == 0 else 1


PHASES = (
    ("backup", "bundle backup"),
    ("rewritten", "clone + git-filter-repo + prune"),
    ("verified", "verification"),
    ("rescan", "  rescan for the purged fingerprints"),
    ("objects", "  every object read"),
)


def history_scan(src: Path, work: Path, jobs: int) -> tuple[float, int]:
    """Wall time of a cold full-history scan, and its number of findings."""
    out = work / "scan.json"
    cmd = [str(SECRETSOPS), "scan", "--history", str(src), "--no-cache", "-j", str(jobs)]
    seconds, proc = timed([*cmd, "-q", "-f", "json", "-o", str(out)], work)
    assert proc.returncode in (0, 1), proc.stderr
    return seconds, len(json.loads(out.read_text())["findings"])


def purge(
    src: Path, work: Path, baseline: Path, jobs: int, extra: list[str], run: int
) -> tuple[float, dict[str, float], bytes]:
    """Wall time of one purge, the phases it reports, and every object of its result."""
    tag = f"{run}-{len(extra)}"
    out = work / f"purged-{tag}.git"
    cmd = [str(SECRETSOPS), "purge", str(src), "-b", str(baseline), "-o", str(out)]
    cmd += ["--bundle", str(work / f"b{tag}.bundle"), "--report", str(work / f"r{tag}.md")]
    seconds, proc = timed([*cmd, "--yes", "-j", str(jobs), *extra], work)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    phases = {
        name: float(value)
        for name, value in re.findall(
            r"^(backup|rewritten|verified): .*?([\d.]+) s\)", proc.stderr, re.M
        )
    }
    split = re.search(
        r"rescanned \((\d+) blobs, (\d+) unchanged .*?\) in ([\d.]+) s, "
        r"(\d+) objects read in ([\d.]+) s",
        proc.stderr,
    )
    if split:
        phases.update(rescan=float(split[3]), objects=float(split[5]))
    everything = subprocess.run(
        ["git", "cat-file", "--batch-all-objects", "--batch"],
        cwd=out,
        capture_output=True,
        check=True,
    ).stdout
    shutil.rmtree(out)
    return seconds, phases, everything


if __name__ == "__main__":
    sys.exit(main())
