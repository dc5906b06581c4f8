"""Required literals of a regular expression: strings one of which every match contains.

Used by the prefilter: if a line contains none of a pattern's required literals, the pattern
cannot match that line, so the (expensive) detector need not run on it. The analysis walks the
parsed pattern conservatively: anything it does not understand contributes no requirement, and
an alternation is only as strong as its weakest branch. The answer is None when nothing can be
proven, and the caller must then treat every line as a candidate.
"""

from __future__ import annotations

import importlib
import re
from typing import Any


def _module(new: str, old: str) -> Any:
    try:  # Python 3.11+ keeps the regex parser in re._parser and re._constants
        return importlib.import_module(new)
    except ImportError:  # pragma: no cover - Python 3.10
        return importlib.import_module(old)


_c = _module("re._constants", "sre_constants")
_p = _module("re._parser", "sre_parse")

_REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT}
if hasattr(_c, "POSSESSIVE_REPEAT"):
    _REPEATS.add(_c.POSSESSIVE_REPEAT)
_ATOMIC = getattr(_c, "ATOMIC_GROUP", None)
_MAX_CLASS = 8  # a character class of up to this many plain characters counts as a requirement

Literals = frozenset[str]


def required_literals(pattern: re.Pattern[str]) -> Literals | None:
    """A set of strings, one of which occurs in every match of ``pattern``; or None."""
    try:
        parsed = _p.parse(pattern.pattern, pattern.flags)
    except re.error:  # pragma: no cover - the pattern compiled, so it parses
        return None
    found = _sequence(list(parsed))
    if found is None or any(not s for s in found):
        return None
    return found


_SCOPED_IGNORECASE = re.compile(r"\(\?[a-zA-Z]*i[a-zA-Z-]*[:)]")


def is_case_insensitive(pattern: re.Pattern[str]) -> bool:
    """True when any part of the pattern may match regardless of case."""
    return bool(pattern.flags & re.IGNORECASE) or bool(_SCOPED_IGNORECASE.search(pattern.pattern))


def _strength(options: Literals) -> tuple[int, int]:
    return (min(len(s) for s in options), -len(options))


def _sequence(items: list[tuple[Any, Any]]) -> Literals | None:
    choices: list[Literals] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            choices.append(frozenset({"".join(run)}))
            run.clear()

    for op, av in items:
        if op is _c.LITERAL:
            run.append(chr(av))
            continue
        flush()
        need = _item(op, av)
        if need:
            choices.append(need)
    flush()
    if not choices:
        return None
    return max(choices, key=_strength)


def _item(op: Any, av: Any) -> Literals | None:
    if op is _c.SUBPATTERN:
        return _sequence(list(av[-1]))
    if _ATOMIC is not None and op is _ATOMIC:
        return _sequence(list(av))
    if op in _REPEATS:
        low, _high, sub = av
        return _sequence(list(sub)) if low >= 1 else None
    if op is _c.BRANCH:
        branches = [_sequence(list(b)) for b in av[1]]
        if any(b is None for b in branches):
            return None
        union: set[str] = set()
        for b in branches:
            assert b is not None
            union |= b
        return frozenset(union)
    if op is _c.IN:
        return _char_class(av)
    return None


def _char_class(av: list[tuple[Any, Any]]) -> Literals | None:
    chars: set[str] = set()
    for op, value in av:
        if op is _c.LITERAL:
            chars.add(chr(value))
        elif op is _c.RANGE and value[1] - value[0] < _MAX_CLASS:
            chars.update(chr(c) for c in range(value[0], value[1] + 1))
        else:  # NEGATE, CATEGORY, wide RANGE: no useful requirement
            return None
    if not chars or len(chars) > _MAX_CLASS:
        return None
    return frozenset(chars)
