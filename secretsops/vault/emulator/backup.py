"""Backup blobs: every version of one secret, sealed with AES-GCM under the vault's own key.

Like the real service's blobs they are opaque and restore only into the vault that made them
(here: the same data file, or the same in-memory run). The format is base64url without padding,
the encoding the SDK uses for ``BackupSecretResult.value``.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from collections.abc import Sequence
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from secretsops.vault.emulator import faults
from secretsops.vault.emulator.model import SecretVersion

_MAGIC = b"SOKVB1"
_CONTEXT = b"secretsops key vault emulator backup, format 1"
_NONCE = 12


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)


def seal(key: bytes, versions: Sequence[SecretVersion]) -> str:
    """A blob holding ``versions`` (one secret, oldest first)."""
    document = {
        "name": versions[-1].name,
        "versions": [
            {
                "version": v.version,
                "value": v.value,
                "contentType": v.content_type,
                "enabled": v.enabled,
                "nbf": v.not_before,
                "exp": v.expires,
                "created": v.created,
                "updated": v.updated,
                "tags": v.tags,
            }
            for v in versions
        ],
    }
    nonce = secrets.token_bytes(_NONCE)
    sealed = AESGCM(key).encrypt(nonce, json.dumps(document).encode("utf-8"), _CONTEXT)
    return _b64encode(_MAGIC + nonce + sealed)


def _version(name: str, item: dict[str, Any]) -> SecretVersion:
    return SecretVersion(
        name=name,
        version=str(item["version"]),
        value=str(item["value"]),
        content_type=item.get("contentType"),
        enabled=bool(item["enabled"]),
        not_before=item.get("nbf"),
        expires=item.get("exp"),
        created=int(item["created"]),
        updated=int(item["updated"]),
        tags=item.get("tags"),
    )


def unseal(key: bytes, blob: str) -> list[SecretVersion]:
    """The versions in a blob made by :func:`seal` with the same key; 400 otherwise."""
    invalid = faults.bad_parameter("Backup blob contains invalid or corrupt version.")
    try:
        raw = _b64decode(blob)
    except (ValueError, binascii.Error):
        raise invalid from None
    if not raw.startswith(_MAGIC) or len(raw) < len(_MAGIC) + _NONCE + 16:
        raise invalid
    nonce = raw[len(_MAGIC) : len(_MAGIC) + _NONCE]
    try:
        plain = AESGCM(key).decrypt(nonce, raw[len(_MAGIC) + _NONCE :], _CONTEXT)
    except InvalidTag:
        raise faults.bad_parameter(
            "Backup blob was not made by this vault (emulator data file) and cannot be restored."
        ) from None
    try:
        document = json.loads(plain)
        name = str(document["name"])
        versions = [_version(name, item) for item in document["versions"]]
    except (ValueError, KeyError, TypeError):
        raise invalid from None
    if not versions:
        raise invalid
    return versions
