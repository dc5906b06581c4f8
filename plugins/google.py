"""Google Cloud credentials."""

from __future__ import annotations

import re
from collections.abc import Iterator

from detect_secrets.plugins import base
from secretsops_plugins import _base


class GoogleApiKeyDetector(base.RegexBasedDetector):
    """Google API keys: ``AIza`` and 35 characters."""

    secret_type = "Google API Key"  # noqa: S105  # pragma: allowlist secret (a name)
    confidence = "high"
    provider = "Google Cloud"
    denylist = (re.compile(r"(?<![A-Za-z0-9_\-])(AIza[0-9A-Za-z_\-]{35})(?![A-Za-z0-9_\-])"),)


class GoogleServiceAccountKeyDetector(_base.LineDetector):
    """The private key of a Google service-account key file: the ``"private_key"`` field of a
    JSON key (its PEM body, with ``\\n`` escapes), on a line near ``"type": "service_account"``,
    ``private_key_id`` or ``iam.gserviceaccount.com``. (The private-key detector leaves such
    lines to this one.)"""

    secret_type = "Google Service Account Key"  # noqa: S105  # pragma: allowlist secret
    confidence = "high"
    provider = "Google Cloud"
    field = re.compile(
        r"\"private_key\"\s*:\s*\"-----BEGIN (?:RSA )?PRIVATE KEY-----\\n([A-Za-z0-9+/=]{40,})"
    )
    necessary_patterns = (re.compile(r"\"private_key\"\s*:"),)

    def find(self, line: str, filename: str, context: list[str]) -> Iterator[str]:
        if is_service_account_line(line, context):
            yield from self.field.findall(line)


def is_service_account_line(line: str, context: list[str]) -> bool:
    if not re.search(r"\"private_key\"\s*:\s*\"-----BEGIN", line):
        return False
    near = "\n".join([*context, line])
    return bool(re.search(r"service_account|private_key_id|gserviceaccount\.com", near))
