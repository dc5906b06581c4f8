"""The detection engine: the only module that imports detect-secrets.

It runs detect-secrets' built-in plugins plus ours (the ``secretsops_plugins`` package, the
repository's top-level ``plugins/`` folder) with detect-secrets' filters, on text held in memory,
so working-tree files, staged blobs and history blobs go through the same code. Our plugins are
registered in-process by class name, so baselines never record a machine-specific path.

detect-secrets keeps its settings in a process-wide singleton; ``Engine`` configures it once on
entry and restores it on exit. Use one engine per process (worker processes build their own).
"""

from __future__ import annotations

import importlib
import io
import pkgutil
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import Any

from secretsops.finding import Confidence

PLUGIN_PACKAGE = "secretsops_plugins"

# Filters we add to detect-secrets' defaults, by dotted path (the form detect-secrets stores).
GITLEAKS_ALLOW_FILTER = "secretsops.allowlist.is_gitleaks_allowlisted"
# detect-secrets drops every path that does not exist on disk relative to the working
# directory; our text comes from blobs and other roots, so that filter is always off.
_INVALID_FILE_FILTER = "detect_secrets.filters.common.is_invalid_file"
# detect-secrets filters that secretsops.precision replaces (see its docstrings): the UUID filter
# dropped GUID-shaped passwords; the indirect-reference filter dropped every line assigning a
# call's result, whatever credential the call's arguments held.
REPLACED_FILTERS = frozenset(
    {
        "detect_secrets.filters.heuristic.is_potential_uuid",
        "detect_secrets.filters.heuristic.is_indirect_reference",
    }
)

# Confidence of detect-secrets' built-in plugins: a fixed, documented prefix or structure is
# high; a keyword or URL shape is medium; a bare entropy or address measure is low.
_BUILTIN_CONFIDENCE: dict[str, Confidence] = {
    "ArtifactoryDetector": Confidence.HIGH,
    "AWSKeyDetector": Confidence.HIGH,
    "AzureStorageKeyDetector": Confidence.HIGH,
    "DiscordBotTokenDetector": Confidence.HIGH,
    "GitHubTokenDetector": Confidence.HIGH,
    "GitLabTokenDetector": Confidence.HIGH,
    "MailchimpDetector": Confidence.HIGH,
    "NpmDetector": Confidence.HIGH,
    "OpenAIDetector": Confidence.HIGH,
    "PrivateKeyDetector": Confidence.HIGH,
    "PypiTokenDetector": Confidence.HIGH,
    "SendGridDetector": Confidence.HIGH,
    "SlackDetector": Confidence.HIGH,
    "SquareOAuthDetector": Confidence.HIGH,
    "StripeDetector": Confidence.HIGH,
    "TelegramBotTokenDetector": Confidence.HIGH,
    "TwilioKeyDetector": Confidence.HIGH,
    "BasicAuthDetector": Confidence.MEDIUM,
    "CloudantDetector": Confidence.MEDIUM,
    "IbmCloudIamDetector": Confidence.MEDIUM,
    "IbmCosHmacDetector": Confidence.MEDIUM,
    "JwtTokenDetector": Confidence.MEDIUM,
    "KeywordDetector": Confidence.MEDIUM,
    "SoftlayerDetector": Confidence.MEDIUM,
    "Base64HighEntropyString": Confidence.LOW,
    "HexHighEntropyString": Confidence.LOW,
    "IPPublicDetector": Confidence.LOW,
}


@dataclass(frozen=True)
class RawSecret:
    """A detector hit before it becomes a Finding. Holds the value: never log or store it."""

    type: str
    plugin: str
    line: int
    secret: str = field(repr=False)
    line_text: str = field(repr=False)
    confidence: Confidence
    column: int | None = None  # 1-based, where the value starts (structural findings)
    structural_path: str | None = None  # e.g. ``variables.sqlAdminPassword`` (pipelines)


