"""SQLite storage of secrets, their versions and their soft-deleted state.

One connection serves every thread, behind a lock, and every operation is one transaction, so
concurrent requests can neither lose nor duplicate a version. A file database uses WAL and is
checked when it is opened; without a file the database lives in memory. Names are stored twice:
lower-cased as the key (Key Vault names are case-insensitive) and as first written, for ids.

The file holds secret values in clear, as the emulator must return them: it is test data.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from secretsops.errors import InputError
from secretsops.vault.emulator import faults
from secretsops.vault.emulator.model import (
    DeletedSecret,
    NewSecret,
    Page,
    PropertyChanges,
    SecretVersion,
    T,
)

APPLICATION_ID = 0x534F4B56  # "SOKV": marks a database as the emulator's
SCHEMA_VERSION = 1
SECONDS_PER_DAY = 86_400

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS secrets (
        key TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        deleted_date INTEGER,
        purge_date INTEGER
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS versions (
        key TEXT NOT NULL REFERENCES secrets (key),
        ordinal INTEGER NOT NULL,
        version TEXT NOT NULL,
        value TEXT NOT NULL,
        content_type TEXT,
        enabled INTEGER NOT NULL,
        nbf INTEGER,
        exp INTEGER,
        created INTEGER NOT NULL,
        updated INTEGER NOT NULL,
        tags TEXT,
        PRIMARY KEY (key, version),
        UNIQUE (key, ordinal)
    )""",
    "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value BLOB NOT NULL)",
)

_COLUMNS = (
    "s.name, v.version, v.value, v.content_type, v.enabled, v.nbf, v.exp, "
    "v.created, v.updated, v.tags, v.ordinal, s.key, s.deleted_date, s.purge_date"
)
_LATEST = "v.ordinal = (SELECT MAX(ordinal) FROM versions WHERE key = s.key)"


def _version(row: tuple[Any, ...]) -> SecretVersion:
    return SecretVersion(
        name=row[0],
        version=row[1],
        value=row[2],
        content_type=row[3],
        enabled=bool(row[4]),
        not_before=row[5],
        expires=row[6],
        created=row[7],
        updated=row[8],
        tags=None if row[9] is None else json.loads(row[9]),
    )


# Positions in a row of _COLUMNS (ordinal, key) that page tokens are made of.
_ORDINAL = 10
_KEY = 11


def _page(
    rows: list[tuple[Any, ...]],
    limit: int,
    convert: Callable[[tuple[Any, ...]], T],
    token_column: int,
) -> Page[T]:
    """A page of at most ``limit`` items from ``limit + 1`` rows; the extra row means more."""
    token = str(rows[limit - 1][token_column]) if len(rows) > limit else None
    return Page([convert(r) for r in rows[:limit]], token)


def _deleted(row: tuple[Any, ...]) -> DeletedSecret:
    return DeletedSecret(latest=_version(row), deleted_date=row[12], scheduled_purge_date=row[13])


def _tags(tags: dict[str, str] | None) -> str | None:
    return None if tags is None else json.dumps(tags, sort_keys=True)


