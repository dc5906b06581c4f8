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
import pkgutil
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import Any

from secretsops.scan.findings import Confidence
from secretsops.scan.prefilter import Prefilter
from secretsops.scan.views import (
    _aliases_explode,
    _cannot_be_ini,
    _has_ini_error_line,
    _NamedStringIO,
    _transformed,
    _transformed_not_ini,
    _with_sequence_items,
)

PLUGIN_PACKAGE = "secretsops_plugins"

# Filters we add to detect-secrets' defaults, by dotted path (the form detect-secrets stores).
GITLEAKS_ALLOW_FILTER = "secretsops.scan.filters.is_gitleaks_allowlisted"
# detect-secrets drops every path that does not exist on disk relative to the working
# directory; our text comes from blobs and other roots, so that filter is always off.
_INVALID_FILE_FILTER = "detect_secrets.filters.common.is_invalid_file"
# detect-secrets filters that secretsops.scan.filters replaces (see its docstrings): the UUID filter
# dropped GUID-shaped passwords; the indirect-reference filter dropped every line assigning a
# call's result, whatever credential the call's arguments held; the dollar-sign filter dropped
# every password hash in a crypt format ($6$..., $apr1$...).
REPLACED_FILTERS = frozenset(
    {
        "detect_secrets.filters.heuristic.is_potential_uuid",
        "detect_secrets.filters.heuristic.is_indirect_reference",
        "detect_secrets.filters.heuristic.is_prefixed_with_dollar_sign",
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
    from secretsops.scan.filters import filter_paths

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


BASELINE_NAME = ".secrets.baseline"
#: Other scanners' baselines and suppression files: hashes of accepted findings, not content
#: (Microsoft Guardian / CredScan).
_OTHER_BASELINES = frozenset({".gdnbaselines", ".gdnsuppress"})


def is_baseline_file(path: str) -> bool:
    """A baseline holds hashes of accepted findings, never content to scan (any folder):
    ours and other scanners' (Guardian's ``.gdnbaselines``, ``.gdnsuppress``)."""
    name = path.rsplit("/", 1)[-1]
    return name == BASELINE_NAME or name in _OTHER_BASELINES


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

        from secretsops.scan import yaml_view

        yaml_view.mode()  # a bad SECRETSOPS_YAML_VIEW: one line, exit 2, before any work
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
        """``plugins_used`` and ``filters_used`` as a detect-secrets baseline records them.

        Our plugins carry a ``path``, ``file://`` to the installed module, as detect-secrets'
        custom plugins do: plain ``detect-secrets`` loads them from there (it cannot load a
        plugin it does not ship without one)."""
        import inspect
        from pathlib import Path

        from detect_secrets.settings import get_settings

        data: dict[str, Any] = get_settings().json()
        ours = {cls.__name__: cls for cls in our_plugin_classes()}
        for plugin in data.get("plugins_used", []):
            cls = ours.get(plugin.get("name"))
            if cls is not None:
                plugin["path"] = Path(inspect.getfile(cls)).resolve().as_uri()
        return data

    @property
    def prefilter(self) -> Prefilter | None:
        return self._prefilter

    @property
    def reads_pipelines(self) -> bool:
        """Whether the structural detector of pipeline definitions is enabled."""
        return self._structural is not None

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

    # Hooks for history scans (secretsops.scan.blobs), which scan only the lines of a
    # view that differ from the previous version of the file and must see what scan_text sees.

    def first_view(self, path: str, text: str) -> list[str]:
        """The lines scan_text checks first: a transformer's view (YAML, INI) or plain lines."""
        stream: Any = _NamedStringIO(text, path)
        if _aliases_explode(path, text):
            # detect-secrets' YAML transformer would expand every alias (it hangs on an alias
            # bomb); such a file is read as plain lines.
            return text.splitlines(keepends=True)
        if _cannot_be_ini(text):
            lines = _transformed_not_ini(stream)
        else:
            lines = _transformed(stream, eager=False)
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
