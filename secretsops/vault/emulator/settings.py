"""What an emulator is started with: address, storage, accepted token, soft-delete policy."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from secretsops.errors import UsageError

DEFAULT_HOST = "127.0.0.1"
MAX_RETENTION_DAYS = 90
MIN_RETENTION_DAYS = 7


@dataclass(frozen=True)
class EmulatorSettings:
    """Settings of one emulated vault.

    ``port`` 0 picks a free port. ``data`` None keeps everything in memory. ``token`` None
    accepts any well-formed bearer token; a string accepts only that token.
    """

    host: str = DEFAULT_HOST
    port: int = 0
    data: Path | None = None
    token: str | None = None
    purge_protection: bool = False
    retention_days: int = MAX_RETENTION_DAYS

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise UsageError(f"invalid port {self.port}: use 0 (a free port) to 65535")
        if not MIN_RETENTION_DAYS <= self.retention_days <= MAX_RETENTION_DAYS:
            raise UsageError(
                f"invalid retention of {self.retention_days} days: Key Vault keeps deleted "
                f"secrets {MIN_RETENTION_DAYS} to {MAX_RETENTION_DAYS} days"
            )
        if self.token is not None and not self.token.strip():
            raise UsageError("the accepted token must not be empty")

    @property
    def recovery_level(self) -> str:
        """``DeletionRecoveryLevel`` of the vault, as Key Vault derives it from its settings."""
        base = (
            "Recoverable" if self.retention_days == MAX_RETENTION_DAYS else "CustomizedRecoverable"
        )
        return base if self.purge_protection else f"{base}+Purgeable"
