"""Error paths: Key Vault's codes and statuses, through the real SDK where it can send the
request and with ``http.client`` where it cannot; error bodies are validated in conftest."""

from __future__ import annotations

import base64
import logging

import pytest
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
)
from azure.keyvault.secrets import SecretClient

from secretsops.vault.emulator import Emulator, EmulatorCredential

from .kv_helpers import make_client, raw_request, unique, value
from .kv_schema import SecretsSpec


def _code(error: HttpResponseError) -> tuple[int | None, str | None, object]:
    assert error.error is not None
    return error.status_code, error.error.code, error.error.innererror


def test_a_wrong_token_is_refused_when_one_is_required() -> None:
    accepted = value()
    with Emulator(token=accepted) as vault:
        assert vault.token == accepted
        with make_client(vault, EmulatorCredential(value())) as wrong:
            with pytest.raises(ClientAuthenticationError) as info:
                wrong.set_secret(unique(), value())
            assert info.value.status_code == 401
        with make_client(vault, EmulatorCredential(accepted)) as right:
            name, secret = unique(), value()
            right.set_secret(name, secret)
            assert right.get_secret(name).value == secret
        status, headers, body = raw_request(vault, "GET", "/secrets?api-version=7.6", token="x")
        assert status == 401 and "www-authenticate" in headers
        assert body["error"]["code"] == "Unauthorized"


def test_without_token_option_any_well_formed_token_works(vault: Emulator) -> None:
    with make_client(vault, EmulatorCredential(value())) as client:
        assert client.set_secret(unique(), "v").name
    basic = "Basic " + base64.b64encode(f"user:{value()}".encode()).decode()
    for header in (basic, "Bearer", "Bearer a b", "bearer ###"):
        status, headers, _body = raw_request(
            vault, "GET", "/secrets?api-version=7.6", token=None, headers={"Authorization": header}
        )
        assert status == 401, header
        assert headers["www-authenticate"].startswith("Bearer authorization=")


@pytest.mark.parametrize("name", ["under_score", "dot.ted", "x" * 128, "na\u00efve", "sp ace"])
def test_invalid_names_are_bad_parameters(client: SecretClient, name: str) -> None:
    with pytest.raises(HttpResponseError) as info:
        client.set_secret(name, value())
    assert _code(info.value)[:2] == (400, "BadParameter")
    with pytest.raises(HttpResponseError) as info:
        client.get_secret(name)
    assert _code(info.value)[:2] == (400, "BadParameter")


def test_longest_name_is_accepted(client: SecretClient) -> None:
    name = ("n" + unique())[:8] + "-" * 118 + "z"
    assert len(name) == 127
    assert client.set_secret(name, "v").name == name


def test_value_limit_is_25_kb(client: SecretClient) -> None:
    name = unique("big")
    assert client.set_secret(name, "x" * 25 * 1024).value == "x" * 25 * 1024
    with pytest.raises(HttpResponseError) as info:
        client.set_secret(name, "x" * (25 * 1024 + 1))
    assert _code(info.value)[:2] == (400, "BadParameter")
    assert "x" * 32 not in str(info.value)  # the message names the size, not the value
    with pytest.raises(HttpResponseError):
        client.set_secret(name, "\u00e9" * (13 * 1024))  # 26,624 bytes of UTF-8


def test_at_most_15_tags_of_512_characters(client: SecretClient) -> None:
    name = unique("tags")
    fifteen = {f"t{i}": str(i) for i in range(15)}
    assert client.set_secret(name, "v", tags=fifteen).properties.tags == fifteen
    for tags in ({**fifteen, "t15": "15"}, {"t": "v" * 513}, {"k" * 513: "v"}):
        with pytest.raises(HttpResponseError) as info:
            client.set_secret(name, "v", tags=tags)
        assert _code(info.value)[:2] == (400, "BadParameter")
        with pytest.raises(HttpResponseError) as info:
            client.update_secret_properties(name, tags=tags)
        assert _code(info.value)[:2] == (400, "BadParameter")
    with pytest.raises(HttpResponseError) as info:
        client.set_secret(name, "v", content_type="c" * 256)
    assert _code(info.value)[:2] == (400, "BadParameter")