@dataclass(frozen=True)
class EngineConfig:
    """What the engine runs: plugin options and extra filters, as detect-secrets stores them."""

    plugin_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    extra_filters: tuple[dict[str, Any], ...] = ()
    disabled_plugins: frozenset[str] = frozenset()


def plugin_modules() -> list[str]:
    """Dotted names of our plugin modules, in a stable order."""
    package = importlib.import_module(PLUGIN_PACKAGE)
    return sorted(
        f"{PLUGIN_PACKAGE}.{info.name}"
        for info in pkgutil.iter_modules(package.__path__)
        if not info.name.startswith("_")
    )


def our_plugin_classes() -> list[type[Any]]:
    """Every concrete detect-secrets plugin class in the plugins package."""
    from detect_secrets.core.plugins.util import get_plugins_from_module

    classes: dict[str, type[Any]] = {}
    for name in plugin_modules():
        module = importlib.import_module(name)
        cls: type[Any]
        for cls in get_plugins_from_module(module):
            # A class imported into a plugin module belongs to the module that defines it.
            if cls.__module__ == module.__name__:
                classes[cls.__name__] = cls
    return [classes[k] for k in sorted(classes)]


def register_our_plugins() -> dict[str, type[Any]]:
    """Put our plugin classes into detect-secrets' registry; return the whole registry."""
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    mapping: dict[str, type[Any]] = get_mapping_from_secret_type_to_class()
    for cls in our_plugin_classes():
        mapping[cls.secret_type] = cls
    return mapping


def _settings_config(config: EngineConfig) -> dict[str, Any]:
    from detect_secrets.settings import Settings

    mapping = register_our_plugins()
    plugins = []
    for cls in sorted(mapping.values(), key=lambda c: c.__name__.lower()):
        if cls.__name__ in config.disabled_plugins:
            continue
        plugins.append({"name": cls.__name__, **config.plugin_options.get(cls.__name__, {})})
    from secretsops.precision import filter_paths

    filters = [
        {"path": path}
        for path in sorted(Settings().filters)
        if path not in Settings.DEFAULT_FILTERS and path not in REPLACED_FILTERS
    ]
    filters.append({"path": GITLEAKS_ALLOW_FILTER})
    filters.extend({"path": path} for path in filter_paths())
    known = {f["path"] for f in filters}
    for extra in config.extra_filters:
        if extra["path"] not in known:
            filters.append(dict(extra))
            known.add(extra["path"])
    return {"plugins_used": plugins, "filters_used": filters}


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
    (``secretsops.regex_literals``), found for all patterns at once with one Aho-Corasick
    automaton per line (case-folded for case-insensitive patterns), so most lines cost one
    pass of C code and no regular expression at all.
    """

    def __init__(self, plugins: Sequence[Any]) -> None:
        import ahocorasick

        from secretsops.regex_literals import is_case_insensitive, required_literals

        self._always: list[Any] = []
        self._custom: list[Any] = []
        self._checks: list[tuple[Any, re.Pattern[str]]] = []
        self._ungated: list[int] = []
        exact: dict[str, set[int]] = {}
        folded: dict[str, set[int]] = {}
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
                if literals is None:
                    self._ungated.append(index)
                elif is_case_insensitive(pattern):
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
        if self._always or self._custom or self._ungated:
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
        if len(memo) + len(lines) > _MEMO_LINES:
            memo.clear()
        for j, line in enumerate(lines):
            hits = ids.get(j)
            plugins = self._chosen(line, hits) if hits else _NONE
            memo[line] = plugins
            if plugins:
                out[fresh[j]] = plugins
        return dict(sorted(out.items()))


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


BASELINE_NAME = ".secrets.baseline"
#: Other scanners' baselines and suppression files: hashes of accepted findings, not content
#: (Microsoft Guardian / CredScan).
_OTHER_BASELINES = frozenset({".gdnbaselines", ".gdnsuppress"})


def is_baseline_file(path: str) -> bool:
    """A baseline holds hashes of accepted findings, never content to scan (any folder):
    ours and other scanners' (Guardian's ``.gdnbaselines``, ``.gdnsuppress``)."""
    name = path.rsplit("/", 1)[-1]
    return name == BASELINE_NAME or name in _OTHER_BASELINES


class _NamedStringIO(io.StringIO):
    """What detect-secrets' transformers read: a text stream with a ``name``."""

    def __init__(self, text: str, name: str) -> None:
        super().__init__(text)
        self.name = name


