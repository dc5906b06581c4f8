"""Zero-context diffs of a rewrite, with every secret value replaced by its redacted preview.

Plans and reports show exactly which lines change. The diff is computed on the real texts (so
line numbers are right) and each line is redacted afterwards: every known value on the line,
and each line of a multi-line value (a PEM block), becomes ``fingerprint.preview`` of it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from secretsops.scan import fingerprint as fp

MIN_PIECE = 4  # lines of a multi-line value shorter than this are not worth redacting


@dataclass(frozen=True)
class Hunk:
    """One change: old lines [old_start, old_start + old_count) replaced by the new ones."""

    old_start: int  # 1-based; for a pure insertion, the line after which it goes
    old_count: int
    new_start: int
    new_count: int
    text: str  # the hunk, redacted, header included

    def touches(self, first: int, last: int) -> bool:
        """Whether the hunk changes or inserts next to lines first..last (1-based)."""
        if self.old_count == 0:
            return first - 1 <= self.old_start <= last
        return self.old_start <= last and first <= self.old_start + self.old_count - 1


class Redactor:
    """Replaces known secret values in text by their previews, longest first."""

    def __init__(self, values: Iterable[str]) -> None:
        pairs: dict[str, str] = {}
        for value in values:
            if not value:
                continue
            pairs[value] = fp.preview(value)
            if "\n" in value:
                for piece in value.splitlines():
                    piece = piece.strip()
                    if len(piece) >= MIN_PIECE:
                        pairs.setdefault(piece, fp.preview(value))
        self._pairs = sorted(pairs.items(), key=lambda kv: -len(kv[0]))

    def __call__(self, text: str) -> str:
        for value, shown in self._pairs:
            if value in text:
                text = text.replace(value, shown)
        return text


def _range(start: int, count: int) -> str:
    return f"{start}" if count == 1 else f"{start},{count}"


def hunks(old: str, new: str, redact: Redactor) -> list[Hunk]:
    """The zero-context hunks turning ``old`` into ``new``, redacted."""
    a = old.splitlines(keepends=True)
    b = new.splitlines(keepends=True)
    out: list[Hunk] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        old_start = i1 + 1 if i2 > i1 else i1
        new_start = j1 + 1 if j2 > j1 else j1
        lines = [f"@@ -{_range(old_start, i2 - i1)} +{_range(new_start, j2 - j1)} @@"]
        lines += ["-" + redact(line.rstrip("\r\n")) for line in a[i1:i2]]
        lines += ["+" + redact(line.rstrip("\r\n")) for line in b[j1:j2]]
        out.append(Hunk(old_start, i2 - i1, new_start, j2 - j1, "\n".join(lines)))
    return out


def file_diff(path: str, hunk_list: Iterable[Hunk]) -> str:
    """A unified diff of one file with zero lines of context."""
    body = "\n".join(h.text for h in hunk_list)
    return f"--- a/{path}\n+++ b/{path}\n{body}\n" if body else ""
