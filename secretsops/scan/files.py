"""detect: turn source items into Findings through the engine."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import Any

from secretsops.scan import fingerprint as fp
from secretsops.scan.aliases import aliases_of
from secretsops.scan.engine import Engine, EngineConfig, RawSecret, is_baseline_file
from secretsops.scan.findings import Finding, ScanResult, ScanStats
from secretsops.scan.gate import Gate
from secretsops.sources import (
    DEFAULT_MAX_FILE_SIZE,
    SKIP_BINARY,
    SKIP_TOO_LARGE,
    SKIP_UNREADABLE,
    Item,
    decode,
    is_binary,
)


def findings_from_raw(
    path: str, raw: Iterable[RawSecret], item: Item | None = None
) -> list[Finding]:
    """One Finding per (type, value) in a file, at its first line (detect-secrets' identity)."""
    by_identity: dict[tuple[str, str], Finding] = {}
    counts: dict[tuple[str, str], int] = {}
    for hit in sorted(raw, key=lambda h: h.line):
        key = (hit.type, hit.secret)
        counts[key] = counts.get(key, 0) + 1
        if key in by_identity:
            continue
        by_identity[key] = Finding(
            type=hit.type,
            path=path,
            line=hit.line,
            fingerprint=fp.fingerprint(hit.secret),
            preview=fp.preview(hit.secret),
            confidence=hit.confidence,
            baseline_hash=fp.baseline_hash(hit.secret),
            aliases=aliases_of(path, hit.line_text, hit.secret),
            secret=hit.secret,
            plugin=hit.plugin,
            column=hit.column,
            structural_path=hit.structural_path,
            commit=item.commit if item else None,
            author=item.author if item else None,
            date=item.date if item else None,
        )
    return [_with_occurrences(f, counts[(f.type, f.secret)]) for f in by_identity.values()]


def _with_occurrences(finding: Finding, count: int) -> Finding:
    if count == 1:
        return finding
    return replace(finding, occurrences=count)


def scan_items(
    items: Iterable[Item],
    engine: Engine,
    *,
    exclude: Iterable[str] = (),
) -> tuple[list[Finding], ScanStats]:
    """Scan every item; skipped, binary and excluded items are counted, never fatal."""
    return _scan_items(items, lambda: engine, exclude=exclude)


#: Files scanned in this process before worker processes start (with ``jobs > 1``): a commit
#: hook's few staged files cost less to scan than starting workers does.
POOL_AFTER = 64
#: Characters of text per batch sent to a worker.
BATCH_CHARS = 256_000

#: A file's outcome: the engine's hits and the reason its structure could not be read.
Outcome = tuple[list[RawSecret], str | None]


def _scan_one(engine: Engine, gate: Gate | None, path: str, text: str, numbers: Any) -> Outcome:
    if gate is not None and gate.clean(path, text, numbers):
        return [], None
    raw = engine.scan_text(path, text)
    return raw, engine.structure_errors.pop(path, None)


_worker: tuple[Engine, Gate | None] | None = None


def _init_worker(engine: Engine | None, config: EngineConfig, gate: Gate | None) -> None:
    """Forked, a worker inherits the parent's entered engine; spawned, it builds its own."""
    global _worker
    _worker = (engine if engine is not None else Engine(config).__enter__(), gate)


def _run_batch(batch: list[tuple[int, str, str, Any]]) -> list[tuple[int, Outcome]]:
    assert _worker is not None, "_init_worker was not called"
    engine, gate = _worker
    return [(index, _scan_one(engine, gate, path, text, n)) for index, path, text, n in batch]


class _Pool:
    """Files out to ``jobs`` worker processes, in batches of about ``BATCH_CHARS``; at most
    two batches per worker wait, so the texts in flight stay bounded."""

    def __init__(self, engine: Engine, gate: Gate | None, jobs: int) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        fork = "fork" in multiprocessing.get_all_start_methods()
        self.jobs = jobs
        self.executor = ProcessPoolExecutor(
            max_workers=jobs,
            mp_context=multiprocessing.get_context("fork" if fork else "spawn"),
            initializer=_init_worker,
            initargs=(engine if fork else None, engine.config, gate),
        )
        self.futures: set[Any] = set()
        self.batch: list[tuple[int, str, str, Any]] = []
        self.chars = 0
        self.done: list[tuple[int, Outcome]] = []

    def add(self, index: int, path: str, text: str, numbers: Any) -> None:
        self.batch.append((index, path, text, numbers))
        self.chars += len(text)
        if self.chars >= BATCH_CHARS:
            self._submit()

    def _submit(self) -> None:
        from concurrent.futures import FIRST_COMPLETED, wait

        if self.batch:
            self.futures.add(self.executor.submit(_run_batch, self.batch))
            self.batch, self.chars = [], 0
        while len(self.futures) > 2 * self.jobs:
            finished, self.futures = wait(self.futures, return_when=FIRST_COMPLETED)
            for future in finished:
                self.done.extend(future.result())

    def finish(self) -> list[tuple[int, Outcome]]:
        self._submit()
        for future in self.futures:
            self.done.extend(future.result())
        self.futures = set()
        return self.done

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


def _scan_items(
    items: Iterable[Item],
    engine_of: Callable[[], Engine],
    *,
    exclude: Iterable[str] = (),
    gate: Gate | None = None,
    lines: dict[str, set[int]] | None = None,
    jobs: int = 1,
) -> tuple[list[Finding], ScanStats]:
    """``scan_items`` with the engine made on first need: files the gate proves clean (on
    ``lines`` of them, when given) are counted as scanned without it. With ``jobs > 1``,
    files after the first ``POOL_AFTER`` are scanned by that many worker processes."""
    excluded = set(exclude)
    stats = ScanStats()
    findings: list[Finding] = []
    pooled: list[Item] = []
    pool: _Pool | None = None
    local = 0

    def record(item: Item, outcome: Outcome) -> None:
        raw, reason = outcome
        if raw:
            findings.extend(findings_from_raw(item.path, raw, item))
        if reason is not None:
            stats.unparsed[item.path] = reason

    try:
        for item in items:
            if item.path in excluded or is_baseline_file(item.path):
                stats.scanned_paths.append(item.path)
                continue
            if item.data is None:
                # Not read: not in scanned_paths, so a baseline update keeps its entries.
                if item.skipped == SKIP_TOO_LARGE:
                    stats.skipped_too_large += 1
                else:
                    stats.skipped_unreadable += 1
                    stats.unreadable_paths.append(item.path)
                stats.skipped_paths.append(item.path)
                continue
            stats.scanned_paths.append(item.path)
            if is_binary(item.data):
                stats.skipped_binary += 1
                continue
            text = decode(item.data)
            stats.files_scanned += 1
            stats.lines_scanned += text.count("\n") + (0 if text.endswith("\n") or not text else 1)
            numbers = None if lines is None else lines.get(item.path, set())
            if pool is None and jobs > 1 and local >= POOL_AFTER:
                pool = _Pool(engine_of(), gate, jobs)
            if pool is not None:
                pool.add(len(pooled), item.path, text, numbers)
                pooled.append(item)
                continue
            if gate is not None and gate.clean(item.path, text, numbers):
                continue
            local += 1
            record(item, _scan_one(engine_of(), None, item.path, text, numbers))
        if pool is not None:
            for index, outcome in pool.finish():
                record(pooled[index], outcome)
    finally:
        if pool is not None:
            pool.close()
    findings.sort(key=lambda f: f.sort_key)
    return findings, stats


__all__ = ["SKIP_BINARY", "SKIP_TOO_LARGE", "SKIP_UNREADABLE", "findings_from_raw", "scan_items"]


def scan_paths(
    paths: list[Path],
    *,
    staged: bool = False,
    max_file_size: int = DEFAULT_MAX_FILE_SIZE,
    config: EngineConfig | None = None,
    exclude: Iterable[str] = (),
    added_only: bool = False,
    jobs: int = 1,
) -> tuple[ScanResult, dict[str, str], dict[str, Any]]:
    """Scan the working tree (or the index) under ``paths``.

    ``added_only`` (with ``staged``): only findings on lines the next commit adds, as a commit
    hook without a baseline reports (every line before the first commit). ``jobs``: worker
    processes for a large working-tree scan (results do not depend on it). The index is read
    in one process: forked workers would hold the ``cat-file`` pipe open.

    Returns the result, the active detectors (secret type -> class name) and the engine's
    settings as a baseline records them.
    """
    from secretsops.sources import staged as staged_source
    from secretsops.sources import worktree

    source: Iterable[Item]
    added: dict[str, set[int]] | None = None
    if staged:
        root, source = staged_source.items(paths, max_file_size)
        if added_only:
            added = staged_source.added_lines(root, paths)
    else:
        selection = worktree.select(paths)
        root = selection.root
        source = worktree.items(selection, max_file_size)
    root_excludes = {_relative_to(Path(e), root) for e in exclude}
    config = config or EngineConfig()
    gate = Gate.load(config)
    with ExitStack() as stack:
        made: list[Engine] = []

        def engine_of() -> Engine:
            if not made:
                made.append(stack.enter_context(Engine(config)))
            return made[0]

        findings, stats = _scan_items(
            source,
            engine_of,
            exclude=root_excludes,
            gate=gate,
            lines=added,
            jobs=1 if staged else jobs,
        )
        if added is not None:
            findings = [f for f in findings if f.line in added.get(f.path, ())]
        if made or gate is None:
            engine = engine_of()
            detectors = {t: name for name, t in engine.plugin_types.items()}
            settings = engine.settings_json()
            if gate is None:
                Gate.save(config, engine)
        else:
            detectors, settings = dict(gate.detectors), gate.settings
    return ScanResult(findings=findings, stats=stats, root=str(root)), detectors, settings


def _relative_to(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
