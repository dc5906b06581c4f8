"""Credential-shaped values, made at test time.

Nothing in this repository may look like a credential (the repository scans itself clean), so
every secret a test needs is generated here when the test runs. Markers that detectors key on
(the PEM header, for one) are assembled from pieces for the same reason.
"""

from __future__ import annotations

import base64
import random
import string

_rng = random.SystemRandom()

UPPER_DIGITS = string.ascii_uppercase + string.digits
ALNUM = string.ascii_letters + string.digits
ENTRA_HEAD = string.ascii_letters + string.digits + "_~."
ENTRA_TAIL = ENTRA_HEAD + "-"


def _pick(alphabet: str, n: int) -> str:
    return "".join(_rng.choice(alphabet) for _ in range(n))


def _mixed(n: int) -> str:
    """``n`` alphanumerics with at least one lower, one upper and one digit (never sequential)."""
    while True:
        value = _pick(ALNUM, n)
        if (
            any(c.islower() for c in value)
            and any(c.isupper() for c in value)
            and any(c.isdigit() for c in value)
        ):
            return value


def aws_access_key_id() -> str:
    """``AKIA`` and 16 uppercase letters or digits (detect-secrets' AWS Access Key)."""
    return "AKIA" + _pick(UPPER_DIGITS, 16)


def github_token() -> str:
    """A classic personal access token: ``ghp_`` and 36 alphanumerics."""
    return "ghp_" + _mixed(36)


def entra_client_secret(tail: int | None = None) -> str:
    """A Microsoft Entra ID client secret: 3 chars, a digit, ``Q~``, then 31 to 34 chars."""
    length = tail if tail is not None else _rng.randint(31, 34)
    return _pick(ENTRA_HEAD, 3) + _pick(string.digits, 1) + "Q~" + _pick(ENTRA_TAIL, length)


def password() -> str:
    """A password-like value for ``password = "..."`` (detect-secrets' Secret Keyword)."""
    return _mixed(20)


def password_line(value: str | None = None, name: str = "password") -> str:
    return f'{name} = "{value if value is not None else password()}"'


PEM_KIND = "RSA " + "PRIVATE" + " KEY"


def private_key_pem() -> str:
    """A PEM block of random bytes with an RSA private key's armour."""
    body = base64.b64encode(_rng.randbytes(600)).decode("ascii")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "\n".join(
        ["-----" + "BEGIN " + PEM_KIND + "-----", *lines, "-----" + "END " + PEM_KIND + "-----"]
    )


def aws_line(value: str | None = None) -> str:
    """A Python assignment of an AWS access key id, under a name no keyword detector knows."""
    return f'aws_id = "{value if value is not None else aws_access_key_id()}"'


def storage_account_key() -> str:
    """An Azure Storage account key: 64 random bytes in base64 (88 characters)."""
    return base64.b64encode(_rng.randbytes(64)).decode("ascii")