def _cannot_be_ini(text: str) -> bool:
    """True when detect-secrets' INI transformer must fail on ``text`` (no configparser run).

    ``configparser`` reads ``io.StringIO(text)`` line by line; it skips lines that are blank
    or, stripped, start with ``#`` or ``;`` (detect-secrets' parser has the default comment
    prefixes and no inline ones). The first other line, stripped, must match ``\\[.+\\]``, or
    ``MissingSectionHeaderError`` (a ``configparser.Error``) is raised; a text without such a
    line parses to no section, which the transformer also rejects. So when that line does not
    begin with ``[``, or there is none, the transformer raises ``ParsingError``.
    ``tests/test_history_equivalence.py::test_first_view_shortcut_matches_detect_secrets``.
    """
    for line in io.StringIO(text):
        value = line.strip()
        if not value or value.startswith(("#", ";")):
            continue
        return not value.startswith("[") or _has_ini_error_line(text)
    return True


_NONSPACE = re.compile(r"\S")  # configparser's NONSPACECRE


def _has_ini_error_line(text: str) -> bool:
    """True when configparser must record a parsing error in ``text``, with or without the
    ``[global]`` header detect-secrets' eager INI transformer adds (so both INI transformers
    fail on it).

    Python's ``RawConfigParser._read`` (default settings: ``=`` and ``:`` delimiters, ``#`` and
    ``;`` full-line comment prefixes, no inline ones) reads ``io.StringIO`` lines. A line whose
    first character is not whitespace (``NONSPACECRE``) has indent 0, so it can never continue
    a value; stripped, unless it is empty, a comment or begins with ``[`` (maybe a section
    header), it must match ``OPTCRE`` with a non-empty option name: hold ``=`` or ``:``, not
    as its first character. A line that does not is appended to a ``ParsingError`` raised
    once the text is read (when no section was open yet, ``MissingSectionHeaderError`` is
    raised at once instead). Either is a ``configparser.Error``, which the transformers turn
    into ``ParsingError``. ``tests/test_history_equivalence.py`` compares both views.
    """
    for line in io.StringIO(text):
        if not _NONSPACE.match(line):
            continue
        value = line.strip()
        if value.startswith(("#", ";", "[")):
            continue
        if value[0] in "=:" or ("=" not in value and ":" not in value):
            return True
    return False


_SEQUENCE_ITEM = re.compile(r"[ \t]*-[ \t]+[^\s#]|[^#\n]*:[ \t]*\[[^\]\n]*[\"'=]")


def _with_sequence_items(view: list[str], text: str) -> list[str]:
    """The YAML view with the sequence items it leaves out, as they are written.

    detect-secrets' YAML transformer renders only mapping values: strings in a sequence
    (``environment: [- DATABASE_URL=scheme://user:password@host]`` in a compose file, container
    ``args``, ``command: ["--password", "..."]``) vanish from its view, so a credential there was
    never scanned in a YAML file while the same line in any other file was. Each line the view
    leaves empty that holds a block sequence item, or a flow sequence with quoted or assigned
    entries, is scanned as written; every other line keeps the transformer's rendering.
    """
    if "-" not in text and "[" not in text:
        return view
    raw = text.splitlines(keepends=True)
    if len(view) < len(raw):
        view = view + [""] * (len(raw) - len(view))
    filled: list[str] | None = None
    for index, line in enumerate(raw):
        if view[index].strip() or not _SEQUENCE_ITEM.match(line):
            continue
        if filled is None:
            filled = list(view)
        filled[index] = line
    return filled if filled is not None else view


