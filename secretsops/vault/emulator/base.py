"""What every running emulator offers, in a thread or in a subprocess: its URL and CA file,
a matching credential, ready-made ``SecretClient`` objects, and a context manager."""

from __future__ import annotations

import abc
import secrets
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from secretsops.vault.emulator.credential import AsyncEmulatorCredential, EmulatorCredential
from secretsops.vault.emulator.settings import EmulatorSettings

if TYPE_CHECKING:
    from azure.keyvault.secrets import SecretClient
    from azure.keyvault.secrets.aio import SecretClient as AsyncSecretClient

Self = TypeVar("Self", bound="RunningEmulator")


class RunningEmulator(abc.ABC):
    """Base of :class:`Emulator` (thread) and :class:`EmulatorProcess` (subprocess)."""

    def __init__(self, settings: EmulatorSettings) -> None:
        self.settings = settings
        # Without --token any well-formed token works; hand out a random one.
        self.token = settings.token if settings.token is not None else secrets.token_urlsafe(24)

    @abc.abstractmethod
    def start(self: Self) -> Self:
        """Start serving; returns self. Raises a ``secretsops.errors`` exception on bad input."""

    @abc.abstractmethod
    def stop(self) -> None:
        """Stop serving and remove the CA folder. Safe to call twice."""

    @property
    @abc.abstractmethod
    def url(self) -> str:
        """The vault URL, ``https://host:port``."""

    @property
    @abc.abstractmethod
    def ca_file(self) -> Path:
        """The PEM file of the CA that signed the server certificate."""

    def credential(self) -> EmulatorCredential:
        """A credential whose token this emulator accepts."""
        return EmulatorCredential(self.token)

    def async_credential(self) -> AsyncEmulatorCredential:
        return AsyncEmulatorCredential(self.token)

    def client_options(self) -> dict[str, Any]:
        """Keyword arguments a ``SecretClient`` needs for this emulator, beside the credential."""
        return {"verify_challenge_resource": False, "connection_verify": str(self.ca_file)}

    def secret_client(self, **kwargs: Any) -> SecretClient:
        """An ``azure.keyvault.secrets.SecretClient`` for this emulator."""
        from azure.keyvault.secrets import SecretClient

        options = {**self.client_options(), **kwargs}
        return SecretClient(vault_url=self.url, credential=self.credential(), **options)

    def async_secret_client(self, **kwargs: Any) -> AsyncSecretClient:
        """An ``azure.keyvault.secrets.aio.SecretClient`` for this emulator (needs aiohttp)."""
        from azure.keyvault.secrets.aio import SecretClient as AsyncSecretClient

        options = {**self.client_options(), **kwargs}
        return AsyncSecretClient(vault_url=self.url, credential=self.async_credential(), **options)

    def __enter__(self: Self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
