"""The JSON bodies Key Vault answers with: SecretBundle, SecretItem, DeletedSecretBundle and
DeletedSecretItem, in the field order the service uses.

Ids carry the origin the request was sent to (``https://host:port``), so the SDK's id parsing
sees the vault it talks to. Values appear only in GetSecret and SetSecret answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from secretsops.vault.emulator.model import DeletedSecret, SecretVersion

# api-versions older than 7.1 did not report recoverableDays
_WITHOUT_RECOVERABLE_DAYS = frozenset({"2016-10-01", "7.0"})


@dataclass(frozen=True)
class Shaper:
    """Renders records for one request: its origin and api-version, the vault's policy."""

    origin: str
    api_version: str
    recovery_level: str
    recoverable_days: int

    def secret_id(self, name: str, version: str | None = None) -> str:
        base = f"{self.origin}/secrets/{name}"
        return base if version is None else f"{base}/{version}"

    def attributes(self, v: SecretVersion) -> dict[str, Any]:
        attrs: dict[str, Any] = {"enabled": v.enabled}
        if v.not_before is not None:
            attrs["nbf"] = v.not_before
        if v.expires is not None:
            attrs["exp"] = v.expires
        attrs["created"] = v.created
        attrs["updated"] = v.updated
        attrs["recoveryLevel"] = self.recovery_level
        if self.api_version not in _WITHOUT_RECOVERABLE_DAYS:
            attrs["recoverableDays"] = self.recoverable_days
        return attrs

    def bundle(self, v: SecretVersion, *, with_value: bool = True) -> dict[str, Any]:
        """``SecretBundle``: one version, with its value unless ``with_value`` is False."""
        body: dict[str, Any] = {}
        if with_value:
            body["value"] = v.value
        if v.content_type is not None:
            body["contentType"] = v.content_type
        body["id"] = self.secret_id(v.name, v.version)
        body["attributes"] = self.attributes(v)
        if v.tags is not None:
            body["tags"] = v.tags
        return body

    def item(self, v: SecretVersion, *, versioned: bool) -> dict[str, Any]:
        """``SecretItem``: no value; the id has a version only in a list of versions."""
        body: dict[str, Any] = {}
        if v.content_type is not None:
            body["contentType"] = v.content_type
        body["id"] = self.secret_id(v.name, v.version if versioned else None)
        body["attributes"] = self.attributes(v)
        if v.tags is not None:
            body["tags"] = v.tags
        return body

    def _deletion(self, d: DeletedSecret) -> dict[str, Any]:
        return {
            "recoveryId": f"{self.origin}/deletedsecrets/{d.latest.name}",
            "deletedDate": d.deleted_date,
            "scheduledPurgeDate": d.scheduled_purge_date,
        }

    def deleted_bundle(self, d: DeletedSecret) -> dict[str, Any]:
        """``DeletedSecretBundle``: the latest version's properties (no value) and deletion."""
        return {**self._deletion(d), **self.bundle(d.latest, with_value=False)}

    def deleted_item(self, d: DeletedSecret) -> dict[str, Any]:
        """``DeletedSecretItem``: as listed by ``GET /deletedsecrets``."""
        return {**self._deletion(d), **self.item(d.latest, versioned=False)}
