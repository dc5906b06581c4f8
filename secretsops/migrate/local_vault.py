"""``--vault local``: the Key Vault emulator, embedded, its data kept under ``.secretsops/``.

The emulator's own store keeps values in clear (it is test data). The local vault is meant to
hold real secrets next to a repository, so here every value is sealed with AES-256-GCM before
it reaches SQLite (the database, its WAL and its journal only ever see ciphertext). The key is
32 random bytes in the user's configuration folder, outside any repository:
``$XDG_CONFIG_HOME/secretsops/local-vault.key`` (``~/.config/...`` by default), mode 0600.
Lose the key and the local vault's values are lost with it.
"""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from secretsops.errors import InputError
from secretsops.vault.emulator.model import DeletedSecret, NewSecret, Page, SecretVersion
from secretsops.vault.emulator.settings import EmulatorSettings
from secretsops.vault.emulator.store import SecretStore
from secretsops.vault.emulator.thread import Emulator

SEALED_PREFIX = "sealed1:"
KEY_NAME = "local-vault.key"
DATA_NAME = "vault.db"


def config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "secretsops"


def key_path() -> Path:
    return config_dir() / KEY_NAME


def load_key(*, create: bool) -> bytes:
    """The local vault's key, made (0600, in a 0700 folder) the first time if ``create``."""
    path = key_path()
    if not path.exists():
        if not create:
            raise InputError(f"the local vault's key {path} is missing: its values cannot be read")
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        except OSError as exc:
            raise InputError(f"cannot create {path}: {exc.strerror or exc}") from None
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(secrets.token_bytes(32))
                handle.flush()
                os.fsync(handle.fileno())
    try:
        key = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(key) != 32:
        raise InputError(f"{path} is not a local vault key (expected 32 bytes)")
    return key


class Sealer:
    """AES-256-GCM with a random 96-bit nonce per value; the secret's name is bound as AAD."""

    def __init__(self, key: bytes) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self._aead = AESGCM(key)

    def seal(self, name: str, value: str) -> str:
        nonce = secrets.token_bytes(12)
        sealed = self._aead.encrypt(nonce, value.encode("utf-8"), name.lower().encode("utf-8"))
        return SEALED_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def open(self, name: str, stored: str) -> str:
        from cryptography.exceptions import InvalidTag

        if not stored.startswith(SEALED_PREFIX):
            raise InputError("the local vault holds a value that is not sealed")
        raw = base64.urlsafe_b64decode(stored[len(SEALED_PREFIX) :])
        try:
            plain = self._aead.decrypt(raw[:12], raw[12:], name.lower().encode("utf-8"))
        except InvalidTag:
            raise InputError(
                f"cannot open the local vault's value of {name}: wrong key ({key_path()})"
            ) from None
        return plain.decode("utf-8")


class SealedStore(SecretStore):
    """A :class:`SecretStore` whose values are sealed at rest and opened on the way out."""

    def __init__(self, path: Path, sealer: Sealer, *, retention_days: int = 90) -> None:
        super().__init__(path, retention_days=retention_days)
        self._sealer = sealer

    def _opened(self, v: SecretVersion) -> SecretVersion:
        return replace(v, value=self._sealer.open(v.name, v.value))

    def _opened_deleted(self, d: DeletedSecret) -> DeletedSecret:
        return replace(d, latest=self._opened(d.latest))

    def set(self, name: str, new: NewSecret) -> SecretVersion:
        stored = super().set(name, replace(new, value=self._sealer.seal(name, new.value)))
        return replace(stored, value=new.value)

    def get(self, name: str, version: str | None = None) -> SecretVersion:
        return self._opened(super().get(name, version))

    def list_secrets(self, limit: int, after: str | None = None) -> Page[SecretVersion]:
        page = super().list_secrets(limit, after)
        return Page([self._opened(v) for v in page.items], page.next_after)

    def list_versions(self, name: str, limit: int, after: str | None = None) -> Page[SecretVersion]:
        page = super().list_versions(name, limit, after)
        return Page([self._opened(v) for v in page.items], page.next_after)

    def delete(self, name: str) -> DeletedSecret:
        return self._opened_deleted(super().delete(name))

    def get_deleted(self, name: str) -> DeletedSecret:
        return self._opened_deleted(super().get_deleted(name))

    def list_deleted(self, limit: int, after: str | None = None) -> Page[DeletedSecret]:
        page = super().list_deleted(limit, after)
        return Page([self._opened_deleted(d) for d in page.items], page.next_after)

    def recover(self, name: str) -> SecretVersion:
        return self._opened(super().recover(name))

    def export(self, name: str) -> list[SecretVersion]:
        return [self._opened(v) for v in super().export(name)]

    def restore(self, versions: Sequence[SecretVersion]) -> SecretVersion:
        sealed = [replace(v, value=self._sealer.seal(v.name, v.value)) for v in versions]
        return self._opened(super().restore(sealed))


def ensure_state_dir(state: Path) -> None:
    """``.secretsops/`` with a ``.gitignore`` that keeps all of it out of git."""
    state.mkdir(parents=True, exist_ok=True)
    ignore = state / ".gitignore"
    if not ignore.exists():
        ignore.write_text(
            "# secretsops' local state: journal, reports, the local vault (sealed values)\n*\n",
            encoding="utf-8",
        )


class LocalVault(Emulator):
    """The embedded vault of one repository, served on loopback for the run's duration: the
    thread emulator over a store that seals every value (``SealedStore``)."""

    def __init__(self, state: Path) -> None:
        super().__init__(data=state / DATA_NAME, token=secrets.token_urlsafe(24))
        self.state = state

    def _open_store(self, settings: EmulatorSettings) -> SecretStore:
        ensure_state_dir(self.state)
        data = self.state / DATA_NAME
        key = load_key(create=not data.exists())
        return SealedStore(data, Sealer(key), retention_days=settings.retention_days)
