"""Scanning one history blob, reading only the lines its previous version did not have.

A task names a blob, a path of its *class* (file type and extension: all detect-secrets
looks at in a path besides filename filters) and, when the blob replaced another at that path,
the previous blob with that blob's hits. The result is exactly what ``Engine.scan_text``
reports for the whole blob, computed like this:

1. The first view (a YAML or INI transformer's lines, else plain lines) of both versions.
   A line's result depends on the path class, the line and the line before it (the
   ``pragma: allowlist nextline secret`` comment), nothing else. So a (previous line, line)
   pair that the old view also had yields what it yielded there: only new pairs are scanned.
2. The old version's hits on pairs the new view keeps are carried over (with the new line
   numbers); together with the hits of the new pairs they are the first view's full result.
3. Only when that is empty does detect-secrets read the eager view; it is then scanned whole.

``tests/test_history_equivalence.py`` checks this against whole-blob scans on generated
repositories. Workers are processes: each builds its own engine (detect-secrets' settings are
a process-wide singleton) and its own ``git cat-file --batch``.
"""

from __future__ import annotations

from array import array
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any, TypeVar

from secretsops.git import BlobHeader
from secretsops.scan import fingerprint as fp
from secretsops.scan.aliases import aliases_of
from secretsops.scan.engine import Engine, EngineConfig, RawSecret
from secretsops.sources import decode, is_binary

TEXT, BINARY, TOO_LARGE, MISSING = 0, 1, 2, 3
Reply = tuple[BlobHeader, bytes | None] | None  # None: the store lacks the object
# Bounds of a scanner's remembered first views (characters of the texts they came from, plus
# a little per line; entries).
_VIEW_CHARS = 16_000_000
_VIEW_COUNT = 2_000
# Lines of the views remembered by digest: the 64-bit hash of each line, enough to compare a
# later version with (a changed line is taken for a kept one only if both lines of its pair
# collide with the old pair's); 8 bytes a line.
_DIGEST_LINES = 4_000_000


@dataclass
class Hit:
    """One secret (type and value) in one blob. ``secret`` stays in memory, never on disk."""

    type: str
    plugin: str
    fingerprint: str
    baseline_hash: str
    preview: str
    confidence: str
    line: int
    lines1: tuple[int, ...]  # every line of the first view holding it; () if eager view
    secret: str = field(default="", repr=False)
    column: int | None = None
    structural_path: str | None = None  # pipeline files (secretsops.pipelines)
    aliases: tuple[str, ...] = ()  # detect-secrets' names for it (secretsops.scan.aliases)

    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "type": self.type,
            "plugin": self.plugin,
            "fingerprint": self.fingerprint,
            "baseline_hash": self.baseline_hash,
            "preview": self.preview,
            "confidence": self.confidence,
            "line": self.line,
            "lines1": list(self.lines1),
        }
        if self.column is not None:
            data["column"] = self.column
        if self.structural_path is not None:
            data["structural_path"] = self.structural_path
        if self.aliases:
            data["aliases"] = list(self.aliases)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Hit:
        return cls(
            type=str(data["type"]),
            plugin=str(data["plugin"]),
            fingerprint=str(data["fingerprint"]),
            baseline_hash=str(data["baseline_hash"]),
            preview=str(data["preview"]),
            confidence=str(data["confidence"]),
            line=int(data["line"]),
            lines1=tuple(int(n) for n in data["lines1"]),
            column=int(data["column"]) if data.get("column") is not None else None,
            structural_path=(
                str(data["structural_path"]) if data.get("structural_path") is not None else None
            ),
            aliases=tuple(str(a) for a in data.get("aliases", ())),
        )

    @property
    def identity(self) -> tuple[str, str]:
        return (self.type, self.fingerprint)


@dataclass
class Task:
    key: bytes
    oid: str
    path: str
    previous: str | None = None
    previous_hits: Sequence[Hit] = ()


@dataclass
class Outcome:
    key: bytes
    status: int
    hits: list[Hit]
    lines_scanned: int = 0


