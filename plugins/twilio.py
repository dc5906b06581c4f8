"""Twilio credentials."""

from __future__ import annotations

import re

from detect_secrets.plugins import twilio


class TwilioKeyDetector(twilio.TwilioKeyDetector):
    """Twilio API keys (``SK`` and 32 hex digits) and auth tokens (32 hex digits named as a
    Twilio token or secret).

    Replaces detect-secrets' detector of the same class name and type (baselines keep
    matching). It no longer reports account SIDs (``AC...``): they are identifiers printed on
    every Twilio console page, not credentials; the credential is the auth token next to them.
    """

    confidence = "high"
    provider = "Twilio"
    denylist = (
        re.compile(r"(?<![A-Za-z0-9])(SK[0-9a-f]{32})(?![A-Za-z0-9])"),
        re.compile(
            r"(?i:twilio)[\w.\-]{0,20}?(?i:token|secret)[\w\"'\]]*\s*(?::=|=>|[:=,])\s*[\"']?"
            r"([0-9a-f]{32})(?![A-Za-z0-9])"
        ),
    )
