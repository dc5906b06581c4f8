"""NuGet credentials."""

from __future__ import annotations

import re

from detect_secrets.plugins import base


class NuGetApiKeyDetector(base.RegexBasedDetector):
    """nuget.org API keys: ``oy2`` and 43 lower-case letters or digits."""

    secret_type = "NuGet API Key"  # noqa: S105  # pragma: allowlist secret (a name)
    confidence = "high"
    provider = "NuGet"
    denylist = (re.compile(r"(?<![a-z0-9])(oy2[a-z0-9]{43})(?![a-z0-9])"),)
