"""The real synchronous ``SecretClient`` runs every secrets operation against the emulator over
HTTPS; every response body is validated against ``secrets.json`` (see conftest)."""

from __future__ import annotations

import datetime
import os
import re
import subprocess
import sys

import pytest
from azure.core.exceptions import HttpResponseError
from azure.keyvault.secrets import ApiVersion, SecretClient

from secretsops.vault.emulator import SCOPE, TENANT_ID, Emulator, EmulatorCredential

from .kv_helpers import Recorder, make_client, raw_request, unique, value
from .kv_schema import SecretsSpec

VERSION = re.compile(r"[0-9a-f]{32}")


def test_every_operation_through_the_sync_client(
    vault: Emulator, client: SecretClient, recorder: Recorder, spec: SecretsSpec
) -> None:
    name, first, second = unique("tour"), value(), value()
    expires = datetime.datetime(2031, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    not_before = datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)

    created = client.set_secret(
        name,
        first,
        content_type="text/plain",
        tags={"owner": "secretsops", "env": "test"},
        not_before=not_before,
        expires_on=expires,
    )
    assert created.value == first
    assert created.id == f"{vault.url}/secrets/{name}/{created.properties.version}"
    assert VERSION.fullmatch(created.properties.version or "")
    assert created.properties.content_type == "text/plain"
    assert created.properties.tags == {"owner": "secretsops", "env": "test"}
    assert created.properties.expires_on == expires
    assert created.properties.not_before == not_before
    assert created.properties.enabled is True
    assert created.properties.recovery_level == "Recoverable+Purgeable"
    assert created.properties.recoverable_days == 90

    newer = client.set_secret(name, second)
    assert newer.properties.version != created.properties.version
    assert client.get_secret(name).value == second  # GET /secrets/{name}/ (empty version)
    assert client.get_secret(name, created.properties.version).value == first

    listed = {p.name: p for p in client.list_properties_of_secrets()}
    assert listed[name].version is None  # GetSecrets lists base ids without a version
    assert listed[name].id == f"{vault.url}/secrets/{name}"
    versions = [p.version for p in client.list_properties_of_secret_versions(name)]
    assert versions == [created.properties.version, newer.properties.version]

    updated = client.update_secret_properties(
        name, created.properties.version, content_type="application/json", tags={"a": "b"}
    )
    assert updated.version == created.properties.version
    assert updated.tags == {"a": "b"}
    latest = client.update_secret_properties(name, enabled=True, tags={"latest": "yes"})
    assert latest.version == newer.properties.version  # PATCH /secrets/{name}/
    assert client.get_secret(name, created.properties.version).value == first

    blob = client.backup_secret(name)
    assert isinstance(blob, bytes) and first.encode() not in blob and second.encode() not in blob

    deleted = client.begin_delete_secret(name).result()
    assert deleted.recovery_id == f"{vault.url}/deletedsecrets/{name}"
    assert deleted.deleted_date is not None and deleted.scheduled_purge_date is not None
    assert deleted.scheduled_purge_date - deleted.deleted_date == datetime.timedelta(days=90)
    assert deleted.properties.version == newer.properties.version
    assert client.get_deleted_secret(name).recovery_id == deleted.recovery_id
    assert name in {d.name for d in client.list_deleted_secrets()}

    recovered = client.begin_recover_deleted_secret(name).result()
    assert recovered.version == newer.properties.version
    assert client.get_secret(name).value == second

    client.begin_delete_secret(name).wait()
    client.purge_deleted_secret(name)
    assert name not in {d.name for d in client.list_deleted_secrets()}

    restored = client.restore_secret_backup(blob)
    assert restored.name == name and restored.version == newer.properties.version
    assert client.get_secret(name, created.properties.version).value == first
    assert client.get_secret(name).value == second
    assert client.get_secret(name).properties.tags == {"latest": "yes"}

    exercised = {spec.check(exchange) for exchange in recorder.snapshot()}
    assert spec.operation_ids <= exercised, spec.operation_ids - exercised


def test_challenge_then_bearer_token(spec: SecretsSpec) -> None:
    """401 with Key Vault's challenge; the SDK asks for the vault scope and the tenant."""

    class RecordingCredential(EmulatorCredential):
        def __init__(self, token: str) -> None:
            super().__init__(token)
            self.asked: list[tuple[tuple[str, ...], object]] = []

        def get_token_info(self, *scopes: str, options: object = None) -> object:  # type: ignore[override]
            self.asked.append((scopes, options))
            return super().get_token_info(*scopes)

    with Emulator() as vault:
        status, headers, body = raw_request(vault, "GET", "/secrets?api-version=7.6", token=None)
        assert status == 401
        spec.validate(body, "KeyVaultError")
        assert body["error"]["code"] == "Unauthorized"
        challenge = headers["www-authenticate"]
        assert challenge.startswith("Bearer ")
        params = dict(
            part.strip().split("=", 1) for part in challenge.removeprefix("Bearer ").split(",")
        )
        assert params["authorization"].strip('"').endswith("/" + TENANT_ID)
        assert params["resource"].strip('"') == "https://vault.azure.net"

        credential = RecordingCredential(vault.token)
        with make_client(vault, credential) as client:
            client.set_secret(unique(), value())
            client.set_secret(unique(), value())
        assert len(credential.asked) == 1  # one token, reused for the second call
        scopes, options = credential.asked[0]
        assert scopes == (SCOPE,)
        assert isinstance(options, dict) and options.get("tenant_id") == TENANT_ID


