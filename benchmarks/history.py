"""Full-history scan: secretsops next to gitleaks 8 on the same repository.

    python benchmarks/history.py REPO [--runs 3] [--jobs 0] [--reference]
    python benchmarks/history.py --generate 5000 [--runs 3]

Alternating runs of ``secretsops scan --history --no-cache`` and ``gitleaks git REPO
--log-opts=--all``; per tool the median wall time, CPU time (user + sys of the child, from
``os.wait4``), peak RSS of the child and the findings; the ratio; the floor (``git cat-file
--batch-all-objects --batch``); then, on a mirror copy, the cached rescan after 10 new commits
as a fraction of the cold scan. Lists gitleaks findings secretsops does not report, by rule.
``--reference`` adds one scan with detect-secrets' own YAML transformer
(``SECRETSOPS_YAML_VIEW=reference``) and compares its findings with the default scan's.
Generated repositories hold planted secrets made at run time (never committed here).
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

from _timing import timed

BIN = Path(sys.executable).parent
SECRETSOPS = BIN / "secretsops"
GITLEAKS = shutil.which("gitleaks", path=str(BIN)) or "gitleaks"


def git(
    repo: Path, *args: str, input: bytes | None = None, env: dict[str, str] | None = None
) -> str:
    out = subprocess.run(
        ["git", *args], cwd=repo, input=input, capture_output=True, check=True, env=env
    )
    return out.stdout.decode().strip()


def secretsops_run(
    repo: Path,
    out: Path,
    jobs: int,
    cache: bool,
    backend: str | None = None,
    yaml_view: str | None = None,
) -> dict[str, float]:
    cmd = [str(SECRETSOPS), "scan", "--history", str(repo), "-f", "json", "-o", str(out)]
    cmd += ["-j", str(jobs), "--quiet"] + ([] if cache else ["--no-cache"])
    env = dict(os.environ)
    if backend:
        env["SECRETSOPS_PREFILTER"] = backend
    if yaml_view:
        env["SECRETSOPS_YAML_VIEW"] = yaml_view
    return timed(cmd, repo, env=env)


def findings_of(report: Path) -> set[tuple[str, ...]]:
    """What a JSON report found, as comparable rows (path, line, type, fingerprint, commit)."""
    rows = json.loads(report.read_text())["findings"]
    return {
        (f["path"], str(f.get("line")), f["type"], f["fingerprint"], str(f.get("commit")))
        for f in rows
    }


def gitleaks_run(repo: Path, out: Path) -> dict[str, float]:
    cmd = [GITLEAKS, "git", str(repo), "--log-opts=--all", "--no-banner", "--exit-code", "0"]
    cmd += ["--report-format", "json", "--report-path", str(out), "--log-level", "error"]
    return timed(cmd, repo)


def floor_run(repo: Path) -> dict[str, float]:
    return timed(["git", "cat-file", "--batch-all-objects", "--batch"], repo)


def median(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def generate(path: Path, commits: int, seed: int = 1) -> dict[str, int]:
    """A repository of ``commits`` commits (fast-import), with planted AWS keys and GitHub PATs."""
    rng = random.Random(seed)
    git(path.parent, "init", "-q", "--bare", path.name)
    files = {f"src/mod{i}.py": [f"x{j} = {j}" for j in range(40)] for i in range(60)}
    lines: list[bytes] = []
    planted = 0
    for n in range(commits):
        name = rng.choice(list(files))
        body = files[name]
        at = rng.randrange(len(body) + 1)
        if n % 50 == 7:
            key = "AKIA" + "".join(
                rng.choice(string.ascii_uppercase + string.digits) for _ in range(16)
            )
            body.insert(at, f'aws_id = "{key}"')
            planted += 1
        elif n % 50 == 31:
            tok = "ghp_" + "".join(
                rng.choice(string.ascii_letters + string.digits) for _ in range(36)
            )
            body.insert(at, f'github = "{tok}"')
            planted += 1
        else:
            body.insert(at, f"value_{n} = compute({rng.randint(0, 10**6)})")
        if len(body) > 300:
            del body[rng.randrange(len(body))]
        data = ("\n".join(body) + "\n").encode()
        msg = f"commit {n}\n".encode()
        lines += [
            b"commit refs/heads/main\n",
            f"committer Bench <b@example.com> {1_600_000_000 + n * 60} +0000\n".encode(),
            b"data %d\n" % len(msg) + msg,
            f"M 100644 inline {name}\n".encode(),
            b"data %d\n" % len(data) + data,
        ]
    git(path, "fast-import", "--quiet", input=b"".join(lines))
    git(path, "symbolic-ref", "HEAD", "refs/heads/main")
    return {"commits": commits, "planted": planted}


def add_commits(mirror: Path, count: int) -> None:
    """``count`` new commits on HEAD's branch of a bare repository, through plumbing."""
    env = dict(os.environ, GIT_INDEX_FILE=str(mirror / "bench-index"))
    env.update(GIT_AUTHOR_NAME="b", GIT_AUTHOR_EMAIL="b@example.com")
    env.update(GIT_COMMITTER_NAME="b", GIT_COMMITTER_EMAIL="b@example.com")
    branch = git(mirror, "symbolic-ref", "HEAD")
    for i in range(count):
        head = git(mirror, "rev-parse", "HEAD")
        git(mirror, "read-tree", head, env=env)
        blob = git(
            mirror, "hash-object", "-w", "--stdin", input=f"bench {time.time()} {i}\n".encode()
        )
        git(
            mirror,
            "update-index",
            "--add",
            "--cacheinfo",
            f"100644,{blob},bench/new{i}.txt",
            env=env,
        )
        tree = git(mirror, "write-tree", env=env)
        commit = git(mirror, "commit-tree", tree, "-p", head, "-m", f"bench {i}", env=env)
        git(mirror, "update-ref", branch, commit)


