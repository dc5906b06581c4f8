"""Challenge authentication as Key Vault does it.

A request without ``Authorization`` gets 401 and a ``WWW-Authenticate: Bearer`` challenge naming
an authority (with the tenant as its first path segment) and the resource
``https://vault.azure.net``; the SDK then asks its credential for ``<resource>/.default`` and
repeats the request with ``Bearer <token>``. The emulator accepts any well-formed bearer token,
or only the one it was configured with. Because ``127.0.0.1`` or ``localhost`` is not a
sub-domain of ``vault.azure.net``, clients must pass ``verify_challenge_resource=False``.
"""

from __future__ import annotations

import hmac
import re

from secretsops.vault.emulator import faults

TENANT_ID = "00000000-0000-0000-0000-000000000000"
AUTHORITY = f"https://login.microsoftonline.com/{TENANT_ID}"
RESOURCE = "https://vault.azure.net"
SCOPE = f"{RESOURCE}/.default"
CHALLENGE = f'Bearer authorization="{AUTHORITY}", resource="{RESOURCE}"'

# RFC 6750 b64token
_BEARER = re.compile(r"[Bb]earer +([A-Za-z0-9\-._~+/]+=*) *")


def authenticate(header: str | None, accepted: str | None) -> None:
    """Raise the 401 fault unless ``header`` carries an acceptable bearer token."""
    if not header:
        raise faults.unauthorized("Request is missing a Bearer or PoP token.", CHALLENGE)
    match = _BEARER.fullmatch(header)
    if match is None:
        raise faults.unauthorized("The Authorization header is not a Bearer token.", CHALLENGE)
    if accepted is not None and not hmac.compare_digest(
        match.group(1).encode("utf-8"), accepted.encode("utf-8")
    ):
        raise faults.unauthorized("The bearer token is not the one this vault accepts.", CHALLENGE)
