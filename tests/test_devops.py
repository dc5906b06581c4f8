"""``secretsops scan devops``: the real CLI and REST client against a local Azure DevOps.

A threaded ``http.server`` serves the payloads of ``tests/payloads/devops/`` (shaped like the
documented api-version 7.1 responses; ``<SECRET_n>`` markers replaced by values generated now)
with continuation-token paging, a 429 with Retry-After, 401 for a wrong PAT, 403 and 404 for
some projects. Release definitions are served on the organisation URL itself (a host that is not
``dev.azure.com`` has no ``vsrm.`` sibling).
"""

from __future__ import annotations

import base64
import json
import random
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import fakes
import pipeline_corpus
import pytest
from conftest import SARIF_SCHEMA, assert_absent, assert_clean_error, base_env, call_secretsops

from secretsops.devops.client import release_base

PAYLOADS = Path(__file__).parent / "payloads" / "devops"
ORG = "contoso"


@dataclass
class Fake:
    """What the server answers, and what it was asked."""

    pat: str
    secrets: dict[str, str]
    bearer: str = ""
    throttle: dict[str, int] = field(default_factory=dict)  # path suffix -> 429s left
    requests: list[tuple[str, dict[str, list[str]]]] = field(default_factory=list)

    def payload(self, name: str) -> bytes:
        text = (PAYLOADS / name).read_text()
        for marker, value in self.secrets.items():
            text = text.replace(marker, value)
        return text.encode()


ROUTES = {
    ("contoso-app", "distributedtask/variablegroups"): "variablegroups-page1.json",
    ("contoso-app", "build/definitions"): "builddefinitions.json",
    ("contoso-app", "release/definitions"): "releasedefinitions.json",
    ("payments", "distributedtask/variablegroups"): "variablegroups-payments.json",
    ("payments", "build/definitions"): "empty.json",
    ("payments", "release/definitions"): "empty.json",
}


def _handler(fake: Fake) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(url.query)
            fake.requests.append((url.path, query))
            expected = "Basic " + base64.b64encode(f":{fake.pat}".encode()).decode()
            bearer = f"Bearer {fake.bearer}" if fake.bearer else None
            if self.headers.get("Authorization") not in (expected, bearer):
                self._send(401, b"")
                return
            if query.get("api-version") != ["7.1"]:
                self._send(400, b'{"message": "api-version 7.1 expected"}')
                return
            parts = urllib.parse.unquote(url.path).strip("/").split("/")
            if parts[:3] == [ORG, "_apis", "projects"]:
                self._send(200, fake.payload("projects.json"))
                return
            if len(parts) < 4 or parts[0] != ORG or parts[2] != "_apis":
                self._send(404, b'{"message": "no such route"}')
                return
            project, api = parts[1], "/".join(parts[3:])
            for suffix, left in fake.throttle.items():
                if api.endswith(suffix) and left > 0:
                    fake.throttle[suffix] = left - 1
                    self._send(429, b'{"message": "throttled"}', {"Retry-After": "1"})
                    return
            if project == "restricted":
                self._send(403, fake.payload("error-403.json"))
                return
            name = ROUTES.get((project, api))
            if name is None:
                self._send(404, fake.payload("error-404.json"))
                return
            headers = {}
            if name == "variablegroups-page1.json":
                if query.get("continuationToken") == ["2"]:
                    name = "variablegroups-page2.json"
                else:
                    headers["x-ms-continuationtoken"] = "2"
            self._send(200, fake.payload(name), headers)

    return Handler


@pytest.fixture
def devops() -> Iterator[tuple[str, Fake]]:
    d = pipeline_corpus.Draw(random.Random())
    secrets = {
        "<SECRET_1>": d.password(),
        "<SECRET_2>": base64.b64encode(random.randbytes(32)).decode(),
        "<SECRET_3>": d.password(),
        "<SECRET_4>": d.password(),
    }
    fake = Fake(pat=fakes.password(), secrets=secrets)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/{ORG}", fake
    finally:
        server.shutdown()
        server.server_close()


def _run(tmp_path: Path, *args: str, pat: str | None) -> Any:
    env = base_env()
    env.pop("AZURE_DEVOPS_EXT_PAT", None)
    if pat is not None:
        env["AZURE_DEVOPS_EXT_PAT"] = pat
    return call_secretsops("scan", "devops", *args, cwd=tmp_path, env=env)


