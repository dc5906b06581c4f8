"""Baselines in detect-secrets' format: accepted findings and their audit labels.

An entry's identity is detect-secrets' own: (filename, hashed_secret, type). Line numbers are
not part of it, so a moved line keeps its entry and its label. ``hashed_secret`` is
detect-secrets' unsalted SHA-1, kept for compatibility (see docs/fingerprints.md).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from secretsops.errors import BaselineError
from secretsops.scan.aliases import split as split_alias
from secretsops.scan.findings import Finding

FORMAT_VERSION = "1.5.0"

Identity = tuple[str, str, str]

#: Module paths of our detect-secrets filters before the scanning core became ``secretsops.scan``
#: (baselines written then name them so); read as the modules that hold them now.
_MOVED_FILTER_MODULES = {
    "secretsops.precision.": "secretsops.scan.filters.",
    "secretsops.allowlist.": "secretsops.scan.filters.",
}


def _current_filter(config: Any) -> Any:
    path = config.get("path") if isinstance(config, dict) else None
    for old, new in _MOVED_FILTER_MODULES.items():
        if isinstance(path, str) and path.startswith(old):
            return {**config, "path": new + path[len(old) :]}
    return config


@dataclass
class Entry:
    type: str
    filename: str
    hashed_secret: str
    line_number: int = 0
    is_verified: bool = False
    is_secret: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def identity(self) -> Identity:
        return (self.filename, self.hashed_secret, self.type)

    def json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": self.type,
            "filename": self.filename,
            "hashed_secret": self.hashed_secret,
            "is_verified": self.is_verified,
        }
        if self.line_number:
            out["line_number"] = self.line_number
        if self.is_secret is not None:
            out["is_secret"] = self.is_secret
        out.update(self.extra)
        return out


@dataclass
class Baseline:
    entries: list[Entry]
    plugins_used: list[dict[str, Any]] = field(default_factory=list)
    filters_used: list[dict[str, Any]] = field(default_factory=list)
    version: str = FORMAT_VERSION
    generated_at: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def identities(self) -> set[Identity]:
        return {e.identity for e in self.entries}

    def json(self) -> dict[str, Any]:
        results: dict[str, list[dict[str, Any]]] = {}
        for entry in sorted_entries(self.entries):
            results.setdefault(entry.filename, []).append(entry.json())
        out: dict[str, Any] = {
            "version": self.version,
            "plugins_used": self.plugins_used,
            "filters_used": self.filters_used,
            "results": dict(sorted(results.items())),
        }
        out.update(self.extra)
        if self.generated_at is not None:
            out["generated_at"] = self.generated_at
        return out

    def content_key(self) -> str:
        """Everything but the timestamp and where plugins are installed (a plugin's ``path``
        differs from machine to machine), to decide whether a rewrite changes anything."""
        data = self.json()
        data.pop("generated_at", None)
        data["plugins_used"] = [
            {k: v for k, v in p.items() if k != "path"} if isinstance(p, dict) else p
            for p in data["plugins_used"]
        ]
        return json.dumps(data, sort_keys=True)


def sorted_entries(entries: Iterable[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: (e.filename, e.line_number, e.hashed_secret, e.type))


def _entry_from_json(filename: str, data: Any) -> Entry:
    if not isinstance(data, dict):
        raise BaselineError("a result entry is not an object")
    try:
        known = {"type", "filename", "hashed_secret", "line_number", "is_verified", "is_secret"}
        is_secret = data.get("is_secret")
        return Entry(
            type=str(data["type"]),
            filename=str(data.get("filename", filename)).replace("\\", "/"),
            hashed_secret=str(data["hashed_secret"]),
            line_number=int(data.get("line_number", 0)),
            is_verified=bool(data.get("is_verified", False)),
            is_secret=None if is_secret is None else bool(is_secret),
            extra={k: v for k, v in data.items() if k not in known},
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise BaselineError(f"a result entry lacks or mangles {exc}") from exc


def parse(data: Any) -> Baseline:
    """A Baseline from decoded JSON (any detect-secrets version; old formats are upgraded)."""
    if not isinstance(data, dict) or "results" not in data:
        raise BaselineError("not a detect-secrets baseline (no 'results' object)")
    from secretsops.scan.engine import upgrade_baseline

    try:
        data = upgrade_baseline(data)
    except Exception as exc:  # detect-secrets' upgraders raise whatever they meet
        detail = f"missing {exc}" if isinstance(exc, KeyError) else type(exc).__name__
        raise BaselineError(f"cannot upgrade baseline: {detail}") from exc
    results = data.get("results")
    if not isinstance(results, dict):
        raise BaselineError("'results' is not an object")
    entries: list[Entry] = []
    for filename, items in results.items():
        if not isinstance(items, list):
            raise BaselineError(f"results for {filename!r} are not a list")
        entries.extend(_entry_from_json(str(filename), item) for item in items)
    plugins = data.get("plugins_used", [])
    filters = data.get("filters_used", [])
    if not isinstance(plugins, list) or not isinstance(filters, list):
        raise BaselineError("'plugins_used' and 'filters_used' must be lists")
    known = {"version", "plugins_used", "filters_used", "results", "generated_at"}
    return Baseline(
        entries=entries,
        plugins_used=plugins,
        filters_used=[_current_filter(f) for f in filters],
        version=str(data.get("version", FORMAT_VERSION)),
        generated_at=data.get("generated_at"),
        extra={k: v for k, v in data.items() if k not in known},
    )


def load(path: Path) -> Baseline:
    """Read a baseline file; BaselineError with a one-line reason if it is unusable."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise BaselineError(f"baseline not found: {path}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc.__class__.__name__}") from exc
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise BaselineError(
            f"corrupt baseline {path}: invalid JSON at line {exc.lineno} column {exc.colno}"
        ) from exc
    try:
        return parse(data)
    except BaselineError as exc:
        raise BaselineError(f"corrupt baseline {path}: {exc}") from exc


