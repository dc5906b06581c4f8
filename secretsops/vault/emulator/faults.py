"""Key Vault's error responses: HTTP status, ``error.code``, message and inner code.

Messages follow the real service's wording where it is known. None of them ever contains a
secret value: only names, versions and limits.
"""

from __future__ import annotations

from typing import Any

_NOT_FOUND_HINT = (
    "If you recently deleted this secret you may be able to recover it using the correct "
    "recovery command. For help resolving this issue, please see "
    "https://go.microsoft.com/fwlink/?linkid=2125182"
)


class KeyVaultFault(Exception):
    """An error the emulator answers with ``{"error": {"code", "message", "innererror"}}``."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        inner: str | None = None,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.inner = inner
        self.headers = headers

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.inner is not None:
            error["innererror"] = {"code": self.inner}
        return {"error": error}


def _clip(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def secret_not_found(name: str, version: str | None = None) -> KeyVaultFault:
    what = name if version is None else f"{name}/{version}"
    return KeyVaultFault(
        404,
        "SecretNotFound",
        f"A secret with (name/id) {_clip(what)} was not found in this key vault. {_NOT_FOUND_HINT}",
    )


def deleted_secret_not_found(name: str) -> KeyVaultFault:
    return KeyVaultFault(404, "SecretNotFound", f"Deleted Secret not found: {_clip(name)}")


def deleted_but_recoverable(name: str) -> KeyVaultFault:
    return KeyVaultFault(
        409,
        "Conflict",
        f"Secret {name} is currently in a deleted but recoverable state, and its name cannot be "
        "reused; in this state, the secret can only be recovered or purged.",
        inner="ObjectIsDeletedButRecoverable",
    )


def already_exists(name: str) -> KeyVaultFault:
    return KeyVaultFault(
        409,
        "Conflict",
        f"Secret {name} already exists in this key vault; a backup can only be restored "
        "under a name that is not in use.",
    )


def bad_parameter(message: str) -> KeyVaultFault:
    return KeyVaultFault(400, "BadParameter", _clip(message, 400))


def invalid_name(name: str) -> KeyVaultFault:
    return bad_parameter(f"The request URI contains an invalid name: {_clip(name)}")


def secret_disabled() -> KeyVaultFault:
    return KeyVaultFault(
        403, "Forbidden", "Operation get is not allowed on a disabled secret.", "SecretDisabled"
    )


def purge_protected() -> KeyVaultFault:
    return KeyVaultFault(
        403,
        "Forbidden",
        'Operation "purge" is not allowed because purge protection is enabled for this vault. '
        "Key Vault service will automatically purge it after the retention period has passed.",
        inner="ForbiddenByPolicy",
    )


def unauthorized(message: str, challenge: str) -> KeyVaultFault:
    return KeyVaultFault(401, "Unauthorized", message, headers=(("WWW-Authenticate", challenge),))


def path_not_found(path: str) -> KeyVaultFault:
    return KeyVaultFault(404, "NotFound", f"The requested path was not found: {_clip(path)}")


def method_not_allowed(method: str, allowed: list[str]) -> KeyVaultFault:
    return KeyVaultFault(
        405,
        "MethodNotAllowed",
        f"The HTTP method {_clip(method, 20)} is not allowed on this path.",
        headers=(("Allow", ", ".join(allowed)),),
    )


def internal_error() -> KeyVaultFault:
    return KeyVaultFault(500, "InternalError", "The emulator failed to handle the request.")
