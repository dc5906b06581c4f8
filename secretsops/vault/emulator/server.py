"""The HTTPS server: the standard library's ``ThreadingHTTPServer`` with TLS per connection.

Each connection gets a thread; its TLS handshake runs there, not in the accepting loop, so a
slow or failing client holds up no one. Connections are kept alive (HTTP/1.1), every response is
written in one piece with Nagle off, and open connections are closed when the server stops.
Nothing is logged at INFO or above per request; at DEBUG only method, path and status are, never
a body (request and response bodies carry secret values).
"""

from __future__ import annotations

import contextlib
import errno
import http
import json
import logging
import re
import socket
import socketserver
import ssl
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from secretsops.errors import UsageError
from secretsops.vault.emulator import faults
from secretsops.vault.emulator.api import Request, Response, SecretsApi

logger = logging.getLogger("secretsops.vault.emulator")

MAX_BODY_BYTES = 1024 * 1024
HANDSHAKE_TIMEOUT = 10.0
IDLE_TIMEOUT = 120.0
_HOST = re.compile(r"[A-Za-z0-9.\-]+(:\d{1,5})?|\[[0-9A-Fa-f:.]+\](:\d{1,5})?")


@dataclass(frozen=True)
class Exchange:
    """One answered request, as handed to an observer (tests validate the bodies)."""

    method: str
    path: str
    query: dict[str, str]
    status: int
    body: bytes


Observer = Callable[[Exchange], None]


class _Handler(BaseHTTPRequestHandler):
    server: VaultServer
    protocol_version = "HTTP/1.1"
    server_version = "secretsops-vault-emulator"
    sys_version = ""
    disable_nagle_algorithm = True
    timeout = IDLE_TIMEOUT

    def do_GET(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def _origin(self) -> str:
        host = self.headers.get("Host", "")
        if _HOST.fullmatch(host):
            return f"https://{host}"
        return self.server.url

    def _serve(self) -> None:
        split = urlsplit(self.path)
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            self._send(Response(411, faults.bad_parameter("Send a Content-Length.").body()))
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY_BYTES:
            self.close_connection = True
            fault = faults.bad_parameter(f"The request body must be 0 to {MAX_BODY_BYTES} bytes.")
            self._send(Response(413 if length > 0 else 400, fault.body()))
            return
        body = self.rfile.read(length) if length else b""
        query = {key: values[0] for key, values in parse_qs(split.query).items()}
        request = Request(
            method=self.command,
            path=split.path,
            query=query,
            authorization=self.headers.get("Authorization"),
            body=body,
            origin=self._origin(),
        )
        try:
            response = self.server.api.handle(request)
        except Exception:
            logger.exception("emulator failed on %s %s", self.command, split.path)
            fault = faults.internal_error()
            response = Response(fault.status, fault.body())
        payload = self._send(response)
        observer = self.server.observer
        if observer is not None:
            observer(Exchange(self.command, split.path, query, response.status, payload))

    def _send(self, response: Response) -> bytes:
        payload = b""
        status = http.HTTPStatus(response.status)
        head = [
            f"{self.protocol_version} {status.value} {status.phrase}",
            f"Server: {self.server_version}",
            f"Date: {self.date_time_string()}",
            "Cache-Control: no-cache",
            f"x-ms-request-id: {uuid.uuid4()}",
        ]
        if response.body is not None:
            payload = json.dumps(response.body, separators=(",", ":")).encode("utf-8")
            head.append("Content-Type: application/json; charset=utf-8")
        if response.status != 204:
            head.append(f"Content-Length: {len(payload)}")
        head.extend(f"{name}: {value}" for name, value in response.headers)
        if self.close_connection:
            head.append("Connection: close")
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + payload)
        self.log_request(response.status)
        return payload

    def log_message(self, format: str, *args: Any) -> None:
        # requestline is method, path and query: names and api-version, never a value
        logger.debug("%s " + format, self.address_string(), *args)


class VaultServer(ThreadingHTTPServer):
    """Serves one vault at ``url`` until :meth:`stop`."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        host: str,
        port: int,
        api: SecretsApi,
        context: ssl.SSLContext,
        observer: Observer | None = None,
    ) -> None:
        self.api = api
        self.observer = observer
        self._context = context
        self._connections: set[ssl.SSLSocket] = set()
        self.connections_accepted = 0  # TLS connections set up so far (keep-alive shows here)
        self._guard = threading.Lock()
        self.address_family = _family(host, port)
        try:
            super().__init__((host, port), _Handler)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise UsageError(
                    f"cannot serve on {host}:{port}: the address is in use "
                    "(choose another --port, or 0 for a free one)"
                ) from None
            raise UsageError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None
        bracketed = f"[{host}]" if ":" in host else host
        self.url = f"https://{bracketed}:{self.server_port}"

    def server_bind(self) -> None:
        # HTTPServer.server_bind would look the host up in DNS (getfqdn): skip that
        socketserver.TCPServer.server_bind(self)
        self.server_name = str(self.server_address[0])
        self.server_port = int(self.server_address[1])

    def finish_request(self, request: Any, client_address: Any) -> None:
        raw: socket.socket = request
        raw.settimeout(HANDSHAKE_TIMEOUT)
        try:
            conn = self._context.wrap_socket(raw, server_side=True)
        except (OSError, ValueError) as exc:  # the client gave up or did not trust us
            logger.debug("TLS handshake with %s failed: %s", client_address, exc)
            raw.close()
            return
        with self._guard:
            self._connections.add(conn)
            self.connections_accepted += 1
        try:
            _Handler(conn, client_address, self)
        finally:
            with self._guard:
                self._connections.discard(conn)
            conn.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.debug("connection from %s ended with an error", client_address, exc_info=True)

    def stop(self) -> None:
        """Stop accepting, close open connections, release the port."""
        self.shutdown()
        with self._guard:
            open_now = list(self._connections)
        for conn in open_now:
            with contextlib.suppress(OSError):
                socket.socket.shutdown(conn, socket.SHUT_RDWR)
        self.server_close()


def _family(host: str, port: int) -> socket.AddressFamily:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UsageError(f"cannot serve on host {host!r}: {exc.strerror}") from None
    return infos[0][0]