def _aliases_explode(path: str, text: str) -> bool:
    """A YAML file whose aliases name more values than ``yaml_nodes.MAX_VALUES``."""
    if "*" not in text or "&" not in text:
        return False
    from detect_secrets.util.filetype import FileType, determine_file_type

    if determine_file_type(path) != FileType.YAML:
        return False
    from secretsops.pipelines.yaml_nodes import StructureError, compose_documents, walk

    try:
        for document in compose_documents(text):
            for _ in walk(document):
                pass
    except StructureError as exc:
        return "aliases" in str(exc)
    return False


def _transformed_not_ini(file: Any) -> list[str] | None:
    """detect-secrets' ``get_transformed_file`` (not eager) minus the INI transformer."""
    return _transformed(file, eager=False, skip_ini=True)


def _transformed(file: Any, *, eager: bool, skip_ini: bool) -> list[str] | None:
    """detect-secrets' ``get_transformed_file``, without its INI transformers if ``skip_ini``."""
    from detect_secrets.transformers import get_transformers
    from detect_secrets.transformers.config import (
        ConfigFileTransformer,
        EagerConfigFileTransformer,
    )
    from detect_secrets.transformers.exceptions import ParsingError

    transformer: Any
    for transformer in get_transformers():
        if skip_ini and type(transformer) in (ConfigFileTransformer, EagerConfigFileTransformer):
            continue
        if not transformer.should_parse_file(file.name) or transformer.is_eager != eager:
            continue
        try:
            lines: list[str] = transformer.parse_file(file)
            return lines
        except ParsingError:
            pass
        finally:
            file.seek(0)
    return None


class _Shifted:
    """``number -> number - 1``: line numbers to positions when lines are a whole view."""

    def __getitem__(self, number: int) -> int:
        return number - 1


