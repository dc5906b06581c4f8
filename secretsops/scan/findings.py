"""The Finding record every source, detector and report speaks."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Confidence(str, enum.Enum):
    """How sure the detector is that the value is a live credential."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return _RANKS[self]


_RANKS = {Confidence.LOW: 0, Confidence.MEDIUM: 1, Confidence.HIGH: 2}


@dataclass(frozen=True)
class Finding:
    """One credential at one place.

    ``fingerprint`` identifies the secret value without revealing it (see
    ``secretsops.scan.fingerprint``); ``baseline_hash`` is detect-secrets' SHA-1 of the value,
    kept only to match baseline entries and never written to a report. ``secret`` is the raw
    value, held in memory for ``--show-secrets`` and the migrator; it is excluded from
    ``repr`` so it cannot leak through logs or tracebacks, and no report serialises it.
    """

    type: str
    path: str
    line: int
    fingerprint: str
    preview: str
    confidence: Confidence
    baseline_hash: str = field(repr=False)
    secret: str = field(repr=False, compare=False)
    plugin: str = ""
    column: int | None = None
    commit: str | None = None
    author: str | None = None
    date: str | None = None
    occurrences: int = 1
    present_at_head: bool | None = None
    structural_path: str | None = None
    #: detect-secrets' own (type, hashed secret) names for this credential, as
    #: ``secretsops.scan.aliases`` makes them: a detect-secrets baseline entry may use one.
    aliases: tuple[str, ...] = field(default=(), repr=False, compare=False)

    @property
    def sort_key(self) -> tuple[str, int, str, str]:
        return (self.path, self.line, self.type, self.fingerprint)


@dataclass
class ScanStats:
    """What a scan looked at and what it passed over."""

    files_scanned: int = 0
    lines_scanned: int = 0
    skipped_binary: int = 0
    skipped_too_large: int = 0
    skipped_unreadable: int = 0
    skipped_paths: list[str] = field(default_factory=list)
    unreadable_paths: list[str] = field(default_factory=list)
    scanned_paths: list[str] = field(default_factory=list)
    # pipeline files whose YAML/JSON did not parse -> the parser's reason (lines still scanned)
    unparsed: dict[str, str] = field(default_factory=dict)

    @property
    def skipped(self) -> int:
        return self.skipped_binary + self.skipped_too_large + self.skipped_unreadable


@dataclass
class ScanResult:
    findings: list[Finding]
    stats: ScanStats
    root: str
