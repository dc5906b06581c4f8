"""Slack credentials."""

from __future__ import annotations

import re

from detect_secrets.plugins import slack


class SlackDetector(slack.SlackDetector):
    """Slack tokens (``xoxb-``, ``xoxp-``, ``xoxa-``, ``xoxo-``, ``xoxs-``, ``xoxr-``, ``xoxe-``,
    configuration tokens ``xoxe.xoxp-``, app-level ``xapp-``) and incoming-webhook URLs.

    Replaces detect-secrets' detector of the same class name and type (baselines keep
    matching): its token pattern stopped at the first upper-case letter or ``-`` after the
    numbers, and knew neither app-level nor configuration tokens; it also had a network
    verifier, which secretsops never calls.
    """

    confidence = "high"
    provider = "Slack"
    denylist = (
        re.compile(
            r"(?<![A-Za-z0-9])((?:xoxe\.)?xox[abposre]-(?:\d+-)+[A-Za-z0-9]{8,}(?:-[A-Za-z0-9]+)*)"
        ),
        re.compile(r"(?<![A-Za-z0-9])(xapp-\d-[A-Z0-9]+-\d+-[a-f0-9]{32,})"),
        re.compile(
            r"(https://hooks\.slack\.com/(?:services|workflows|triggers)/T[A-Za-z0-9_]+/"
            r"[A-Za-z0-9_]+/[A-Za-z0-9_]+)"
        ),
    )
