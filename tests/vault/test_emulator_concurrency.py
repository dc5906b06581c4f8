"""Fifty concurrent SDK clients write versions of one shared secret and of their own secrets;
nothing is lost or duplicated, SQLite stays intact, and a restart (a subprocess running
``secretsops vault serve``) keeps everything."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from azure.keyvault.secrets import SecretClient

from secretsops.vault.emulator import Emulator, EmulatorProcess, RunningEmulator

from .kv_helpers import make_client, unique, value

CLIENTS = 50
ROUNDS = 4


def _integrity(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        (result,) = conn.execute("PRAGMA integrity_check").fetchone()
    return str(result)


def _versions(client: SecretClient, name: str) -> list[str]:
    return [p.version or "" for p in client.list_properties_of_secret_versions(name)]


def _hammer(vault: RunningEmulator, shared: str, prefix: str) -> dict[tuple[str, str], str]:
    """Every client sets ROUNDS versions of ``shared`` and of its own secret, in parallel."""
    written: dict[tuple[str, str], str] = {}
    lock = threading.Lock()
    errors: list[BaseException] = []
    start = threading.Barrier(CLIENTS)

    def work(index: int) -> None:
        try:
            with make_client(vault) as client:
                start.wait()
                for _ in range(ROUNDS):
                    for name in (shared, f"{prefix}-{index}"):
                        secret = value()
                        made = client.set_secret(name, secret)
                        with lock:
                            written[(name, made.properties.version or "")] = secret
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[:3]
    return written


def _assert_everything_there(
    vault: RunningEmulator, written: dict[tuple[str, str], str], shared: str, prefix: str
) -> None:
    with make_client(vault) as client:
        shared_versions = _versions(client, shared)
        assert len(shared_versions) == CLIENTS * ROUNDS
        assert len(set(shared_versions)) == len(shared_versions)
        assert set(shared_versions) == {v for (n, v) in written if n == shared}
        for index in range(CLIENTS):
            own = f"{prefix}-{index}"
            versions = _versions(client, own)
            assert len(versions) == ROUNDS
            assert set(versions) == {v for (n, v) in written if n == own}
        for (name, version), secret in list(written.items())[::7]:
            assert client.get_secret(name, version).value == secret
        ids = {f"{vault.url}/secrets/{n}/{v}" for (n, v) in written}
        assert len(ids) == len(written) == 2 * CLIENTS * ROUNDS


def test_fifty_clients_then_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "vault.db"
    shared, prefix = unique("shared"), unique("own")
    with Emulator(data=data) as vault:
        written = _hammer(vault, shared, prefix)
        _assert_everything_there(vault, written, shared, prefix)
        with make_client(vault) as client:
            blob = client.backup_secret(f"{prefix}-0")
            client.begin_delete_secret(f"{prefix}-1").wait()
            client.begin_delete_secret(f"{prefix}-0").wait()
            client.purge_deleted_secret(f"{prefix}-0")
    assert _integrity(data) == "ok"

    with EmulatorProcess(data=data) as restarted:  # `secretsops vault serve --data ...`
        with make_client(restarted) as client:
            assert client.get_deleted_secret(f"{prefix}-1").name == f"{prefix}-1"
            client.begin_recover_deleted_secret(f"{prefix}-1").wait()
            client.restore_secret_backup(blob)  # the backup key survived the restart
        _assert_everything_there(restarted, written, shared, prefix)
        with make_client(restarted) as client:
            again = [client.set_secret(shared, value()) for _ in range(3)]
            assert len({a.properties.version for a in again}) == 3
    assert restarted.returncode == 0
    assert _integrity(data) == "ok"


def test_concurrent_clients_in_memory_and_in_a_subprocess() -> None:
    for kind in (Emulator, EmulatorProcess):
        shared, prefix = unique("mem"), unique("mine")
        with kind() as vault:
            written = _hammer(vault, shared, prefix)
            _assert_everything_there(vault, written, shared, prefix)
