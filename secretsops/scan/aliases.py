"""detect-secrets' own identities for a credential we report, so its baselines match ours.

Some of our detectors report a credential differently from detect-secrets' built-in plugin for
it: ``GitHubTokenDetector``'s pattern has a capturing group, so detect-secrets records only the
prefix (``ghp``) of every token (Yelp/detect-secrets#858); ``AzureStorageKeyDetector`` records
``AccountKey=`` and the key; an entropy plugin records the whole quoted run. A baseline written
by detect-secrets therefore names the same credential by another (type, hashed secret). An
*alias* is such a pair: what one of detect-secrets' unmodified built-in plugins finds on the
finding's line, where that value and ours contain one another. A baseline entry of the same
file that matches an alias accepts the finding (``secretsops.baseline.new_findings``).

Only ``analyze_string`` is called (never ``analyze_line``, which may verify a secret over the
network), and entropy plugins run with no entropy limit, so an entry written with any
``limit`` still matches. Aliases are SHA-1 hashes, like ``Finding.baseline_hash``; never a value.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from secretsops.scan.fingerprint import baseline_hash

Alias = str  # "type\0hashed_secret"


@lru_cache(maxsize=1)
def _native_plugins() -> tuple[Any, ...]:
    from abc import abstractproperty

    from detect_secrets import plugins
    from detect_secrets.plugins.base import BasePlugin
    from detect_secrets.plugins.high_entropy_strings import HighEntropyStringsPlugin
    from detect_secrets.util.importlib import import_types_from_package

    found: list[Any] = []
    for cls in import_types_from_package(
        plugins,
        filter=lambda x: (
            not (
                isinstance(x, type)
                and issubclass(x, BasePlugin)
                and not isinstance(x.secret_type, abstractproperty)
            )
        ),
    ):
        make: Any = cls
        try:
            if issubclass(cls, HighEntropyStringsPlugin):
                found.append(make(limit=0.0))
            else:
                found.append(make())
        except TypeError:  # a plugin that needs options we cannot supply: no aliases from it
            continue
    return tuple(sorted(found, key=lambda p: type(p).__name__))


def _values(plugin: Any, path: str, line: str) -> list[str]:
    from detect_secrets.plugins.keyword import KeywordDetector

    if isinstance(plugin, KeywordDetector):
        from detect_secrets.plugins.keyword import (
            QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP,
            REGEX_BY_FILETYPE,
        )
        from detect_secrets.util.filetype import determine_file_type

        groups = REGEX_BY_FILETYPE.get(
            determine_file_type(path), QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP
        )
        matches = plugin.analyze_string(line, denylist_regex_to_group=groups)
    else:
        matches = plugin.analyze_string(line)
    return [m for m in matches if isinstance(m, str) and m]


def aliases_of(path: str, line: str, secret: str) -> tuple[Alias, ...]:
    """The (type, hashed secret) pairs detect-secrets' built-in plugins give ``secret`` on
    ``line`` of ``path``, other than our own."""
    if not secret or not line:
        return ()
    out: set[Alias] = set()
    for plugin in _native_plugins():
        try:
            values = _values(plugin, path, line)
        except Exception:  # noqa: S112 - a plugin that fails on a line gives no alias
            continue
        for value in values:
            if value in secret or secret in value:
                out.add(f"{plugin.secret_type}\0{baseline_hash(value)}")
    return tuple(sorted(out))


def split(alias: Alias) -> tuple[str, str]:
    """(type, hashed secret) of an alias."""
    kind, _, hashed = alias.partition("\0")
    return kind, hashed
