"""``appsettings*.json`` and App Service application-settings JSON: the whole setting becomes
``@Microsoft.KeyVault(VaultName=...;SecretName=...)``; the vault holds the whole setting (a
full connection string, not only its password), named after the .NET configuration key."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePosixPath

from secretsops.migrate.rewriters import _json, _text
from secretsops.migrate.rewriters._text import Edit, Lines
from secretsops.migrate.rewriters.base import (
    NameStyle,
    Reference,
    Replacement,
    RewriteOptions,
    RewriteResult,
    Site,
)

_NAME = re.compile(r"(?i)^appsettings(?:\.[\w\-]+)*\.json$")


def key_vault_reference(vault: str, secret: str) -> str:
    return f"@Microsoft.KeyVault(VaultName={vault};SecretName={secret})"


class AppSettingsRewriter:
    kind = "appsettings"

    def handles(self, path: str, text: str) -> bool:
        if PurePosixPath(path).suffix.lower() != ".json":
            return False
        if _NAME.match(PurePosixPath(path).name):
            return True
        return _is_app_service_list(_json.try_parse(text))

    def locate(self, path: str, text: str, sites: Sequence[Site]) -> list[Replacement]:
        root = _json.try_parse(text)
        if root is None:
            return []
        lines = Lines(text)
        found = list(_json.strings(root))
        app_service = _is_app_service_list(root)
        out: list[Replacement] = []
        taken: set[int] = set()
        for site, at in _text.sites_with_extra_occurrences(text, sites, lines):
            for located in found:
                node = located.node
                if node.start < at and at + len(site.value) < node.end:
                    if node.start not in taken:
                        taken.add(node.start)
                        out.append(
                            Replacement(
                                site,
                                node.start,
                                node.end,
                                node.value,
                                name_hint=_dotnet_key(located, app_service),
                                name_style=NameStyle.DOTNET,
                            )
                        )
                    break
        return out

    def render(
        self,
        path: str,
        text: str,
        chosen: Sequence[tuple[Replacement, Reference]],
        options: RewriteOptions,
    ) -> RewriteResult:
        vault = options.vault_name
        edits = [
            Edit(r.start, r.end, _json.dumps(key_vault_reference(vault, ref.secret_name)))
            for r, ref in chosen
        ]
        new_text = _text.apply_edits(text, edits)
        new_text, leftovers = _text.sweep_leftovers(new_text, chosen)
        keys = sorted({r.name_hint for r, _ in chosen if r.name_hint})
        notes = (
            "App Service resolves @Microsoft.KeyVault(...) in application settings: set "
            + ", ".join(f"'{k.replace(':', '__')}'" for k in keys)
            + f" as app settings with this value, and give the app's managed identity Get on "
            f"vault '{vault}' (role Key Vault Secrets User)",
            "a value read from appsettings*.json itself is not resolved by App Service: for "
            "that, or outside App Service, add the Key Vault configuration provider "
            "(builder.Configuration.AddAzureKeyVault(vault URI, new DefaultAzureCredential())); "
            "it reads each secret under its name with '--' for ':'",
        )
        return RewriteResult(
            kind=self.kind, text=new_text, notes=notes if keys else notes[1:], manual=leftovers
        )


def _is_app_service_list(root: _json.Node | None) -> bool:
    """``az webapp config appsettings list`` output: a list of {name, value[, slotSetting]}."""
    return (
        isinstance(root, _json.Array)
        and bool(root.items)
        and all(
            isinstance(i, _json.Object) and i.get("name") is not None and i.get("value") is not None
            for i in root.items
        )
    )


def _dotnet_key(located: _json.Located, app_service: bool) -> str:
    if app_service and len(located.path) == 2 and located.path[1] == "value":
        name = located.chain[-1]
        if isinstance(name, _json.Object):
            node = name.get("name")
            if isinstance(node, _json.String):
                return node.value.replace("__", ":")
    return ":".join(str(p) for p in located.path)