class Engine:
    """detect-secrets, configured for secretsops, scanning text in memory."""

    def __init__(self, config: EngineConfig | None = None) -> None:
        self.config = config or EngineConfig()
        self._context: Any = None
        self._plugins: list[Any] = []
        self._confidence: dict[str, Confidence] = {}
        self._prefilter: Prefilter | None = None
        self._structural: Any = None
        self.use_prefilter = True
        #: path -> the parser's reason, for pipeline files whose structure could not be read.
        self.structure_errors: dict[str, str] = {}

    def __enter__(self) -> Engine:
        from detect_secrets import settings as ds_settings
        from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

        get_mapping_from_secret_type_to_class.cache_clear()
        self._context = ds_settings.transient_settings(_settings_config(self.config))
        settings = self._context.__enter__()
        settings.disable_filters(_INVALID_FILE_FILTER)
        every = list(ds_settings.get_plugins())
        # Structural detectors (pipeline variables) run on whole files, not line by line.
        self._plugins = [p for p in every if not getattr(p, "structural", False)]
        self._structural = next((p for p in every if getattr(p, "structural", False)), None)
        self._prefilter = Prefilter(self._plugins)
        for plugin in every:
            declared = getattr(plugin, "confidence", None)
            name = type(plugin).__name__
            self._confidence[plugin.secret_type] = (
                Confidence(declared)
                if isinstance(declared, str)
                else _BUILTIN_CONFIDENCE.get(name, Confidence.MEDIUM)
            )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._context is not None:
            self._context.__exit__(exc_type, exc, tb)
            self._context = None

    def settings_json(self) -> dict[str, Any]:
        """``plugins_used`` and ``filters_used`` as a detect-secrets baseline records them."""
        from detect_secrets.settings import get_settings

        data: dict[str, Any] = get_settings().json()
        return data

    @property
    def plugin_types(self) -> dict[str, str]:
        """Plugin class name -> secret type, for every active plugin."""
        types = {type(p).__name__: p.secret_type for p in self._plugins}
        if self._structural is not None:
            types[type(self._structural).__name__] = self._structural.secret_type
        return types

    def confidence_of(self, plugin: Any, secret: str) -> Confidence:
        check = getattr(plugin, "confidence_for", None)
        if callable(check):
            return Confidence(check(secret))
        return self._confidence.get(plugin.secret_type, Confidence.MEDIUM)

    def is_excluded_path(self, path: str) -> bool:
        """True when a filename filter (excluded paths, lock files, the baseline) drops it."""
        from detect_secrets.core.scan import _is_filtered_out

        if is_baseline_file(path):
            return True
        return bool(_is_filtered_out(required_filter_parameters=["filename"], filename=path))

    def scan_text(self, path: str, text: str, kind: str | None = None) -> list[RawSecret]:
        """Every secret detect-secrets reports in ``text``, read as the file ``path``, with the
        structural findings of a pipeline file (``kind`` forces a pipeline format)."""
        if self.is_excluded_path(path):
            return []
        found: list[RawSecret] = []
        for lines in self._line_sets(path, text):
            found = list(self._scan_lines(path, list(enumerate(lines, start=1))))
            if found:
                break
        return self.with_structure(path, text, found, kind)

    # Pipeline definitions (secretsops.pipelines): parsed whole, merged with the line results.

    def pipeline_kind(self, path: str, text: str) -> str | None:
        """The pipeline format of the file, when the structural detector is enabled."""
        if self._structural is None:
            return None
        from secretsops.pipelines.structure import kind_of

        return kind_of(path, text)

    def with_structure(
        self, path: str, text: str, found: list[RawSecret], kind: str | None = None
    ) -> list[RawSecret]:
        """``found`` (the line results of the whole file) merged with its structural findings.

        A structural finding and a line finding of the same value (or one holding the other) on
        the same line are one finding: it keeps the line detector's type (so baselines written
        before pipelines were parsed keep matching, and a GitHub token stays a GitHub token) and
        carries the structural path and column. Every line finding inside a scalar value of the
        file carries them too.
        """
        if self._structural is None:
            return found
        kind = kind or self.pipeline_kind(path, text)
        if kind is None:
            return found
        from secretsops.pipelines.structure import scan_structure

        result = scan_structure(path, text, kind)
        if result is None:
            return found
        if result.error is not None:
            self.structure_errors[path] = result.error
            return found
        return _merged(self, path, text, found, result)

    def structural_secret(self, hit: Any) -> RawSecret:
        """A RawSecret of the structural detector for a ``StructuralHit``."""
        plugin = self._structural
        return RawSecret(
            type=plugin.secret_type,
            plugin=type(plugin).__name__,
            line=hit.line,
            secret=hit.secret,
            line_text=hit.line_text,
            confidence=self.confidence_of(plugin, hit.secret),
            column=hit.column,
            structural_path=hit.path,
        )

    def kept(self, path: str, lines: list[str], number: int, line: str, secret: str) -> bool:
        """Whether detect-secrets' line and secret filters (allowlist pragmas, baseline
        exclusions, the precision filters) let a structural finding through."""
        from detect_secrets.core.scan import _is_filtered_out
        from detect_secrets.util.code_snippet import get_code_snippet

        snippet = get_code_snippet(lines=lines, line_number=number)
        if _is_filtered_out(
            required_filter_parameters=["line"], filename=path, line=line, context=snippet
        ):
            return False
        for required in (["secret"], ["context"]):
            if _is_filtered_out(
                required_filter_parameters=required,
                filename=path,
                secret=secret,
                plugin=self._structural,
                line=line,
                context=snippet,
            ):
                return False
        return True

    def scan_lines(self, path: str, lines: Sequence[tuple[int, str]]) -> list[RawSecret]:
        """Scan given (line number, line) pairs of ``path``, e.g. the lines a commit adds."""
        if self.is_excluded_path(path):
            return []
        return list(self._scan_lines(path, list(lines)))

    def _line_sets(self, path: str, text: str) -> Iterator[list[str]]:
        # detect-secrets' scan_file: a transformer's view of the file (YAML, INI), else its
        # plain lines; then, if nothing was found, the eager transformers' view.
        yield self.first_view(path, text)
        eager = self.eager_view(path, text)
        if eager:
            yield eager

    # Hooks for history scans (secretsops.history_worker), which scan only the lines of a
    # view that differ from the previous version of the file and must see what scan_text sees.

    def first_view(self, path: str, text: str) -> list[str]:
        """The lines scan_text checks first: a transformer's view (YAML, INI) or plain lines."""
        from detect_secrets.transformers import get_transformed_file

        stream: Any = _NamedStringIO(text, path)
        if _aliases_explode(path, text):
            # detect-secrets' YAML transformer would expand every alias (it hangs on an alias
            # bomb); such a file is read as plain lines.
            return text.splitlines(keepends=True)
        if _cannot_be_ini(text):
            lines = _transformed_not_ini(stream)
        else:
            lines = get_transformed_file(stream)
        if not lines:
            return text.splitlines(keepends=True)
        return _with_sequence_items(lines, text)

    def eager_view(self, path: str, text: str) -> list[str] | None:
        """The eager transformers' view scan_text falls back to when the first found nothing."""
        from detect_secrets.transformers import get_transformed_file

        stream: Any = _NamedStringIO(text, path)
        if _has_ini_error_line(text):
            # The eager INI transformer must fail: configparser is not run.
            eager = _transformed(stream, eager=True, skip_ini=True)
        else:
            eager = get_transformed_file(stream, use_eager_transformers=True)
        return eager or None

    def scan_view(self, path: str, view: list[str], numbers: Iterable[int]) -> list[RawSecret]:
        """Scan lines ``numbers`` (1-based) of ``view``, with the whole view as their context."""
        lines = [(n, view[n - 1]) for n in numbers]
        return list(self._scan_lines(path, lines, content=view))

    @staticmethod
    def path_class(path: str) -> str:
        """What of a path, besides filename filters, detection depends on.

        detect-secrets reads a path's file type (keyword patterns, transformers) and its
        extension (allowlist comment syntax); two paths of one class scan a blob alike.
        """
        import os.path

        from detect_secrets.util.filetype import determine_file_type

        return f"{determine_file_type(path).name}:{os.path.splitext(path)[1]}"

    def _scan_lines(
        self, path: str, lines: list[tuple[int, str]], content: list[str] | None = None
    ) -> Iterator[RawSecret]:
        from detect_secrets.core.scan import _is_filtered_out, _scan_line
        from detect_secrets.util.code_snippet import get_code_snippet

        if not lines:
            return
        index_of: Any
        if content is None:
            content = [line for _, line in lines]
            index_of = {number: i for i, (number, _) in enumerate(lines)}
        else:
            index_of = _Shifted()
        prefilter = self._prefilter if self.use_prefilter else None
        work: Iterable[tuple[int, str, list[Any]]]
        if prefilter is None:
            work = ((number, raw.rstrip(), self._plugins) for number, raw in lines)
        else:
            # Only lines some plugin could fire on reach detect-secrets' filters and plugins.
            stripped = [raw.rstrip() for _, raw in lines]
            chosen = prefilter.candidates_of_lines(stripped)
            work = ((lines[i][0], stripped[i], plugins) for i, plugins in chosen.items())
        for number, line, plugins in work:
            # Lines are numbered as in the file, but the snippet needs the position in
            # `content`; the two differ when scanning only some lines of a blob.
            snippet = get_code_snippet(lines=content, line_number=index_of[number] + 1)
            if _is_filtered_out(
                required_filter_parameters=["line"],
                filename=path,
                line=line,
                context=snippet,
            ):
                continue
            for plugin in plugins:
                for secret in _scan_line(
                    plugin=plugin,
                    filename=path,
                    line=line,
                    line_number=number,
                    context=snippet,
                ):
                    if _is_filtered_out(
                        required_filter_parameters=["context"],
                        filename=path,
                        secret=secret.secret_value,
                        plugin=plugin,
                        line=line,
                        context=snippet,
                    ):
                        continue
                    value = str(secret.secret_value)
                    yield RawSecret(
                        type=secret.type,
                        plugin=type(plugin).__name__,
                        line=number,
                        secret=value,
                        line_text=line,
                        confidence=self.confidence_of(plugin, value),
                    )


