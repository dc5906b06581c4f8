"""Offline checksum validation of credential formats that carry one. No network, ever.

- GitHub's tokens (``ghp_``, ``gho_``, ``ghu_``, ``ghs_``, ``ghr_``) and npm's (``npm_``): 30
  random base62 characters, then the CRC32 of those 30 characters in base62, left-padded with
  ``0`` to 6 characters (github.blog, 2021-04-05, "Behind GitHub's new authentication token
  formats"; npm adopted the same format on 2021-09-23).

Microsoft's identifiable keys carry a Marvin32 checksum whose seeds are public
(microsoft/security-utilities), but we have not confirmed the byte layout against a published
test vector, so their detectors rely on the fixed signature only (see ``docs/detectors.md``).
"""

from __future__ import annotations

import zlib

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def base62(number: int) -> str:
    """``number`` (>= 0) in base62, most significant digit first."""
    if number == 0:
        return BASE62[0]
    digits = []
    while number:
        number, rest = divmod(number, 62)
        digits.append(BASE62[rest])
    return "".join(reversed(digits))


def crc32_base62(body: str) -> str:
    """The 6-character checksum GitHub and npm append to a token's random part."""
    return base62(zlib.crc32(body.encode("ascii")) & 0xFFFFFFFF).rjust(6, "0")


def has_valid_crc32_suffix(token: str, prefix_length: int) -> bool:
    """True when ``token``'s last 6 characters are the checksum of its 30-character body."""
    body = token[prefix_length:]
    if len(body) != 36 or not body.isalnum() or not body.isascii():
        return False
    return crc32_base62(body[:30]) == body[30:]


def with_crc32_suffix(prefix: str, body30: str) -> str:
    """A token in GitHub's checksummed format (for tests and the sample)."""
    return prefix + body30 + crc32_base62(body30)
