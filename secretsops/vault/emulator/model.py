"""Plain records the emulator passes between its request parsing, storage and JSON shapes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class SecretVersion:
    """One version of a secret, with its value and properties (times in Unix seconds)."""

    name: str
    version: str
    value: str
    content_type: str | None
    enabled: bool
    not_before: int | None
    expires: int | None
    created: int
    updated: int
    tags: dict[str, str] | None


@dataclass(frozen=True)
class DeletedSecret:
    """A soft-deleted secret: its latest version and when it was deleted and will be purged."""

    latest: SecretVersion
    deleted_date: int
    scheduled_purge_date: int


@dataclass(frozen=True)
class NewSecret:
    """The parameters of SetSecret (``PUT /secrets/{name}``)."""

    value: str
    content_type: str | None = None
    enabled: bool = True
    not_before: int | None = None
    expires: int | None = None
    tags: dict[str, str] | None = None


@dataclass(frozen=True)
class PropertyChanges:
    """The parameters of UpdateSecret (``PATCH``); None leaves a property as it is."""

    content_type: str | None = None
    enabled: bool | None = None
    not_before: int | None = None
    expires: int | None = None
    tags: dict[str, str] | None = None


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing and the position after which the next page starts (None: last)."""

    items: list[T]
    next_after: str | None
