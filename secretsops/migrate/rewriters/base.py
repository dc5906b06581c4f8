"""The contract between the migration planner and the per-file rewriters.

A rewrite happens in two phases so that names can be decided across the whole repository:

1. ``Rewriter.locate(path, text, sites)``: for each site (a confirmed secret at a line), the
   span of the file that will be replaced, the value the vault must hold (``stored``: the
   detected value itself, or the whole setting that contains it, e.g. a full connection string
   when the setting as a whole becomes a reference), and the context key a name derives from.
2. The planner groups replacements by stored value (one value found in five places is one
   vault secret), derives valid Key Vault names from the hints, resolves collisions, and calls
   ``Rewriter.render(path, text, chosen, options)`` with every replacement of that file.

Rewriters only transform text held in memory: they never read or write files, never call the
vault, and never put a secret value into ``notes`` or ``manual`` (those reach reports).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol


class NameStyle(str, enum.Enum):
    """How a context key becomes a Key Vault secret name."""

    PLAIN = "plain"  # sqlAdminPassword, SQL_ADMIN_PASSWORD -> sql-admin-password
    DOTNET = "dotnet"  # ConnectionStrings:Default -> ConnectionStrings--Default (config provider)


@dataclass(frozen=True)
class Site:
    """One place holding a confirmed secret, as the scanner reported it. Values in memory only."""

    path: str  # repository-relative POSIX path
    line: int  # 1-based line of the finding
    value: str = field(repr=False)  # the detected secret value
    finding_type: str = ""
    fingerprint: str = ""
    structural_path: str | None = None  # e.g. "variables.sqlAdminPassword" (pipeline findings)


@dataclass(frozen=True)
class Replacement:
    """What a rewriter replaces for one site: ``text[start:end]``, and what the vault holds."""

    site: Site
    start: int  # character offsets into the file's text, half-open [start, end)
    end: int
    stored: str = field(repr=False)  # the value the vault secret must hold
    name_hint: str = ""  # the key the value is assigned to ("sqlAdminPassword"), "" if none
    name_style: NameStyle = NameStyle.PLAIN


@dataclass(frozen=True)
class Reference:
    """A secret's identity in the vault, decided by the planner."""

    secret_name: str  # Key Vault secret name, e.g. "sql-admin-password"
    env_name: str  # environment / pipeline variable idiom, e.g. "SQL_ADMIN_PASSWORD"


@dataclass(frozen=True)
class RewriteOptions:
    vault_name: str  # the vault's name (first label of its host)
    vault_url: str
    variable_group: str | None = None  # Azure Pipelines: a Key Vault-linked variable group
    service_connection: str | None = None  # Azure Pipelines: AzureKeyVault@2 azureSubscription


@dataclass(frozen=True)
class RewriteResult:
    """The rewritten file (or None: nothing automatic, or ``remove``: the whole file moved to
    the vault and leaves the tree) and what a person must still do."""

    kind: str  # the rewriter's kind, e.g. "azure-pipelines", "appsettings", "manual"
    text: str | None  # the whole new text of the file; None when only manual steps remain
    notes: tuple[str, ...] = ()  # set-up to do once (no values), e.g. how to populate ${NAME}
    manual: tuple[str, ...] = ()  # sites a person must rewrite, with instructions
    remove: bool = False  # the file as a whole moves to the vault: removed from the tree


class Rewriter(Protocol):
    """One kind of file. Instances are stateless."""

    kind: str

    def handles(self, path: str, text: str) -> bool:
        """Whether this rewriter understands this file (by name, then content)."""
        ...

    def locate(self, path: str, text: str, sites: Sequence[Site]) -> list[Replacement]:
        """One replacement per site it can rewrite; sites it cannot are left out (-> manual)."""
        ...

    def render(
        self,
        path: str,
        text: str,
        chosen: Sequence[tuple[Replacement, Reference]],
        options: RewriteOptions,
    ) -> RewriteResult:
        """The new text with every chosen span replaced, plus the set-up it needs."""
        ...