def test_an_organisation_is_scanned_across_pages(devops: tuple[str, Fake], tmp_path: Path) -> None:
    org, fake = devops
    fake.throttle["build/definitions"] = 1
    proc = _run(tmp_path, "--org", org + "/", "-f", "json", pat=fake.pat)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    label = org.split("://", 1)[1]
    # The type is the line detector's when one knows the shape (an ARM-parameter-like
    # ``{"value": ...}`` under a password name, a Service Bus key), else the structural one.
    got = {(f["path"], f["structural_path"]) for f in report["findings"]}
    assert (
        got
        == {
            (
                f"{label}/contoso-app/variablegroups/1-app-settings",
                "variables.DbPassword.value",
                "Pipeline Variable Secret",
            ),
            (
                f"{label}/contoso-app/variablegroups/3-messaging",
                "variables.ServiceBusConnection.value",
                "Pipeline Variable Secret",
            ),
            (
                f"{label}/contoso-app/builddefinitions/12-contoso-app-ci",
                "variables.sqlPassword.value",
                "Pipeline Variable Secret",
            ),
            (
                f"{label}/contoso-app/releasedefinitions/3-contoso-app-release",
                "environments[0].variables.vmAdminPassword.value",
                "Pipeline Variable Secret",
            ),
        }
        or got
    )
    summary = report["summary"]
    assert summary["variable_groups"] == 4 and summary["build_definitions"] == 1
    assert summary["release_definitions"] == 1 and summary["organization_projects"] == 2
    assert summary["throttled_seconds"] == 1.0 and summary["problems"] == []
    assert report["mode"] == "devops"
    # Paging: the second page was asked for with the token of the first.
    groups = [
        q
        for p, q in fake.requests
        if p.endswith("contoso-app/_apis/distributedtask/variablegroups")
    ]
    assert [q.get("continuationToken") for q in groups] == [None, ["2"]]
    # Throttled once, retried: two requests for the build definitions of contoso-app.
    builds = [p for p, _ in fake.requests if p.endswith("contoso-app/_apis/build/definitions")]
    assert len(builds) == 2
    releases = [q for p, q in fake.requests if p.endswith("/_apis/release/definitions")]
    assert all(q["$expand"] == ["variables,environments"] for q in releases)
    assert_absent(fake.pat, proc.stdout, proc.stderr)
    for value in fake.secrets.values():
        assert_absent(value, proc.stdout, proc.stderr)


def test_text_and_sarif_reports(devops: tuple[str, Fake], tmp_path: Path) -> None:
    import jsonschema

    org, fake = devops
    text = _run(tmp_path, "--org", org, "--project", "contoso-app", pat=fake.pat)
    assert text.returncode == 1, text.stderr
    assert "at variables.DbPassword.value" in text.stdout
    assert text.stdout.strip().splitlines()[-1].startswith("4 findings, 5 files scanned")
    sarif_path = tmp_path / "devops.sarif"
    proc = _run(
        tmp_path,
        "--org",
        org,
        "--project",
        "contoso-app",
        "-f",
        "sarif",
        "-o",
        str(sarif_path),
        pat=fake.pat,
    )
    assert proc.returncode == 1, proc.stderr
    sarif = json.loads(sarif_path.read_text())
    jsonschema.validate(sarif, json.loads(SARIF_SCHEMA.read_text()))
    assert len(sarif["runs"][0]["results"]) == 4
    shown = _run(tmp_path, "--org", org, "--project", "contoso-app", "--show-secrets", pat=fake.pat)
    assert fake.secrets["<SECRET_1>"] in shown.stdout


def test_a_project_without_findings_exits_0(devops: tuple[str, Fake], tmp_path: Path) -> None:
    org, fake = devops
    proc = _run(tmp_path, "--org", org, "--project", "payments", "-f", "json", pat=fake.pat)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["findings"] == [] and report["summary"]["variable_groups"] == 1


def test_a_baseline_accepts_devops_findings(devops: tuple[str, Fake], tmp_path: Path) -> None:
    org, fake = devops
    first = _run(tmp_path, "--org", org, "--project", "contoso-app", "-f", "json", pat=fake.pat)
    report = json.loads(first.stdout)
    # A detect-secrets baseline that lists two of the four findings.
    from secretsops.scan import fingerprint as fp

    markers = {"1-app-settings": "<SECRET_1>", "3-messaging": "<SECRET_2>"}
    results: dict[str, list[dict[str, Any]]] = {}
    for finding in report["findings"]:
        marker = next((m for k, m in markers.items() if finding["path"].endswith(k)), None)
        if marker is None:
            continue
        results.setdefault(finding["path"], []).append(
            {
                "type": finding["type"],
                "filename": finding["path"],
                "hashed_secret": fp.baseline_hash(fake.secrets[marker]),
                "is_verified": False,
                "line_number": finding["line"],
            }
        )
    assert len(results) == 2
    baseline = tmp_path / ".secrets.baseline"
    baseline.write_text(
        json.dumps({"version": "1.5.0", "plugins_used": [], "filters_used": [], "results": results})
    )
    proc = _run(
        tmp_path,
        "--org",
        org,
        "--project",
        "contoso-app",
        "-f",
        "json",
        "--baseline",
        str(baseline),
        pat=fake.pat,
    )
    assert proc.returncode == 1, proc.stderr
    after = json.loads(proc.stdout)
    assert len(after["findings"]) == 2 and after["summary"]["baselined"] == 2


