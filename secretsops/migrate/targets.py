"""Vault targets: real Azure Key Vault, a running emulator, or the embedded local vault.

:func:`connect` yields a :class:`VaultClient`, a thin layer over the real
``azure-keyvault-secrets`` ``SecretClient`` that turns the SDK's exceptions into one-line
``VaultError`` subclasses (never with a value in them) and offers exactly what apply needs.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from secretsops.errors import (
    NameSoftDeleted,
    UsageError,
    VaultError,
    VaultForbidden,
    VaultUnreachable,
)

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential
    from azure.keyvault.secrets import SecretClient

CREDENTIALS = ("default", "cli", "managed-identity", "environment", "emulator")
RETRIES_ENV = "SECRETSOPS_VAULT_RETRIES"
TOKEN_ENV = "SECRETSOPS_VAULT_TOKEN"  # noqa: S105 - a variable name


def _first_line(text: object) -> str:
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    return lines[0][:300] if lines else ""


def vault_name_of(url: str) -> str:
    """A vault's name: the first label of its host (``myvault.vault.azure.net`` -> ``myvault``)."""
    host = urlsplit(url).hostname or ""
    try:
        ipaddress.ip_address(host)
        return "local"
    except ValueError:
        pass
    label = host.split(".", 1)[0]
    return "local" if label in ("", "localhost") else label


def check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise UsageError(f"--vault-url {url!r}: give the vault's https:// URL")
    return f"https://{parts.netloc}"


@dataclass(frozen=True)
class Spec:
    """How to reach the vault for one run."""

    url: str | None  # None: the local vault under the state folder
    credential: str = "default"
    ca_file: Path | None = None
    token: str | None = None

    def __post_init__(self) -> None:
        if self.credential not in CREDENTIALS:
            raise UsageError(
                f"--credential {self.credential!r}: use one of {', '.join(CREDENTIALS)}"
            )
        if self.ca_file is not None and not self.ca_file.is_file():
            raise UsageError(f"--ca-file {self.ca_file}: no such file")


def azure_credential(kind: str) -> TokenCredential:
    """azure-identity's credential for a ``--credential`` choice."""
    from azure import identity

    if kind == "cli":
        return identity.AzureCliCredential()
    if kind == "managed-identity":
        return identity.ManagedIdentityCredential()
    if kind == "environment":
        return identity.EnvironmentCredential()
    return identity.DefaultAzureCredential()


def _retries() -> int:
    raw = os.environ.get(RETRIES_ENV, "3")
    return int(raw) if raw.isdigit() else 3


@dataclass(frozen=True)
class Current:
    """The vault's current version of a secret, value in memory only."""

    value: str
    version: str


