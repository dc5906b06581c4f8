"""An emulator served from a thread of the current process."""

from __future__ import annotations

import threading
from pathlib import Path

from secretsops.errors import UsageError
from secretsops.vault.emulator.api import SecretsApi
from secretsops.vault.emulator.base import RunningEmulator
from secretsops.vault.emulator.server import Observer, VaultServer
from secretsops.vault.emulator.settings import DEFAULT_HOST, MAX_RETENTION_DAYS, EmulatorSettings
from secretsops.vault.emulator.store import SecretStore
from secretsops.vault.emulator.tls import TlsFiles


class Emulator(RunningEmulator):
    """A Key Vault emulator in a background thread::

        with Emulator() as vault:
            client = vault.secret_client()
            client.set_secret("db-password", value)

    ``observer`` (optional) is called with every answered request; tests use it to validate
    response bodies. It runs on the server's threads and sees secret values: keep it in memory.
    """

    def __init__(
        self,
        *,
        host: str = DEFAULT_HOST,
        port: int = 0,
        data: str | Path | None = None,
        token: str | None = None,
        purge_protection: bool = False,
        retention_days: int = MAX_RETENTION_DAYS,
        observer: Observer | None = None,
    ) -> None:
        super().__init__(
            EmulatorSettings(
                host=host,
                port=port,
                data=None if data is None else Path(data),
                token=token,
                purge_protection=purge_protection,
                retention_days=retention_days,
            )
        )
        self._observer = observer
        self._server: VaultServer | None = None
        self._thread: threading.Thread | None = None
        self._store: SecretStore | None = None
        self._tls: TlsFiles | None = None

    def start(self) -> Emulator:
        if self._server is not None:
            raise UsageError("the emulator is already running")
        settings = self.settings
        store = self._open_store(settings)
        tls: TlsFiles | None = None
        try:
            tls = TlsFiles([settings.host])
            api = SecretsApi(store, settings)
            server = VaultServer(settings.host, settings.port, api, tls.context, self._observer)
        except BaseException:
            store.close()
            if tls is not None:
                tls.remove()
            raise
        self._store, self._tls, self._server = store, tls, server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"secretsops-vault-emulator:{server.server_port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def _open_store(self, settings: EmulatorSettings) -> SecretStore:
        """The store behind the API (subclasses may serve another, e.g. an encrypted one)."""
        return SecretStore(settings.data, retention_days=settings.retention_days)

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.stop()
        if self._thread is not None:
            self._thread.join()
        if self._store is not None:
            self._store.close()
        if self._tls is not None:
            self._tls.remove()

    def _running(self) -> VaultServer:
        if self._server is None:
            raise UsageError("the emulator is not running: call start() first")
        return self._server

    @property
    def url(self) -> str:
        return self._running().url

    @property
    def port(self) -> int:
        return self._running().server_port

    @property
    def connections_accepted(self) -> int:
        """How many TLS connections clients have opened so far."""
        return self._running().connections_accepted

    @property
    def ca_file(self) -> Path:
        self._running()
        assert self._tls is not None
        return self._tls.ca_file
