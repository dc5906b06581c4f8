"""Azure and Microsoft Entra ID credentials."""

from __future__ import annotations

import re

from detect_secrets.plugins import base


class EntraClientSecretDetector(base.RegexBasedDetector):
    """Microsoft Entra ID (Azure AD) application client secrets, the ``Q~`` format."""

    secret_type = "Entra ID Client Secret"  # noqa: S105  # pragma: allowlist secret (a name)
    confidence = "high"
    denylist = (
        re.compile(
            r"(?:^|[\\'\"`\s>=:(,\[])([A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.\-]{31,34})"
            r"(?=$|[\\'\"`\s<),\];])"
        ),
    )
