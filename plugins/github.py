"""GitHub credentials."""

from __future__ import annotations

import re

from detect_secrets.plugins import github_token

from secretsops.scan.checksums import has_valid_crc32_suffix


class GitHubTokenDetector(github_token.GitHubTokenDetector):
    """GitHub tokens: ``ghp_`` (personal), ``gho_`` (OAuth), ``ghu_`` (user-to-server), ``ghs_``
    (server-to-server), ``ghr_`` (refresh) and 36 characters; fine-grained personal access
    tokens ``github_pat_`` and 82 characters. The classic tokens end in a CRC32 checksum of
    their body: a valid one raises confidence to ``high`` (offline; otherwise ``medium``).

    Replaces detect-secrets' detector of the same name and type, whose pattern captures only
    the prefix (Yelp/detect-secrets#858): every token of a kind then had the same value, so
    one baselined token hid all others in its file, fingerprints collided, and a redacted line
    left the token's body in clear. Same class name and ``secret_type``, so baselines that
    list ``GitHubTokenDetector`` keep working.
    """

    confidence = "high"
    provider = "GitHub"
    validation = "CRC32 checksum (classic tokens)"
    denylist = (
        re.compile(r"(?<![A-Za-z0-9_])(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9_]{36}(?![A-Za-z0-9_])"),
        re.compile(r"(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}(?![A-Za-z0-9_])"),
    )

    def confidence_for(self, secret: str) -> str:
        if secret.startswith("github_pat_"):
            return "high"
        return "high" if has_valid_crc32_suffix(secret, 4) else "medium"
