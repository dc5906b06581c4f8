"""GitLab credentials."""

from __future__ import annotations

import re

from detect_secrets.plugins import gitlab_token


class GitLabTokenDetector(gitlab_token.GitLabTokenDetector):
    """GitLab tokens: personal, deploy, feed, OAuth, runner, CI build, incoming mail, trigger,
    agent and OAuth application secrets, and runner registration tokens.

    Replaces detect-secrets' detector of the same name and type, two of whose patterns capture
    only a group (``glpat``, ``gldt``... or the optional ``xx_`` of ``glcbt-``) instead of the
    token (the capture-group problem of Yelp/detect-secrets#858): every ``glpat-`` token then had
    the same value, and ``glcbt-`` tokens were not reported at all. Same patterns, made
    non-capturing; same class name and ``secret_type``, so baselines keep working.
    """

    confidence = "high"
    denylist = (
        re.compile(r"(?:glpat|gldt|glft|glsoat|glrt)-[A-Za-z0-9_\-]{20,50}(?!\w)"),
        re.compile(r"GR1348941[A-Za-z0-9_\-]{20,50}(?!\w)"),
        re.compile(r"glcbt-(?:[0-9a-fA-F]{2}_)?[A-Za-z0-9_\-]{20,50}(?!\w)"),
        re.compile(r"glimt-[A-Za-z0-9_\-]{25}(?!\w)"),
        re.compile(r"glptt-[A-Za-z0-9_\-]{40}(?!\w)"),
        re.compile(r"glagent-[A-Za-z0-9_\-]{50,1024}(?!\w)"),
        re.compile(r"gloas-[A-Za-z0-9_\-]{64}(?!\w)"),
    )
