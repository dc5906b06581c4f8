"""ARM (and Bicep JSON) parameter files: a parameter's literal ``"value"`` becomes the Key Vault
``"reference"`` object, resolved by Resource Manager at deployment time."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePosixPath

from secretsops.migrate.rewriters import _json, _text
from secretsops.migrate.rewriters._text import Edit, Lines
from secretsops.migrate.rewriters.base import (
    Reference,
    Replacement,
    RewriteOptions,
    RewriteResult,
    Site,
)

SUBSCRIPTION_PLACEHOLDER = "<subscription-id>"
RESOURCE_GROUP_PLACEHOLDER = "<resource-group>"


def vault_resource_id(vault: str) -> str:
    return (
        f"/subscriptions/{SUBSCRIPTION_PLACEHOLDER}/resourceGroups/{RESOURCE_GROUP_PLACEHOLDER}"
        f"/providers/Microsoft.KeyVault/vaults/{vault}"
    )


class ArmParametersRewriter:
    kind = "arm-parameters"

    def handles(self, path: str, text: str) -> bool:
        if PurePosixPath(path).suffix.lower() != ".json":
            return False
        root = _json.try_parse(text)
        if not isinstance(root, _json.Object) or root.get("resources") is not None:
            return False
        schema = root.get("$schema")
        if isinstance(schema, _json.String) and "deploymentParameters" in schema.value:
            return True
        params = root.get("parameters")
        return (
            PurePosixPath(path).name.lower().endswith(".parameters.json")
            and isinstance(params, _json.Object)
            and all(isinstance(m.value, _json.Object) for m in params.members)
        )

    def locate(self, path: str, text: str, sites: Sequence[Site]) -> list[Replacement]:
        root = _json.try_parse(text)
        if root is None:
            return []
        found = [
            loc
            for loc in _json.strings(root)
            if len(loc.path) == 3 and loc.path[0] == "parameters" and loc.path[2] == "value"
        ]
        out: list[Replacement] = []
        taken: set[int] = set()
        for site, at in _text.sites_with_extra_occurrences(text, sites):
            for loc in found:
                if loc.node.start < at and at + len(site.value) < loc.node.end:
                    parameter = loc.chain[-1]
                    member = _member(parameter, "value")
                    if member is not None and member.key_start not in taken:
                        taken.add(member.key_start)
                        out.append(
                            Replacement(
                                site,
                                member.key_start,
                                loc.node.end,
                                loc.node.value,
                                name_hint=str(loc.path[1]),
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
        lines = Lines(text)
        nl = _text.newline_of(text)
        root = _json.try_parse(text)
        edits: list[Edit] = []
        for replacement, reference in chosen:
            line = lines.content(lines.line_of(replacement.start))
            pad = _text.indent_of(line)
            unit = _indent_unit(root, replacement.start, text) or "  "
            body = [
                '"reference": {',
                f'{pad}{unit}"keyVault": {{',
                f'{pad}{unit}{unit}"id": {_json.dumps(vault_resource_id(options.vault_name))}',
                f"{pad}{unit}}},",
                f'{pad}{unit}"secretName": {_json.dumps(reference.secret_name)}',
                f"{pad}}}",
            ]
            edits.append(Edit(replacement.start, replacement.end, nl.join(body)))
        new_text = _text.apply_edits(text, edits)
        new_text, leftovers = _text.sweep_leftovers(new_text, chosen)
        notes = (
            f"replace {SUBSCRIPTION_PLACEHOLDER} and {RESOURCE_GROUP_PLACEHOLDER} in the "
            f"keyVault id with those of vault '{options.vault_name}' (the id must be static)",
            "the vault needs enabledForTemplateDeployment: true, the deploying identity "
            "Microsoft.KeyVault/vaults/deploy/action, and each parameter must be securestring "
            "in the template",
        )
        return RewriteResult(kind=self.kind, text=new_text, notes=notes, manual=leftovers)


def _member(node: _json.Node, key: str) -> _json.Member | None:
    if isinstance(node, _json.Object):
        for member in node.members:
            if member.key == key:
                return member
    return None


def _indent_unit(root: _json.Node | None, at: int, text: str) -> str:
    """The file's indentation step, from the parameter's own nesting."""
    if not isinstance(root, _json.Object):
        return ""
    params = root.get("parameters")
    if not isinstance(params, _json.Object):
        return ""
    for member in params.members:
        if member.value.start <= at < member.value.end:
            outer = _text.indent_of(text[text.rfind("\n", 0, member.key_start) + 1 :])
            inner = _text.indent_of(text[text.rfind("\n", 0, at) + 1 :])
            if len(inner) > len(outer) and inner.startswith(outer):
                return inner[len(outer) :]
    return ""