HISTORY_SCOPE = "history"


def entry_for(finding: Finding) -> Entry:
    """A baseline entry; a history finding also records the commit that introduced it."""
    extra: dict[str, Any] = {}
    if finding.commit is not None:
        extra["commit"] = finding.commit
        if finding.present_at_head is not None:
            extra["present_at_head"] = finding.present_at_head
    return Entry(
        type=finding.type,
        filename=finding.path,
        hashed_secret=finding.baseline_hash,
        line_number=finding.line,
        extra=extra,
    )


def is_history(baseline: Baseline) -> bool:
    """Whether the baseline records a history scan (``baseline create --history``)."""
    return baseline.extra.get("scope") == HISTORY_SCOPE


def create_history(findings: Iterable[Finding], settings: dict[str, Any]) -> Baseline:
    """A baseline of a history scan: every entry names the commit that introduced it."""
    baseline = create(findings, settings)
    baseline.extra["scope"] = HISTORY_SCOPE
    return baseline


def create(findings: Iterable[Finding], settings: dict[str, Any]) -> Baseline:
    return Baseline(
        entries=sorted_entries(entry_for(f) for f in findings),
        plugins_used=list(settings.get("plugins_used", [])),
        filters_used=list(settings.get("filters_used", [])),
        generated_at=_now(),
    )


def update(
    old: Baseline,
    findings: Iterable[Finding],
    settings: dict[str, Any],
    scanned_files: Iterable[str],
) -> Baseline:
    """The old baseline brought up to date with a new scan.

    Entries found again keep their labels (and take the new line number); entries of files
    that were scanned but no longer hold the secret are dropped; entries of files outside this
    scan are kept as they are.
    """
    scanned = set(scanned_files)
    previous = {e.identity: e for e in old.entries}
    entries: dict[Identity, Entry] = {}
    for finding in findings:
        new = entry_for(finding)
        before = previous.get(new.identity)
        if before is not None:
            new.is_secret = before.is_secret
            new.is_verified = before.is_verified
            # What the scan says now (a history entry's commit) wins over what was recorded.
            new.extra = {**before.extra, **new.extra}
        entries.setdefault(new.identity, new)
    for identity, entry in previous.items():
        if entry.filename not in scanned and identity not in entries:
            entries[identity] = entry
    return Baseline(
        entries=sorted_entries(entries.values()),
        plugins_used=list(settings.get("plugins_used", old.plugins_used)),
        filters_used=_merge_filters(old.filters_used, settings.get("filters_used", [])),
        version=FORMAT_VERSION,
        generated_at=old.generated_at,
        extra=dict(old.extra),
    )


def _merge_filters(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    merged = {f["path"]: f for f in new if "path" in f}
    for f in old:
        merged.setdefault(str(f.get("path")), f)
    return [merged[k] for k in sorted(merged, key=str.lower)]


def new_findings(findings: Iterable[Finding], baseline: Baseline) -> list[Finding]:
    """Findings the baseline does not already hold."""
    known = baseline.identities()
    return [f for f in findings if not _accepted(f, known)]


def _accepted(finding: Finding, known: set[Identity]) -> bool:
    """Our own identity, or one of the names detect-secrets gives the same credential (a
    baseline written by detect-secrets), in the same file."""
    if (finding.path, finding.baseline_hash, finding.type) in known:
        return True
    for alias in finding.aliases:
        kind, hashed = split_alias(alias)
        if (finding.path, hashed, kind) in known:
            return True
    return False


def save(baseline: Baseline, path: Path, *, previous: Baseline | None = None) -> bool:
    """Write the baseline atomically; skip the write (return False) when nothing changed."""
    if previous is not None and previous.content_key() == baseline.content_key():
        return False
    if previous is not None:
        baseline.generated_at = _now()
    text = json.dumps(baseline.json(), indent=2) + "\n"
    write_atomic(path, text)
    return True


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder and a rename: never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