class BlobScanner:
    """An engine and a ``cat-file`` reader; scans tasks in this process."""

    def __init__(self, engine: Engine, root: Path, max_size: int) -> None:
        from secretsops.git import CatFile

        self.engine = engine
        self.max_size = max_size
        self.root = root
        self._cat = CatFile(root)
        self._fetched: dict[str, Reply] = {}
        # (oid, path) -> the blob's first view and pipeline kind, for the versions scanned last:
        # the next version of a file compares with its predecessor's view (usually just scanned
        # here), which is then neither read nor transformed again. Both are functions of the
        # path and the blob's text alone; bounded by the characters held.
        self._views: OrderedDict[tuple[str, str], tuple[list[str], str | None, int]] = OrderedDict()
        self._view_chars = 0
        # The same, for many more versions, by digest (see ``_DIGEST_LINES``).
        self._digests: OrderedDict[tuple[str, str], tuple[array[int], str | None]] = OrderedDict()
        self._digest_lines = 0

    def close(self) -> None:
        self._cat.close()

    def scan_many(self, tasks: Sequence[Task]) -> list[Outcome]:
        """``scan`` each task, reading all their blobs with one round trip to ``cat-file``."""
        self._prefetch([oid for t in tasks for oid in (t.oid, t.previous) if oid is not None])
        try:
            return [self.scan(t) for t in tasks]
        finally:
            self._fetched.clear()

    def _prefetch(self, oids: list[str]) -> None:
        from secretsops.errors import GitError
        from secretsops.git import CatFile

        unique = list(dict.fromkeys(oids))
        try:
            for oid, reply in zip(unique, self._cat.read_many(unique, self.max_size), strict=True):
                self._fetched[oid] = reply
        except GitError:
            # A missing object (or a failure) mid-batch: replies may still be queued in the
            # pipe (git may be blocked writing them), so end that reader at once and start a
            # fresh one; ``scan`` reads what is left one by one.
            self._cat._proc.kill()
            self._cat.close()
            self._cat = CatFile(self.root)

    def _reply(self, oid: str) -> Reply:
        if oid in self._fetched:
            return self._fetched[oid]
        return self._cat.read_optional(oid, max_size=self.max_size)

    def _read(self, oid: str) -> bytes | None:
        reply = self._reply(oid)
        return None if reply is None else reply[1]

    def _view_of(self, oid: str, path: str, text: str) -> tuple[list[str], str | None]:
        """``Engine.first_view`` and ``Engine.pipeline_kind`` of a blob, remembered."""
        key = (oid, path)
        known = self._views.get(key)
        if known is not None:
            self._views.move_to_end(key)
            return known[0], known[1]
        view = self.engine.first_view(path, text)
        kind = self.engine.pipeline_kind(path, text)
        size = len(text) + 64 * len(view)
        self._views[key] = (view, kind, size)
        self._view_chars += size
        while self._view_chars > _VIEW_CHARS or len(self._views) > _VIEW_COUNT:
            _, (_, _, dropped) = self._views.popitem(last=False)
            self._view_chars -= dropped
        if key not in self._digests:
            self._digests[key] = (array("q", map(hash, view)), kind)
            self._digest_lines += len(view)
            while self._digest_lines > _DIGEST_LINES:
                _, (digest, _) = self._digests.popitem(last=False)
                self._digest_lines -= len(digest)
        return view, kind

    def _digest_of(self, oid: str, path: str, view: list[str]) -> array[int]:
        known = self._digests.get((oid, path))
        return known[0] if known is not None else array("q", map(hash, view))

    def scan(self, task: Task) -> Outcome:
        # A partial clone or a damaged store lacks some blobs: counted, not fatal.
        reply = self._reply(task.oid)
        if reply is None:
            return Outcome(task.key, MISSING, [])
        data = reply[1]
        if data is None:
            return Outcome(task.key, TOO_LARGE, [])
        if is_binary(data):
            return Outcome(task.key, BINARY, [])
        text = decode(data)
        del data
        view, kind = self._view_of(task.oid, task.path, text)
        numbers: Sequence[int] = range(1, len(view) + 1)
        carried: dict[tuple[str, str], tuple[Hit, list[int]]] = {}
        old_view: list[str] | None = None
        old_digest: array[int] | None = None
        old_kind: str | None = None
        if task.previous:
            known = self._views.get((task.previous, task.path))
            digested = self._digests.get((task.previous, task.path))
            if known is not None:
                old_view, old_kind, _ = known
            elif digested is not None:
                self._digests.move_to_end((task.previous, task.path))
                old_digest, old_kind = digested
            else:
                old = self._read(task.previous)
                if old is not None and not is_binary(old):
                    old_view, old_kind = self._view_of(task.previous, task.path, decode(old))
                del old
        if kind is not None or old_kind is not None:
            # A pipeline definition (or what replaced one) is parsed whole: where a value sits in
            # the document, not the line alone, decides its findings. Its hits are never carried.
            raw = self.engine.scan_text(task.path, text)
            self.engine.structure_errors.pop(task.path, None)
            whole = sorted(
                _group(raw, first_view=False, path=task.path).values(),
                key=lambda h: (h.line, h.type, h.fingerprint),
            )
            return Outcome(task.key, TEXT, whole, lines_scanned=len(view))
        if old_view is not None:
            numbers, carried = _compare(view, old_view, task.previous_hits)
        elif old_digest is not None:
            digest = self._digest_of(task.oid, task.path, view)
            numbers, carried = _compare(digest, old_digest, task.previous_hits)
        raw = self.engine.scan_view(task.path, view, numbers)
        hits = _group(raw, first_view=True, path=task.path)
        for identity, (hit, lines) in carried.items():
            if identity in hits:
                mine = hits[identity]
                merged = tuple(sorted(set(mine.lines1) | set(lines)))
                mine.lines1, mine.line = merged, merged[0]
                mine.secret = mine.secret or hit.secret
            else:
                hits[identity] = Hit(
                    **{
                        **hit.json(),
                        "line": min(lines),
                        "lines1": tuple(sorted(lines)),
                        "aliases": hit.aliases,
                    },
                    secret=hit.secret,
                )
        if not hits:
            eager = self.engine.eager_view(task.path, text)
            if eager:
                raw = self.engine.scan_view(task.path, eager, range(1, len(eager) + 1))
                hits = _group(raw, first_view=False, path=task.path)
                numbers = range(len(numbers) + len(eager))
        ordered = sorted(hits.values(), key=lambda h: (h.line, h.type, h.fingerprint))
        return Outcome(task.key, TEXT, ordered, lines_scanned=len(numbers))


