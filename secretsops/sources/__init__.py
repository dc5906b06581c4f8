"""Sources yield text with provenance; they know nothing about detection."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_MAX_FILE_SIZE = 1_000_000


@dataclass(frozen=True)
class Item:
    """One file's content (or why it was not read) as a source sees it.

    ``path`` is relative to the scan root, with forward slashes. ``data`` is None when the
    source already decided to skip the file; ``skipped`` then says why.
    """

    path: str
    data: bytes | None
    skipped: str | None = None
    commit: str | None = None
    author: str | None = None
    date: str | None = None


SKIP_BINARY = "binary"
SKIP_TOO_LARGE = "too-large"
SKIP_UNREADABLE = "unreadable"


def is_binary(data: bytes) -> bool:
    """git's own test: a NUL byte in the first 8,000 bytes."""
    return b"\0" in data[:8000]


def decode(data: bytes) -> str:
    """Text of a blob: UTF-8 (with or without BOM), else Latin-1 so no byte is lost."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")
