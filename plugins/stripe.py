"""Stripe credentials."""

from __future__ import annotations

import re

from detect_secrets.plugins import stripe


class StripeDetector(stripe.StripeDetector):
    """Stripe secret and restricted keys, live and test (``sk_live_``, ``rk_live_``,
    ``sk_test_``, ``rk_test_``), reported whole.

    Replaces detect-secrets' detector of the same class name and type (baselines keep
    matching): its pattern took only the first 24 characters of a key (current keys are up to
    ~100), the capture-prefix problem of Yelp/detect-secrets#858, and ignored test keys, which
    still grant API access in test mode. Publishable keys (``pk_``) are public and not reported.
    """

    confidence = "high"
    provider = "Stripe"
    denylist = (
        re.compile(
            r"(?<![A-Za-z0-9_])((?:sk|rk)_(?:live|test)_[0-9a-zA-Z]{24,247})(?![A-Za-z0-9])"
        ),
    )

    def confidence_for(self, secret: str) -> str:
        return "high" if "_live_" in secret else "medium"