_Line = TypeVar("_Line", str, int)


def _pairs(view: Sequence[_Line]) -> zip[tuple[_Line | None, _Line]]:
    return zip(chain([None], view), view, strict=False)


def _compare(
    view: Sequence[_Line], old_view: Sequence[_Line], old_hits: Sequence[Hit]
) -> tuple[list[int], dict[tuple[str, str], tuple[Hit, list[int]]]]:
    """Lines of ``view`` whose (previous, line) pair ``old_view`` lacks; hits carried over.
    Both are lines, or both digests of lines (``_DIGEST_LINES``)."""
    known = set(_pairs(old_view))
    # Each hit once per pair: a pair the old view holds k times must not carry a hit k times,
    # or its line list would grow k-fold with every version (the ansible history blew up so).
    wanted: dict[tuple[_Line | None, _Line], dict[tuple[str, str], Hit]] = {}
    for hit in old_hits:
        for n in hit.lines1:
            if 0 < n <= len(old_view):
                pair = (old_view[n - 2] if n > 1 else None, old_view[n - 1])
                wanted.setdefault(pair, {})[hit.identity] = hit
    # Lines 1..head are the old view's first lines, so their pairs are its pairs; the pairs of
    # the last ``tail`` lines but the first of them are pairs of its last lines. Only the lines
    # between are looked up (``tests/test_history_engine.py`` compares with every line).
    head = _common_head(view, old_view)
    tail = _common_tail(view, old_view, min(len(view), len(old_view)) - head)
    last = min(len(view), len(view) - tail + 1)
    numbers = [
        n
        for n, pair in enumerate(
            zip(
                view[head - 1 : last - 1] if head else chain([None], view),
                view[head:last],
                strict=False,
            ),
            start=head + 1,
        )
        if pair not in known
    ]
    carried: dict[tuple[str, str], tuple[Hit, list[int]]] = {}
    if wanted:
        for n, pair in enumerate(_pairs(view), start=1):
            if pair in wanted:  # a pair of the old view, so not scanned again
                for hit in wanted[pair].values():
                    carried.setdefault(hit.identity, (hit, []))[1].append(n)
    return numbers, carried


