"""Fixtures for the Key Vault emulator tests: a running emulator whose every response is
validated against the official schema after each test, and a real SDK client pointed at it.

``tests/vault`` is a package (it has an ``__init__.py``) so that this conftest is imported as
``vault.conftest`` and never replaces ``tests/conftest.py`` as the module ``conftest``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from azure.keyvault.secrets import SecretClient

from secretsops.vault.emulator import Emulator

from .kv_helpers import Recorder, make_client
from .kv_schema import SecretsSpec


@pytest.fixture(scope="session")
def spec() -> SecretsSpec:
    return SecretsSpec()


@pytest.fixture(scope="module")
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture(scope="module")
def vault(recorder: Recorder) -> Iterator[Emulator]:
    with Emulator(observer=recorder) as emulator:
        yield emulator


@pytest.fixture(autouse=True)
def _responses_match_the_spec(request: pytest.FixtureRequest, spec: SecretsSpec) -> Iterator[None]:
    """After every test that used the module's emulator, validate every body it sent."""
    if "vault" not in request.fixturenames:
        yield
        return
    recorder: Recorder = request.getfixturevalue("recorder")
    recorder.take()
    yield
    for exchange in recorder.take():
        spec.check(exchange)


@pytest.fixture
def client(vault: Emulator) -> Iterator[SecretClient]:
    with make_client(vault) as sdk_client:
        yield sdk_client
