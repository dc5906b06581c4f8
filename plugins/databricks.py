"""Databricks credentials (Azure Databricks included)."""

from __future__ import annotations

import re

from detect_secrets.plugins import base


class DatabricksTokenDetector(base.RegexBasedDetector):
    """Databricks personal access tokens: ``dapi`` and 32 hex digits, with an optional ``-N``
    suffix (Azure Databricks)."""

    secret_type = "Databricks Token"  # noqa: S105  # pragma: allowlist secret (a name)
    confidence = "high"
    provider = "Databricks"
    denylist = (re.compile(r"(?<![A-Za-z0-9])(dapi[0-9a-f]{32}(?:-\d)?)(?![A-Za-z0-9])"),)