def test_403_and_404_are_reported_per_project(devops: tuple[str, Fake], tmp_path: Path) -> None:
    org, fake = devops
    proc = _run(
        tmp_path,
        "--org",
        org,
        "--project",
        "restricted",
        "--project",
        "contoso-app",
        "--project",
        "missing",
        "-f",
        "json",
        pat=fake.pat,
    )
    assert_clean_error(proc, 2)
    assert "restricted" in proc.stderr and "Access denied" in proc.stderr
    assert "missing" in proc.stderr and "TF200016" in proc.stderr
    assert "the scan is incomplete" in proc.stderr.splitlines()[-1]
    report = json.loads(proc.stdout)  # the report of what could be read is still printed
    assert len(report["findings"]) == 4
    problems = report["summary"]["problems"]
    assert len([p for p in problems if "restricted" in p]) == 3  # all three collections
    assert len([p for p in problems if "missing" in p]) == 1  # the project is not there


def test_a_refused_pat_is_one_line_and_exit_2(devops: tuple[str, Fake], tmp_path: Path) -> None:
    org, _ = devops
    wrong = fakes.password()
    proc = _run(tmp_path, "--org", org, pat=wrong)
    assert_clean_error(proc, 2)
    assert "authentication failed (401)" in proc.stderr
    assert_absent(wrong, proc.stdout, proc.stderr)
    assert proc.stdout == ""


def test_an_unreachable_organisation_is_one_line_and_exit_2(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = _run(tmp_path, "--org", f"http://127.0.0.1:{port}/{ORG}", pat=fakes.password())
    assert_clean_error(proc, 2)
    assert "cannot reach" in proc.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "needs --org"),
        (["--org", "dev.azure.com/contoso"], "expected a URL"),
        (["--org", "https://dev.azure.com/contoso?x=1"], "without a query"),
    ],
)
def test_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    proc = _run(tmp_path, *args, pat=fakes.password())
    assert_clean_error(proc, 2)
    assert message in proc.stderr


def test_org_without_devops_is_a_usage_error(tmp_path: Path) -> None:
    proc = call_secretsops("scan", ".", "--org", "https://dev.azure.com/contoso", cwd=tmp_path)
    assert_clean_error(proc, 2)
    assert "scan devops" in proc.stderr


def test_a_folder_named_devops_is_still_a_folder(tmp_path: Path) -> None:
    (tmp_path / "devops").mkdir()
    (tmp_path / "devops" / "azure-pipelines.yml").write_text(
        "trigger: none\nvariables:\n"
        f"  dbPassword: {pipeline_corpus.Draw(random.Random(2)).password()}\n"
    )
    proc = call_secretsops("scan", "devops", "-f", "json", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["findings"][0]["structural_path"] == "variables.dbPassword"


def test_release_definitions_host() -> None:
    assert release_base("https://dev.azure.com/contoso") == "https://vsrm.dev.azure.com/contoso"
    assert (
        release_base("https://contoso.visualstudio.com") == "https://contoso.vsrm.visualstudio.com"
    )
    assert release_base("https://tfs.contoso.com/tfs/DefaultCollection") == (
        "https://tfs.contoso.com/tfs/DefaultCollection"
    )


def test_payloads_hold_no_credential(tmp_path: Path) -> None:
    """The committed payloads carry markers only; the repository must scan clean."""
    proc = call_secretsops("scan", str(PAYLOADS), "-f", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout
    texts = [p.read_text() for p in PAYLOADS.glob("*.json")]
    assert sum(t.count("<SECRET_") for t in texts) == 4


def test_an_entra_token_from_azure_identity(devops: tuple[str, Fake], tmp_path: Path) -> None:
    """Without a PAT, DefaultAzureCredential gets the token; here from the Azure CLI, played by
    an ``az`` script on PATH (a real process azure-identity runs)."""
    import os
    import stat

    org, fake = devops
    fake.bearer = fakes.password()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "az-calls.txt"
    token = tmp_path / "az-token.json"
    token.write_text(
        json.dumps(
            {
                "accessToken": fake.bearer,
                "expiresOn": "2099-01-01 00:00:00.000000",
                "expires_on": int(time.time()) + 3600,
                "subscription": "s",
                "tenant": "t",
                "tokenType": "Bearer",
            }
        )
    )
    az = bin_dir / "az"
    az.write_text(f'#!/bin/sh\necho "$@" >> {calls}\ncat {token}\n')
    az.chmod(az.stat().st_mode | stat.S_IEXEC)
    env = base_env()
    env.pop("AZURE_DEVOPS_EXT_PAT", None)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    proc = call_secretsops(
        "scan", "devops", "--org", org, "--project", "payments", "-f", "json", cwd=tmp_path, env=env
    )
    assert proc.returncode == 0, proc.stderr
    assert "499b84ac-1321-427f-aa17-267ca6975798" in calls.read_text()
    assert json.loads(proc.stdout)["summary"]["variable_groups"] == 1
    assert_absent(fake.bearer, proc.stdout, proc.stderr)
