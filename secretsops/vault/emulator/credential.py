"""Token credentials for the emulator: the smallest ``TokenCredential`` the SDK accepts.

Neither azure-core nor azure-identity ships a static credential. These hand out one fixed bearer
token, valid for an hour from each call, for any scope and tenant; the SDK's challenge policy
asks for ``https://vault.azure.net/.default`` with the emulator's tenant. ``get_token_info`` is
what current SDKs prefer; ``get_token`` serves older ones.
"""

from __future__ import annotations

import time
from types import TracebackType
from typing import Any

from azure.core.credentials import AccessToken, AccessTokenInfo, TokenRequestOptions

LIFETIME_SECONDS = 3600


class EmulatorCredential:
    """A synchronous credential (``TokenCredential`` and ``SupportsTokenInfo``)."""

    def __init__(self, token: str) -> None:
        self._token = token

    def get_token(
        self,
        *scopes: str,
        claims: str | None = None,
        tenant_id: str | None = None,
        enable_cae: bool = False,
        **kwargs: Any,
    ) -> AccessToken:
        return AccessToken(self._token, int(time.time()) + LIFETIME_SECONDS)

    def get_token_info(
        self, *scopes: str, options: TokenRequestOptions | None = None
    ) -> AccessTokenInfo:
        return AccessTokenInfo(self._token, int(time.time()) + LIFETIME_SECONDS)

    def close(self) -> None:
        """Nothing to release; present because the credential protocols have it."""

    def __enter__(self) -> EmulatorCredential:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        self.close()


class AsyncEmulatorCredential:
    """The same for ``azure.keyvault.secrets.aio.SecretClient`` (``AsyncTokenCredential``)."""

    def __init__(self, token: str) -> None:
        self._token = token

    async def get_token(
        self,
        *scopes: str,
        claims: str | None = None,
        tenant_id: str | None = None,
        enable_cae: bool = False,
        **kwargs: Any,
    ) -> AccessToken:
        return AccessToken(self._token, int(time.time()) + LIFETIME_SECONDS)

    async def get_token_info(
        self, *scopes: str, options: TokenRequestOptions | None = None
    ) -> AccessTokenInfo:
        return AccessTokenInfo(self._token, int(time.time()) + LIFETIME_SECONDS)

    async def close(self) -> None:
        """Nothing to release."""

    async def __aenter__(self) -> AsyncEmulatorCredential:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        await self.close()