class VaultClient:
    """What apply asks of a vault; every SDK error comes out as a one-line ``VaultError``."""

    def __init__(
        self, client: SecretClient, url: str, credential_option: str = "--credential"
    ) -> None:
        self.client = client
        self.url = url
        #: The option that gave the credential, named when the vault refuses it.
        self.credential_option = credential_option

    def _error(self, exc: Exception, what: str) -> VaultError:
        from azure.core.exceptions import (
            ClientAuthenticationError,
            HttpResponseError,
            ResourceExistsError,
            ServiceRequestError,
            ServiceResponseError,
        )

        if isinstance(exc, (ServiceRequestError, ServiceResponseError)):
            return VaultUnreachable(
                f"cannot reach the vault at {self.url} ({what}): "
                f"{_first_line(exc.message) or type(exc).__name__}"
            )
        if isinstance(exc, ClientAuthenticationError):
            return VaultError(
                f"the vault at {self.url} did not accept the credential ({what}): "
                f"{_first_line(exc.message)}; check {self.credential_option}"
            )
        if isinstance(exc, ResourceExistsError):
            inner = ""
            if exc.error is not None and exc.error.innererror:
                inner = str(exc.error.innererror.get("code", ""))
            if inner == "ObjectIsDeletedButRecoverable" or "deleted" in str(exc.message).lower():
                return NameSoftDeleted(what)
        if isinstance(exc, HttpResponseError) and exc.status_code == 403:
            code = exc.error.code if exc.error is not None else "Forbidden"
            inner = ""
            if exc.error is not None and exc.error.innererror:
                inner = str(exc.error.innererror.get("code", ""))
            if inner == "SecretDisabled":
                return VaultForbidden(
                    f"the vault at {self.url} refused to {what}: the secret is disabled "
                    "(enable it, or plan another name with --name)"
                )
            return VaultForbidden(
                f"the vault at {self.url} refused to {what} (403 {code}): the identity needs "
                "permission to get and set secrets (Key Vault Secrets Officer)"
            )
        if isinstance(exc, HttpResponseError):
            code = exc.error.code if exc.error is not None else ""
            return VaultError(
                f"the vault at {self.url} answered {exc.status_code} {code} to {what}"
            )
        if isinstance(exc, ValueError):  # the SDK refused before sending (URL, challenge)
            return VaultError(f"cannot {what} at {self.url}: {_first_line(exc)}")
        return VaultError(f"vault request failed ({what}): {type(exc).__name__}")

    def current(self, name: str) -> Current | None:
        """The current version, or None when there is no live secret of that name."""
        from azure.core.exceptions import AzureError, ResourceNotFoundError

        try:
            secret = self.client.get_secret(name)
        except ResourceNotFoundError:
            return None
        except (AzureError, ValueError) as exc:
            raise self._error(exc, f"read secret {name}") from None
        if secret.value is None or secret.properties.version is None:
            raise VaultError(f"the vault returned secret {name} without a value")
        return Current(secret.value, secret.properties.version)

    def set(self, name: str, value: str, content_type: str, tags: dict[str, str]) -> str:
        """Write a new version; returns its version id."""
        from azure.core.exceptions import AzureError

        try:
            secret = self.client.set_secret(name, value, content_type=content_type, tags=tags)
        except (AzureError, ValueError) as exc:
            error = self._error(exc, f"set secret {name}")
            if isinstance(error, NameSoftDeleted):
                raise NameSoftDeleted(
                    f"secret name {name} is held by a soft-deleted secret: rerun apply with "
                    "--recover-deleted to recover it (a new version is then added), or purge it "
                    f"(az keyvault secret purge --name {name}), or plan another name with --name"
                ) from None
            raise error from None
        return secret.properties.version or ""

    def recover(self, name: str) -> None:
        from azure.core.exceptions import AzureError

        try:
            self.client.begin_recover_deleted_secret(name).wait()
        except (AzureError, ValueError) as exc:
            raise self._error(exc, f"recover deleted secret {name}") from None

    def version_count(self, name: str) -> int:
        from azure.core.exceptions import AzureError

        try:
            return sum(1 for _ in self.client.list_properties_of_secret_versions(name))
        except (AzureError, ValueError) as exc:
            raise self._error(exc, f"list versions of {name}") from None


def _client(url: str, credential: Any, ca_file: Path | None) -> SecretClient:
    from azure.keyvault.secrets import SecretClient

    options: dict[str, Any] = {
        "retry_total": _retries(),
        "retry_backoff_factor": 0.5,
        "connection_timeout": 10,
        "read_timeout": 60,
    }
    if ca_file is not None:
        options["connection_verify"] = str(ca_file)
        options["verify_challenge_resource"] = False
    return SecretClient(vault_url=url, credential=credential, **options)


@contextmanager
def connect(spec: Spec, state: Path) -> Iterator[VaultClient]:
    """A client for the vault ``spec`` names; the local vault runs while the block runs."""
    from secretsops.vault.emulator.credential import EmulatorCredential

    if spec.url is None:
        from secretsops.migrate.local_vault import LocalVault

        local = LocalVault(state).start()
        try:
            with _client(local.url, local.credential(), local.ca_file) as client:
                yield VaultClient(client, "the local vault")
        finally:
            local.stop()
        return
    url = check_url(spec.url)
    credential: Any
    option = "--credential"
    if spec.credential == "emulator" or (spec.ca_file is not None and spec.credential == "default"):
        import secrets

        if spec.token or os.environ.get(TOKEN_ENV):
            option = f"--token ({TOKEN_ENV})"
        token = spec.token or os.environ.get(TOKEN_ENV) or secrets.token_urlsafe(24)
        credential = EmulatorCredential(token)
    else:
        credential = azure_credential(spec.credential)
    with _client(url, credential, spec.ca_file) as client:
        yield VaultClient(client, url, option)
