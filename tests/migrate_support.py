"""Helpers for the migrator's tests: generated repositories holding each file kind, the checks
every test ends with, and an HTTPS fault proxy in front of the Key Vault emulator.

The proxy is a real HTTPS server on loopback that forwards every request to the emulator
unchanged, unless its ``rule`` says otherwise for a request: answer 403 Forbidden (what Key
Vault says to an identity without the 'set' permission) or drop the connection without an answer
(the vault going away). The SDK under test talks to it as it would to Key Vault.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import ssl
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import fakes
from conftest import Repo

from secretsops.migrate import atomic
from secretsops.migrate import plan as plan_mod
from secretsops.scan import fingerprint as fp
from secretsops.vault.emulator import RunningEmulator
from secretsops.vault.emulator.tls import TlsFiles

PLAN = ".secretsops/plan.json"


@dataclass
class Generated:
    repo: Repo
    values: dict[str, str] = field(repr=False)  # label -> detected value
    settings: dict[str, str] = field(default_factory=dict, repr=False)  # whole settings holding one

    def candidates(self) -> list[str]:
        """Every value a vault secret may hold: a detected value, or a whole setting (a
        connection string) when the rewriter moves the setting as a whole."""
        return [*self.values.values(), *self.settings.values()]

    def fingerprints(self) -> list[str]:
        return [fp.fingerprint(v) for v in self.values.values()]

    def confirm_args(self) -> list[str]:
        args: list[str] = []
        for digest in self.fingerprints():
            args += ["--confirm", digest]
        return args


def pipeline_yaml(value: str) -> str:
    return (
        "trigger:\n- main\n\nvariables:\n"
        f'  sqlAdminPassword: "{value}"\n\n'
        "steps:\n"
        '- script: ./deploy.sh --password "$(sqlAdminPassword)"\n'
        "  displayName: deploy\n"
    )


def connection_string(value: str) -> str:
    return f"Server=tcp:db.example.net;Database=app;User ID=app;Password={value};"


def appsettings_json(value: str) -> str:
    conn = connection_string(value)
    return json.dumps({"ConnectionStrings": {"Default": conn}}, indent=2) + "\n"


def generated_repo(path: Path) -> Generated:
    """A committed repository holding credentials in each file kind the scanner detects.

    One value sits in three files (Python, shell, INI): it must become one vault secret.
    """
    repo = Repo(path)
    shared, pipeline, conn, env = (fakes.password() for _ in range(4))
    repo.write("src/app.py", f'import os\n\ndb_password = "{shared}"\nprint(os.name)\n')
    repo.write("deploy.sh", f'#!/bin/sh\nexport DB_PASSWORD="{shared}"\n')
    repo.write("config/settings.ini", f"[db]\n# the database\npassword = {shared}\n")
    repo.write("azure-pipelines.yml", pipeline_yaml(pipeline))
    repo.write("appsettings.json", appsettings_json(conn))
    repo.write(".env", f'API_SECRET="{env}"\n')
    (path / "deploy.sh").chmod(0o755)
    (path / ".env").chmod(0o600)
    repo.add()
    repo.commit("credentials everywhere")
    return Generated(
        repo,
        {"shared": shared, "pipeline": pipeline, "conn": conn, "env": env},
        {"conn": connection_string(conn)},
    )


def state_files(root: Path) -> list[Path]:
    state = root / ".secretsops"
    return sorted(p for p in state.rglob("*") if p.is_file()) if state.exists() else []


def assert_no_value(values: Iterable[str], *texts: str | bytes, paths: Iterable[Path] = ()) -> None:
    """No value in any text, nor in any file (as bytes) of ``paths``."""
    blobs: list[bytes] = [t.encode() if isinstance(t, str) else t for t in texts]
    named: list[tuple[str, bytes]] = [("output", b) for b in blobs]
    named += [(str(p), p.read_bytes()) for p in paths]
    for value in values:
        for where, blob in named:
            assert value.encode() not in blob, f"a secret value leaked into {where}"


def load_plan(root: Path, rel: str = PLAN) -> plan_mod.Plan:
    plan, _ = plan_mod.load(root / rel)
    return plan


def assert_files_whole(root: Path, plan: plan_mod.Plan) -> dict[str, str]:
    """Every planned file is exactly as planned or exactly the planned rewrite; path -> which."""
    out: dict[str, str] = {}
    for planned in plan.files:
        digest = atomic.sha256((root / planned.path).read_bytes())
        if digest == planned.sha256:
            out[planned.path] = "old"
        else:
            assert digest == planned.new_sha256, f"{planned.path} is neither old nor rewritten"
            out[planned.path] = "new"
    return out


def assert_vault_holds(client: Any, plan: plan_mod.Plan, values: Iterable[str]) -> None:
    """Each planned secret exactly once (one version) with the right value."""
    by_fp = {fp.fingerprint(v): v for v in values}
    for secret in plan.secrets:
        got = client.get_secret(secret.name)
        assert fp.fingerprint(got.value) == secret.fingerprint, secret.name
        assert got.value == by_fp[secret.fingerprint], secret.name
        versions = list(client.list_properties_of_secret_versions(secret.name))
        assert len(versions) == 1, f"{secret.name} has {len(versions)} versions"
        assert got.properties.tags["managed-by"] == "secretsops"
        assert got.properties.content_type == secret.content_type


Rule = Callable[[str, str], "str | None"]  # (method, path) -> None (forward), "403", "drop"

FORBIDDEN = {
    "error": {
        "code": "Forbidden",
        "message": "The user, group or application does not have secrets set permission on "
        "key vault 'test'.",
        "innererror": {"code": "ForbiddenByPolicy"},
    }
}


class _ProxyHandler(BaseHTTPRequestHandler):
    server: _ProxyServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path_only = self.path.split("?", 1)[0]
        action = self.server.decide(
            self.command, path_only, bool(self.headers.get("Authorization"))
        )
        if action == "drop":
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        if action == "403":
            payload = json.dumps(FORBIDDEN).encode()
            self.send_response(403)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        status, headers, data = self.server.forward(
            self.command, self.path, dict(self.headers), body
        )
        self.send_response(status)
        for name, value in headers:
            if name.lower() in ("content-type", "www-authenticate", "x-ms-request-id"):
                self.send_header(name, value)
        if status != 204:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_PUT = do_PATCH = do_POST = do_DELETE = _serve


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream: RunningEmulator, context: ssl.SSLContext) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.socket = context.wrap_socket(self.socket, server_side=True)
        self.upstream = upstream
        self.rule: Rule = lambda method, path: None
        self.seen: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        host, port = upstream.url.removeprefix("https://").rsplit(":", 1)
        self._target = (host, int(port))
        self._client_context = ssl.create_default_context(cafile=str(upstream.ca_file))

    def decide(self, method: str, path: str, authorized: bool) -> str | None:
        with self._lock:
            if authorized:  # the SDK's body-less challenge request is not counted
                self.seen.append((method, path))
            return self.rule(method, path) if authorized else None

    def forward(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        conn = http.client.HTTPSConnection(*self._target, context=self._client_context, timeout=30)
        keep = {k: v for k, v in headers.items() if k.lower() not in ("connection", "keep-alive")}
        try:
            conn.request(method, path, body=body or None, headers=keep)
            response = conn.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            conn.close()


class FaultProxy:
    """An HTTPS proxy in front of an emulator; set ``rule`` to inject faults."""

    def __init__(self, upstream: RunningEmulator) -> None:
        self.tls = TlsFiles(["127.0.0.1"])
        self.server = _ProxyServer(upstream, self.tls.context)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FaultProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.tls.remove()

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.server.server_address[1]}"

    @property
    def ca_file(self) -> Path:
        return self.tls.ca_file

    def set_rule(self, rule: Rule) -> None:
        self.server.rule = rule

    @property
    def seen(self) -> list[tuple[str, str]]:
        return list(self.server.seen)


def drop_after_puts(n: int) -> Rule:
    """The vault goes away after answering ``n`` writes: every later request is dropped."""
    state = {"puts": 0, "gone": False}

    def rule(method: str, path: str) -> str | None:
        if state["gone"]:
            return "drop"
        if method == "PUT":
            if state["puts"] >= n:
                state["gone"] = True
                return "drop"
            state["puts"] += 1
        return None

    return rule


def forbid_writes(method: str, path: str) -> str | None:
    return "403" if method == "PUT" else None


#: The files of ``generated_repo`` no rewriter handles: the shared value stays there for a
#: person, so every complete apply exits 1 naming exactly these.
MANUAL = ("config/settings.ini", "deploy.sh")


def assert_only_manual_left(code: int, err: str, paths: Iterable[str] = MANUAL) -> None:
    """Apply did everything it can: exit 1, and its only problems are values still in the
    files left to a person (each named with its line and step)."""
    problems = [
        line
        for line in err.splitlines()
        if line.startswith("secretsops: ") and "resuming:" not in line
    ]
    assert code == 1, err
    assert problems and all("is still in this file" in p for p in problems), problems
    assert {p.split(": ", 1)[1].split(":", 1)[0] for p in problems} == set(paths), problems


def pubxml(value: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<Project ToolsVersion="4.0" xmlns="http://schemas.microsoft.com/developer/msbuild/2003">\n'
        "  <PropertyGroup>\n"
        "    <WebPublishMethod>MSDeploy</WebPublishMethod>\n"
        "    <MSDeployServiceURL>app.scm.azurewebsites.net:443</MSDeployServiceURL>\n"
        "    <UserName>$app</UserName>\n"
        f"    <Password>{value}</Password>\n"
        "  </PropertyGroup>\n"
        "</Project>\n"
    )


def publish_settings(value: str) -> str:
    return (
        '<publishData><publishProfile profileName="app - Web Deploy" publishMethod="MSDeploy" '
        'publishUrl="app.scm.azurewebsites.net:443" msdeploySite="app" userName="$app" '
        f'userPWD="{value}" destinationAppUrl="https://app.azurewebsites.net"><databases />'
        "</publishProfile></publishData>\n"
    )


def powershell(value: str) -> str:
    return (
        'param([string]$ResourceGroup = "rg-app")\n'
        f"$SqlPassword = ConvertTo-SecureString '{value}' -AsPlainText -Force\n"
        '$cred = New-Object PSCredential("sqladmin", $SqlPassword)\n'
    )


def variable_group(value: str) -> str:
    group = {
        "id": 4,
        "name": "app-prod",
        "type": "Vsts",
        "variables": {"dbUser": {"value": "app"}, "dbPassword": {"value": value}},
    }
    return json.dumps(group, indent=2) + "\n"


def notebook(value: str) -> str:
    """An nbformat 4.5 notebook with the value in a cell's source and in its saved outputs."""
    cells = [
        {"cell_type": "markdown", "id": "intro", "metadata": {}, "source": ["# Explore"]},
        {
            "cell_type": "code",
            "execution_count": 1,
            "id": "connect",
            "metadata": {},
            "outputs": [
                {"name": "stdout", "output_type": "stream", "text": [f"using {value}\n"]},
            ],
            "source": [f'api_password = "{value}"\n', 'print("using", api_password)'],
        },
    ]
    nb = {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(nb, indent=1) + "\n"
