"""``scan --history``: every blob of every ref scanned once, findings attributed to commits.

The walk (``sources.history.walk``) streams each commit's changes, parents first. Each blob
is scanned at most once per path class (``Engine.path_class``), against the blob it replaced
at that path (``history_worker``: only new lines are read), in this process or in a pool of
worker processes. A finding is one (path, type, value): attributed to the first commit (in
the walk's order) that wrote a blob holding it at that path; ``occurrences`` counts the
commits that wrote such a blob there. With the cache (``secretsops.scan.cache``) known blobs are
not read again, and after a full scan only commits added since are walked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secretsops import git
from secretsops.errors import UsageError
from secretsops.progress import Progress
from secretsops.scan.blobs import (
    BINARY,
    MISSING,
    TEXT,
    TOO_LARGE,
    BlobScanner,
    Hit,
    Outcome,
    Task,
    WorkerError,
    Workers,
)
from secretsops.scan.cache import Cache
from secretsops.scan.engine import Engine, EngineConfig
from secretsops.scan.findings import Confidence, Finding, ScanStats
from secretsops.sources.history import Change, Commit, head_files, walk


@dataclass
class HistoryOptions:
    root: Path
    since: str | None = None
    range: str | None = None
    max_size: int = 1_000_000
    jobs: int = 1
    use_cache: bool = True
    allow_shallow: bool = False
    progress: Progress = field(default_factory=lambda: Progress(enabled=False))
    warn: Callable[[str], None] = lambda message: None

    @property
    def ranged(self) -> bool:
        return self.since is not None or self.range is not None


@dataclass
class HistoryStats:
    commits: int = 0
    blobs_total: int = 0
    blobs_scanned: int = 0
    blobs_cached: int = 0
    skipped_binary: int = 0
    skipped_too_large: int = 0
    gitlinks: int = 0
    skipped_missing: int = 0
    lines_scanned: int = 0
    incremental: bool = False
    shallow_commits: int = 0
    cache: str = "off"

    def summary(self) -> dict[str, object]:
        return {
            "commits": self.commits,
            "blobs_total": self.blobs_total,
            "blobs_scanned": self.blobs_scanned,
            "blobs_cached": self.blobs_cached,
            "gitlinks": self.gitlinks,
            "skipped_missing": self.skipped_missing,
            "incremental": self.incremental,
            "shallow_commits": self.shallow_commits,
            "cache": self.cache,
        }

    def scan_stats(self) -> ScanStats:
        return ScanStats(
            files_scanned=self.blobs_scanned
            - self.skipped_binary
            - self.skipped_too_large
            - self.skipped_missing,
            lines_scanned=self.lines_scanned,
            skipped_binary=self.skipped_binary,
            skipped_too_large=self.skipped_too_large,
        )


@dataclass
class _Agg:
    seq: int
    commit: str
    author: str
    date: str
    hit: Hit
    count: int
    secret: str = field(default="", repr=False)


SCAN_REMEDY = (
    "Run `git fetch --unshallow` (or `git fetch --deepen=N`) and scan again, or pass "
    "--allow-shallow to scan only the commits present"
)


def shallow_error(root: Path, commits: list[str], remedy: str = SCAN_REMEDY) -> UsageError:
    """The one-line refusal of a shallow clone; ``remedy`` says what the command needs."""
    shown = ", ".join(c[:12] for c in commits[:3]) + (" ..." if len(commits) > 3 else "")
    return UsageError(
        f"{root} is a shallow clone: the parents of {len(commits)} commit(s) ({shown}) are "
        f"missing, so the history before them cannot be read. {remedy}"
    )


def _revisions(opts: HistoryOptions) -> list[str]:
    root = opts.root
    if opts.range is not None:
        if ".." not in opts.range:
            raise UsageError(f"--range {opts.range!r}: expected A..B")
        separator = "..." if "..." in opts.range else ".."
        left, _, right = opts.range.partition(separator)
        for rev in (left or "HEAD", right or "HEAD"):
            if git.resolve(root, rev) is None:
                raise UsageError(f"--range: {rev!r} names no commit in {root}")
        return [opts.range]
    assert opts.since is not None
    if git.resolve(root, opts.since) is None:
        raise UsageError(f"--since: {opts.since!r} names no commit in {root}")
    return [f"{opts.since}..HEAD"]


POOL_AFTER = 64  # blobs scanned in-process before worker processes start (with --jobs > 1)


class _Scheduler:
    """Tasks in, outcomes out: in this process (jobs=1) or through worker processes."""

    def __init__(self, opts: HistoryOptions, engine: Engine, config: EngineConfig) -> None:
        self.jobs = max(1, opts.jobs)
        self.workers: Workers | None = None
        self.batch = 32
        self.opts = opts
        self.config = config
        self.submitted = 0
        self.local = BlobScanner(engine, opts.root, opts.max_size)

    @property
    def busy(self) -> bool:
        return self.workers is not None and self.workers.busy

    def submit(self, tasks: list[Task]) -> list[Outcome]:
        """Run or queue ``tasks``; return the outcomes available now.

        The first blobs are scanned here: starting workers (each builds an engine) costs more
        than a small range of commits (the CI case) takes to scan.
        """
        self.submitted += len(tasks)
        if self.jobs > 1 and self.workers is None and self.submitted > POOL_AFTER:
            self.workers = Workers(self.jobs, str(self.opts.root), self.opts.max_size, self.config)
        if self.workers is None:
            return self.local.scan_many(tasks)
        return self._checked(lambda w: w.submit(tasks))

    def collect(self, *, block: bool) -> list[Outcome]:
        if self.workers is None:
            return []
        return self._checked(lambda w: w.collect(block=block))

    def _checked(self, call: Callable[[Workers], list[Outcome]]) -> list[Outcome]:
        from secretsops.errors import InputError

        assert self.workers is not None
        try:
            return call(self.workers)
        except WorkerError as exc:
            raise InputError(str(exc)) from None

    def close(self) -> None:
        # Workers first: forked, they hold the local reader's pipe to ``cat-file`` open, and
        # that reader would wait (up to its 5 s timeout) for an end of input that never came.
        if self.workers is not None:
            self.workers.close()
        self.local.close()


class _Run:
    def __init__(self, opts: HistoryOptions, engine: Engine, cache: Cache) -> None:
        self.opts = opts
        self.engine = engine
        self.cache = cache
        self.stats = HistoryStats()
        self.commits: dict[int, Commit] = {}
        self.agg: dict[tuple[str, str, str], _Agg] = {}
        self.started: set[bytes] = set()
        self.counted: set[bytes] = set()
        self.ready: list[Task] = []
        self.waiting: dict[bytes, list[Task]] = {}
        self.pending: dict[bytes, list[tuple[int, str, bytes, bytes | None]]] = {}
        self._classes: dict[str, str | None] = {}
        self.scheduler: _Scheduler | None = None
        self.head: dict[str, str] = {}
        self.walked = False

    # Paths ---------------------------------------------------------------------------------

    def path_class(self, path: str) -> str | None:
        """The path's class, or None when a filename filter excludes it."""
        if path not in self._classes:
            if len(self._classes) > 200_000:
                self._classes.clear()
            excluded = self.engine.is_excluded_path(path)
            self._classes[path] = None if excluded else self.engine.path_class(path)
        return self._classes[path]

    # Tasks ---------------------------------------------------------------------------------

    def known(self, key: bytes) -> bool:
        return key in self.cache.seen

    def start(self, key: bytes, oid: str, path: str, prev: str | None, pkey: bytes | None) -> None:
        self.started.add(key)
        task = Task(key=key, oid=oid, path=path)
        if prev is not None and pkey is not None:
            if self.known(pkey):
                if self.cache.seen[pkey] == TEXT:
                    task.previous = prev
                    task.previous_hits = self.cache.records.get(pkey, [])
            elif pkey in self.started:
                task.previous = prev
                self.waiting.setdefault(pkey, []).append(task)
                return
        self.ready.append(task)

    def dispatch(self, force: bool = False) -> None:
        assert self.scheduler is not None
        while self.ready and (force or len(self.ready) >= self.scheduler.batch):
            size = self.scheduler.batch
            batch, self.ready = self.ready[:size], self.ready[size:]
            self.resolve(self.scheduler.submit(batch))

    def resolve(self, outcomes: Iterable[Outcome]) -> None:
        for outcome in outcomes:
            key = outcome.key
            self.cache.seen[key] = outcome.status
            if outcome.hits:
                self.cache.records[key] = outcome.hits
            self.started.discard(key)
            stats = self.stats
            stats.blobs_scanned += 1
            stats.lines_scanned += outcome.lines_scanned
            if outcome.status == BINARY:
                stats.skipped_binary += 1
            elif outcome.status == TOO_LARGE:
                stats.skipped_too_large += 1
            elif outcome.status == MISSING:
                stats.skipped_missing += 1
            for task in self.waiting.pop(key, []):
                if outcome.status == TEXT:
                    task.previous_hits = outcome.hits
                else:
                    task.previous = None
                self.ready.append(task)
            for event in self.pending.pop(key, []):
                self.emit(*event)
        self.opts.progress.update(
            self.stats.blobs_scanned + self.stats.blobs_cached,
            self.stats.blobs_total,
            final_total=self.walked,
        )

    def drain(self) -> None:
        assert self.scheduler is not None
        while self.ready or self.scheduler.busy:
            self.dispatch(force=True)
            self.resolve(self.scheduler.collect(block=True))
        if self.waiting or self.pending:  # pragma: no cover - a bug, not an input problem
            raise RuntimeError("history scan ended with unresolved blobs")

    # Events --------------------------------------------------------------------------------

    def count(self, key: bytes) -> None:
        if key in self.counted:
            return
        self.counted.add(key)
        self.stats.blobs_total += 1
        if self.known(key):
            self.stats.blobs_cached += 1

    def change(self, change: Change) -> None:
        if change.is_gitlink:
            self.stats.gitlinks += 1
            return
        if not change.writes_file or change.previous == change.new:  # a pure rename adds nothing
            return
        cls = self.path_class(change.path)
        if cls is None:
            return
        key = self.cache.blob_key(change.new, cls)
        prev = change.previous
        pkey = self.cache.blob_key(prev, cls) if prev else None
        self.count(key)
        if not self.known(key) and key not in self.started:
            self.start(key, change.new, change.path, prev, pkey)
        # What a commit adds is measured against the version it replaced.
        if (
            self.opts.ranged
            and prev is not None
            and pkey is not None
            and not self.known(pkey)
            and pkey not in self.started
        ):
            self.start(pkey, prev, change.path, None, None)
        self.emit(change.seq, change.path, key, pkey if self.opts.ranged else None)

    def emit(self, seq: int, path: str, key: bytes, pkey: bytes | None) -> None:
        for needed in (key, pkey):
            if needed is not None and not self.known(needed):
                self.pending.setdefault(needed, []).append((seq, path, key, pkey))
                return
        hits = self.cache.records.get(key, [])
        if not hits:
            return
        before = {h.identity for h in self.cache.records.get(pkey, [])} if pkey else set()
        commit = self.commits[seq]
        for hit in hits:
            if hit.identity in before:
                continue
            ident = (path, hit.type, hit.fingerprint)
            agg = self.agg.get(ident)
            if agg is None:
                self.agg[ident] = _Agg(
                    seq, commit.oid, commit.author, commit.date, hit, 1, hit.secret
                )
                continue
            agg.count += 1
            agg.secret = agg.secret or hit.secret
            if seq < agg.seq:
                agg.seq, agg.hit = seq, hit
                agg.commit, agg.author, agg.date = commit.oid, commit.author, commit.date

    # Whole run -----------------------------------------------------------------------------

    def run(self, revs: list[str], config: EngineConfig) -> None:
        self.scheduler = _Scheduler(self.opts, self.engine, config)
        try:
            for item in walk(self.opts.root, revs, renames=self.opts.ranged):
                if isinstance(item, Commit):
                    self.commits[item.seq] = item
                    self.stats.commits += 1
                    continue
                self.change(item)
                self.dispatch()
                if self.scheduler.busy:
                    self.resolve(self.scheduler.collect(block=False))
            self.walked = True
            self.drain()
            self.at_head()
        finally:
            self.scheduler.close()
            self.opts.progress.close()

    def at_head(self) -> None:
        """Scan HEAD's versions of paths with findings that no walked commit wrote."""
        paths = {path for path, _, _ in self.agg}
        self.head = {p: o for p, o in head_files(self.opts.root).items() if p in paths}
        for path, oid in self.head.items():
            cls = self.path_class(path)
            if cls is None:
                continue
            key = self.cache.blob_key(oid, cls)
            if not self.known(key) and key not in self.started:
                self.start(key, oid, path, None, None)
        self.drain()

    def findings(self) -> list[Finding]:
        out = []
        for (path, _, _), agg in self.agg.items():
            hit = agg.hit
            head = self.head.get(path)
            present = False
            if head is not None:
                cls = self.path_class(path)
                if cls is not None:
                    key = self.cache.blob_key(head, cls)
                    present = hit.identity in {h.identity for h in self.cache.records.get(key, [])}
            out.append(
                Finding(
                    type=hit.type,
                    path=path,
                    line=hit.line,
                    fingerprint=hit.fingerprint,
                    preview=hit.preview,
                    confidence=Confidence(hit.confidence),
                    baseline_hash=hit.baseline_hash,
                    secret=agg.secret,
                    plugin=hit.plugin,
                    commit=agg.commit,
                    author=agg.author,
                    date=agg.date,
                    occurrences=agg.count,
                    present_at_head=present,
                    column=hit.column,
                    structural_path=hit.structural_path,
                    aliases=hit.aliases,
                )
            )
        out.sort(key=lambda f: f.sort_key)
        return out

    # Cache of a full scan ------------------------------------------------------------------

    def load_history(self, history: dict[str, Any]) -> None:
        for entry in history["findings"]:
            hit = Hit.from_json(entry["hit"])
            self.agg[(str(entry["path"]), hit.type, hit.fingerprint)] = _Agg(
                -1,
                str(entry["commit"]),
                str(entry["author"]),
                str(entry["date"]),
                hit,
                int(entry["occurrences"]),
            )

    def dump_history(self, tips: list[str]) -> dict[str, Any]:
        return {
            "tips": tips,
            "findings": [
                {
                    "path": path,
                    "hit": agg.hit.json(),
                    "commit": agg.commit,
                    "author": agg.author,
                    "date": agg.date,
                    "occurrences": agg.count,
                }
                for (path, _, _), agg in sorted(self.agg.items())
            ],
        }