def _common_head(a: Sequence[_Line], b: Sequence[_Line]) -> int:
    """How many first lines ``a`` and ``b`` share (list comparisons in C, halving the step)."""
    same, top = 0, min(len(a), len(b))
    step = top
    while step and same < top:
        step = min(step, top - same)
        if a[same : same + step] == b[same : same + step]:
            same += step
        else:
            step //= 2
    return same


def _common_tail(a: Sequence[_Line], b: Sequence[_Line], limit: int) -> int:
    """How many last lines ``a`` and ``b`` share, at most ``limit``."""
    same, step = 0, limit
    while step and same < limit:
        step = min(step, limit - same)
        if a[len(a) - same - step : len(a) - same] == b[len(b) - same - step : len(b) - same]:
            same += step
        else:
            step //= 2
    return same


def _group(raw: list[RawSecret], *, first_view: bool, path: str) -> dict[tuple[str, str], Hit]:
    """One Hit per (type, value), at its first line (scanner.findings_from_raw's identity)."""
    hits: dict[tuple[str, str], Hit] = {}
    for secret in sorted(raw, key=lambda r: r.line):
        identity = (secret.type, fp.fingerprint(secret.secret))
        hit = hits.get(identity)
        if hit is None:
            hits[identity] = Hit(
                type=secret.type,
                plugin=secret.plugin,
                fingerprint=identity[1],
                baseline_hash=fp.baseline_hash(secret.secret),
                preview=fp.preview(secret.secret),
                confidence=secret.confidence.value,
                line=secret.line,
                lines1=(secret.line,) if first_view else (),
                secret=secret.secret,
                column=secret.column,
                structural_path=secret.structural_path,
                aliases=aliases_of(path, secret.line_text, secret.secret),
            )
        elif first_view and secret.line not in hit.lines1:
            hit.lines1 = (*hit.lines1, secret.line)
    return hits


# Worker processes: one scanner each, with a task queue of its own.

_worker: BlobScanner | None = None


def init_worker(root: str, max_size: int, config: EngineConfig) -> None:
    global _worker
    engine = Engine(config).__enter__()
    _worker = BlobScanner(engine, Path(root), max_size)


class WorkerError(Exception):
    """A worker's failure, as a message (library exceptions do not cross processes)."""


def run_batch(tasks: list[Task]) -> list[Outcome]:
    from secretsops.errors import SecretsopsError

    assert _worker is not None, "init_worker was not called"
    try:
        return _worker.scan_many(tasks)
    except SecretsopsError as exc:
        raise WorkerError(str(exc)) from None


def _serve(index: int, tasks: Any, results: Any, root: str, max_size: int, config: Any) -> None:
    """A worker's loop: batches in, ``(index, outcomes, error)`` out, until ``None``."""
    init_worker(root, max_size, config)
    assert _worker is not None
    try:
        while (batch := tasks.get()) is not None:
            try:
                results.put((index, run_batch(batch), None))
            except WorkerError as exc:
                results.put((index, None, str(exc)))
            except BaseException as exc:  # a bug: reported in the main process, then fatal
                # The type only: a message may quote the text being scanned.
                results.put((index, None, f"internal error in a worker: {type(exc).__name__}"))
                raise
    finally:
        _worker.close()


