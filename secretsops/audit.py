"""Audit labels on baseline entries: real secret, or false positive.

A baseline stores a hash, not the value. To show a redacted line, or to match a fingerprint,
the value is recovered by rescanning the entry's file and matching detect-secrets' hash, the way
``detect-secrets audit`` does. Values stay in memory only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from secretsops import fingerprint as fp
from secretsops.baseline import Baseline, Entry
from secretsops.detect import Engine, RawSecret
from secretsops.errors import UsageError
from secretsops.sources import decode

LABELS = {"real": True, "false-positive": False, "unlabelled": None}


@dataclass
class Recovered:
    """A baseline entry with what the file says about it now."""

    entry: Entry
    fingerprint: str | None = None
    line_text: str | None = field(default=None, repr=False)
    line_number: int | None = None
    secret: str | None = field(default=None, repr=False)

    @property
    def redacted_line(self) -> str | None:
        if self.line_text is None or self.secret is None:
            return None
        return self.line_text.replace(self.secret, fp.preview(self.secret)).strip()


def recover(baseline: Baseline, root: Path, engine: Engine) -> list[Recovered]:
    """Every entry, with fingerprint and line recovered where the file still holds the value."""
    by_file: dict[str, list[Entry]] = {}
    for entry in baseline.entries:
        by_file.setdefault(entry.filename, []).append(entry)
    out: list[Recovered] = []
    for filename, entries in sorted(by_file.items()):
        hits: dict[tuple[str, str], RawSecret] = {}
        path = root / filename
        try:
            text = decode(path.read_bytes()) if path.is_file() else None
        except OSError:
            text = None
        if text is not None:
            for hit in engine.scan_text(filename, text):
                hits.setdefault((hit.type, fp.baseline_hash(hit.secret)), hit)
        for entry in entries:
            found = hits.get((entry.type, entry.hashed_secret))
            if found is None:
                out.append(Recovered(entry=entry))
            else:
                out.append(
                    Recovered(
                        entry=entry,
                        fingerprint=fp.fingerprint(found.secret),
                        line_text=found.line_text,
                        line_number=found.line,
                        secret=found.secret,
                    )
                )
    return out


def matching(recovered: Iterable[Recovered], identifier: str) -> list[Recovered]:
    """Entries named by a fingerprint (``so1:...``) or a hashed_secret (or a 8+ char prefix)."""
    ident = identifier.strip()
    if len(ident) < 8:
        raise UsageError(f"identifier {identifier!r} is too short: give at least 8 characters")
    return [
        r
        for r in recovered
        if (r.fingerprint is not None and r.fingerprint.startswith(ident))
        or r.entry.hashed_secret.startswith(ident)
    ]


def label_value(label: str) -> bool | None:
    try:
        return LABELS[label]
    except KeyError:
        raise UsageError(
            f"unknown label {label!r}: use real, false-positive or unlabelled"
        ) from None
