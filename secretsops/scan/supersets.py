"""Hyperscan expressions that match wherever a Python pattern could: supersets, in UTF-8 bytes.

The prefilter's Hyperscan back-end compiles every necessary pattern into one database that is
scanned over the UTF-8 bytes of many lines at once. Python's ``re`` and Hyperscan differ in
details (Unicode classes, case folding, look-arounds, back-references), so a pattern is not
passed through as it is: its parse tree (``re._parser``, as ``secretsops.scan.literals`` reads
it) is rewritten into a byte expression whose language contains the UTF-8 encoding of every
string the pattern matches within a line, and ``re.search`` still decides on the lines it
reports. Where a construct cannot be carried over, the caller falls back to the pattern's
required literals. The rules, each widening and never narrowing:

- a character class keeps exactly the ASCII characters Python's own ``re`` accepts for it (with
  the same flags, case folding included: it is asked, character by character); a class of
  ASCII characters (case-insensitive or not) accepts the non-ASCII characters Python folds onto
  ASCII letters (``_FOLDED_ONTO_ASCII``, four of them, checked against every code point by
  ``tests/test_prefilter.py``) where Python accepts them; any other class accepts any one
  non-ASCII character (a UTF-8 lead byte and its continuation bytes);
- no class ever accepts a newline (the lines scanned hold none), so a match lies in one line;
- every expression ends with the rest of the line and its newline, so that it reports once
  per line, at the line's end (the lines are scanned joined by newlines; a line holds none);
- ``^`` and ``\\A`` become the line's start (Hyperscan's multi-line mode), a trailing ``$`` or
  ``\\Z`` the newline right after the match (Hyperscan has no end anchor inside an
  expression, so any other ``$`` is dropped);
- word boundaries and look-arounds are dropped (they only ever reject matches);
- a back-reference becomes "any run of characters of the line";
- possessive and lazy repeats become greedy ones (the same strings can match);
- a conditional group, or anything else not listed, is "cannot translate" (``Untranslatable``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from secretsops.scan.literals import _ATOMIC, _REPEATS, _c, _p


class Untranslatable(Exception):
    """The pattern uses a construct this module does not carry over to Hyperscan."""


_NON_ASCII = rb"[\xc0-\xff][\x80-\xbf]{1,3}"
_ANY = rb"(?:[\x00-\x09\x0b-\x7f]|" + _NON_ASCII + rb")"
_MAX_REPEAT = _c.MAXREPEAT
# The only non-ASCII characters a case-insensitive ``re`` pattern of ASCII characters matches
# (U+0130 and the Kelvin sign lower-case to i and k; U+0131 and U+017F are re's own equivalences
# of i and s).
_FOLDED_ONTO_ASCII = ("\u0130", "\u0131", "\u017f", "\u212a")
_REST_OF_LINE = rb"[^\n]*\n"
_ANCHORS = {_c.AT_BEGINNING: b"^", _c.AT_BEGINNING_STRING: b"^"}
_ENDS = {_c.AT_END, _c.AT_END_STRING}
_CATEGORIES = {
    _c.CATEGORY_DIGIT: r"\d",
    _c.CATEGORY_NOT_DIGIT: r"\D",
    _c.CATEGORY_SPACE: r"\s",
    _c.CATEGORY_NOT_SPACE: r"\S",
    _c.CATEGORY_WORD: r"\w",
    _c.CATEGORY_NOT_WORD: r"\W",
}


def superset(pattern: re.Pattern[str]) -> bytes:
    """A Hyperscan expression over UTF-8 bytes matching, up to the end of the line and its
    newline, wherever ``pattern`` searches a line."""
    try:
        parsed = _p.parse(pattern.pattern, pattern.flags)
    except re.error as exc:  # pragma: no cover - the pattern compiled, so it parses
        raise Untranslatable(str(exc)) from exc
    items = list(parsed)
    anchored = False
    while (
        items and items[-1][0] is _c.AT and items[-1][1] in _ENDS
    ):  # a trailing $: the match ends where the line does
        items.pop()
        anchored = True
    return _sequence(items, pattern.flags) + (b"\n" if anchored else _REST_OF_LINE)


def literals_superset(literals: frozenset[str], folded: bool) -> bytes:
    """An alternation of ``literals`` (matched case-insensitively when ``folded``)."""
    flags = re.IGNORECASE if folded else 0
    options = sorted(
        b"".join(_item(_c.LITERAL, ord(ch), flags) for ch in word) for word in literals
    )
    return b"(?:" + b"|".join(options) + b")" + _REST_OF_LINE


def _sequence(items: list[tuple[Any, Any]], flags: int) -> bytes:
    return b"".join(_item(op, av, flags) for op, av in items)


def _item(op: Any, av: Any, flags: int) -> bytes:
    if op is _c.LITERAL:
        if not flags & re.IGNORECASE:  # the character's own bytes
            return _utf8(chr(av))
        return _one_class(((_c.LITERAL, av),), flags)
    if op is _c.NOT_LITERAL:
        return _one_class(((_c.NEGATE, None), (_c.LITERAL, av)), flags)
    if op is _c.IN:
        return _one_class(tuple(av), flags)
    if op is _c.ANY:
        return _ANY
    if op is _c.SUBPATTERN:
        _group, add, drop, sub = av
        return b"(?:" + _sequence(list(sub), (flags | add) & ~drop) + b")"
    if _ATOMIC is not None and op is _ATOMIC:
        return b"(?:" + _sequence(list(av), flags) + b")"
    if op is _c.BRANCH:
        return b"(?:" + b"|".join(_sequence(list(b), flags) for b in av[1]) + b")"
    if op in _REPEATS:
        low, high, sub = av
        inner = b"(?:" + _sequence(list(sub), flags) + b")"
        if high == _MAX_REPEAT:
            return inner + (b"*" if low == 0 else b"+" if low == 1 else b"{%d,}" % low)
        return inner + b"{%d,%d}" % (low, high)
    if op is _c.AT:  # a line's start and end (the database is compiled multi-line)
        return _ANCHORS.get(av, b"")
    if op in (_c.ASSERT, _c.ASSERT_NOT):
        return b""
    if op is _c.GROUPREF:
        return _ANY + b"*"
    raise Untranslatable(str(op))


def _one_class(items: tuple[tuple[Any, Any], ...], flags: int) -> bytes:
    return _class_bytes(items, flags & (re.IGNORECASE | re.ASCII | re.LOCALE))


@lru_cache(maxsize=4096)
def _class_bytes(items: tuple[tuple[Any, Any], ...], flags: int) -> bytes:
    text = []
    ascii_only = True
    for op, value in items:
        if op is _c.NEGATE:
            text.append("^")
            ascii_only = False
        elif op is _c.LITERAL:
            text.append(re.escape(chr(value)))
            ascii_only = ascii_only and value < 0x80
        elif op is _c.RANGE:
            text.append(re.escape(chr(value[0])) + "-" + re.escape(chr(value[1])))
            ascii_only = ascii_only and value[1] < 0x80
        elif op is _c.CATEGORY and value in _CATEGORIES:
            text.append(_CATEGORIES[value])
            ascii_only = False
        else:
            raise Untranslatable(str(op))
    python = re.compile("[" + "".join(text) + "]", flags)
    accepted = [b for b in range(0x80) if b != 0x0A and python.fullmatch(chr(b))]
    options = [b"[" + b"".join(b"\\x%02x" % b for b in accepted) + b"]"] if accepted else []
    if ascii_only:
        options += [_utf8(ch) for ch in _FOLDED_ONTO_ASCII if python.fullmatch(ch)]
    else:
        options.append(_NON_ASCII)
    if not options:
        raise Untranslatable("a class that matches nothing")
    return options[0] if len(options) == 1 else b"(?:" + b"|".join(options) + b")"


def _utf8(ch: str) -> bytes:
    return b"".join(b"\\x%02x" % b for b in ch.encode("utf-8", "surrogatepass"))