def test_missing_secrets_and_versions(client: SecretClient) -> None:
    missing = unique("missing")
    for call in (
        lambda: client.get_secret(missing),
        lambda: client.get_secret(missing, "0" * 32),
        lambda: client.update_secret_properties(missing, enabled=False),
        lambda: client.begin_delete_secret(missing),
        lambda: client.backup_secret(missing),
        lambda: client.get_deleted_secret(missing),
        lambda: client.purge_deleted_secret(missing),
        lambda: client.begin_recover_deleted_secret(missing),
    ):
        with pytest.raises(ResourceNotFoundError) as info:
            call()
        assert _code(info.value)[:2] == (404, "SecretNotFound")
    name = unique("known")
    client.set_secret(name, "v")
    for version in ("0" * 32, "not-a-version"):
        with pytest.raises(ResourceNotFoundError):
            client.get_secret(name, version)
    assert list(client.list_properties_of_secret_versions(missing)) == []


def test_deleted_state_errors(client: SecretClient) -> None:
    name = unique("gone")
    client.set_secret(name, value())
    with pytest.raises(ResourceNotFoundError):  # not deleted yet
        client.get_deleted_secret(name)
    with pytest.raises(ResourceNotFoundError):
        client.purge_deleted_secret(name)
    with pytest.raises(ResourceNotFoundError):
        client.begin_recover_deleted_secret(name)

    client.begin_delete_secret(name).wait()
    for spelling in (name, name.upper()):
        with pytest.raises(ResourceExistsError) as info:
            client.set_secret(spelling, value())
        status, code, inner = _code(info.value)
        assert (status, code, inner) == (409, "Conflict", {"code": "ObjectIsDeletedButRecoverable"})
    with pytest.raises(ResourceNotFoundError):
        client.get_secret(name)
    with pytest.raises(ResourceNotFoundError):  # deleting again: there is no live secret
        client.begin_delete_secret(name)
    assert name not in {p.name for p in client.list_properties_of_secrets()}

    client.purge_deleted_secret(name)
    with pytest.raises(ResourceNotFoundError):
        client.get_deleted_secret(name)
    assert client.set_secret(name, "again").value == "again"  # the name is free after a purge


def test_restore_conflicts_and_bad_blobs(client: SecretClient) -> None:
    name = unique("bak")
    client.set_secret(name, value())
    blob = client.backup_secret(name)
    with pytest.raises(ResourceExistsError) as info:
        client.restore_secret_backup(blob)
    assert _code(info.value)[:2] == (409, "Conflict")
    client.begin_delete_secret(name).wait()
    with pytest.raises(ResourceExistsError) as info:
        client.restore_secret_backup(blob)
    assert _code(info.value)[2] == {"code": "ObjectIsDeletedButRecoverable"}
    for bad in (b"not a backup", blob[:-3], blob[:10]):
        with pytest.raises(HttpResponseError) as info:
            client.restore_secret_backup(bad)
        assert _code(info.value)[:2] == (400, "BadParameter")
    with Emulator() as other, make_client(other) as elsewhere:  # another vault's key
        with pytest.raises(HttpResponseError) as info:
            elsewhere.restore_secret_backup(blob)
        assert _code(info.value)[:2] == (400, "BadParameter")


