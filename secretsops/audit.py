"""Audit labels on baseline entries: real secret, or false positive.

A baseline stores a hash, not the value. To show a redacted line, or to match a fingerprint,
the value is recovered by rescanning the entry's file and matching detect-secrets' hash, the way
``detect-secrets audit`` does. Values stay in memory only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from secretsops.baseline import Baseline, Entry
from secretsops.errors import SecretsopsError, UsageError
from secretsops.scan import fingerprint as fp
from secretsops.scan.engine import Engine, RawSecret
from secretsops.sources import decode, is_binary

LABELS = {"real": True, "false-positive": False, "unlabelled": None}


@dataclass
class Recovered:
    """A baseline entry with what the file says about it now."""

    entry: Entry
    fingerprint: str | None = None
    line_text: str | None = field(default=None, repr=False)
    line_number: int | None = None
    secret: str | None = field(default=None, repr=False)
    text: str | None = field(default=None, repr=False)  # the file's text the value is in

    @property
    def redacted_line(self) -> str | None:
        if self.line_text is None or self.secret is None:
            return None
        return self.line_text.replace(self.secret, fp.preview(self.secret)).strip()


def recover(baseline: Baseline, root: Path, engine: Engine) -> list[Recovered]:
    """Every entry, with fingerprint and line recovered where the file still holds the value.

    An entry of a history scan (it names a ``commit``) is recovered from the file as that
    commit wrote it, read from git's object store; others from the file on disk.
    """
    by_file: dict[tuple[str, str | None], list[Entry]] = {}
    for entry in baseline.entries:
        by_file.setdefault((entry.filename, commit_of(entry)), []).append(entry)
    out: list[Recovered] = []
    blobs = _Blobs(root) if any(commit for _, commit in by_file) else None
    try:
        for (filename, commit), entries in sorted(by_file.items(), key=lambda kv: _order(kv[0])):
            if commit is not None and blobs is not None:
                text = blobs.text(commit, filename)
            else:
                text = _file_text(root, filename)
            out.extend(_recovered(engine, filename, text, entries))
    finally:
        if blobs is not None:
            blobs.close()
    return out


def commit_of(entry: Entry) -> str | None:
    """The commit a history entry names (``baseline create --history``), else None."""
    commit = entry.extra.get("commit")
    return commit if isinstance(commit, str) and commit else None


def _order(key: tuple[str, str | None]) -> tuple[str, str]:
    return (key[0], key[1] or "")


def file_text(root: Path, filename: str, commit: str | None = None) -> str | None:
    """The file as ``commit`` wrote it (from git's store), else as on disk; None when it is
    missing, binary or unreadable."""
    if commit is None:
        return _file_text(root, filename)
    blobs = _Blobs(root)
    try:
        return blobs.text(commit, filename)
    finally:
        blobs.close()


def _file_text(root: Path, filename: str) -> str | None:
    path = root / filename
    try:
        return decode(path.read_bytes()) if path.is_file() else None
    except OSError:
        return None


class _Blobs:
    """Files as a commit wrote them, through one ``git cat-file --batch``."""

    def __init__(self, root: Path) -> None:
        from secretsops import git

        self._cat: git.CatFile | None = None
        try:
            git.repository_root(root)
            self._cat = git.CatFile(root)
        except SecretsopsError:
            self._cat = None

    def text(self, commit: str, filename: str) -> str | None:
        if self._cat is None or "\n" in filename:
            return None
        try:
            reply = self._cat.read_optional(f"{commit}:{filename}")
        except SecretsopsError:
            return None
        if reply is None or reply[0].type != "blob" or reply[1] is None or is_binary(reply[1]):
            return None
        return decode(reply[1])

    def close(self) -> None:
        if self._cat is not None:
            self._cat.close()


def _recovered(
    engine: Engine, filename: str, text: str | None, entries: list[Entry]
) -> list[Recovered]:
    out: list[Recovered] = []
    hits: dict[tuple[str, str], RawSecret] = {}
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
                    text=text,
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
