"""The Key Vault secrets REST API: one request in, one response out, no sockets.

Order of checks, as the service does it: authentication (so the SDK's body-less first request
gets its challenge), api-version, route, name, body. Paths follow ``secrets.json``; the SDK's
empty-version form (``/secrets/{name}/``) means the latest version. Listings page with
``maxresults`` (1-25, default 25) and an absolute ``nextLink`` carrying ``$skiptoken``; the last
page has no ``nextLink``.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

from secretsops.vault.emulator import auth, backup, bodies, faults
from secretsops.vault.emulator.model import Page
from secretsops.vault.emulator.settings import EmulatorSettings
from secretsops.vault.emulator.shapes import Shaper
from secretsops.vault.emulator.store import SecretStore

LATEST_API_VERSION = "2026-04-01"
API_VERSIONS = frozenset(
    {"2016-10-01", "7.0", "7.1", "7.2", "7.3", "7.4", "7.5", "7.6", "2025-07-01", "2026-04-01"}
)
MAX_PAGE_SIZE = 25
_VERSION = re.compile(r"[0-9a-fA-F]{32}")


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: Mapping[str, str]
    authorization: str | None
    body: bytes
    origin: str


@dataclass(frozen=True)
class Response:
    status: int
    body: dict[str, Any] | None
    headers: tuple[tuple[str, str], ...] = ()


def _methods(method: str, handlers: Mapping[str, Callable[[], Response]]) -> Response:
    handler = handlers.get(method)
    if handler is None:
        raise faults.method_not_allowed(method, sorted(handlers))
    return handler()


def _page_size(query: Mapping[str, str]) -> int:
    raw = query.get("maxresults")
    if raw is None or raw == "":
        return MAX_PAGE_SIZE
    try:
        size = int(raw)
    except ValueError:
        size = 0
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise faults.bad_parameter(
            f"The value of maxresults must be an integer from 1 to {MAX_PAGE_SIZE}."
        )
    return size


def _skip_token(query: Mapping[str, str]) -> str | None:
    raw = query.get("$skiptoken")
    if not raw:
        return None
    try:
        padded = raw + "=" * (-len(raw) % 4)
        return base64.b64decode(padded, altchars=b"-_", validate=True).decode("utf-8")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise faults.bad_parameter("The $skiptoken parameter is not valid.") from None


class SecretsApi:
    """Answers Key Vault secrets requests from a :class:`SecretStore`."""

    def __init__(self, store: SecretStore, settings: EmulatorSettings) -> None:
        self.store = store
        self.settings = settings

    def handle(self, request: Request) -> Response:
        try:
            auth.authenticate(request.authorization, self.settings.token)
            api_version = request.query.get("api-version")
            if not api_version:
                raise faults.bad_parameter("The api-version query parameter is missing.")
            if api_version not in API_VERSIONS:
                raise faults.bad_parameter(
                    f"The specified version ({api_version[:40]}) is not recognized. Consider "
                    f"using the latest supported version ({LATEST_API_VERSION})."
                )
            shaper = Shaper(
                origin=request.origin,
                api_version=api_version,
                recovery_level=self.settings.recovery_level,
                recoverable_days=self.settings.retention_days,
            )
            return _Call(self, request, shaper).route()
        except faults.KeyVaultFault as fault:
            return Response(fault.status, fault.body(), fault.headers)


class _Call:
    """One request being answered."""

    def __init__(self, api: SecretsApi, request: Request, shaper: Shaper) -> None:
        self.store = api.store
        self.settings = api.settings
        self.request = request
        self.shaper = shaper

    def route(self) -> Response:
        method = self.request.method
        parts = [unquote(part) for part in self.request.path.split("/")[1:]]
        match parts:
            case ["secrets"] | ["secrets", ""]:
                return _methods(method, {"GET": self.list_secrets})
            case ["secrets", "restore"] if method == "POST":
                return self.restore()
            case ["secrets", name]:
                return _methods(
                    method,
                    {
                        "PUT": lambda: self.set_secret(name),
                        "GET": lambda: self.get_secret(name, None),
                        "PATCH": lambda: self.update_secret(name, None),
                        "DELETE": lambda: self.delete_secret(name),
                    },
                )
            case ["secrets", name, ""]:
                return _methods(
                    method,
                    {
                        "GET": lambda: self.get_secret(name, None),
                        "PATCH": lambda: self.update_secret(name, None),
                    },
                )
            case ["secrets", name, "versions"]:
                return _methods(method, {"GET": lambda: self.list_versions(name)})
            case ["secrets", name, "backup"]:
                return _methods(method, {"POST": lambda: self.backup(name)})
            case ["secrets", name, version]:
                return _methods(
                    method,
                    {
                        "GET": lambda: self.get_secret(name, version),
                        "PATCH": lambda: self.update_secret(name, version),
                    },
                )
            case ["deletedsecrets"] | ["deletedsecrets", ""]:
                return _methods(method, {"GET": self.list_deleted})
            case ["deletedsecrets", name]:
                return _methods(
                    method,
                    {
                        "GET": lambda: self.get_deleted(name),
                        "DELETE": lambda: self.purge(name),
                    },
                )
            case ["deletedsecrets", name, "recover"]:
                return _methods(method, {"POST": lambda: self.recover(name)})
        raise faults.path_not_found(self.request.path)

    # -- helpers -----------------------------------------------------------------------------

    def _version(self, name: str, version: str | None) -> str | None:
        if version is not None and not _VERSION.fullmatch(version):
            raise faults.secret_not_found(name, version)
        return version

    def _listing(self, path: str, page: Page[Any], items: list[dict[str, Any]]) -> Response:
        body: dict[str, Any] = {"value": items}
        if page.next_after is not None:
            token = base64.urlsafe_b64encode(page.next_after.encode("utf-8")).rstrip(b"=")
            link = (
                f"{self.shaper.origin}{quote(path)}?api-version={self.shaper.api_version}"
                f"&$skiptoken={token.decode('ascii')}"
            )
            if self.request.query.get("maxresults"):
                link += f"&maxresults={_page_size(self.request.query)}"
            body["nextLink"] = link
        return Response(200, body)

    # -- operations --------------------------------------------------------------------------

    def set_secret(self, name: str) -> Response:
        bodies.check_name(name)
        new = bodies.parse_new_secret(self.request.body)
        return Response(200, self.shaper.bundle(self.store.set(name, new)))

    def get_secret(self, name: str, version: str | None) -> Response:
        bodies.check_name(name)
        found = self.store.get(name, self._version(name, version))
        if not found.enabled:
            raise faults.secret_disabled()
        return Response(200, self.shaper.bundle(found))

    def update_secret(self, name: str, version: str | None) -> Response:
        bodies.check_name(name)
        changes = bodies.parse_property_changes(self.request.body)
        updated = self.store.update(name, self._version(name, version), changes)
        return Response(200, self.shaper.bundle(updated, with_value=False))

    def delete_secret(self, name: str) -> Response:
        bodies.check_name(name)
        return Response(200, self.shaper.deleted_bundle(self.store.delete(name)))

    def list_secrets(self) -> Response:
        query = self.request.query
        page = self.store.list_secrets(_page_size(query), _skip_token(query))
        items = [self.shaper.item(v, versioned=False) for v in page.items]
        return self._listing("/secrets", page, items)

    def list_versions(self, name: str) -> Response:
        bodies.check_name(name)
        query = self.request.query
        page = self.store.list_versions(name, _page_size(query), _skip_token(query))
        items = [self.shaper.item(v, versioned=True) for v in page.items]
        return self._listing(f"/secrets/{name}/versions", page, items)

    def get_deleted(self, name: str) -> Response:
        bodies.check_name(name)
        return Response(200, self.shaper.deleted_bundle(self.store.get_deleted(name)))

    def list_deleted(self) -> Response:
        query = self.request.query
        page = self.store.list_deleted(_page_size(query), _skip_token(query))
        items = [self.shaper.deleted_item(d) for d in page.items]
        return self._listing("/deletedsecrets", page, items)

    def recover(self, name: str) -> Response:
        bodies.check_name(name)
        return Response(200, self.shaper.bundle(self.store.recover(name), with_value=False))

    def purge(self, name: str) -> Response:
        bodies.check_name(name)
        if self.settings.purge_protection:
            self.store.get_deleted(name)  # 404 first, as for any purge of a missing secret
            raise faults.purge_protected()
        self.store.purge(name)
        return Response(204, None)

    def backup(self, name: str) -> Response:
        bodies.check_name(name)
        blob = backup.seal(self.store.backup_key, self.store.export(name))
        return Response(200, {"value": blob})

    def restore(self) -> Response:
        blob = bodies.parse_restore(self.request.body)
        versions = backup.unseal(self.store.backup_key, blob)
        bodies.check_name(versions[-1].name)
        restored = self.store.restore(versions)
        return Response(200, self.shaper.bundle(restored, with_value=False))
