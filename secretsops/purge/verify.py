"""Proving a purge: a full-history rescan for the purged fingerprints, and git's own objects.

Two independent checks, both over the rewritten repository:

1. ``rescan``: ``scan --history`` of every ref, looking for the purged secrets' fingerprints:
   what our detectors would still report (blobs the rewrite left unchanged may be taken from
   the original's history cache; ``--no-cache`` reads them all).
2. ``objects_holding``: every object in the store (``git cat-file --batch-all-objects``:
   blobs of every ref, commit and tag messages, and anything unreachable that was not
   pruned), searched byte for byte for each value (UTF-8 and Latin-1 forms), whatever the
   detectors think of the file: binary and oversized blobs included.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from secretsops import git
from secretsops.errors import GitError
from secretsops.purge.rewrite import encodings
from secretsops.purge.targets import MARKER_PREFIX, Target

if TYPE_CHECKING:
    from secretsops.scan.engine import EngineConfig


@dataclass(frozen=True)
class Remaining:
    """A purged secret still present: which one (by name and fingerprint) and where."""

    name: str
    fingerprint: str
    where: str
    check: str  # "scan" or "git"


@dataclass
class Verification:
    commits: int = 0
    objects: int = 0
    remaining: list[Remaining] = field(default_factory=list)
    scan_seconds: float = 0.0
    objects_seconds: float = 0.0
    blobs: int = 0
    blobs_cached: int = 0

    @property
    def ok(self) -> bool:
        return not self.remaining


@dataclass
class Rescan:
    commits: int = 0
    blobs: int = 0
    blobs_cached: int = 0
    remaining: list[Remaining] = field(default_factory=list)


def rescan(
    root: Path,
    targets: Sequence[Target],
    jobs: int = 1,
    *,
    config: EngineConfig | None = None,
    seed: Path | None = None,
) -> Rescan:
    """Every commit of every ref walked; every finding of a purged fingerprint reported.

    ``seed``: the original repository. Its history cache (per blob id: which secrets, by
    fingerprint; never a value) is copied into the result first, so only blobs the rewrite
    changed are read: an unchanged blob has the same bytes, hence the same findings. The scan
    then runs as ``secretsops scan --history`` in a child process, like the scan that wrote
    that cache (a process that has loaded a baseline computes another cache key), unless the
    baseline's detector settings differ from the defaults. Without ``seed``, every blob is read.
    """
    wanted = {t.fingerprint: t for t in targets}
    if not git.ref_tips(root):
        return Rescan()
    seeded = seed is not None and _seed_cache(seed, root)
    if seeded and _default_settings(config):
        result = _rescan_in_child(root, jobs)
    else:
        result = _rescan_here(root, jobs, config, use_cache=seeded)
    commits, blobs, cached, findings = result
    out = []
    for path, line, fingerprint, commit in findings:
        target = wanted.get(fingerprint)
        if target is not None:
            where = f"{path}:{line} in commit {(commit or '?')[:12]}"
            out.append(Remaining(target.name, target.fingerprint, where, "scan"))
    return Rescan(commits, blobs, cached, out)


_Found = tuple[str, int, str, "str | None"]


def _seed_cache(seed: Path, root: Path) -> bool:
    from secretsops.scan import cache

    source = cache.cache_path(git.common_dir(seed))
    if not source.is_file():
        return False
    target = cache.cache_path(git.common_dir(root))
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return True


def _default_settings(config: EngineConfig | None) -> bool:
    from secretsops.scan.engine import Engine, EngineConfig

    if config is None:
        return True
    with Engine(config) as engine:
        mine = engine.settings_json()
    with Engine(EngineConfig()) as engine:
        return bool(mine == engine.settings_json())


def _rescan_here(
    root: Path, jobs: int, config: EngineConfig | None, *, use_cache: bool
) -> tuple[int, int, int, list[_Found]]:
    from secretsops.scan.history import HistoryOptions, scan_history

    findings, stats, _, _ = scan_history(
        HistoryOptions(root=root, jobs=jobs, use_cache=use_cache), config
    )
    found = [(f.path, f.line, f.fingerprint, f.commit) for f in findings]
    return stats.commits, stats.blobs_total, stats.blobs_cached, found


def _rescan_in_child(root: Path, jobs: int) -> tuple[int, int, int, list[_Found]]:
    import json
    import os
    import sys

    from secretsops.errors import PurgeError

    # -I: the folder the child starts in is not on its import path (a bare repository holds a
    # ``secretsops/`` folder, the cache, that would shadow the package).
    args = [sys.executable, "-I", "-m", "secretsops", "scan", "--history", str(root)]
    args += ["--format", "json", "--quiet", "--jobs", str(jobs)]
    proc = subprocess.run(
        args, cwd=root, env=dict(os.environ), capture_output=True, text=True, check=False
    )
    if proc.returncode not in (0, 1):
        lines = [line for line in proc.stderr.splitlines() if line.strip()]
        raise PurgeError(f"the verification scan failed: {lines[-1] if lines else proc.returncode}")
    try:
        data = json.loads(proc.stdout)
    except ValueError:
        raise PurgeError("the verification scan printed no report") from None
    summary = data.get("summary", {})
    found: list[_Found] = [
        (str(f["path"]), int(f["line"]), str(f["fingerprint"]), f.get("commit"))
        for f in data.get("findings", [])
    ]
    return (
        int(summary.get("commits", 0)),
        int(summary.get("blobs_total", 0)),
        int(summary.get("blobs_cached", 0)),
        found,
    )


def _objects(root: Path) -> Iterator[tuple[str, str, bytes]]:
    """(id, type, content) of every object in the store, in pack order."""
    proc = subprocess.Popen(
        ["git", "cat-file", "--batch-all-objects", "--batch", "--unordered"],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=git.git_env(),
    )
    stdout: IO[bytes] | None = proc.stdout
    assert stdout is not None and proc.stderr is not None
    try:
        while True:
            header = stdout.readline()
            if not header:
                break
            oid, kind, size = header.decode("ascii").split()
            data = stdout.read(int(size) + 1)[: int(size)]
            yield oid, kind, data
        stderr = proc.stderr.read()
        if proc.wait() != 0:
            raise GitError(["cat-file", "--batch-all-objects"], proc.returncode, stderr.decode())
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        stdout.close()
        proc.stderr.close()


def objects_holding(root: Path, targets: Sequence[Target]) -> tuple[int, list[Remaining]]:
    """The objects read, and every object whose bytes hold a purged value."""
    import ahocorasick

    if not targets:
        return 0, []
    automaton = ahocorasick.Automaton()
    for index, target in enumerate(targets):
        for form in encodings(target.secret):
            key = form.decode("latin-1")  # one character per byte: a byte-exact search
            if key not in automaton:
                automaton.add_word(key, index)
    automaton.make_automaton()
    # A value short enough to occur inside a marker (a value "app", a marker
    # ``***REMOVED:secret-keyword-app***``) is not left behind: markers are not searched.
    markers = re.compile("|".join(re.escape(m) for m in sorted({t.marker for t in targets})))
    count = 0
    hits: list[tuple[str, str, Target]] = []
    for oid, kind, data in _objects(root):
        count += 1
        seen: set[int] = set()
        text = data.decode("latin-1")
        if MARKER_PREFIX in text:
            text = markers.sub("\0", text)
        for _, index in automaton.iter(text):
            if index not in seen:
                seen.add(index)
                hits.append((oid, kind, targets[index]))
    if not hits:
        return count, []
    paths = _reachable_paths(root)
    out = []
    for oid, kind, target in hits:
        if kind == "blob":
            place = paths.get(oid)
            where = f"blob {oid[:12]} ({place})" if place else f"unreachable blob {oid[:12]}"
        elif kind == "tree":
            # A tree holds names: the value is (in) the name of a file or folder in it.
            folder = paths.get(oid)
            shown = "the top folder" if folder == "" else folder
            where = (
                f"tree {oid[:12]} (a file or folder name in {shown})"
                if folder is not None
                else f"unreachable tree {oid[:12]} (a file or folder name)"
            )
        else:
            reach = "" if oid in paths else "unreachable "
            where = f"{reach}{kind} {oid[:12]} (its message or header)"
        out.append(Remaining(target.name, target.fingerprint, where, "git"))
    return count, out


def _reachable_paths(root: Path) -> dict[str, str]:
    """Object id -> a path it is reachable at from any ref ("" for commits and tags)."""
    out: dict[str, str] = {}
    for line in (
        git.run(["rev-list", "--all", "--objects"], root)
        .decode("utf-8", "surrogateescape")
        .splitlines()
    ):
        oid, _, path = line.partition(" ")
        out.setdefault(oid, path)
    return out


def verify(
    root: Path,
    targets: Sequence[Target],
    jobs: int = 1,
    *,
    config: EngineConfig | None = None,
    seed: Path | None = None,
) -> Verification:
    """Both checks over ``root`` (``seed``: see ``rescan``)."""
    import time

    start = time.perf_counter()
    scanned = rescan(root, targets, jobs, config=config, seed=seed)
    middle = time.perf_counter()
    objects, by_git = objects_holding(root, targets)
    return Verification(
        commits=scanned.commits,
        objects=objects,
        remaining=[*scanned.remaining, *by_git],
        scan_seconds=middle - start,
        objects_seconds=time.perf_counter() - middle,
        blobs=scanned.blobs,
        blobs_cached=scanned.blobs_cached,
    )