def test_names_are_case_insensitive_and_keep_their_first_spelling(
    vault: Emulator, client: SecretClient
) -> None:
    name, secret = unique("Mixed-Case"), value()
    client.set_secret(name, secret)
    assert client.get_secret(name.upper()).value == secret
    again = client.set_secret(name.lower(), value())
    assert again.name == name  # the id keeps the spelling the secret was created with
    assert len(list(client.list_properties_of_secret_versions(name.swapcase()))) == 2


def test_paging_follows_absolute_next_links(
    vault: Emulator, client: SecretClient, recorder: Recorder
) -> None:
    prefix = unique("page")
    names = [f"{prefix}-{i}" for i in range(7)]
    for name in names:
        client.set_secret(name, value())
    status, _, body = raw_request(vault, "GET", "/secrets?api-version=2026-04-01&maxresults=2")
    assert status == 200 and len(body["value"]) == 2
    assert body["nextLink"].startswith(f"{vault.url}/secrets?api-version=2026-04-01&$skiptoken=")
    assert body["nextLink"].endswith("&maxresults=2")

    pages = list(client.list_properties_of_secrets(max_page_size=2).by_page())
    seen = [p.name for page in pages for p in page]
    assert len(pages) >= 4
    assert sorted(n for n in seen if n.startswith(prefix)) == names
    assert len(seen) == len(set(seen))  # no secret listed twice across pages

    versioned = unique("versions")
    made = [client.set_secret(versioned, value()).properties.version for _ in range(5)]
    version_pages = list(
        client.list_properties_of_secret_versions(versioned, max_page_size=2).by_page()
    )
    assert [len(list(page)) for page in version_pages] == [2, 2, 1]
    listed = [
        p.version
        for page in client.list_properties_of_secret_versions(versioned, max_page_size=2).by_page()
        for p in page
    ]
    assert listed == made

    doomed = [f"{prefix}-{i}" for i in range(3)]
    for name in doomed:
        client.begin_delete_secret(name).wait()
    deleted_pages = list(client.list_deleted_secrets(max_page_size=1).by_page())
    deleted = [d.name for page in deleted_pages for d in page]
    assert set(doomed) <= set(deleted) and len(deleted) == len(set(deleted))
    assert len(deleted_pages) >= 3

    followed = [e for e in recorder.snapshot() if "$skiptoken" in e.query]
    assert followed, "the SDK never followed a nextLink"
    last = [e for e in recorder.snapshot() if e.path == "/secrets" and e.status == 200][-1]
    assert b"nextLink" not in last.body  # the last page has no link


def test_update_and_disable(client: SecretClient) -> None:
    name, secret = unique("upd"), value()
    first = client.set_secret(name, secret, tags={"a": "1"})
    props = client.update_secret_properties(
        name, first.properties.version, enabled=False, content_type="text/x"
    )
    assert props.enabled is False and props.content_type == "text/x"
    assert props.tags == {"a": "1"}  # tags not given: kept
    with pytest.raises(HttpResponseError) as info:
        client.get_secret(name)
    assert info.value.status_code == 403
    assert info.value.error is not None and info.value.error.code == "Forbidden"
    listed = list(client.list_properties_of_secret_versions(name))
    assert [p.enabled for p in listed] == [False]
    client.update_secret_properties(name, enabled=True)
    assert client.get_secret(name).value == secret


@pytest.mark.parametrize("api_version", [v.value for v in ApiVersion])
def test_every_api_version_the_sdk_can_send(vault: Emulator, api_version: str) -> None:
    with make_client(vault, api_version=api_version) as client:
        name, secret = unique("ver"), value()
        made = client.set_secret(name, secret)
        assert client.get_secret(name).value == secret
        assert name in {p.name for p in client.list_properties_of_secrets()}
        expected_days = None if api_version in ("2016-10-01", "7.0") else 90
        assert made.properties.recoverable_days == expected_days


def test_ca_from_the_environment(vault: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without ``connection_verify``: REQUESTS_CA_BUNDLE for the sync client (requests reads it
    per request), SSL_CERT_FILE for the async one (aiohttp reads it once, at import: so in a
    fresh process)."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(vault.ca_file))
    name, secret = unique("env"), value()
    with SecretClient(vault.url, vault.credential(), verify_challenge_resource=False) as client:
        client.set_secret(name, secret)

    script = """
import asyncio, sys
from azure.keyvault.secrets.aio import SecretClient
from secretsops.vault.emulator import AsyncEmulatorCredential

async def main() -> None:
    url, name, token = sys.argv[1:]
    async with SecretClient(
        url, AsyncEmulatorCredential(token), verify_challenge_resource=False
    ) as client:
        print((await client.get_secret(name)).value)

asyncio.run(main())
"""
    env = {**os.environ, "SSL_CERT_FILE": str(vault.ca_file)}
    read = subprocess.run(
        [sys.executable, "-c", script, vault.url, name, vault.token],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert read.returncode == 0, read.stderr[-2000:]
    assert read.stdout.strip() == secret
