"""Kubernetes credentials."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from typing import Any

from secretsops_plugins import _base


class KubernetesSecretDetector(_base.LineDetector):
    """The base64 ``data`` values of a Kubernetes ``Secret`` manifest (``kind: Secret``) in a
    YAML file: every value that decodes to text (a certificate excepted) is a secret by
    declaration. ``stringData`` values are plain text and left to the password detector."""

    secret_type = "Kubernetes Secret Data"  # noqa: S105  # pragma: allowlist secret (a name)
    confidence = "high"
    provider = "Kubernetes"
    kind = re.compile(r"^\s*kind\s*:\s*[\"']?(\w+)")
    data = re.compile(r"^\s*[\w.\-]+\s*:\s*[\"']?([A-Za-z0-9+/]{8,}={0,2})[\"']?\s*$")
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
        if match and _decodes_to_secret_text(match.group(1)):
            yield match.group(1)


def _decodes_to_secret_text(value: str) -> bool:
    if len(value) % 4:
        return False
    try:
        raw = base64.b64decode(value, validate=True)
        text = raw.decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return False
    if len(text) < 4 or "BEGIN CERTIFICATE" in text:
        return False
    return all(c.isprintable() or c in "\r\n\t" for c in text)