def _merged(
    engine: Engine, path: str, text: str, found: list[RawSecret], result: Any
) -> list[RawSecret]:
    by_line: dict[int, list[Any]] = {}
    for hit in result.hits:
        by_line.setdefault(hit.line, []).append(hit)
    used: set[int] = set()
    out: list[RawSecret] = []
    for raw in found:
        place = result.locate(raw.line, raw.secret)
        if place is not None:
            # Where the value really is (a YAML view may have moved it to its key's line).
            raw = replace(raw, line=place[0], column=place[1], structural_path=place[2])
        match = next(
            (
                h
                for h in by_line.get(raw.line, [])
                if h.secret in raw.secret or raw.secret in h.secret
            ),
            None,
        )
        if match is not None:
            used.add(id(match))
            if place is None:
                raw = replace(raw, column=match.column, structural_path=match.path)
        out.append(raw)
    lines = text.splitlines()
    for hit in result.hits:
        if id(hit) in used or not engine.kept(path, lines, hit.line, hit.line_text, hit.secret):
            continue
        out.append(engine.structural_secret(hit))
    unique: dict[tuple[str, int, str], RawSecret] = {}
    for raw in out:
        unique.setdefault((raw.type, raw.line, raw.secret), raw)
    return sorted(unique.values(), key=lambda r: (r.line, r.column or 0))


