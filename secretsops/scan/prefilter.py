"""The prefilter: which plugins could possibly report on a line, proven cheaply."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any


class Prefilter:
    """Cheap per-line tests that say which plugins could possibly report on a line.

    Every test is a necessary condition for its plugin to yield anything, so skipping the
    plugins it rules out (and lines it rules out entirely) changes no result:

    - a regex detector (``RegexBasedDetector`` without its own ``analyze_line``, or one of the
      plugins listed in ``_DENYLIST_FILTERED``) yields only ``findall`` hits of its
      ``denylist``, so one of those patterns must ``search`` the line;
    - ``KeywordDetector``: every one of its patterns contains its keyword alternation, so that
      alternation, searched case-insensitively, must match;
    - high-entropy strings: Shannon entropy of a string is at most log2(length), so a quoted
      run of the charset must be longer than 2**limit;
    - a plugin with its own ``candidate(line)`` method decides for itself;
    - a plugin with a ``necessary_patterns`` attribute declares patterns one of which must
      ``search`` a line for it to yield anything (it is gated like a regex detector);
    - any other plugin is always a candidate (no shortcut is taken for what we cannot prove).

    Those necessary patterns are themselves gated by their required literals
    (``secretsops.scan.literals``), found for all patterns at once (case-folded for
    case-insensitive patterns), so most lines cost one pass of C code and no regular
    expression at all. Over many lines (``candidates_of_lines``) the literals are found by one
    Hyperscan database scan of the joined lines (``_HyperscanIndex``), or, where the
    ``hyperscan`` wheel is not installed (or ``SECRETSOPS_PREFILTER=ahocorasick``), by
    Aho-Corasick automata (``pyahocorasick``); both give the same answers
    (``tests/test_history_engine.py`` runs both).
    """

    def __init__(self, plugins: Sequence[Any], backend: str | None = None) -> None:
        import ahocorasick

        from secretsops.scan.literals import is_case_insensitive, required_literals

        self._always: list[Any] = []
        self._custom: list[Any] = []
        self._checks: list[tuple[Any, re.Pattern[str]]] = []
        self._ungated: list[int] = []
        exact: dict[str, set[int]] = {}
        folded: dict[str, set[int]] = {}
        required: list[tuple[frozenset[str], bool] | None] = []
        for plugin in plugins:
            if callable(getattr(plugin, "candidate", None)):
                self._custom.append(plugin)
                continue
            patterns = _necessary_patterns(plugin)
            if patterns is None:
                self._always.append(plugin)
                continue
            for pattern in patterns:
                index = len(self._checks)
                self._checks.append((plugin, pattern))
                literals = required_literals(pattern)
                fold = is_case_insensitive(pattern)
                required.append(None if literals is None else (literals, fold))
                if literals is None:
                    self._ungated.append(index)
                elif fold:
                    for lit in literals:
                        folded.setdefault(lit.casefold(), set()).add(index)
                else:
                    for lit in literals:
                        exact.setdefault(lit, set()).add(index)
        self._memo: dict[str, list[Any]] = {}
        self._exact = _automaton(ahocorasick, exact)
        self._folded = _automaton(ahocorasick, folded)
        # For candidates_of_lines: one-character literals (quotes, ``.``, ``:``) occur many
        # times in most lines; they are found by ``str.find`` once per line that holds them
        # rather than charged match by match, the longer literals by the automata.
        self._exact_singles = _singles(exact)
        self._folded_singles = _singles(folded)
        self._exact_long = _automaton(ahocorasick, _longer(exact))
        self._folded_long = _automaton(ahocorasick, _longer(folded))
        self.backend = _backend(backend)
        self._hs: _HyperscanIndex | None = None
        if self.backend == "hyperscan" and self._checks:
            patterns = [pattern for _, pattern in self._checks]
            self._hs = _HyperscanIndex.of(patterns, required)

    def gate_checks(self) -> list[re.Pattern[str]] | None:
        """Every necessary pattern, when every plugin is gated by them (a line none of them
        searches has no candidate plugin); None when some plugin runs on every line or decides
        for itself (``secretsops.scan.gate`` then skips nothing)."""
        if self._always or self._custom:
            return None
        return [pattern for _, pattern in self._checks]

    def candidates(self, line: str) -> list[Any]:
        out = list(self._always)
        out.extend(p for p in self._custom if p.candidate(line))
        hits: set[int] = set(self._ungated)
        if self._exact is not None:
            for _, ids in self._exact.iter(line):
                hits.update(ids)
        if self._folded is not None:
            for _, ids in self._folded.iter(line.casefold()):
                hits.update(ids)
        if hits:
            out.extend(self._chosen(line, hits))
        return out

    def _chosen(self, line: str, hits: set[int]) -> list[Any]:
        out: list[Any] = []
        chosen: set[int] = set()
        for index in sorted(hits):
            plugin, pattern = self._checks[index]
            if id(plugin) not in chosen and pattern.search(line):
                chosen.add(id(plugin))
                out.append(plugin)
        return out

    def candidates_of_lines(self, lines: Sequence[str]) -> dict[int, list[Any]]:
        """``candidates`` of many lines at once: position -> its plugins, when it has any.

        One Aho-Corasick pass over the lines joined by newlines (and one over their case-folded
        text) instead of two per line; a match is charged to the line it ends in. A literal
        holding a newline could end in a line that lacks it: that only costs a ``search``, which
        decides as in ``candidates`` (a match of a necessary pattern contains a literal of it, so
        it is found only in lines the per-line pass would have searched too).
        ``tests/test_prefilter.py`` compares both on varied text.
        """
        if self._always or self._custom or (self._ungated and self._hs is None):
            found = {i: self.candidates(line) for i, line in enumerate(lines)}
            return {i: plugins for i, plugins in found.items() if plugins}
        # Which plugins a line can fire on depends on the line alone (see above), and history
        # holds the same line in many blobs: a line met before (within a bound) takes its
        # remembered answer and skips the automaton passes and the searches.
        memo = self._memo
        out: dict[int, list[Any]] = {}
        fresh: list[int] = []
        for i, line in enumerate(lines):
            known = memo.get(line)
            if known is None:
                fresh.append(i)
            elif known:
                out[i] = known
        if not fresh:
            return out
        if len(fresh) < len(lines):
            lines = [lines[i] for i in fresh]
        ids: dict[int, set[int]] = {}
        if self._hs is not None:
            self._hs.charge(lines, ids)
        else:
            self._charge_automata(lines, ids)
        if len(memo) + len(lines) > _MEMO_LINES:
            memo.clear()
        for j, line in enumerate(lines):
            hits = ids.get(j)
            plugins = self._chosen(line, hits) if hits else _NONE
            memo[line] = plugins
            if plugins:
                out[fresh[j]] = plugins
        return dict(sorted(out.items()))

    def _charge_automata(self, lines: Sequence[str], ids: dict[int, set[int]]) -> None:
        text = "\n".join(lines)
        starts = _starts(lines)
        if self._exact_long is not None:
            _charge(self._exact_long, text, starts, ids)
        _charge_singles(self._exact_singles, text, starts, ids)
        if self._folded_long is not None or self._folded_singles:
            folded = text.casefold()
            if len(folded) != len(text):  # some character folded to more: other offsets
                starts = _starts([line.casefold() for line in lines])
            if self._folded_long is not None:
                _charge(self._folded_long, folded, starts, ids)
            _charge_singles(self._folded_singles, folded, starts, ids)


BACKENDS = ("hyperscan", "ahocorasick")


def _backend(chosen: str | None) -> str:
    """``chosen``, else ``$SECRETSOPS_PREFILTER``, else Hyperscan when its wheel imports."""
    import os

    name = chosen or os.environ.get("SECRETSOPS_PREFILTER") or ""
    if name and name not in BACKENDS:
        from secretsops.errors import UsageError

        raise UsageError(f"SECRETSOPS_PREFILTER must be one of {', '.join(BACKENDS)}: {name!r}")
    if name == "ahocorasick":
        return name
    try:
        import hyperscan  # noqa: F401
    except ImportError:
        if name == "hyperscan":
            from secretsops.errors import UsageError

            raise UsageError(
                "SECRETSOPS_PREFILTER=hyperscan: the hyperscan package is not installed"
            ) from None
        return "ahocorasick"
    return "hyperscan"


class _HyperscanIndex:
    """Which lines a necessary pattern could search: one Hyperscan block-mode scan.

    One expression per pattern: a superset of the pattern in UTF-8 bytes
    (``secretsops.scan.supersets``), or, where a construct does not carry over, the
    alternation of its required literals; then the rest of the line and its newline
    (``...[^\\n]*\\n``). No expression matches a newline before that ending, so every match
    lies in one line and ends at its newline, and Hyperscan reports a pattern once per end
    offset: Python is called once per (pattern, line) that may match, not per literal
    occurrence, and ``re.search`` still decides. One scan of the original text covers the
    case-insensitive patterns too (their classes accept both cases). The compiled database is
    cached (``hyperscan.dumpb``) in the user's cache folder, keyed by its expressions.
    """

    def __init__(self, database: Any) -> None:
        self._db = database

    @classmethod
    def of(
        cls,
        patterns: list[re.Pattern[str]],
        required: list[tuple[frozenset[str], bool] | None],
    ) -> _HyperscanIndex | None:
        """The index of every pattern, or None when some pattern has neither a superset nor
        required literals (every line must then be searched for it). A database compiled
        before for the same patterns is loaded without translating them again."""
        import hashlib
        from pathlib import Path

        import hyperscan

        from secretsops.scan import supersets
        from secretsops.scan.gate import cache_dir, write_cache_file

        source = Path(supersets.__file__).read_bytes()
        needs = [None if r is None else (sorted(r[0]), r[1]) for r in required]
        sources = [(p.pattern, p.flags) for p in patterns]
        version = getattr(hyperscan, "__version__", "")
        key = repr((version, hashlib.sha256(source).hexdigest(), sources, needs))
        name = f"hyperscan-{hashlib.sha256(key.encode()).hexdigest()[:32]}.db"
        try:
            loaded = hyperscan.loadb((cache_dir() / name).read_bytes(), hyperscan.HS_MODE_BLOCK)
            loaded.scratch = hyperscan.Scratch(loaded)  # a loaded database comes without one
            return cls(loaded)
        except (OSError, hyperscan.error):
            pass
        expressions: list[bytes] = []
        fallbacks: list[bytes | None] = []
        for pattern, need in zip(patterns, required, strict=True):
            fallback = None if need is None else supersets.literals_superset(*need)
            try:
                expressions.append(supersets.superset(pattern))
            except supersets.Untranslatable:
                if fallback is None:
                    return None
                expressions.append(fallback)
                fallback = None
            fallbacks.append(fallback)
        database = _hs_compile(expressions, fallbacks)
        if database is None:
            return None
        write_cache_file(name, hyperscan.dumpb(database))
        return cls(database)

    def charge(self, lines: Sequence[str], ids: dict[int, set[int]]) -> None:
        from bisect import bisect_left
        from itertools import accumulate

        text = "\n".join(lines) + "\n"
        data = text.encode("utf-8", "surrogatepass")
        if len(data) == len(text):
            ends = list(accumulate(len(line) + 1 for line in lines))
        else:
            ends = list(
                accumulate(len(line.encode("utf-8", "surrogatepass")) + 1 for line in lines)
            )
        found: list[tuple[int, int]] = []

        def report(check: int, _start: int, end: int, _flags: int, _ctx: Any) -> None:
            found.append((check, end))

        self._db.scan(data, match_event_handler=report)
        for check, end in found:
            position = bisect_left(ends, end)
            got = ids.get(position)
            if got is None:
                ids[position] = {check}
            else:
                got.add(check)


def _hs_compile(expressions: list[bytes], fallbacks: list[bytes | None]) -> Any:
    """The database of ``expressions``, expression i reporting id i.

    An expression Hyperscan rejects (too large a bounded repeat, say) is replaced by its
    fallback, the required literals; None when one without a fallback is rejected."""
    import hyperscan

    ids = list(range(len(expressions)))
    multi = [hyperscan.HS_FLAG_MULTILINE] * len(expressions)  # ^ at every line's start
    database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    try:
        database.compile(expressions=expressions, ids=ids, elements=len(expressions), flags=multi)
    except hyperscan.error:
        chosen = list(expressions)
        for i, expression in enumerate(expressions):
            try:
                one = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
                one.compile(expressions=[expression], flags=multi[:1])
            except hyperscan.error:
                fallback = fallbacks[i]
                if fallback is None:
                    return None
                chosen[i] = fallback
        database.compile(expressions=chosen, ids=ids, elements=len(chosen), flags=multi)
    return database


_NONE: list[Any] = []
_MEMO_LINES = 200_000


def _starts(lines: Sequence[str]) -> list[int]:
    """Offsets at which each line begins in ``"\\n".join(lines)``."""
    starts = [0] * len(lines)
    at = 0
    for i, line in enumerate(lines):
        starts[i] = at
        at += len(line) + 1
    return starts


def _charge(automaton: Any, text: str, starts: list[int], ids: dict[int, set[int]]) -> None:
    from bisect import bisect_right

    for end, found in automaton.iter(text):
        line = bisect_right(starts, end) - 1
        got = ids.get(line)
        if got is None:
            ids[line] = set(found)
        else:
            got.update(found)


def _charge_singles(
    singles: list[tuple[str, frozenset[int]]],
    text: str,
    starts: list[int],
    ids: dict[int, set[int]],
) -> None:
    """``_charge`` for one-character literals: each line holding one is charged once."""
    from bisect import bisect_right

    ends = [*starts[1:], len(text)]
    for char, found in singles:
        at = text.find(char)
        while at != -1:
            line = bisect_right(starts, at) - 1
            got = ids.get(line)
            if got is None:
                ids[line] = set(found)
            else:
                got.update(found)
            at = text.find(char, ends[line])


def _singles(words: dict[str, set[int]]) -> list[tuple[str, frozenset[int]]]:
    return [(word, frozenset(ids)) for word, ids in sorted(words.items()) if len(word) == 1]


def _longer(words: dict[str, set[int]]) -> dict[str, set[int]]:
    return {word: ids for word, ids in words.items() if len(word) > 1}


def _automaton(module: Any, words: dict[str, set[int]]) -> Any:
    if not words:
        return None
    automaton = module.Automaton()
    for word, ids in words.items():
        automaton.add_word(word, frozenset(ids))
    automaton.make_automaton()
    return automaton


# Regex detectors that override analyze_string only to drop some denylist hits.
_DENYLIST_FILTERED = frozenset({"JwtTokenDetector"})


def _necessary_patterns(plugin: Any) -> list[re.Pattern[str]] | None:
    from detect_secrets.plugins import base, keyword
    from detect_secrets.plugins.high_entropy_strings import HighEntropyStringsPlugin

    cls = type(plugin)
    declared = getattr(plugin, "necessary_patterns", None)
    if declared:
        return [p for p in declared if isinstance(p, re.Pattern)] or None
    if isinstance(plugin, keyword.KeywordDetector):
        alternation = "|".join(keyword.DENYLIST)
        tables = [
            keyword.QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP,
            *keyword.REGEX_BY_FILETYPE.values(),
        ]
        if all(alternation in p.pattern for t in tables for p in t):
            return [re.compile(alternation, re.IGNORECASE)]
        return None
    if isinstance(plugin, HighEntropyStringsPlugin):
        shortest = int(2 ** float(plugin.entropy_limit)) + 1
        charset = re.escape(plugin.charset)
        return [re.compile(rf"(['\"])([{charset}]{{{shortest},}})(\1)")]
    if isinstance(plugin, base.RegexBasedDetector):
        plain = (
            cls.analyze_line is base.BasePlugin.analyze_line
            and cls.analyze_string is base.RegexBasedDetector.analyze_string
        )
        if plain or cls.__name__ in _DENYLIST_FILTERED:
            return [p for p in plugin.denylist if isinstance(p, re.Pattern)] or None
    return None
