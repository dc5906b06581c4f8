"""``scan --ci`` on a pull request: a depth-1 checkout that the scan deepens, next to a full one.

Builds a server repository (``git fast-import``) whose ``main`` has ``--commits`` commits, each
changing a few of ``--files`` Python files of the standard library, and a pull request of
``--pr`` commits; then, per run, times as whole processes:

- shallow: ``git fetch --depth=1`` of the merge ref (actions/checkout's default), then
  ``secretsops scan --ci`` (which fetches the base and deepens);
- full: ``git fetch`` of everything (``fetch-depth: 0``), then ``secretsops scan --ci``.

Prints the median checkout, scan and total time of each, and how many commits each clone holds.
Usage:

    python benchmarks/ci_scan.py [--commits 3000] [--pr 10] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
STDLIB = Path(sysconfig.get_paths()["stdlib"])


def git(cwd: Path, *args: str, data: bytes | None = None) -> str:
    env = dict(os.environ, GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    proc = subprocess.run(
        [
            "git",
            "-c",
            "init.defaultBranch=main",
            "-c",
            "user.name=b",
            "-c",
            "user.email=b@example.com",
            *args,
        ],
        cwd=cwd,
        input=data,
        capture_output=True,
        env=env,
        check=True,
    )
    return proc.stdout.decode()


def build_server(root: Path, commits: int, pr: int, nfiles: int) -> tuple[Path, str, str, str]:
    rng = random.Random(9)
    sources = sorted(STDLIB.glob("*.py"))[:nfiles]
    texts = {f"src/{p.name}": p.read_text(encoding="utf-8", errors="replace") for p in sources}
    work = root / "work"
    work.mkdir()
    git(work, "init", "-q")
    stream: list[bytes] = []
    mark = 0

    def commit(branch: str, parent: int | None, changes: dict[str, str], when: int) -> int:
        nonlocal mark
        mark += 1
        msg = f"change {mark}".encode()
        out = [f"commit refs/heads/{branch}\nmark :{mark}\n".encode()]
        out.append(f"committer b <b@example.com> {when} +0000\n".encode())
        out.append(b"data %d\n%s\n" % (len(msg), msg))
        if parent is not None:
            out.append(f"from :{parent}\n".encode())
        for path, text in changes.items():
            data = text.encode()
            out.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")
        stream.append(b"".join(out))
        return mark

    names = sorted(texts)
    tip = commit("main", None, dict(texts), 1_600_000_000)
    for i in range(commits):
        name = rng.choice(names)
        texts[name] += f"\nvalue_{i} = {i}\n"
        tip = commit("main", tip, {name: texts[name]}, 1_600_000_000 + i)
    branch_point = tip
    feature = branch_point
    for i in range(pr):
        name = rng.choice(names)
        texts[name] += f"\nfeature_{i} = {i}\n"
        feature = commit("feature", feature, {name: texts[name]}, 1_700_000_000 + i)
    git(work, "fast-import", "--quiet", data=b"".join(stream))
    git(work, "checkout", "-q", "--detach", "main")
    git(work, "merge", "-q", "--no-ff", "--no-edit", "feature")
    merge = git(work, "rev-parse", "HEAD").strip()
    git(work, "update-ref", "refs/pull/1/merge", merge)
    server = root / "server.git"
    git(root, "clone", "-q", "--mirror", str(work), str(server))
    base = git(server, "rev-parse", "main").strip()
    head = git(server, "rev-parse", "feature").strip()
    return server, base, head, merge


def run(
    server: Path, base: str, head: str, merge: str, dest: Path, depth: int | None
) -> dict[str, float]:
    dest.mkdir()
    git(dest, "init", "-q")
    git(dest, "remote", "add", "origin", server.as_uri())
    started = time.perf_counter()
    if depth is None:
        git(dest, "fetch", "-q", "--no-tags", "origin", "+refs/heads/*:refs/remotes/origin/*")
        git(dest, "fetch", "-q", "--no-tags", "origin", f"+{merge}:refs/remotes/pull/1/merge")
    else:
        git(
            dest, "fetch", "-q", "--no-tags", f"--depth={depth}", "origin",
            f"+{merge}:refs/remotes/pull/1/merge",
        )  # fmt: skip
    git(dest, "checkout", "-q", "--force", "refs/remotes/pull/1/merge")
    checkout = time.perf_counter() - started
    event = dest.parent / f"{dest.name}.json"
    pull = {"base": {"sha": base, "ref": "main"}, "head": {"sha": head, "ref": "feature"}}
    event.write_text(json.dumps({"pull_request": pull}))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "TF_", "BUILD_"))}
    env.update(
        GITHUB_ACTIONS="true",
        GITHUB_EVENT_NAME="pull_request",
        GITHUB_BASE_REF="main",
        GITHUB_EVENT_PATH=str(event),
        GITHUB_WORKSPACE=str(dest),
        GIT_CONFIG_GLOBAL=os.devnull,
    )
    started = time.perf_counter()
    proc = subprocess.run(
        [str(BIN / "secretsops"), "scan", "--ci", "--no-cache"],
        cwd=dest,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    scan = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        raise SystemExit(proc.stderr)
    # Commit objects held (one fetched by id gets no ref: rev-list --all would miss it).
    listed = git(dest, "cat-file", "--batch-all-objects", "--batch-check=%(objecttype)")
    commits = listed.split().count("commit")
    return {"checkout": checkout, "scan": scan, "total": checkout + scan, "commits": commits}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=3000)
    parser.add_argument("--pr", type=int, default=10)
    parser.add_argument("--files", type=int, default=40)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="secretsops-ci-bench-"))
    try:
        server, base, head, merge = build_server(root, args.commits, args.pr, args.files)
        results: dict[str, list[dict[str, float]]] = {"shallow": [], "full": []}
        for i in range(args.runs):
            for name, depth in (("shallow", 1), ("full", None)):
                dest = root / f"{name}{i}"
                results[name].append(run(server, base, head, merge, dest, depth))
        print(
            f"main: {args.commits} commits over {args.files} files; pull request: {args.pr} "
            f"commits; {args.runs} runs, medians"
        )
        for name, rows in results.items():
            med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
            print(
                f"{name:8} checkout {med['checkout']:6.2f} s  scan --ci {med['scan']:6.2f} s  "
                f"total {med['total']:6.2f} s  commits in clone {int(med['commits'])}"
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
