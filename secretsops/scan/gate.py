"""The candidate gate: files that provably yield no finding, decided without detect-secrets.

Starting detect-secrets costs more than most commit-hook scans (importing it pulls in
``requests`` and compiles some 300 regular expressions: about 0.15 s of a 0.35 s hook run).
Yet most commits add no line any plugin could fire on. The gate proves that from what the
prefilter already knows, without importing detect-secrets or our plugins:

- every active plugin is gated by necessary patterns (``Prefilter.gate_checks``): a line on
  which no such pattern ``search``-es cannot yield a finding (the prefilter's own proof);
- the file's views are its plain lines: detect-secrets' YAML transformer does not apply (not a
  YAML file type), configparser must fail on it with and without the eager ``[global]`` header
  (``views._has_ini_error_line``), and it is no pipeline definition;
- so when no line (or, for a commit hook without a baseline, no line the commit adds) has a
  candidate, the file yields no finding, and when every file is such a file the engine is never
  built.

The necessary patterns (with their required literals, a cheaper whole-text pre-check) are
cached in the user's cache folder, keyed by the engine's configuration and the installed
detector modules (their paths, sizes and modification times), written the first time an engine
is built. Without a cache entry nothing is skipped. ``tests/test_gate.py`` compares the gate
with the engine on a varied corpus.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from secretsops import __version__
from secretsops.scan.views import _has_ini_error_line

if TYPE_CHECKING:
    from secretsops.scan.engine import Engine, EngineConfig

_FORMAT = 1
#: detect-secrets' YAML file type (``util.filetype.determine_file_type``); the YAML
#: transformer reads only these. ``tests/test_gate.py`` checks the table against detect-secrets.
YAML_EXTENSIONS = frozenset({".yaml", ".yml", ".eyaml"})


def cache_dir() -> Path:
    """``$SECRETSOPS_CACHE_DIR``, else ``$XDG_CACHE_HOME/secretsops`` (``~/.cache/secretsops``)."""
    own = os.environ.get("SECRETSOPS_CACHE_DIR")
    if own:
        return Path(own)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "secretsops"


def write_cache_file(name: str, data: bytes) -> None:
    """Write ``name`` in the cache folder atomically; a cache that cannot be written only
    makes the next run slower, so a failure is ignored."""
    folder = cache_dir()
    target = folder / name
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        temp.write_bytes(data)
        os.replace(temp, target)
    except OSError:
        pass


def _module_stats(package: str, pattern: str = "*.py") -> list[list[object]]:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return []
    out: list[list[object]] = []
    for location in spec.submodule_search_locations:
        for path in sorted(Path(location).rglob(pattern)):
            st = path.stat()
            out.append([str(path), st.st_size, st.st_mtime_ns])
    return out


def cache_key(config: EngineConfig) -> str:
    """What the gate's patterns depend on: configuration, detectors and this engine's code."""
    here = Path(__file__).parent
    ours = [
        [name, (here / name).stat().st_size, (here / name).stat().st_mtime_ns]
        for name in ("engine.py", "prefilter.py", "literals.py", "gate.py", "views.py")
    ]
    material = {
        "format": _FORMAT,
        "version": __version__,
        "config": {
            "plugin_options": config.plugin_options,
            "extra_filters": list(config.extra_filters),
            "disabled_plugins": sorted(config.disabled_plugins),
        },
        "ours": ours,
        "plugins": _module_stats("secretsops_plugins"),
        "detect_secrets": _module_stats("detect_secrets"),
    }
    blob = json.dumps(material, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:32]


class Gate:
    """Necessary patterns of every active plugin, and what a report needs of the engine."""

    def __init__(self, record: dict[str, Any]) -> None:
        self._checks: list[tuple[re.Pattern[str], list[str] | None, bool]] = [
            (re.compile(source, flags), literals, folded)
            for source, flags, literals, folded in record["checks"]
        ]
        self.detectors: dict[str, str] = dict(record["detectors"])
        self.settings: dict[str, Any] = record["settings"]
        self.pipelines: bool = bool(record["pipelines"])

    @classmethod
    def load(cls, config: EngineConfig) -> Gate | None:
        """The cached gate for ``config``, or None (not cached yet, unreadable, other format)."""
        path = cache_dir() / f"gate-{cache_key(config)}.json"
        try:
            return cls(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError, re.error):
            return None

    @staticmethod
    def save(config: EngineConfig, engine: Engine) -> None:
        """Record ``engine``'s gate; nothing when a plugin is not gated. Never fatal."""
        from secretsops.scan.literals import is_case_insensitive, required_literals

        prefilter = engine.prefilter
        checks = prefilter.gate_checks() if prefilter is not None else None
        if checks is None:
            return
        record = {
            "checks": [
                [
                    p.pattern,
                    p.flags,
                    None if (lits := required_literals(p)) is None else sorted(lits),
                    is_case_insensitive(p),
                ]
                for p in checks
            ],
            "detectors": {t: name for name, t in engine.plugin_types.items()},
            "settings": engine.settings_json(),
            "pipelines": engine.reads_pipelines,
        }
        write_cache_file(f"gate-{cache_key(config)}.json", json.dumps(record).encode())

    def clean(self, path: str, text: str, numbers: Collection[int] | None = None) -> bool:
        """True when ``text``, read as ``path``, provably yields no finding (on the lines
        ``numbers``, 1-based, when given). False means: scan it."""
        if os.path.splitext(path)[1] in YAML_EXTENSIONS or not _has_ini_error_line(text):
            return False
        if self.pipelines and path.casefold().endswith((".json", ".yml", ".yaml", ".eyaml")):
            from secretsops.pipelines.structure import kind_of

            if kind_of(path, text) is not None:
                return False
        lines = text.splitlines()
        if numbers is not None:
            chosen = [lines[n - 1].rstrip() for n in sorted(numbers) if 0 < n <= len(lines)]
        else:
            chosen = [line.rstrip() for line in lines]
        if not chosen:
            return True
        joined = "\n".join(chosen)
        folded: str | None = None
        for pattern, literals, fold in self._checks:
            if literals is not None:
                if fold:
                    folded = joined.casefold() if folded is None else folded
                    if not any(lit.casefold() in folded for lit in literals):
                        continue
                elif not any(lit in joined for lit in literals):
                    continue
            if any(pattern.search(line) for line in chosen):
                return False
        return True
