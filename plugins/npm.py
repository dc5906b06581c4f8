"""npm credentials."""

from __future__ import annotations

import re

from detect_secrets.plugins import npm

from secretsops.scan.checksums import has_valid_crc32_suffix


class NpmDetector(npm.NpmDetector):
    """npm access tokens: ``npm_`` and 36 characters anywhere (their last 6 characters are a
    CRC32 checksum: valid raises confidence to ``high``), and any ``_authToken=`` value in an
    ``.npmrc`` registry line (legacy tokens are GUIDs).

    Replaces detect-secrets' detector of the same class name and type (baselines keep
    matching): its pattern yielded two overlapping groups per token and required the
    ``.npmrc`` form even for ``npm_`` tokens.
    """

    confidence = "high"
    provider = "npm"
    validation = "CRC32 checksum (npm_ tokens)"
    denylist = (
        re.compile(r"(?<![A-Za-z0-9_])(npm_[A-Za-z0-9]{36})(?![A-Za-z0-9_])"),
        re.compile(r"//[^\s]+/:_authToken=\s*[\"']?((?!npm_)[A-Za-z0-9\-_.+/=]{20,})"),
    )

    def confidence_for(self, secret: str) -> str:
        if secret.startswith("npm_"):
            return "high" if has_valid_crc32_suffix(secret, 4) else "medium"
        return "high"