class Workers:
    """``jobs`` worker processes, each fed by its own queue. A path's versions go to one
    worker while it keeps up, so that the view of a version's predecessor, which it is
    compared with, is usually still in that worker's memory (with one shared pool, about two
    of three predecessors had been scanned by the other worker and were read and parsed
    again). At most ``DEPTH`` batches are out per worker; the rest wait here."""

    DEPTH = 2
    BATCH = 32
    MAX_PENDING = 4096

    def __init__(self, jobs: int, root: str, max_size: int, config: EngineConfig) -> None:
        import multiprocessing

        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        context: Any = multiprocessing.get_context(method)
        # Queues before processes, processes before any queue's feeder thread starts: no
        # worker is forked while one of these threads holds a lock.
        self._tasks = [context.Queue() for _ in range(jobs)]
        self._results = context.Queue()
        self._procs = [
            context.Process(
                target=_serve,
                args=(i, self._tasks[i], self._results, root, max_size, config),
                daemon=True,
            )
            for i in range(jobs)
        ]
        for proc in self._procs:
            proc.start()
        self.waiting = [0] * jobs  # batches out, per worker
        self._pending: list[list[Task]] = [[] for _ in range(jobs)]  # waiting for room, per worker
        self._back: list[Outcome] = []  # outcomes received while waiting for room
        self._home: dict[str, int] = {}

    @property
    def busy(self) -> bool:
        return any(self.waiting) or any(self._pending) or bool(self._back)

    def _load(self, index: int) -> int:
        return self.waiting[index] * self.BATCH + len(self._pending[index])

    def _worker_of(self, path: str) -> int:
        """The path's worker; a new path, or one whose worker has two batches more to do
        than another, goes to the least loaded (its next versions follow it there)."""
        loads = [self._load(i) for i in range(len(self._pending))]
        best = loads.index(min(loads))
        home = self._home.get(path)
        if home is None or loads[home] > loads[best] + 2 * self.BATCH:
            if len(self._home) > 500_000:
                self._home.clear()
            home = self._home[path] = best
        return home

    def submit(self, tasks: Sequence[Task]) -> list[Outcome]:
        """Queue ``tasks`` on their workers; return the outcomes that are back already.
        A worker with ``DEPTH`` batches out keeps the rest in its list, so the others are
        fed meanwhile; this waits only when ``MAX_PENDING`` tasks are held back."""
        for task in tasks:
            self._pending[self._worker_of(task.path)].append(task)
        self._flush()
        while sum(map(len, self._pending)) > self.MAX_PENDING:
            self._back.extend(self._receive(block=True))
        return self.collect(block=False)

    def _flush(self) -> None:
        """Send each worker with room its next batch."""
        for index, pending in enumerate(self._pending):
            while pending and self.waiting[index] < self.DEPTH:
                self._tasks[index].put(pending[: self.BATCH])
                del pending[: self.BATCH]
                self.waiting[index] += 1

    def collect(self, *, block: bool) -> list[Outcome]:
        """The outcomes back now; with ``block``, at least one batch's (if any is out)."""
        self._flush()
        out, self._back = self._back, []
        out.extend(self._receive(block=block and not out))
        return out

    def _receive(self, *, block: bool) -> list[Outcome]:
        import queue

        out: list[Outcome] = []
        while any(self.waiting):
            try:
                index, outcomes, error = (
                    self._results.get(timeout=1.0) if block else self._results.get_nowait()
                )
            except queue.Empty:
                if not block:
                    break
                dead = [p.exitcode for p in self._procs if p.exitcode is not None]
                if dead:
                    raise WorkerError(f"a worker process stopped (exit code {dead[0]})") from None
                continue
            self.waiting[index] -= 1
            if error is not None:
                raise WorkerError(error)
            out.extend(outcomes)
            self._flush()  # that worker has room again
            block = False
        return out

    def close(self) -> None:
        for tasks in self._tasks:
            tasks.put(None)
        for proc in self._procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.terminate()
                proc.join()
        for q in (*self._tasks, self._results):
            q.close()
            q.cancel_join_thread()