def builtin_baseline_filters(
    baseline_filters: Iterable[dict[str, Any]],
) -> tuple[dict[str, Any], ...]:
    """The filters of a detect-secrets baseline worth honouring: user exclusions by regex."""
    keep = (
        "detect_secrets.filters.regex.should_exclude_file",
        "detect_secrets.filters.regex.should_exclude_line",
        "detect_secrets.filters.regex.should_exclude_secret",
    )
    return tuple(dict(f) for f in baseline_filters if f.get("path") in keep)


def run_detect_secrets(argv: list[str]) -> int:
    """Run the detect-secrets CLI with our plugins registered (for ``detect-secrets audit``)."""
    from detect_secrets.main import main as ds_main

    register_our_plugins()
    return int(ds_main(argv) or 0)


def upgrade_baseline(data: dict[str, Any]) -> dict[str, Any]:
    """Bring a baseline written by any detect-secrets version to the current format."""
    from detect_secrets.core.baseline import upgrade

    upgraded: dict[str, Any] = upgrade(data)
    return upgraded


def config_from_baseline(
    plugins_used: Iterable[dict[str, Any]], filters_used: Iterable[dict[str, Any]]
) -> EngineConfig:
    """Honour what a baseline configured: plugin options (limits) and regex exclusions."""
    options: dict[str, dict[str, Any]] = {}
    for plugin in plugins_used:
        if not isinstance(plugin, dict) or "name" not in plugin:
            continue
        extra = {k: v for k, v in plugin.items() if k not in ("name", "path")}
        if extra:
            options[str(plugin["name"])] = extra
    return EngineConfig(
        plugin_options=options, extra_filters=builtin_baseline_filters(filters_used)
    )
