"""The migration plan: what moves to which vault secret, and the exact rewrite of each file.

A plan holds names, fingerprints, spans, hashes and redacted diffs, never a secret value; it is
JSON so a person can review it (and a pull request can carry it). ``planner`` builds one,
``apply`` carries it out.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from secretsops.errors import InputError

FORMAT = "secretsops-migration-plan"
VERSION = 1


@dataclass(frozen=True)
class Location:
    """One place holding a secret's value."""

    path: str
    line: int
    kind: str  # the rewriter's kind, "manual" when a person must rewrite it
    start: int  # character span in the file's text at plan time (the rewriter's, or the value's)
    end: int
    finding_type: str
    finding_fingerprint: str  # fingerprint of the detected value (may differ from the stored one)
    automatic: bool
    diff: str = ""  # the hunks of the file's diff that touch this location (redacted)


@dataclass(frozen=True)
class Secret:
    """One vault secret: its name and what it holds (by fingerprint only)."""

    name: str
    env_name: str
    fingerprint: str  # of the value the vault will hold
    content_type: str
    tags: dict[str, str]
    locations: list[Location]


@dataclass(frozen=True)
class File:
    """One file that holds secrets: its state at plan time and its rewrite."""

    path: str
    kind: str
    sha256: str  # of the bytes at plan time: a file that differs at apply time is not touched
    new_sha256: str | None  # of the rewritten bytes; None when nothing is rewritten automatically
    diff: str  # zero-context, redacted
    notes: list[str] = field(default_factory=list)
    manual: list[str] = field(default_factory=list)
    remove: bool = False  # the whole file moved to the vault: apply removes it (git rm, ignored)


@dataclass(frozen=True)
class Vault:
    url: str  # "" for the local vault
    name: str
    local: bool = False


@dataclass(frozen=True)
class Plan:
    root: str
    repository: str
    vault: Vault
    secrets: list[Secret]
    files: list[File]
    created: str
    baseline: str | None = None
    variable_group: str | None = None
    service_connection: str | None = None
    unmatched: list[str] = field(default_factory=list)  # --confirm prefixes found nowhere

    def file(self, path: str) -> File:
        for f in self.files:
            if f.path == path:
                return f
        raise KeyError(path)

    def manual_steps(self) -> list[str]:
        """Every step left to a person, each naming its file: what apply cannot do."""
        out = []
        for f in self.files:
            for step in f.manual:
                out.append(step if step.startswith(f"{f.path}:") else f"{f.path}: {step}")
        return out

    def json(self) -> dict[str, Any]:
        data = asdict(self)
        head = {k: data.pop(k) for k in ("root", "repository", "vault")}
        # up front: what a person must do, site by site (apply exits 1 while a value remains)
        return {"format": FORMAT, "version": VERSION, **head, "manual": self.manual_steps(), **data}

    def dumps(self) -> str:
        return json.dumps(self.json(), indent=2, sort_keys=False) + "\n"


def parse(data: Any) -> Plan:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InputError("not a secretsops migration plan (no 'format' marker)")
    if data.get("version") != VERSION:
        raise InputError(f"plan version {data.get('version')!r} is not supported (want {VERSION})")
    try:
        secrets = [
            Secret(
                name=str(s["name"]),
                env_name=str(s["env_name"]),
                fingerprint=str(s["fingerprint"]),
                content_type=str(s["content_type"]),
                tags={str(k): str(v) for k, v in s["tags"].items()},
                locations=[Location(**loc) for loc in s["locations"]],
            )
            for s in data["secrets"]
        ]
        files = [File(**f) for f in data["files"]]
        return Plan(
            root=str(data["root"]),
            repository=str(data["repository"]),
            vault=Vault(**data["vault"]),
            secrets=secrets,
            files=files,
            created=str(data["created"]),
            baseline=data.get("baseline"),
            variable_group=data.get("variable_group"),
            service_connection=data.get("service_connection"),
            unmatched=[str(u) for u in data.get("unmatched", [])],
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise InputError(f"corrupt migration plan: missing or malformed {exc}") from None


def load(path: Path) -> tuple[Plan, str]:
    """The plan in ``path`` and its identity (sha256 of its bytes, for the journal)."""
    import hashlib

    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"plan not found: {path}") from None
    except OSError as exc:
        raise InputError(f"cannot read plan {path}: {exc.strerror or exc}") from None
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(
            f"corrupt migration plan {path}: not JSON ({exc.__class__.__name__})"
        ) from None
    try:
        plan = parse(data)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None
    return plan, hashlib.sha256(raw).hexdigest()
