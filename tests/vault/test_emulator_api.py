"""The Python API (thread and subprocess) and the SQLite store underneath it."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import ssl
from pathlib import Path

import pytest

from secretsops.errors import InputError, UsageError, VaultError
from secretsops.vault.emulator import Emulator, EmulatorProcess, faults
from secretsops.vault.emulator.model import NewSecret, PropertyChanges
from secretsops.vault.emulator.store import SCHEMA_VERSION, SecretStore

from .kv_helpers import unique, value


def test_thread_emulator_lifecycle() -> None:
    vault = Emulator()
    with pytest.raises(UsageError):
        _ = vault.url
    vault.start()
    try:
        with pytest.raises(UsageError):
            vault.start()
        port = vault.port
        assert vault.url == f"https://127.0.0.1:{port}"
        ca_folder = vault.ca_file.parent
        assert ca_folder.is_dir()
        assert sorted(p.name for p in ca_folder.iterdir()) == ["ca.pem"]  # no key on disk
        with vault.secret_client() as client:
            assert client.set_secret(unique(), "v").value == "v"
    finally:
        vault.stop()
    vault.stop()  # twice is fine
    assert not ca_folder.exists()
    with socket.socket() as probe:  # the port is released
        probe.bind(("127.0.0.1", port))


def test_stop_closes_kept_alive_connections() -> None:
    with Emulator() as vault:
        context = ssl.create_default_context(cafile=str(vault.ca_file))
        host, port = "127.0.0.1", vault.port
        idle = context.wrap_socket(socket.create_connection((host, port)), server_hostname=host)
        vault.stop()
        idle.settimeout(5)
        assert idle.recv(1) == b""  # closed by the server, not left hanging
        idle.close()


def test_localhost_and_ip_are_both_in_the_certificate() -> None:
    with Emulator() as vault:
        context = ssl.create_default_context(cafile=str(vault.ca_file))
        for name in ("localhost", "127.0.0.1"):
            raw = socket.create_connection(("127.0.0.1", vault.port))
            with context.wrap_socket(raw, server_hostname=name) as tls:
                assert tls.version() in ("TLSv1.2", "TLSv1.3")


def test_async_helpers() -> None:
    async def run(vault: Emulator) -> str | None:
        async with vault.async_secret_client() as client:
            await client.set_secret("helper", "v")
            return (await client.get_secret("helper")).value

    with Emulator() as vault:
        assert asyncio.run(run(vault)) == "v"


def test_subprocess_that_cannot_start_says_why() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        process = EmulatorProcess(port=busy.getsockname()[1])
        with pytest.raises(VaultError, match="in use"):
            process.start()
    assert process.returncode == 2


def test_subprocess_token_is_not_on_the_command_line() -> None:
    token = value()
    process = EmulatorProcess(token=token)
    assert token not in " ".join(process.command())
    with process, process.secret_client() as client:
        assert client.set_secret(unique(), "v").value == "v"
    assert process.returncode == 0


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_deleted_secrets_are_purged_when_retention_ends() -> None:
    clock = Clock()
    store = SecretStore(retention_days=7, clock=clock)
    store.set("a", NewSecret(value="1"))
    deleted = store.delete("a")
    assert deleted.scheduled_purge_date == deleted.deleted_date + 7 * 86_400
    clock.now += 7 * 86_400 - 1
    assert store.get_deleted("a").latest.name == "a"
    with pytest.raises(faults.KeyVaultFault):
        store.set("a", NewSecret(value="2"))
    clock.now += 1
    assert store.list_deleted(25).items == []
    assert store.set("A", NewSecret(value="3")).name == "A"
    store.close()


def test_store_versions_and_paging() -> None:
    store = SecretStore()
    made = [store.set("s", NewSecret(value=str(i))).version for i in range(5)]
    first = store.list_versions("S", 2)
    assert [v.version for v in first.items] == made[:2] and first.next_after is not None
    rest = store.list_versions("s", 25, first.next_after)
    assert [v.version for v in rest.items] == made[2:] and rest.next_after is None
    assert store.get("s").value == "4"
    assert store.update("s", made[0], PropertyChanges(enabled=False)).enabled is False
    assert store.get("s", made[0].upper()).enabled is False
    with pytest.raises(faults.KeyVaultFault) as info:
        store.update("s", "f" * 32, PropertyChanges(enabled=True))
    assert info.value.code == "SecretNotFound"
    store.close()


def test_store_refuses_a_newer_schema(tmp_path: Path) -> None:
    data = tmp_path / "v.db"
    SecretStore(data).close()
    with sqlite3.connect(data) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(InputError, match="newer"):
        SecretStore(data)


def test_the_sdk_keeps_its_connection_alive() -> None:
    with Emulator() as vault, vault.secret_client() as client:
        client.set_secret("kept", "v")
        before = vault.connections_accepted
        for _ in range(50):
            assert client.get_secret("kept").value == "v"
        assert vault.connections_accepted == before  # 50 requests, no new connection
        client.get_secret("kept", headers={"Connection": "close"})
        client.get_secret("kept")
        assert vault.connections_accepted == before + 1  # closed on request, then reopened
