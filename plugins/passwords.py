"""Passwords and other secrets assigned to a name that says so, aware of the file's language."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from secretsops_plugins import _base

_NAME = (
    r"[A-Za-z0-9_.\-]*?(?i:password|passwd|passphrase|pwd|secret|token|api[_\-]?key|apikey"
    r"|access[_\-]?key|auth[_\-]?key|private[_\-]?key|credentials?)[A-Za-z0-9_.\-]*"
)
# Names that hold something about a secret, not the secret.
_NOT_SECRET_NAME = re.compile(
    r"(?i)(?:file|path|dir|url|uri|name|id|ids|type|length|len|size|policy|field|header|regex"
    r"|pattern|prompt|env|var|ref|hash|hashed|salt|label|hint|reset|expiry|expires|expiration"
    r"|endpoint|format|mode|count|min|max|required|enabled|store|provider|source|location"
    r"|kind|version|ttl|timeout|rotation|lifetime|secretref|keyref|selector|mount|volume"
    r"|placeholder|message|error|description|title|text|validator|strength|input|form|prefix"
    r"|suffix|param|parameter|key_name|keyname|class|method|generator|manager|service|uri)$"
)
_CODE_ASSIGN = re.compile(
    rf"(?<![A-Za-z0-9_.\-])({_NAME})\\?[\"'\]]?\s*(?::=|=>|==|!=|\?\?=|=|:)\s*"
    r"(?:[rbuf@]|u8)?(\\?[\"'`])([^\"'`\s\\]+)\2"
)
_CONFIG_ASSIGN = re.compile(
    rf"^\s*(?:export\s+|set\s+|ENV\s+|-\s+)?({_NAME})[\"']?\s*(?:=|:|\s)\s*(?![\"'`])"
    r"([^\s\"'`#;,]+)\s*(?:[#;].*)?$"
)
_XML = re.compile(rf"(?i:key)=\"({_NAME})\"\s+(?i:value)=\"([^\"\s]+)\"|<({_NAME})>([^<\s]+)</")
_POWERSHELL = re.compile(
    r"(?i:ConvertTo-SecureString)\s+(?:-String\s+)?([\"'])([^\"'\s]+)\1[^\n]*-AsPlainText"
    r"|\s-(?i:password|secret|token|apikey|clientsecret)\s+([\"'])([^\"'\s$]+)\3"
)

_CONFIG_EXTENSIONS = frozenset(
    {
        ".yaml",
        ".yml",
        ".env",
        ".ini",
        ".cfg",
        ".conf",
        ".properties",
        ".toml",
        ".sh",
        ".bash",
        ".zsh",
        "",
        ".dockerfile",
    }
)
_PASSWORD_WORD = re.compile(r"(?i)pass|pwd")


class KeywordDetector(_base.LineDetector):
    """Passwords, secrets, tokens and API keys assigned to a name that says so (``password``,
    ``passwd``, ``pwd``, ``secret``, ``token``, ``api_key``, ``access_key``, ``credentials``...),
    aware of the file's language: in code (Python, JavaScript, C#, Java, Go, PowerShell,
    Terraform, JSON, notebooks...) the value must be a string literal; in YAML, ``.env``, INI,
    properties, TOML and shell files it need not be quoted; in XML configuration, an ``<add
    key="..Password" value="..">`` or ``<Password>..</Password>``; PowerShell
    ``ConvertTo-SecureString "..." -AsPlainText`` and ``-Password "..."``. Names that describe a
    secret rather than hold one (``password_file``, ``token_url``, ``secretName``...) and values
    that are code, paths, URLs, environment-variable names or words are not reported; a value
    under a password name needs 6 characters and a digit, symbol or capital (or 12 characters),
    under another name 8 characters mixing cases or digits.

    Replaces detect-secrets' ``KeywordDetector`` (same class name and type ``Secret Keyword``,
    so baselines keep matching), whose wide keyword list and language rules were the main
    source of false alarms.
    """

    secret_type = "Secret Keyword"  # noqa: S105  # pragma: allowlist secret (a name)
    confidence = "medium"
    provider = "(any)"
    necessary_patterns = (re.compile(r"(?i:pass|pwd|secret|token|key|credential|securestring)"),)

    def __init__(self, keyword_exclude: str | None = None, **kwargs: Any) -> None:
        super().__init__()
        self.keyword_exclude = (
            re.compile(keyword_exclude, re.IGNORECASE) if keyword_exclude else None
        )

    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = super().json()
        if self.keyword_exclude is not None:
            data["keyword_exclude"] = self.keyword_exclude.pattern
        return data

    def find(self, line: str, filename: str, context: list[str]) -> Iterator[str]:
        if self.keyword_exclude is not None and self.keyword_exclude.search(line):
            return
        ext = _base.extension(filename) if filename else None
        if filename and "dockerfile" in filename.casefold():
            ext = ".dockerfile"
        seen: set[str] = set()
        for name, value in self._pairs(line, ext):
            if value not in seen and _acceptable(name, value):
                seen.add(value)
                yield value

    def _pairs(self, line: str, ext: str | None) -> Iterator[tuple[str, str]]:
        for match in _CODE_ASSIGN.finditer(line):
            yield match.group(1), match.group(3)
        if ext is None or ext in _CONFIG_EXTENSIONS:
            match = _CONFIG_ASSIGN.match(line)
            if match:
                yield match.group(1), match.group(2)
        if ext is None or ext in (".xml", ".config", ".pubxml", ".csproj", ".props", ".targets"):
            for m in _XML.finditer(line):
                yield (m.group(1) or m.group(3)), (m.group(2) or m.group(4))
        if ext is None or ext in (".ps1", ".psm1", ".psd1", ".ipynb", ".yml", ".yaml", ".sh"):
            for m in _POWERSHELL.finditer(line):
                yield "password", (m.group(2) or m.group(4))


_CODE_LIKE = re.compile(
    r"://|^[/~.]|^[A-Za-z]:\\|^[A-Z][A-Z0-9_]+$|^[a-z]+(?:[._\-][a-z]+)+$|[()\[\]{}<>]"
    r"|^\$|^%|^@|^#|^&|\.(?:json|ya?ml|txt|pem|key|crt|pfx|p12|env|ini|cfg|conf|xml)$"
)


def _acceptable(name: str, value: str) -> bool:
    base_name = name.strip("\"'.-_").rsplit(".", 1)[-1]
    if _NOT_SECRET_NAME.search(base_name) or _NOT_SECRET_NAME.search(name.strip("\"'")):
        return False
    if value.casefold() == base_name.casefold() or _CODE_LIKE.search(value):
        return False
    if value.casefold() in ("true", "false", "null", "none", "yes", "no", "on", "off"):
        return False
    if _PASSWORD_WORD.search(base_name):
        if len(value) < 6:
            return False
        strong = any(not c.isalpha() for c in value) or any(c.isupper() for c in value)
        return strong or len(value) >= 12
    return len(value) >= 8 and _base.mixed(value)
