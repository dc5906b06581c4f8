"""Text plumbing every rewriter shares: lines and offsets, edits applied in one pass, the file's
newline and indentation, and the sweep for values left where no rewriter could reference them."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from secretsops.migrate.rewriters.base import Reference, Replacement, Site


@dataclass(frozen=True)
class Edit:
    """Replace ``text[start:end]`` with ``new`` (an insertion when start == end)."""

    start: int
    end: int
    new: str


class Lines:
    """Line starts of a text, for 1-based line <-> offset conversions."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [m.end() for m in re.finditer(r"\r\n|\n|\r(?!\n)", text)]
        if self.starts[-1] == len(text) and len(self.starts) > 1:
            self.starts.pop()  # a trailing newline does not open a line

    def __len__(self) -> int:
        return len(self.starts)

    def line_of(self, offset: int) -> int:
        """The 1-based line holding ``offset``."""
        return bisect.bisect_right(self.starts, offset)

    def start(self, line: int) -> int:
        return self.starts[line - 1] if line <= len(self.starts) else len(self.text)

    def end(self, line: int) -> int:
        """Offset of the line's end, before its line break."""
        if line >= len(self.starts):
            end = len(self.text)
            while end > self.start(line) and self.text[end - 1] in "\r\n":
                end -= 1
            return end
        end = self.starts[line]
        while end > self.starts[line - 1] and self.text[end - 1] in "\r\n":
            end -= 1
        return end

    def next_start(self, line: int) -> int:
        """Offset where the line after ``line`` starts (the text's end for the last line)."""
        return self.starts[line] if line < len(self.starts) else len(self.text)

    def content(self, line: int) -> str:
        return self.text[self.start(line) : self.end(line)]


def newline_of(text: str) -> str:
    """The file's line break (the first one found; ``\\n`` for a one-line file)."""
    match = re.search(r"\r\n|\n|\r", text)
    return match.group(0) if match else "\n"


def indent_of(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def occurrences(text: str, value: str, start: int = 0, end: int | None = None) -> list[int]:
    """Offsets where ``value`` starts in ``text[start:end]`` (non-overlapping)."""
    if not value:
        return []
    stop = len(text) if end is None else end
    found = []
    at = text.find(value, start, stop)
    while at != -1:
        found.append(at)
        at = text.find(value, at + len(value), stop)
    return found


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """All edits at once, by their offsets into the original text. Overlaps are an error of the
    caller; identical edits (the same span and text) count once."""
    unique = sorted(set(edits), key=lambda e: (e.start, e.end))
    out: list[str] = []
    at = 0
    for edit in unique:
        if edit.start < at:
            raise ValueError("overlapping edits")
        out.append(text[at : edit.start])
        out.append(edit.new)
        at = edit.end
    out.append(text[at:])
    return "".join(out)


def keep_final_newline(old: str, new: str) -> str:
    """A file that did not end with a line break still does not (lines appended at its end
    bring one)."""
    if old and not old.endswith(("\n", "\r")) and new.endswith(("\n", "\r")):
        return new.rstrip("\r\n") if new.rstrip("\r\n") else new
    return new


PLACEHOLDER = "<moved to Key Vault as {name}>"  # no YAML or JSON syntax in it


def sweep_leftovers(
    text: str, chosen: Sequence[tuple[Replacement, Reference]]
) -> tuple[str, tuple[str, ...]]:
    """Values still in the text after the rewrite (a comment, a place the rewriter does not
    understand) are replaced by a placeholder naming the vault secret, each listed for a
    person to check. The value is rotated after the migration anyway, so a copy left behind
    would be a leak that no longer even works."""
    targets: dict[str, str] = {}
    for replacement, reference in chosen:
        for value in (replacement.site.value, replacement.stored):
            if len(value) >= 6:
                targets.setdefault(value, reference.secret_name)
    edits: list[tuple[Edit, str]] = []
    taken: list[tuple[int, int]] = []
    for value in sorted(targets, key=len, reverse=True):
        for at in occurrences(text, value):
            span = (at, at + len(value))
            if any(s < span[1] and span[0] < e for s, e in taken):
                continue
            taken.append(span)
            name = targets[value]
            edits.append((Edit(at, span[1], PLACEHOLDER.format(name=name)), name))
    if not edits:
        return text, ()
    lines = Lines(text)
    manual = tuple(
        f"line {lines.line_of(edit.start)}: the value also appeared where no reference fits "
        f"(a comment?); replaced by a placeholder naming Key Vault secret '{name}', "
        "check the line"
        for edit, name in sorted(edits, key=lambda pair: pair[0].start)
    )
    return apply_edits(text, [edit for edit, _ in edits]), manual


def sites_with_extra_occurrences(
    text: str, sites: Sequence[Site], lines: Lines | None = None
) -> list[tuple[Site, int]]:
    """Every site's value at its own line first (all sites), then every other offset of the
    same value in the file, attributed to the first site holding it: the scanner reports one
    finding per value and file, so a value used twice may arrive as one site. Callers take the
    first claim of each offset."""
    lines = lines or Lines(text)
    own: list[tuple[Site, int]] = []
    extra: list[tuple[Site, int]] = []
    for site in sites:
        for at in occurrences(text, site.value):
            (own if lines.line_of(at) == site.line else extra).append((site, at))
    return own + extra


def shell_reference(text: str, start: int, end: int, shell: str, env: str) -> tuple[int, int, str]:
    """How a script in ``shell`` (bash, pwsh, cmd) reads environment variable ``env`` in place
    of the literal at ``text[start:end]``: (start, end, new text), widened over the quotes
    around the literal when they would stop the shell from expanding it."""
    before, after = text[start - 1 : start], text[end : end + 1]
    quoted = before == after and before in ("'", '"')
    if shell == "pwsh":
        if quoted:
            return start - 1, end + 1, f"$env:{env}"
        return start, end, "${env:" + env + "}"
    if shell == "cmd":
        return start, end, f"%{env}%"
    if quoted and before == "'":
        return start - 1, end + 1, '"${' + env + '}"'
    return start, end, "${" + env + "}"
