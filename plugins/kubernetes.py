"""Kubernetes credentials."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from typing import Any

from secretsops_plugins import _base

from secretsops.scan.filters import is_word_like


class KubernetesSecretDetector(_base.LineDetector):
    """The base64 ``data`` values of a Kubernetes ``Secret`` manifest (``kind: Secret``) in a
    YAML file, judged decoded: a value that decodes to text (a certificate excepted) under a
    credential's name (``password``, ``token``, ``api-key``, ``secret``, ``auth``...) is a
    secret by declaration; under another name (``username``, ``database``, ``host``...) a value
    that decodes to a user name, a word or another identifier (``admin``, ``orders_db``,
    ``ann@corp.io``, a host, a port) is not, and anything else is. ``stringData`` values are
    plain text and left to the password detector."""

    secret_type = "Kubernetes Secret Data"  # noqa: S105  # pragma: allowlist secret (a name)
    confidence = "high"
    provider = "Kubernetes"
    kind = re.compile(r"^\s*kind\s*:\s*[\"']?(\w+)")
    data = re.compile(r"^\s*([\w.\-]+)\s*:\s*[\"']?([A-Za-z0-9+/]{8,}={0,2})[\"']?\s*$")
    necessary_patterns = (kind, data, re.compile(r"^---"))

    def __init__(self, **kwargs: Any) -> None:
        super().__init__()
        self._file = ""
        self._is_secret = False

    def analyze_line(
        self,
        filename: str,
        line: str,
        line_number: int = 0,
        context: Any = None,
        **kwargs: Any,
    ) -> set[Any]:
        if filename != self._file:
            self._file, self._is_secret = filename, False
        if line.startswith("---"):
            self._is_secret = False
        found = self.kind.match(line)
        if found:
            self._is_secret = found.group(1) == "Secret"
            return set()
        if _base.extension(filename) not in (".yaml", ".yml"):
            return set()
        return super().analyze_line(filename, line, line_number, context, **kwargs)

    def find(self, line: str, filename: str, context: list[str]) -> Iterator[str]:
        near_kind = any(re.match(r"\s*kind\s*:\s*[\"']?Secret\b", c) for c in context)
        if not (self._is_secret or near_kind):
            return
        match = self.data.match(line)
        if match:
            text = _decoded_text(match.group(2))
            if text is not None and _is_secret_text(match.group(1), text):
                yield match.group(2)


_CREDENTIAL_NAME = re.compile(
    r"(?i)pass|pwd|secret|token|key|auth|credential|cert|private|signing|salt|cookie|session"
    r"|dsn|connection|conn[-_]?str|uri|url"
)
# Names of values that identify rather than authenticate.
_IDENTIFIER_NAME = re.compile(
    r"(?i)^(?:[\w.\-]*[-_.])?(?:user|username|user[-_]?name|login|email|mail|database|db|dbname"
    r"|db[-_]?name|schema|host|hostname|server|port|name|namespace|region|account|tenant"
    r"|client[-_]?id|app[-_]?id|bucket|queue|topic)$"
)
# What a user name, a database or host name, an e-mail address or a port decodes to.
_IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-@+]{0,63}|\d{1,5}")
_PLAIN_IDENTIFIER = re.compile(r"[a-z0-9][a-z0-9_.\-@+]{0,63}")


def _decoded_text(value: str) -> str | None:
    if len(value) % 4:
        return None
    try:
        raw = base64.b64decode(value, validate=True)
        text = raw.decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    if len(text) < 4 or "BEGIN CERTIFICATE" in text:
        return None
    if not all(c.isprintable() or c in "\r\n\t" for c in text):
        return None
    return text


def _is_secret_text(name: str, text: str) -> bool:
    """Under a credential's name any text is a secret. Under a name that identifies (user,
    database, host...) an identifier is not (``admin``, ``app_X1y2``, ``ann@corp.io``,
    ``db.internal``, ``5432``); under any other name a lower-case identifier or a value made of
    words is not either, a random-looking one is."""
    if _CREDENTIAL_NAME.search(name):
        return True
    value = text.strip()
    if _IDENTIFIER_NAME.search(name):
        return not _IDENTIFIER.fullmatch(value)
    return not (_PLAIN_IDENTIFIER.fullmatch(value) or is_word_like(value))
