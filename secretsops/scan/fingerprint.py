"""Fingerprints: stable names for secret values that do not give the values away.

A plain hash of a weak password (``Summer2024!``) is reversed by guessing in microseconds, and
reports travel to shared services (SARIF uploads). A fingerprint here is

    so1: + hex(PBKDF2-HMAC-SHA256(value, salt=key, iterations=ITERATIONS))[:32]

- stable across machines: the same value gives the same fingerprint everywhere the same key is
  used, so baselines, SARIF ``partialFingerprints`` and ``audit --mark`` agree between a laptop
  and CI;
- stretched: each guess costs ITERATIONS HMAC rounds (tens of milliseconds), and the key acts
  as a domain-separating salt, so no precomputed table applies;
- keyed on request: set ``SECRETSOPS_FINGERPRINT_KEY`` (for example from a pipeline secret) and
  the fingerprint becomes an HMAC nobody can test guesses against without that key.

See docs/fingerprints.md.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache

ITERATIONS = 60_000
PREFIX = "so1:"
_DEFAULT_KEY = b"secretsops fingerprint v1"
KEY_ENV = "SECRETSOPS_FINGERPRINT_KEY"


def _key() -> bytes:
    configured = os.environ.get(KEY_ENV)
    return configured.encode("utf-8") if configured else _DEFAULT_KEY


def fingerprint(value: str) -> str:
    """Return the fingerprint of a secret value under the current key."""
    return _fingerprint(value, _key())


@lru_cache(maxsize=65536)
def _fingerprint(value: str, key: bytes) -> str:
    digest = hashlib.pbkdf2_hmac("sha256", value.encode("utf-8"), key, ITERATIONS)
    return PREFIX + digest.hex()[:32]


def baseline_hash(value: str) -> str:
    """detect-secrets' ``hashed_secret``: unsalted SHA-1, kept for baseline compatibility."""
    return hashlib.sha1(value.encode("utf-8")).hexdigest()  # noqa: S324 - format-mandated


def preview(value: str) -> str:
    """A redacted preview: at most a short prefix (a token's kind), never the length."""
    shown = min(4, len(value) // 5)
    return value[:shown] + "*" * 8