def _covered(root: Path, old: list[str], tips: list[str]) -> bool:
    """Whether every commit the cached scan walked is still reachable from today's refs.

    If a branch was deleted since, its findings must go: the cached result is not reused.
    """
    if not tips:
        return False
    gone = sorted(set(old) - set(tips))  # a tip that is still a tip is covered
    fresh = sorted(set(tips) - set(old))
    if len(gone) * len(fresh) <= 16:  # a branch moved on: its old tip is an ancestor of a new
        gone = [g for g in gone if not any(git.is_ancestor(root, g, f) for f in fresh)]
    if not gone:
        return True
    out = git.run(["rev-list", "--count", *gone, "--not", *tips, "--"], root)
    return out.strip() == b"0"


def scan_history(
    opts: HistoryOptions, config: EngineConfig | None = None
) -> tuple[list[Finding], HistoryStats, dict[str, str], dict[str, Any]]:
    """Findings of the history of ``opts.root``; also detectors and settings, as scan_paths."""
    from secretsops.scan import cache as cache_mod

    config = config or EngineConfig()
    root = opts.root
    shallow = git.shallow_commits(root)
    revs: list[str] = []
    if opts.ranged:
        revs = _revisions(opts)
        if shallow:
            listed = git.run(["rev-list", *revs, "--"], root).decode().split()
            shallow = sorted(set(shallow) & set(listed))
    if shallow and not opts.allow_shallow:
        raise shallow_error(root, shallow)
    with Engine(config) as engine:
        detectors = {t: name for name, t in engine.plugin_types.items()}
        settings = engine.settings_json()
        key = cache_mod.cache_key(settings, opts.max_size)
        path = cache_mod.cache_path(git.common_dir(root))
        cache = cache_mod.load(path, key, opts.warn) if opts.use_cache else Cache(key=key)
        run = _Run(opts, engine, cache)
        run.stats.shallow_commits = len(shallow)
        run.stats.cache = "off" if not opts.use_cache else ("hit" if cache.seen else "cold")
        tips: list[str] = []
        if not opts.ranged:
            tips = git.ref_tips(root)
            revs = list(tips)
            history = cache.history
            if history is not None and opts.use_cache:
                old = git.existing_objects(root, [str(t) for t in history.get("tips", [])])
                if old and len(old) == len(history.get("tips", [])) and _covered(root, old, tips):
                    run.load_history(history)
                    run.stats.incremental = True
                    # Tips the cached scan had already walked hold nothing new.
                    known = set(old)
                    revs = [*(t for t in tips if t not in known), "--not", *old]
        if revs:
            run.run(revs, config)
        else:
            run.head = {}
        findings = run.findings()
        if opts.use_cache:
            if not opts.ranged:
                cache.history = run.dump_history(tips)
            try:
                cache_mod.save(path, cache)
            except OSError as exc:
                opts.warn(f"could not write the history cache {path}: {exc.strerror}")
    return findings, run.stats, detectors, settings
