"""Key Vault secret names and environment-variable names, derived from where a value was found.

Key Vault names are 1-127 characters of ``[0-9a-zA-Z-]`` and case-insensitive. A plain key
(``sqlAdminPassword``, ``SQL_ADMIN_PASSWORD``, ``sql.admin.password``) becomes
``sql-admin-password``; a .NET configuration key keeps its case and maps ``:`` to ``--``
(``ConnectionStrings:Default`` -> ``ConnectionStrings--Default``), the convention of the Key
Vault configuration provider. Collisions are resolved by :func:`assign`, which depends only on
its input set, never on file order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from secretsops.errors import UsageError
from secretsops.migrate.rewriters.base import NameStyle

MAX_LENGTH = 127
VALID = re.compile(r"[0-9A-Za-z-]{1,127}")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SEPARATORS = re.compile(r"[\s_.:/\\]+")
_INVALID = re.compile(r"[^0-9A-Za-z-]")
_DASHES = re.compile(r"-{2,}")
_DOTNET_DASHES = re.compile(r"-{3,}")


def is_valid(name: str) -> bool:
    return VALID.fullmatch(name) is not None


def _trim(name: str) -> str:
    return name[:MAX_LENGTH].strip("-")


def plain_name(hint: str) -> str:
    """``sqlAdminPassword`` / ``SQL_ADMIN_PASSWORD`` -> ``sql-admin-password`` ("" if nothing)."""
    words = _CAMEL.sub("-", hint.strip())
    words = _SEPARATORS.sub("-", words)
    words = _INVALID.sub("", words).lower()
    return _trim(_DASHES.sub("-", words))


def dotnet_name(hint: str) -> str:
    """``ConnectionStrings:Default`` -> ``ConnectionStrings--Default`` (case kept)."""
    parts = [re.sub(r"[\s_.]+", "-", part.strip()) for part in hint.split(":")]
    parts = [_DASHES.sub("-", _INVALID.sub("", part)).strip("-") for part in parts]
    joined = "--".join(part for part in parts if part)
    return _trim(_DOTNET_DASHES.sub("--", joined))


def from_hint(hint: str, style: NameStyle) -> str:
    return dotnet_name(hint) if style == NameStyle.DOTNET else plain_name(hint)


def fallback(finding_type: str, path: str) -> str:
    """A name for a value assigned to nothing: its type and file (``secret-keyword-app``)."""
    stem = path.rsplit("/", 1)[-1].split(".", 1)[0] or "file"
    return plain_name(f"{finding_type} {stem}") or "secret"


def env_name(secret_name: str) -> str:
    """The POSIX environment-variable form: ``sql-admin-password`` -> ``SQL_ADMIN_PASSWORD``.

    ``--`` (a .NET section separator) becomes ``__``, which .NET's environment provider reads
    back as ``:``.
    """
    name = re.sub(r"[^A-Z0-9_]", "_", secret_name.upper())
    if not name or name[0].isdigit():
        name = "S_" + name
    return name


def parse_override(text: str) -> tuple[str, str]:
    """``FINGERPRINT=NAME`` from ``--name``; UsageError when malformed or the name is invalid."""
    ident, sep, name = text.partition("=")
    ident, name = ident.strip(), name.strip()
    if not sep or not ident or not name:
        raise UsageError(f"--name {text!r}: use FINGERPRINT=NAME")
    if len(ident) < 8:
        raise UsageError(f"--name {text!r}: give at least 8 characters of the fingerprint")
    if not is_valid(name):
        raise UsageError(
            f"--name {text!r}: a Key Vault secret name is 1-127 letters, digits and dashes"
        )
    return ident, name


def assign(candidates: Mapping[str, str], overrides: Mapping[str, str]) -> dict[str, str]:
    """Final names for secrets identified by a key (their value's fingerprint).

    ``candidates``: key -> derived name; ``overrides``: key -> name given with ``--name``.
    Overrides are taken as given (two overrides with one name are an error); the rest keep
    their candidate unless it is taken (case-insensitively), then get ``-2``, ``-3``...
    Secrets are served in (name, key) order, so the result does not depend on input order.
    """
    taken: dict[str, str] = {}
    out: dict[str, str] = {}
    for key, name in sorted(overrides.items(), key=lambda kv: (kv[1].lower(), kv[0])):
        if name.lower() in taken:
            raise UsageError(f"--name gives {name!r} to two different secrets")
        taken[name.lower()] = key
        out[key] = name
    for key, name in sorted(
        ((k, n) for k, n in candidates.items() if k not in overrides),
        key=lambda kv: (kv[1].lower(), kv[0]),
    ):
        chosen, n = name, 1
        while chosen.lower() in taken:
            n += 1
            suffix = f"-{n}"
            chosen = name[: MAX_LENGTH - len(suffix)].rstrip("-") + suffix
        taken[chosen.lower()] = key
        out[key] = chosen
    return out


def best_hint(hints: Iterable[tuple[str, NameStyle]]) -> tuple[str, NameStyle] | None:
    """A hint for the name most locations agree on (ties: the smallest); empty ones ignored."""
    by_name: dict[str, list[tuple[str, NameStyle]]] = {}
    for hint, style in hints:
        name = from_hint(hint, style)
        if name:
            by_name.setdefault(name, []).append((hint, style))
    if not by_name:
        return None
    name = min(by_name, key=lambda n: (-len(by_name[n]), n.lower(), n))
    return min(by_name[name], key=lambda hs: (hs[0], hs[1].value))
