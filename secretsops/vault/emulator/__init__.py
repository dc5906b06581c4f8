"""A local Azure Key Vault emulator for secrets, served over HTTPS, that the real
``azure-keyvault-secrets`` client accepts.

Start one in a thread (:class:`Emulator`) or a subprocess (:class:`EmulatorProcess`); both give
``url``, ``ca_file``, ``credential()`` / ``async_credential()``, ready ``secret_client()`` /
``async_secret_client()`` and ``stop()``, and are context managers. ``docs/emulator.md`` tells
how to point your own ``SecretClient`` at one and what is emulated.
"""

from __future__ import annotations

from secretsops.vault.emulator.auth import RESOURCE, SCOPE, TENANT_ID
from secretsops.vault.emulator.base import RunningEmulator
from secretsops.vault.emulator.credential import AsyncEmulatorCredential, EmulatorCredential
from secretsops.vault.emulator.process import EmulatorProcess
from secretsops.vault.emulator.server import Exchange, Observer
from secretsops.vault.emulator.settings import EmulatorSettings
from secretsops.vault.emulator.thread import Emulator

__all__ = [
    "RESOURCE",
    "SCOPE",
    "TENANT_ID",
    "AsyncEmulatorCredential",
    "Emulator",
    "EmulatorCredential",
    "EmulatorProcess",
    "EmulatorSettings",
    "Exchange",
    "Observer",
    "RunningEmulator",
]