class SecretStore:
    """The secrets of one vault. Methods raise ``KeyVaultFault`` for Key Vault's own errors."""

    def __init__(
        self,
        path: Path | None = None,
        *,
        retention_days: int = 90,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self._retention = retention_days * SECONDS_PER_DAY
        self._clock = clock
        self._lock = threading.Lock()
        self._conn = self._open(path)
        self.backup_key = self._backup_key()

    # -- opening -----------------------------------------------------------------------------

    @staticmethod
    def _open(path: Path | None) -> sqlite3.Connection:
        where = "in-memory database" if path is None else str(path)
        if path is not None and not path.exists():
            try:  # the file holds secret values: readable by its owner only
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            except OSError as exc:
                raise InputError(
                    f"cannot create emulator data file {where}: {exc.strerror or exc}"
                ) from exc
        try:
            conn = sqlite3.connect(
                ":memory:" if path is None else str(path),
                check_same_thread=False,
                isolation_level=None,
            )
        except sqlite3.Error as exc:
            raise InputError(f"cannot open emulator data file {where}: {exc}") from exc
        try:
            _prepare(conn, where, on_disk=path is not None)
        except sqlite3.Error as exc:
            conn.close()
            raise InputError(f"cannot use emulator data file {where}: {exc}") from exc
        except InputError:
            conn.close()
            raise
        return conn

    def _backup_key(self) -> bytes:
        with self._transaction(write=True) as conn:
            row = conn.execute("SELECT value FROM meta WHERE name = 'backup_key'").fetchone()
            if row is not None:
                return bytes(row[0])
            key = secrets.token_bytes(32)
            conn.execute("INSERT INTO meta (name, value) VALUES ('backup_key', ?)", (key,))
            return key

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def _transaction(self, *, write: bool = False) -> Iterator[sqlite3.Connection]:
        """The connection, to this thread alone; with ``write``, inside one transaction.

        Every read is a single SELECT, which SQLite runs as its own transaction.
        """
        with self._lock:
            conn = self._conn
            if not write:
                yield conn
                return
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _now(self) -> int:
        return int(self._clock())

    def _expire(self, conn: sqlite3.Connection, now: int) -> None:
        """Purge deleted secrets whose retention has passed, as the service does on its own."""
        due = "SELECT key FROM secrets WHERE purge_date IS NOT NULL AND purge_date <= ?"
        conn.execute(f"DELETE FROM versions WHERE key IN ({due})", (now,))  # noqa: S608
        conn.execute("DELETE FROM secrets WHERE purge_date IS NOT NULL AND purge_date <= ?", (now,))

    @staticmethod
    def _latest(conn: sqlite3.Connection, key: str, *, deleted: bool) -> tuple[Any, ...] | None:
        state = "IS NOT NULL" if deleted else "IS NULL"
        row: tuple[Any, ...] | None = conn.execute(
            f"SELECT {_COLUMNS} FROM secrets s JOIN versions v ON v.key = s.key "  # noqa: S608
            f"WHERE s.key = ? AND s.deleted_date {state} AND {_LATEST}",
            (key,),
        ).fetchone()
        return row

    # -- live secrets ------------------------------------------------------------------------

    def set(self, name: str, new: NewSecret) -> SecretVersion:
        """Add a version (creating the secret); 409 while the name is soft-deleted."""
        key, now = name.lower(), self._now()
        version = secrets.token_hex(16)
        with self._transaction(write=True) as conn:
            self._expire(conn, now)
            row = conn.execute(
                "SELECT name, deleted_date FROM secrets WHERE key = ?", (key,)
            ).fetchone()
            if row is not None and row[1] is not None:
                raise faults.deleted_but_recoverable(row[0])
            if row is None:
                conn.execute("INSERT INTO secrets (key, name) VALUES (?, ?)", (key, name))
            (ordinal,) = conn.execute(
                "SELECT COALESCE(MAX(ordinal), 0) + 1 FROM versions WHERE key = ?", (key,)
            ).fetchone()
            conn.execute(
                "INSERT INTO versions (key, ordinal, version, value, content_type, enabled, "
                "nbf, exp, created, updated, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    key,
                    ordinal,
                    version,
                    new.value,
                    new.content_type,
                    int(new.enabled),
                    new.not_before,
                    new.expires,
                    now,
                    now,
                    _tags(new.tags),
                ),
            )
        return SecretVersion(
            name=name if row is None else row[0],
            version=version,
            value=new.value,
            content_type=new.content_type,
            enabled=new.enabled,
            not_before=new.not_before,
            expires=new.expires,
            created=now,
            updated=now,
            tags=new.tags,
        )

    def get(self, name: str, version: str | None = None) -> SecretVersion:
        """The latest (``version`` None) or the given version of a live secret."""
        key = name.lower()
        with self._transaction() as conn:
            if version is None:
                row = self._latest(conn, key, deleted=False)
            else:
                row = conn.execute(
                    f"SELECT {_COLUMNS} FROM secrets s JOIN versions v "  # noqa: S608
                    "ON v.key = s.key WHERE s.key = ? AND s.deleted_date IS NULL "
                    "AND v.version = ?",
                    (key, version.lower()),
                ).fetchone()
        if row is None:
            raise faults.secret_not_found(name, version)
        return _version(row)

    def update(self, name: str, version: str | None, changes: PropertyChanges) -> SecretVersion:
        """Change the properties (never the value) of one version; None: the latest."""
        key, now = name.lower(), self._now()
        assignments: dict[str, Any] = {
            "content_type": changes.content_type,
            "enabled": None if changes.enabled is None else int(changes.enabled),
            "nbf": changes.not_before,
            "exp": changes.expires,
            "tags": _tags(changes.tags),
        }
        given = {column: value for column, value in assignments.items() if value is not None}
        given["updated"] = now
        with self._transaction(write=True) as conn:
            if version is None:
                row = self._latest(conn, key, deleted=False)
                target = None if row is None else row[1]
            else:
                target = version.lower()
            if target is None:
                raise faults.secret_not_found(name, version)
            columns = ", ".join(f"{column} = ?" for column in given)
            cursor = conn.execute(
                f"UPDATE versions SET {columns} WHERE key = ? AND version = ? "  # noqa: S608
                "AND key IN (SELECT key FROM secrets WHERE deleted_date IS NULL)",
                (*given.values(), key, target),
            )
            if cursor.rowcount != 1:
                raise faults.secret_not_found(name, version)
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM secrets s JOIN versions v "  # noqa: S608
                "ON v.key = s.key WHERE s.key = ? AND v.version = ?",
                (key, target),
            ).fetchone()
        return _version(row)

    def list_secrets(self, limit: int, after: str | None = None) -> Page[SecretVersion]:
        """Latest version of each live secret, ordered by (lower-cased) name."""
        with self._transaction() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM secrets s JOIN versions v ON v.key = s.key "  # noqa: S608
                f"WHERE s.deleted_date IS NULL AND {_LATEST} AND s.key > ? "
                "ORDER BY s.key LIMIT ?",
                (after or "", limit + 1),
            ).fetchall()
        return _page(rows, limit, _version, _KEY)

    def list_versions(self, name: str, limit: int, after: str | None = None) -> Page[SecretVersion]:
        """Every version of a live secret, oldest first (empty when there is no such secret)."""
        try:
            start = int(after) if after else 0
        except ValueError:
            raise faults.bad_parameter("The $skiptoken parameter is not valid.") from None
        with self._transaction() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM secrets s JOIN versions v ON v.key = s.key "  # noqa: S608
                "WHERE s.key = ? AND s.deleted_date IS NULL AND v.ordinal > ? "
                "ORDER BY v.ordinal LIMIT ?",
                (name.lower(), start, limit + 1),
            ).fetchall()
        return _page(rows, limit, _version, _ORDINAL)

    # -- soft-delete -------------------------------------------------------------------------

    def delete(self, name: str) -> DeletedSecret:
        """Soft-delete every version of a secret; it is listed as deleted at once."""
        key, now = name.lower(), self._now()
        with self._transaction(write=True) as conn:
            updated = conn.execute(
                "UPDATE secrets SET deleted_date = ?, purge_date = ? "
                "WHERE key = ? AND deleted_date IS NULL",
                (now, now + self._retention, key),
            )
            if updated.rowcount != 1:
                raise faults.secret_not_found(name)
            row = self._latest(conn, key, deleted=True)
        assert row is not None  # a secret row always has a version
        return _deleted(row)

    def get_deleted(self, name: str) -> DeletedSecret:
        key, now = name.lower(), self._now()
        with self._transaction(write=True) as conn:
            self._expire(conn, now)
            row = self._latest(conn, key, deleted=True)
        if row is None:
            raise faults.deleted_secret_not_found(name)
        return _deleted(row)

    def list_deleted(self, limit: int, after: str | None = None) -> Page[DeletedSecret]:
        now = self._now()
        with self._transaction(write=True) as conn:
            self._expire(conn, now)
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM secrets s JOIN versions v ON v.key = s.key "  # noqa: S608
                f"WHERE s.deleted_date IS NOT NULL AND {_LATEST} AND s.key > ? "
                "ORDER BY s.key LIMIT ?",
                (after or "", limit + 1),
            ).fetchall()
        return _page(rows, limit, _deleted, _KEY)

    def recover(self, name: str) -> SecretVersion:
        """Bring a soft-deleted secret back with all its versions; returns the latest."""
        key, now = name.lower(), self._now()
        with self._transaction(write=True) as conn:
            self._expire(conn, now)
            updated = conn.execute(
                "UPDATE secrets SET deleted_date = NULL, purge_date = NULL "
                "WHERE key = ? AND deleted_date IS NOT NULL",
                (key,),
            )
            if updated.rowcount != 1:
                raise faults.deleted_secret_not_found(name)
            row = self._latest(conn, key, deleted=False)
        assert row is not None
        return _version(row)

    def purge(self, name: str) -> None:
        """Remove a soft-deleted secret for good."""
        key, now = name.lower(), self._now()
        with self._transaction(write=True) as conn:
            self._expire(conn, now)
            found = conn.execute(
                "SELECT 1 FROM secrets WHERE key = ? AND deleted_date IS NOT NULL", (key,)
            ).fetchone()
            if found is None:
                raise faults.deleted_secret_not_found(name)
            conn.execute("DELETE FROM versions WHERE key = ?", (key,))
            conn.execute("DELETE FROM secrets WHERE key = ?", (key,))

    # -- backup and restore ------------------------------------------------------------------

    def export(self, name: str) -> list[SecretVersion]:
        """Every version of a live secret, oldest first, for a backup."""
        with self._transaction() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM secrets s JOIN versions v ON v.key = s.key "  # noqa: S608
                "WHERE s.key = ? AND s.deleted_date IS NULL ORDER BY v.ordinal",
                (name.lower(),),
            ).fetchall()
        if not rows:
            raise faults.secret_not_found(name)
        return [_version(r) for r in rows]

    def restore(self, versions: Sequence[SecretVersion]) -> SecretVersion:
        """Recreate a secret from its exported versions; 409 if its name is in use."""
        name = versions[-1].name
        key, now = name.lower(), self._now()
        with self._transaction(write=True) as conn:
            self._expire(conn, now)
            row = conn.execute(
                "SELECT name, deleted_date FROM secrets WHERE key = ?", (key,)
            ).fetchone()
            if row is not None:
                if row[1] is not None:
                    raise faults.deleted_but_recoverable(row[0])
                raise faults.already_exists(row[0])
            conn.execute("INSERT INTO secrets (key, name) VALUES (?, ?)", (key, name))
            conn.executemany(
                "INSERT INTO versions (key, ordinal, version, value, content_type, enabled, "
                "nbf, exp, created, updated, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        key,
                        ordinal,
                        v.version.lower(),
                        v.value,
                        v.content_type,
                        int(v.enabled),
                        v.not_before,
                        v.expires,
                        v.created,
                        v.updated,
                        _tags(v.tags),
                    )
                    for ordinal, v in enumerate(versions, start=1)
                ],
            )
            row = self._latest(conn, key, deleted=False)
        assert row is not None
        return _version(row)


def _prepare(conn: sqlite3.Connection, where: str, *, on_disk: bool) -> None:
    """Check that the database is ours (or empty) and intact, then create the schema."""
    conn.execute("PRAGMA busy_timeout = 10000")
    (tables,) = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    (application_id,) = conn.execute("PRAGMA application_id").fetchone()
    (user_version,) = conn.execute("PRAGMA user_version").fetchone()
    if tables and application_id != APPLICATION_ID:
        raise InputError(f"{where} is an SQLite database of another program, not emulator data")
    if user_version > SCHEMA_VERSION:
        raise InputError(f"{where} was written by a newer secretsops; upgrade secretsops")
    if on_disk:
        (check,) = conn.execute("PRAGMA quick_check").fetchone()
        if check != "ok":
            raise InputError(f"{where} is corrupt ({check}); remove it or restore a copy")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in _SCHEMA:
            conn.execute(statement)
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        # A write on every open: a read-only file fails here, not at the first request.
        conn.execute(
            "INSERT OR REPLACE INTO meta (name, value) VALUES ('opened', ?)",
            (str(int(time.time())),),
        )
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
