"""GitHub credentials."""

from __future__ import annotations

import re

from detect_secrets.plugins import github_token


class GitHubTokenDetector(github_token.GitHubTokenDetector):
    """GitHub tokens (``ghp_``, ``gho_``, ``ghu_``, ``ghs_``, ``ghr_`` and 36 characters).

    Replaces detect-secrets' detector of the same name and type, whose pattern captures only
    the prefix (Yelp/detect-secrets#858): every token of a kind then had the same value, so
    one baselined token hid all others in its file, fingerprints collided, and a redacted line
    left the token's body in clear. Same class name and ``secret_type``, so baselines that
    list ``GitHubTokenDetector`` keep working.
    """

    confidence = "high"
    denylist = (re.compile(r"(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9_]{36}"),)