def compare(ours: Path, theirs: Path) -> tuple[int, int, dict[str, int]]:
    """(our findings, gitleaks findings, gitleaks findings we miss by rule)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from secretsops.scan.fingerprint import fingerprint

    report = json.loads(ours.read_text())
    found = {(f["path"], f["fingerprint"]) for f in report["findings"]}
    leaks = json.loads(theirs.read_text() or "[]")
    missed: dict[str, int] = {}
    for leak in leaks:
        # gitleaks' Secret is its rule's capture group; ours may be the whole Match.
        candidates = {leak["Secret"], leak["Match"]}
        if any((leak["File"], fingerprint(c)) in found for c in candidates if c):
            continue
        missed[leak["RuleID"]] = missed.get(leak["RuleID"], 0) + 1
    return len(report["findings"]), len(leaks), missed


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("repo", nargs="?", type=Path)
    parser.add_argument("--generate", type=int, metavar="COMMITS")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=0)
    parser.add_argument("--skip-cache", action="store_true", help="skip the cached-rescan figure")
    parser.add_argument(
        "--reference",
        action="store_true",
        help="one more scan with SECRETSOPS_YAML_VIEW=reference (detect-secrets' own YAML"
        " transformer): its time, and whether its findings equal the default scan's",
    )
    parser.add_argument(
        "--backends",
        default="hyperscan,ahocorasick",
        help="prefilter back-ends to time (SECRETSOPS_PREFILTER), each alternating with gitleaks;"
        " their findings are compared",
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="secretsops-bench-"))
    try:
        repo = args.repo
        if args.generate:
            repo = work / "generated.git"
            print(f"generated: {generate(repo, args.generate)}")
        if repo is None:
            parser.error("give REPO or --generate N")
        repo = repo.resolve()
        commits = git(repo, "rev-list", "--all", "--count")
        blobs = git(repo, "cat-file", "--batch-all-objects", "--batch-check=%(objecttype)").count(
            "blob"
        )
        print(f"repository: {repo}  commits (all refs): {commits}  blobs: {blobs}")
        backends = [b for b in args.backends.split(",") if b]
        outs = {b: work / f"ours-{b}.json" for b in backends}
        theirs_out = work / "gitleaks.json"
        ours: dict[str, list[dict[str, float]]] = {b: [] for b in backends}
        theirs: list[dict[str, float]] = []
        floor: list[dict[str, float]] = []
        for _ in range(args.runs):
            for backend in backends:
                ours[backend].append(secretsops_run(repo, outs[backend], args.jobs, False, backend))
            theirs.append(gitleaks_run(repo, theirs_out))
            floor.append(floor_run(repo))
        ours_out = outs[backends[0]]
        _, n_theirs, missed = compare(ours_out, theirs_out)
        row = "{:<24} {:>9} {:>9} {:>9} {:>9}"
        print(row.format("tool", "wall s", "cpu s", "rss MB", "findings"))
        table = [(f"secretsops ({b})", ours[b], len(findings_of(outs[b]))) for b in backends]
        for name, runs, count in [*table, ("gitleaks", theirs, n_theirs)]:
            print(
                row.format(
                    name,
                    f"{median(runs, 'wall'):.2f}",
                    f"{median(runs, 'cpu'):.2f}",
                    f"{max(r['rss_mb'] for r in runs):.0f}",
                    count,
                )
            )
        print(f"floor (cat-file --batch-all-objects --batch): {median(floor, 'wall'):.2f} s")
        for backend in backends:
            wall = median(ours[backend], "wall") / median(theirs, "wall")
            cpu = median(ours[backend], "cpu") / median(theirs, "cpu")
            print(
                f"ratio secretsops ({backend})/gitleaks: wall {wall:.2f} (target <= 0.5), "
                f"cpu {cpu:.2f}"
            )
        if len(backends) > 1:
            first = findings_of(outs[backends[0]])
            same = all(findings_of(outs[b]) == first for b in backends[1:])
            print(f"findings identical across back-ends: {'yes' if same else 'NO'}")
        print(f"gitleaks findings secretsops does not report, by rule: {missed or 'none'}")
        if args.reference:
            ref_out = work / "ours-reference.json"
            ref = secretsops_run(repo, ref_out, args.jobs, False, backends[0], "reference")
            same = findings_of(ref_out) == findings_of(ours_out)
            print(
                f"SECRETSOPS_YAML_VIEW=reference ({backends[0]}): wall {ref['wall']:.2f} s, "
                f"cpu {ref['cpu']:.2f} s, {len(findings_of(ref_out))} findings; "
                f"identical to the libyaml view's: {'yes' if same else 'NO'}"
            )
        if not args.skip_cache:
            mirror = work / "mirror.git"
            git(work, "clone", "-q", "--mirror", str(repo), str(mirror))
            cold = [
                secretsops_run(mirror, ours_out, args.jobs, cache=False) for _ in range(args.runs)
            ]
            secretsops_run(mirror, ours_out, args.jobs, cache=True)  # fill the cache
            warm = []
            for _ in range(args.runs):
                add_commits(mirror, 10)
                warm.append(secretsops_run(mirror, ours_out, args.jobs, cache=True))
            fraction = median(warm, "wall") / median(cold, "wall")
            print(
                f"cached rescan after 10 new commits: {median(warm, 'wall'):.2f} s vs cold "
                f"{median(cold, 'wall'):.2f} s = {fraction:.1%} (target <= 5%)"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
