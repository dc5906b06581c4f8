"""Exported Azure DevOps variable groups (``az pipelines variable-group list/show``, the REST
``distributedtask/variablegroups`` response, ``variable-group variable list``) and the
``variables`` of exported build and release definitions.

A variable holding the value becomes a secret variable without a value, as Azure DevOps itself
exports one: ``"value": null`` and ``"isSecret": true``. The vault holds the variable's whole
value; the notes say how to give the group its value from Key Vault (link the group to the
vault, or set the secret variable from it). Groups already linked to Key Vault
(``"type": "AzureKeyVault"``) hold no values and are not touched.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Variable:
    name: str
    group: str  # the group's (or definition's) name, "" when the export has none
    node: _json.Object  # {"value": ..., "isSecret": ...}
    value: _json.String
    is_secret: _json.Member | None


def variables(root: _json.Node) -> Iterator[Variable]:
    """Every variable with a string value in a ``variables`` map of the export."""
    if isinstance(root, _json.Object) and _is_variable_map(root):
        yield from _map(root, "")
        return
    yield from _walk(root)


def _walk(node: _json.Node) -> Iterator[Variable]:
    if isinstance(node, _json.Object):
        kind = node.get("type")
        linked = isinstance(kind, _json.String) and kind.value.casefold() == "azurekeyvault"
        found = node.get("variables")
        if isinstance(found, _json.Object) and _is_variable_map(found) and not linked:
            name = node.get("name")
            yield from _map(found, name.value if isinstance(name, _json.String) else "")
        for member in node.members:
            if member.key != "variables":
                yield from _walk(member.value)
    elif isinstance(node, _json.Array):
        for item in node.items:
            yield from _walk(item)


def _is_variable_map(node: _json.Object) -> bool:
    return bool(node.members) and all(
        isinstance(m.value, _json.Object)
        and any(k.key in ("value", "isSecret") for k in m.value.members)
        for m in node.members
    )


def _map(node: _json.Object, group: str) -> Iterator[Variable]:
    for member in node.members:
        body = member.value
        assert isinstance(body, _json.Object)
        value = body.get("value")
        if isinstance(value, _json.String) and value.value:
            flag = next((m for m in body.members if m.key == "isSecret"), None)
            yield Variable(member.key, group, body, value, flag)


class VariableGroupRewriter:
    kind = "variable-group"

    def handles(self, path: str, text: str) -> bool:
        if PurePosixPath(path).suffix.lower() != ".json":
            return False
        root = _json.try_parse(text)
        return root is not None and next(_exports(root), None) is not None

    def locate(self, path: str, text: str, sites: Sequence[Site]) -> list[Replacement]:
        root = _json.try_parse(text)
        if root is None:
            return []
        found = list(variables(root))
        lines = Lines(text)
        out: list[Replacement] = []
        taken: set[int] = set()
        for site, at in _text.sites_with_extra_occurrences(text, sites, lines):
            for var in found:
                node = var.value
                if node.start < at and at + len(site.value) < node.end:
                    if node.start not in taken and site.value in node.value:
                        taken.add(node.start)
                        out.append(Replacement(site, node.start, node.end, node.value, var.name))
                    break
        return out

    def render(
        self,
        path: str,
        text: str,
        chosen: Sequence[tuple[Replacement, Reference]],
        options: RewriteOptions,
    ) -> RewriteResult:
        root = _json.try_parse(text)
        assert root is not None
        by_start = {var.value.start: var for var in variables(root)}
        edits: list[Edit] = []
        moved: list[tuple[Variable, Reference]] = []
        for rep, ref in chosen:
            var = by_start[rep.start]
            moved.append((var, ref))
            edits.append(Edit(rep.start, rep.end, "null"))
            if var.is_secret is not None:
                flag = var.is_secret.value
                edits.append(Edit(flag.start, flag.end, "true"))
            else:
                edits.append(_insert_flag(text, var))
        new_text, leftovers = _text.sweep_leftovers(_text.apply_edits(text, edits), chosen)
        vault = options.vault_name
        notes = []
        for var, ref in sorted(moved, key=lambda vr: (vr[0].group, vr[0].name)):
            group = f"variable group '{var.group}'" if var.group else "the variable group"
            notes.append(
                f"{group}: '{var.name}' is now a secret variable without a value. Link the group "
                f"to vault '{vault}' (Library > Variable groups > Link secrets from an Azure key "
                f"vault) and add Key Vault secret {ref.secret_name} (pipelines then read "
                f"$({ref.secret_name}); rename uses of $({var.name})), or keep the variable and "
                f"set it from the vault: az pipelines variable-group variable update --group-id "
                f"<id> --name {var.name} --secret true --prompt-value"
            )
        return RewriteResult(kind=self.kind, text=new_text, notes=tuple(notes), manual=leftovers)


def _exports(root: _json.Node) -> Iterator[Variable]:
    """Variables of a recognised export (a variable map under ``variables``, or alone)."""
    if isinstance(root, _json.Object):
        schema = root.get("$schema")
        if isinstance(schema, _json.String) and "deploymentTemplate" in schema.value:
            return  # an ARM template's variables are not pipeline variables
    yield from variables(root)


def _insert_flag(text: str, var: Variable) -> Edit:
    """``"isSecret": true`` before the variable's ``"value"`` member, in the object's style."""
    member = next(m for m in var.node.members if m.key == "value")
    line_start = text.rfind("\n", 0, member.key_start) + 1
    head = text[line_start : member.key_start]
    if head.strip() == "":
        nl = "\r\n" if text[line_start - 2 : line_start] == "\r\n" else "\n"
        return Edit(member.key_start, member.key_start, f'"isSecret": true,{nl}{head}')
    return Edit(member.key_start, member.key_start, '"isSecret": true, ')