def test_purge_protection_and_short_retention(spec: SecretsSpec) -> None:
    with Emulator(purge_protection=True, retention_days=7) as vault, make_client(vault) as client:
        name = unique("kept")
        made = client.set_secret(name, value())
        assert made.properties.recovery_level == "CustomizedRecoverable"
        assert made.properties.recoverable_days == 7
        deleted = client.begin_delete_secret(name).result()
        assert deleted.scheduled_purge_date and deleted.deleted_date
        assert (deleted.scheduled_purge_date - deleted.deleted_date).days == 7
        with pytest.raises(HttpResponseError) as info:
            client.purge_deleted_secret(name)
        assert _code(info.value)[:2] == (403, "Forbidden")
        status, _, body = raw_request(vault, "DELETE", f"/deletedsecrets/{name}?api-version=7.6")
        assert status == 403
        spec.validate(body, "KeyVaultError")
        assert client.begin_recover_deleted_secret(name).result().name == name
    with Emulator(retention_days=30) as vault, make_client(vault) as client:
        made = client.set_secret(unique(), "v")
        assert made.properties.recovery_level == "CustomizedRecoverable+Purgeable"


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("GET", "/secrets", None, 400, "BadParameter"),
        ("GET", "/secrets?api-version=1999-01-01", None, 400, "BadParameter"),
        ("GET", "/secrets?api-version=7.6&maxresults=0", None, 400, "BadParameter"),
        ("GET", "/secrets?api-version=7.6&maxresults=26", None, 400, "BadParameter"),
        ("GET", "/secrets?api-version=7.6&maxresults=ten", None, 400, "BadParameter"),
        ("GET", "/secrets?api-version=7.6&$skiptoken=%25%25", None, 400, "BadParameter"),
        ("GET", "/secrets/x/versions?api-version=7.6&$skiptoken=eHl6", None, 400, "BadParameter"),
        ("GET", "/keys?api-version=7.6", None, 404, "NotFound"),
        ("GET", "/secrets/a/b/c?api-version=7.6", None, 404, "NotFound"),
        ("POST", "/secrets?api-version=7.6", None, 405, "MethodNotAllowed"),
        ("PUT", "/secrets/x?api-version=7.6", b"{not json", 400, "BadParameter"),
        ("PUT", "/secrets/x?api-version=7.6", b"[1]", 400, "BadParameter"),
        ("PUT", "/secrets/x?api-version=7.6", {"contentType": "t"}, 400, "BadParameter"),
        ("PUT", "/secrets/x?api-version=7.6", {"value": 5}, 400, "BadParameter"),
        ("PUT", "/secrets/x?api-version=7.6", {"value": "v", "tags": ["a"]}, 400, "BadParameter"),
        ("PUT", "/secrets/x?api-version=7.6", {"value": "", "tags": {"a": 1}}, 400, "BadParameter"),
        (
            "PUT",
            "/secrets/x?api-version=7.6",
            {"value": "v", "attributes": {"enabled": "yes"}},
            400,
            "BadParameter",
        ),
        (
            "PUT",
            "/secrets/x?api-version=7.6",
            {"value": "v", "attributes": {"exp": "soon"}},
            400,
            "BadParameter",
        ),
        ("POST", "/secrets/restore?api-version=7.6", {}, 400, "BadParameter"),
    ],
)
def test_protocol_errors(
    vault: Emulator, method: str, path: str, body: object, status: int, code: str
) -> None:
    got, headers, answer = raw_request(vault, method, path, body=body)
    assert (got, answer["error"]["code"]) == (status, code)
    if status == 405:
        assert headers["allow"] == "GET"


def test_values_never_reach_the_log(
    vault: Emulator, client: SecretClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="secretsops.vault.emulator")
    secret = value()
    name = unique("quiet")
    client.set_secret(name, secret)
    assert client.get_secret(name).value == secret
    client.update_secret_properties(name, tags={"t": "x"})
    assert any(name in record.getMessage() for record in caplog.records)  # requests are logged
    assert all(secret not in record.getMessage() for record in caplog.records)


def test_schema_check_has_teeth(spec: SecretsSpec) -> None:
    """The validator used on every response rejects what the official schema rejects, and
    fields the schema does not define."""
    import jsonschema

    spec.validate({"value": "v", "id": "i", "attributes": {"enabled": True}}, "SecretBundle")
    for body, definition in (
        ({"value": 1}, "SecretBundle"),
        ({"value": "v", "unknown": True}, "SecretBundle"),
        ({"attributes": {"recoveryLevel": "Sometimes"}}, "SecretBundle"),
        ({"value": [], "nextLink": None}, "SecretListResult"),
        ({"error": {"code": 5}}, "KeyVaultError"),
    ):
        with pytest.raises(jsonschema.ValidationError):
            spec.validate(body, definition)
