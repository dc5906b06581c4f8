"""What makes a pipeline value a credential: its name, its form, or the script it sits in.

Rules, in short (``docs/pipelines.md`` explains each):

- a literal value under a credential-like name (password, secret, token, API key, access or
  account key, client secret, connection string, PAT, SAS, credential...) is a finding even with
  low entropy; names that describe a secret rather than hold one (``secretName``,
  ``passwordFile``, ``tokenUrl``, ``SecretsFilter``...) are not credential names;
- references are never findings: ``$(name)``, ``$[ ... ]``, ``${{ ... }}``, ``$env:NAME``,
  ``${NAME}``, a value starting with ``$NAME`` (a ``$`` inside a password is a character),
  ``%NAME%``, ``#{name}#``, ``{{ ... }}``, ``@Microsoft.KeyVault(...)``;
  nor are placeholders (``secretsops.scan.filters.is_placeholder``), booleans, numbers, paths, file
  names and URLs without a password;
- in inline scripts: ``-p``/``--password``/``-Password`` (and token, client-secret, API-key,
  SAS and PAT options) arguments, ``user:pass@`` URLs, ``curl -u user:pass`` and
  ``ConvertTo-SecureString '<literal>' -AsPlainText``;
- in a connection string, the password or key part (``Password=``, ``AccountKey=``,
  ``SharedAccessKey=``, ``sig=``...).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# --- names ------------------------------------------------------------------------------------

_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
#: Words that make a name a credential's wherever they appear in it.
_CREDENTIAL_SUBSTRINGS = (
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "apikey",
    "credential",
    "connectionstring",
    "connstr",
    "sastoken",
    "accountkey",
    "accesskey",
    "privatekey",
)
#: Whole words that do the same.
_CREDENTIAL_WORDS = frozenset({"pwd", "pass", "pat", "pats", "sas", "pw"})
#: Words before ``key`` that make it a credential (``apiKey``, ``storageAccountKey``...).
_KEY_QUALIFIERS = frozenset(
    {
        "api",
        "access",
        "account",
        "storage",
        "shared",
        "private",
        "secret",
        "signing",
        "master",
        "primary",
        "secondary",
        "subscription",
        "function",
        "host",
        "encryption",
        "admin",
        "auth",
        "client",
        "app",
        "service",
        "sas",
        "ssh",
        "deploy",
        "license",
        "webhook",
    }
)
#: Last words of names that say something about a secret, not the secret.
_DESCRIBING_WORDS = frozenset(
    {
        "name",
        "names",
        "file",
        "files",
        "path",
        "paths",
        "dir",
        "folder",
        "url",
        "uri",
        "endpoint",
        "id",
        "ids",
        "type",
        "kind",
        "length",
        "size",
        "policy",
        "header",
        "expiry",
        "expires",
        "expiration",
        "version",
        "format",
        "mode",
        "enabled",
        "enable",
        "required",
        "count",
        "ttl",
        "timeout",
        "var",
        "variable",
        "env",
        "ref",
        "reference",
        "hash",
        "label",
        "description",
        "filter",
        "prefix",
        "suffix",
        "location",
        "store",
        "provider",
        "field",
        "scope",
        "scopes",
        "audience",
        "issuer",
        "usage",
        "lifetime",
        "rotation",
        "vault",
        "user",
        "username",
        "owner",
        "rule",
        "pattern",
        "regex",
        "source",
        "target",
        "template",
        "permissions",
        "permission",
        "connection",
        "secrets",
        "list",
        "key",
        "keys",
        "valid",
        "validity",
        "option",
        "options",
        "method",
        "scheme",
        "setting",
        "settings",
        "style",
        "strategy",
    }
)
#: Words that make a name public however it ends (``publicKey``, ``tokenValidityDays``).
_PUBLIC_WORDS = frozenset({"public", "pub", "validity", "lifetime", "days", "hours", "minutes"})


def name_words(name: str) -> list[str]:
    return [w.casefold() for w in _WORDS.findall(name)]


def is_credential_name(name: str) -> bool:
    """``sqlAdminPassword``, ``SQL_PASSWORD``, ``apiKey``, ``AZURE_DEVOPS_EXT_PAT``, ``sasToken``,
    ``connectionString``... but not ``secretName``, ``passwordFile`` or ``KeyVaultName``."""
    words = name_words(name)
    if not words:
        return False
    if words[-1] in _DESCRIBING_WORDS and not _ends_with_key(words):
        return False
    if any(w in _PUBLIC_WORDS for w in words):
        return False
    joined = "".join(words)
    if any(s in joined for s in _CREDENTIAL_SUBSTRINGS):
        return True
    if words[-1] in _CREDENTIAL_WORDS:
        # Short words are credentials only as the name's last word: ``DB_PASS``, ``EXT_PAT``;
        # not ``PASS_COLOR`` or ``PAT_EXPIRY_WARNING``.
        return True
    if "connection" in words and ("string" in words or "strings" in words):
        return True
    return _ends_with_key(words)


def _ends_with_key(words: list[str]) -> bool:
    """``...<qualifier> key``: ``apiKey``, ``storage_account_key``; not ``cacheKey``."""
    if not words or words[-1] not in ("key", "keys"):
        return False
    return any(w in _KEY_QUALIFIERS for w in words[:-1])


# --- values -----------------------------------------------------------------------------------

_REFERENCE = re.compile(
    r"\$\(|\$\[|\$\{\{|\$\{|\$env:|^\$[A-Za-z_]|%[A-Za-z_][A-Za-z0-9_]*%|#\{[^}]*\}"
    r"|\{\{|\}\}|@Microsoft\.KeyVault\(|\[parameters\(|\[variables\(|^__[A-Za-z0-9_]+__$"
    r"|\bsecrets\.[A-Za-z_]",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"[+-]?[\d._:]+")
_PATH_OR_FILE = re.compile(
    r"^(?:[/~.]|[A-Za-z]:\\|\\\\)|\.(?:json|ya?ml|txt|pem|key|crt|cer|pfx|p12|env|ini|cfg"
    r"|conf|xml|sh|ps1|py|js|config|secure|kdbx|jks|keystore)$",
    re.IGNORECASE,
)
_WORDS_ONLY = frozenset(
    {"true", "false", "yes", "no", "on", "off", "null", "none", "~", "required", "optional"}
)
_URL = re.compile(r"^[a-z][a-z0-9+.\-]*://", re.IGNORECASE)


def is_reference(value: str) -> bool:
    """A reference to a value kept elsewhere (pipeline macro, expression, environment lookup,
    secret store), anywhere in ``value``."""
    return bool(_REFERENCE.search(value))


_PASSWORD_WORDS = re.compile(r"(?i)passw|passphrase|pwd")


def is_literal_credential(value: str, name: str = "") -> bool:
    """``value`` could be a credential written in place (low entropy allowed): not a reference,
    placeholder, boolean, number, path, file name or bare URL, and at least 6 characters. Under
    a name that is not a password's (token, secret, key, credentials), a value made of words
    only (``serviceEndpoint``, ``AzureResourceManagerEndpoint``, ``BotAccount-dotnet-bot``) is an
    option or the name of a secret kept elsewhere, not a credential."""
    from secretsops.scan import filters as precision

    text = value.strip()
    if len(text) < 6 or len(text) > 1000 or any(c.isspace() for c in text):
        return False
    if text.casefold() in _WORDS_ONLY or _NUMBER.fullmatch(text):
        return False
    if is_reference(text) or precision.is_placeholder(text):
        return False
    if precision.is_reference(text, ""):
        return False
    if _PATH_OR_FILE.search(text) or _URL.match(text):
        return False
    if name and text.casefold() == name.casefold():
        return False
    if name and not _PASSWORD_WORDS.search(name) and precision.is_word_like(text):
        return False
    return not text.startswith("-")


# --- connection strings and URLs ---------------------------------------------------------------

_CONNECTION_SECRET = re.compile(
    r"(?:^|;)\s*(?:password|pwd|accountkey|sharedaccesskey|sharedaccesssignature|sig"
    r"|primarykey|accesskey|client\s*secret)\s*=\s*(?P<q>['\"]?)(?P<v>[^;'\"]+)(?P=q)",
    re.IGNORECASE,
)
_URL_USERINFO = re.compile(
    r"[a-z][a-z0-9+.\-]*://(?P<u>[^\s:/@'\"]+):(?P<v>[^\s@/'\"]+)@", re.IGNORECASE
)


def connection_string_secrets(value: str) -> Iterator[tuple[int, str]]:
    """(offset, secret) of each password or key part of a connection string."""
    if ";" not in value and "=" not in value:
        return
    for match in _CONNECTION_SECRET.finditer(value):
        secret = match.group("v").strip()
        if _acceptable_argument(secret):
            yield match.start("v"), secret


# --- inline scripts -----------------------------------------------------------------------------

_SECURE_STRING = re.compile(
    r"ConvertTo-SecureString\s+(?:-String\s+)?(?P<q>['\"])(?P<v>[^'\"\r\n]+)(?P=q)"
    r"(?=[^\r\n]*-AsPlainText)",
    re.IGNORECASE,
)
_LONG_OPTION = re.compile(
    r"(?:^|(?<=[\s'\"`(]))(?:--?(?:password|passwd|pass|pwd|token|client-secret|clientsecret"
    r"|secret|api-key|apikey|access-token|accesstoken|sas-token|sastoken|account-key|accountkey"
    r"|pat|personal-access-token|storage-key|sas))(?:[ \t]+|=|:(?!:))"
    r"(?P<q>['\"]?)(?P<v>[^\s'\"`;|&]+)(?P=q)",
    re.IGNORECASE,
)
_SHORT_P = re.compile(
    r"(?:^|(?<=[\s]))-(?P<flag>[pP])(?:[ \t]+|=)?(?P<q>['\"]?)(?P<v>[^\s'\"`;|&]+)(?P=q)"
)
# ``-P`` is the password of the SQL Server tools (for mysql it is a port).
_SQL_SERVER_TOOL = re.compile(r"\b(?:sqlcmd|bcp|osql)\b", re.IGNORECASE)
# ``-p`` is a password only in a command that logs in (``docker login -u x -p y``, ``sqlcmd``,
# ``mysql -u x -pY``, ``sshpass -p``); elsewhere it is a port, a parent flag or a path.
_LOGIN_COMMAND = re.compile(
    r"\b(?:login|sqlcmd|mysql|mysqldump|mysqladmin|sshpass|bcp|osql|mongo|mongosh|psexec)\b"
    r"|\s(?:-u|-U|--username|--user)\s",
    re.IGNORECASE,
)
_USER_COLON_PASS = re.compile(
    r"(?:^|(?<=\s))(?:-u|--user)[ \t]+(?P<q>['\"]?)[^\s:'\"]+:(?P<v>[^\s'\"]+)(?P=q)"
)


@dataclass(frozen=True)
class ScriptSecret:
    offset: int  # in the scanned text
    secret: str
    rule: str


def _acceptable_argument(value: str) -> bool:
    from secretsops.scan.filters import is_placeholder

    text = value.strip()
    if len(text) < 6 or len(text) > 500 or text.startswith("-"):
        return False
    if is_reference(text) or is_placeholder(text) or _NUMBER.fullmatch(text):
        return False
    if text.startswith("{") and text.endswith("}"):  # {YOUR_TOKEN}, {0}
        return False
    if text.casefold() in _WORDS_ONLY:
        return False
    return not _PATH_OR_FILE.search(text)


def script_secrets(text: str) -> Iterator[ScriptSecret]:
    """Credentials written into an inline script or command line, with their offsets."""
    if len(text) > 200_000:
        return
    seen: set[tuple[int, str]] = set()

    def emit(offset: int, value: str, rule: str) -> Iterator[ScriptSecret]:
        if (offset, value) not in seen and _acceptable_argument(value):
            seen.add((offset, value))
            yield ScriptSecret(offset, value, rule)

    for match in _SECURE_STRING.finditer(text):
        yield from emit(match.start("v"), match.group("v"), "ConvertTo-SecureString literal")
    for match in _LONG_OPTION.finditer(text):
        yield from emit(match.start("v"), match.group("v"), "password argument")
    for match in _URL_USERINFO.finditer(text):
        yield from emit(match.start("v"), match.group("v"), "password in a URL")
    for match in _USER_COLON_PASS.finditer(text):
        yield from emit(match.start("v"), match.group("v"), "user:password argument")
    if "-p" in text or "-P" in text:
        for match in _SHORT_P.finditer(text):
            start = text.rfind("\n", 0, match.start()) + 1
            end = text.find("\n", match.end())
            command = text[start : end if end >= 0 else len(text)]
            tool = _SQL_SERVER_TOOL if match.group("flag") == "P" else _LOGIN_COMMAND
            if tool.search(command):
                yield from emit(match.start("v"), match.group("v"), "password argument")
