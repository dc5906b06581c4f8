"""Shared building blocks for our detectors (a private module: it defines no detector).

``LineDetector`` is for detectors that need more than a regular expression: the file's type,
the surrounding lines, or a check of the value. It declares ``necessary_patterns``, patterns one
of which must match a line for the detector to report anything on it, so the engine's prefilter
skips every other line cheaply (see ``secretsops.scan.engine.Prefilter``).
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Iterable, Iterator
from typing import Any

from detect_secrets.core import potential_secret
from detect_secrets.plugins import base


class LineDetector(base.BasePlugin):
    """A detector that looks at a line, its file name and its context lines."""

    necessary_patterns: tuple[re.Pattern[str], ...] = ()
    #: The context lines before the line being analysed (set by ``analyze_line``).
    before: list[str] = []  # noqa: RUF012 - replaced per call, never mutated

    def find(self, line: str, filename: str, context: list[str]) -> Iterable[str]:
        raise NotImplementedError

    def analyze_string(self, string: str, **kwargs: Any) -> Iterator[str]:
        if any(p.search(string) for p in self.necessary_patterns):
            self.before = []
            yield from self.find(string, "", [])

    def values_on(
        self, filename: str, line: str, lines: list[str] | None = None, target: int | None = None
    ) -> list[str]:
        """What ``analyze_line`` would report on ``line`` of ``filename`` (``lines``: its
        context, ``target``: the line's index in it), without changing this detector's state
        (the precision filters ask it whether a generic finding is already covered)."""
        if not any(p.search(line) for p in self.necessary_patterns):
            return []
        context = [str(x) for x in lines] if lines else [line]
        saved = self.before
        self.before = context[:target] if isinstance(target, int) else []
        try:
            return list(self.find(line, filename, context))
        finally:
            self.before = saved

    def analyze_line(
        self,
        filename: str,
        line: str,
        line_number: int = 0,
        context: Any = None,
        **kwargs: Any,
    ) -> set[Any]:
        if not any(p.search(line) for p in self.necessary_patterns):
            return set()
        lines = [str(x) for x in getattr(context, "lines", None) or []]
        target = getattr(context, "target_index", None)
        self.before = lines[:target] if isinstance(target, int) else []
        return {
            potential_secret.PotentialSecret(
                type=self.secret_type,
                filename=filename,
                secret=value,
                line_number=line_number,
            )
            for value in self.find(line, filename or "", lines)
        }


def extension(filename: str) -> str:
    name = os.path.basename(filename).casefold()
    if name.startswith(".env") or name.endswith(".env"):
        return ".env"
    return os.path.splitext(name)[1]


B64 = "A-Za-z0-9+/"
# A value boundary: what may precede or follow a key so that it is not part of a longer word.
NOT_B64_BEFORE = r"(?<![A-Za-z0-9+/_\-])"
NOT_B64_AFTER = r"(?![A-Za-z0-9+/=_\-])"


def is_base64_key(value: str, nbytes: int) -> bool:
    """``value`` is standard base64 of exactly ``nbytes`` bytes."""
    try:
        return len(base64.b64decode(value, validate=True)) == nbytes
    except (binascii.Error, ValueError):
        return False


def mixed(value: str) -> bool:
    """At least two of lower case, upper case and digits (a random draw, not a word)."""
    kinds = (
        any(c.islower() for c in value),
        any(c.isupper() for c in value),
        any(c.isdigit() for c in value),
    )
    return sum(kinds) >= 2
