"""The real asynchronous ``SecretClient`` (aiohttp transport) runs every secrets operation
against the emulator over HTTPS; bodies are validated against ``secrets.json`` (see conftest)."""

from __future__ import annotations

import asyncio

import pytest
from azure.core.exceptions import ClientAuthenticationError, ResourceExistsError
from azure.keyvault.secrets.aio import SecretClient

from secretsops.vault.emulator import AsyncEmulatorCredential, Emulator

from .kv_helpers import Recorder, unique, value
from .kv_schema import SecretsSpec


def _client(vault: Emulator, credential: AsyncEmulatorCredential | None = None) -> SecretClient:
    return SecretClient(
        vault_url=vault.url,
        credential=credential or vault.async_credential(),
        verify_challenge_resource=False,
        connection_verify=str(vault.ca_file),
    )


async def _tour(vault: Emulator) -> None:
    name, first, second = unique("async"), value(), value()
    async with _client(vault) as client:
        created = await client.set_secret(name, first, tags={"k": "v"}, content_type="text/plain")
        assert created.id == f"{vault.url}/secrets/{name}/{created.properties.version}"
        newer = await client.set_secret(name, second)
        assert (await client.get_secret(name)).value == second
        assert (await client.get_secret(name, created.properties.version)).value == first
        names = [p.name async for p in client.list_properties_of_secrets(max_page_size=1)]
        assert name in names
        versions = [p.version async for p in client.list_properties_of_secret_versions(name)]
        assert versions == [created.properties.version, newer.properties.version]
        props = await client.update_secret_properties(name, content_type="application/json")
        assert props.content_type == "application/json" and props.version == versions[-1]
        props = await client.update_secret_properties(name, versions[0], enabled=False)
        assert props.enabled is False
        blob = await client.backup_secret(name)

        deleted = await client.delete_secret(name)
        assert deleted.recovery_id == f"{vault.url}/deletedsecrets/{name}"
        assert (await client.get_deleted_secret(name)).name == name
        assert name in [d.name async for d in client.list_deleted_secrets()]
        with pytest.raises(ResourceExistsError) as conflict:
            await client.set_secret(name, value())
        assert conflict.value.error is not None
        assert conflict.value.error.innererror == {"code": "ObjectIsDeletedButRecoverable"}
        recovered = await client.recover_deleted_secret(name)
        assert recovered.version == newer.properties.version
        assert (await client.get_secret(name)).value == second

        await client.delete_secret(name)
        await client.purge_deleted_secret(name)
        restored = await client.restore_secret_backup(blob)
        assert restored.name == name
        assert (await client.get_secret(name)).value == second


def test_every_operation_through_the_async_client(
    vault: Emulator, recorder: Recorder, spec: SecretsSpec
) -> None:
    asyncio.run(_tour(vault))
    exercised = {spec.check(exchange) for exchange in recorder.snapshot()}
    assert spec.operation_ids <= exercised, spec.operation_ids - exercised


def test_async_client_refuses_a_wrong_token() -> None:
    async def attempt(vault: Emulator, token: str) -> str:
        async with _client(vault, AsyncEmulatorCredential(token)) as client:
            return (await client.set_secret(unique(), "x")).name

    with Emulator(token=value()) as vault:
        with pytest.raises(ClientAuthenticationError):
            asyncio.run(attempt(vault, value()))
        assert asyncio.run(attempt(vault, vault.token))


def test_many_async_requests_on_one_client(vault: Emulator) -> None:
    async def run() -> set[str]:
        async with _client(vault) as client:
            name = unique("gather")
            made = await asyncio.gather(*(client.set_secret(name, value()) for _ in range(20)))
            listed = {p.version async for p in client.list_properties_of_secret_versions(name)}
            assert listed == {m.properties.version for m in made}
            return {m.properties.version or "" for m in made}

    assert len(asyncio.run(run())) == 20
