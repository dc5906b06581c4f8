"""Helpers for the Key Vault emulator tests: a response recorder, SDK clients built the
documented way, unique names, generated values and raw HTTPS requests beside the SDK."""

from __future__ import annotations

import http.client
import json
import secrets
import ssl
import threading
from typing import Any

from azure.keyvault.secrets import SecretClient

from secretsops.vault.emulator import Exchange, RunningEmulator


class Recorder:
    """Collects the emulator's answered requests (it calls this from its own threads)."""

    def __init__(self) -> None:
        self._items: list[Exchange] = []
        self._lock = threading.Lock()

    def __call__(self, exchange: Exchange) -> None:
        with self._lock:
            self._items.append(exchange)

    def snapshot(self) -> list[Exchange]:
        with self._lock:
            return list(self._items)

    def take(self) -> list[Exchange]:
        with self._lock:
            items, self._items = self._items, []
        return items


def make_client(vault: RunningEmulator, credential: Any = None, **kwargs: Any) -> SecretClient:
    """A SecretClient built the documented way (not with the emulator's helper)."""
    return SecretClient(
        vault_url=vault.url,
        credential=credential or vault.credential(),
        verify_challenge_resource=False,
        connection_verify=str(vault.ca_file),
        **kwargs,
    )


def unique(prefix: str = "s") -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


def value() -> str:
    return secrets.token_urlsafe(24)


def raw_request(
    vault: RunningEmulator,
    method: str,
    path: str,
    *,
    body: Any = None,
    token: str | None = "",
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], Any]:
    """One request with ``http.client`` beside the SDK: status, headers, parsed JSON body.

    ``token`` "" uses the emulator's credential, None sends no Authorization header.
    """
    host, port = vault.url.removeprefix("https://").rsplit(":", 1)
    context = ssl.create_default_context(cafile=str(vault.ca_file))
    conn = http.client.HTTPSConnection(host, int(port), context=context, timeout=10)
    send_headers = {"Accept": "application/json", **(headers or {})}
    if token is not None:
        send_headers["Authorization"] = f"Bearer {token or vault.token}"
    payload = None
    if body is not None:
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        send_headers["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=payload, headers=send_headers)
        response = conn.getresponse()
        data = response.read()
        parsed = json.loads(data) if data else None
        return response.status, {k.lower(): v for k, v in response.getheaders()}, parsed
    finally:
        conn.close()
