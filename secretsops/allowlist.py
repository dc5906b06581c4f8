"""Inline allowlist comments beyond detect-secrets' own ``pragma: allowlist secret``.

detect-secrets loads these filters by dotted path, so this module must stay importable on its
own and must not import detect-secrets.
"""

from __future__ import annotations

GITLEAKS_MARKER = "gitleaks:allow"


def is_gitleaks_allowlisted(line: str) -> bool:
    """A line carrying gitleaks' ``gitleaks:allow`` marker, for teams moving over."""
    return GITLEAKS_MARKER in line
