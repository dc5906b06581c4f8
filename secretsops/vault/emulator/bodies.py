"""Request bodies of SetSecret, UpdateSecret and RestoreSecret: parse and check them.

Limits are Key Vault's: names ``^[0-9a-zA-Z-]{1,127}$``, values up to 25 KB (counted here as
25,600 bytes of UTF-8), at most 15 tags of up to 512 characters each, content types up to 255
characters. Read-only attributes (``created``, ``recoveryLevel``...) are ignored, as the service
does. Messages name the field and the limit, never the value.
"""

from __future__ import annotations

import json
import re
from typing import Any

from secretsops.vault.emulator import faults
from secretsops.vault.emulator.model import NewSecret, PropertyChanges

NAME = re.compile(r"[0-9a-zA-Z-]{1,127}")
MAX_VALUE_BYTES = 25 * 1024
MAX_TAGS = 15
MAX_TAG_LENGTH = 512
MAX_CONTENT_TYPE = 255


def check_name(name: str) -> str:
    if not NAME.fullmatch(name):
        raise faults.invalid_name(name)
    return name


def _object(body: bytes, *, required: bool) -> dict[str, Any]:
    if not body.strip():
        if required:
            raise faults.bad_parameter("The request body is missing.")
        return {}
    try:
        parsed = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise faults.bad_parameter("The request body is not valid JSON.") from None
    if not isinstance(parsed, dict):
        raise faults.bad_parameter("The request body must be a JSON object.")
    return parsed


def _content_type(raw: Any) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise faults.bad_parameter("Property contentType must be a string.")
    if len(raw) > MAX_CONTENT_TYPE:
        raise faults.bad_parameter(
            f"Property contentType is {len(raw)} characters long; the limit is {MAX_CONTENT_TYPE}."
        )
    return raw


def _tags(raw: Any) -> dict[str, str] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise faults.bad_parameter("Property tags must be an object of strings.")
    if len(raw) > MAX_TAGS:
        raise faults.bad_parameter(f"A secret can have at most {MAX_TAGS} tags; {len(raw)} given.")
    for name, value in raw.items():
        if not isinstance(value, str):
            raise faults.bad_parameter(f"The value of tag {name[:64]!r} must be a string.")
        if not name or len(name) > MAX_TAG_LENGTH or len(value) > MAX_TAG_LENGTH:
            raise faults.bad_parameter(
                f"Tag names must be 1 to {MAX_TAG_LENGTH} characters and tag values at most "
                f"{MAX_TAG_LENGTH}; tag {name[:64]!r} is not."
            )
    return dict(raw)


def _attributes(raw: Any) -> tuple[bool | None, int | None, int | None]:
    if raw is None:
        return None, None, None
    if not isinstance(raw, dict):
        raise faults.bad_parameter("Property attributes must be an object.")
    enabled = raw.get("enabled")
    if enabled is not None and not isinstance(enabled, bool):
        raise faults.bad_parameter("Attribute enabled must be true or false.")
    times: list[int | None] = []
    for field in ("nbf", "exp"):
        value = raw.get(field)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise faults.bad_parameter(f"Attribute {field} must be an integer of Unix seconds.")
        times.append(value)
    return enabled, times[0], times[1]


def parse_new_secret(body: bytes) -> NewSecret:
    """The body of ``PUT /secrets/{name}`` (``SecretSetParameters``)."""
    data = _object(body, required=True)
    value = data.get("value")
    if not isinstance(value, str):
        raise faults.bad_parameter("Property value is required and must be a string.")
    size = len(value.encode("utf-8"))
    if size > MAX_VALUE_BYTES:
        raise faults.bad_parameter(
            f"The secret value is {size} bytes long; the limit is {MAX_VALUE_BYTES} bytes."
        )
    enabled, not_before, expires = _attributes(data.get("attributes"))
    return NewSecret(
        value=value,
        content_type=_content_type(data.get("contentType")),
        enabled=True if enabled is None else enabled,
        not_before=not_before,
        expires=expires,
        tags=_tags(data.get("tags")),
    )


def parse_property_changes(body: bytes) -> PropertyChanges:
    """The body of ``PATCH /secrets/{name}/{version}`` (``SecretUpdateParameters``)."""
    data = _object(body, required=False)
    enabled, not_before, expires = _attributes(data.get("attributes"))
    return PropertyChanges(
        content_type=_content_type(data.get("contentType")),
        enabled=enabled,
        not_before=not_before,
        expires=expires,
        tags=_tags(data.get("tags")),
    )


def parse_restore(body: bytes) -> str:
    """The backup blob of ``POST /secrets/restore`` (``SecretRestoreParameters``)."""
    value = _object(body, required=True).get("value")
    if not isinstance(value, str) or not value:
        raise faults.bad_parameter("Property value (the backup blob) is required.")
    return value
