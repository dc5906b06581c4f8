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


def _scan_items(
    items: Iterable[Item],
    engine_of: Callable[[], Engine],
    *,
    exclude: Iterable[str] = (),
    gate: Gate | None = None,
    lines: dict[str, set[int]] | None = None,
) -> tuple[list[Finding], ScanStats]:
    """``scan_items`` with the engine made on first need: files the gate proves clean (on
    ``lines`` of them, when given) are counted as scanned without it."""
    excluded = set(exclude)
    stats = ScanStats()
    findings: list[Finding] = []
    for item in items:
        if item.path in excluded or is_baseline_file(item.path):
            stats.scanned_paths.append(item.path)
            continue
        if item.data is None:
            # Not read: not in scanned_paths, so a baseline update keeps this file's entries.
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
        if gate is not None:
            numbers = None if lines is None else lines.get(item.path, set())
            if gate.clean(item.path, text, numbers):
                continue
        engine = engine_of()
        findings.extend(findings_from_raw(item.path, engine.scan_text(item.path, text), item))
        reason = engine.structure_errors.pop(item.path, None)
        if reason is not None:
            stats.unparsed[item.path] = reason
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
) -> tuple[ScanResult, dict[str, str], dict[str, Any]]:
    """Scan the working tree (or the index) under ``paths``.

    ``added_only`` (with ``staged``): only findings on lines the next commit adds, as a commit
    hook without a baseline reports (every line before the first commit).

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
            source, engine_of, exclude=root_excludes, gate=gate, lines=added
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
