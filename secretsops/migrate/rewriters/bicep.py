"""Bicep: in a ``.bicepparam`` file a literal becomes ``az.getSecret(...)``; in a ``.bicep``
file a module parameter becomes ``<vault>.getSecret('name')`` on an ``existing`` vault, and a
parameter's literal default is dropped (the parameter turns ``@secure()``, fed by the caller)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePosixPath

from secretsops.migrate.rewriters import _lexer, _text
from secretsops.migrate.rewriters._text import Edit, Lines
from secretsops.migrate.rewriters.arm import RESOURCE_GROUP_PLACEHOLDER, SUBSCRIPTION_PLACEHOLDER
from secretsops.migrate.rewriters.base import (
    Reference,
    Replacement,
    RewriteOptions,
    RewriteResult,
    Site,
)

VAULT_SYMBOL = "secretsopsKeyVault"
_PARAM = re.compile(r"^\s*param\s+([A-Za-z_]\w*)\b[^=\n]*=\s*$")
_PROPERTY = re.compile(r"([A-Za-z_]\w*)\s*:\s*$")
_TOP = re.compile(r"^(module|resource|param|var|output|targetScope|type|func|using|import)\b")


class BicepRewriter:
    kind = "bicep"

    def handles(self, path: str, text: str) -> bool:
        return PurePosixPath(path).suffix.lower() in (".bicep", ".bicepparam")

    def locate(self, path: str, text: str, sites: Sequence[Site]) -> list[Replacement]:
        found = [lit for lit in _lexer.literals(text, _lexer.BICEP) if not lit.template]
        lines = Lines(text)
        out: list[Replacement] = []
        taken: set[int] = set()
        for site, at in _text.sites_with_extra_occurrences(text, sites, lines):
            literal = _lexer.containing(found, at, at + len(site.value))
            if literal is None or literal.value is None or literal.start in taken:
                continue
            line = lines.line_of(literal.start)
            head = text[lines.start(line) : literal.start]
            match = _PARAM.match(head)
            if match is None and not path.lower().endswith(".bicepparam"):
                # getSecret() is allowed only as a module parameter: elsewhere, a person
                match = _PROPERTY.search(head) if _in_module_params(text, lines, line) else None
            if match is None:
                continue
            taken.add(literal.start)
            out.append(Replacement(site, literal.start, literal.end, literal.value, match.group(1)))
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
        vault = options.vault_name
        edits: list[Edit] = []
        notes: list[str] = []
        manual: list[str] = []
        needs_vault_symbol = False
        bicepparam = path.lower().endswith(".bicepparam")
        for replacement, reference in chosen:
            line = lines.line_of(replacement.start)
            head = text[lines.start(line) : replacement.start]
            secret = reference.secret_name
            if bicepparam:
                edits.append(
                    Edit(
                        replacement.start,
                        replacement.end,
                        f"az.getSecret('{SUBSCRIPTION_PLACEHOLDER}', "
                        f"'{RESOURCE_GROUP_PLACEHOLDER}', '{vault}', '{secret}')",
                    )
                )
            elif _PARAM.match(head):
                equals = lines.start(line) + head.rstrip().rfind("=")
                while equals > lines.start(line) and text[equals - 1] in " \t":
                    equals -= 1
                edits.append(Edit(equals, replacement.end, ""))
                previous = lines.content(line - 1).strip() if line > 1 else ""
                if previous != "@secure()":
                    pad = _text.indent_of(lines.content(line))
                    edits.append(Edit(lines.start(line), lines.start(line), f"{pad}@secure(){nl}"))
                name = _PARAM.match(head)
                notes.append(
                    f"parameter '{name.group(1) if name else ''}' has no default any more: "
                    f"pass it from Key Vault secret '{secret}' (a .bicepparam file with "
                    "az.getSecret(...), or the parent module's vault.getSecret(...))"
                )
            elif _in_module_params(text, lines, line):
                edits.append(
                    Edit(
                        replacement.start, replacement.end, f"{VAULT_SYMBOL}.getSecret('{secret}')"
                    )
                )
                needs_vault_symbol = True
            else:
                manual.append(
                    f"line {line}: getSecret() is only allowed as a module parameter: move this "
                    f"value into a @secure() parameter fed from Key Vault secret '{secret}'"
                )
        if needs_vault_symbol and not re.search(rf"\bresource\s+{VAULT_SYMBOL}\b", text):
            edits.append(_vault_resource(text, lines, vault, nl))
            notes.append(
                f"the existing vault '{vault}' is looked up in the deployment's resource group; "
                f"add scope: resourceGroup('<subscription-id>', '<resource-group>') to "
                f"{VAULT_SYMBOL} if it lives elsewhere; the module parameters must be @secure()"
            )
        notes.append(
            f"vault '{vault}' needs enabledForTemplateDeployment: true and the deploying "
            "identity Microsoft.KeyVault/vaults/deploy/action"
        )
        if bicepparam:
            notes.append(
                f"replace {SUBSCRIPTION_PLACEHOLDER} and {RESOURCE_GROUP_PLACEHOLDER} in "
                "az.getSecret(...) with the vault's subscription and resource group"
            )
        new_text, leftovers = _text.sweep_leftovers(_text.apply_edits(text, edits), chosen)
        return RewriteResult(
            kind=self.kind, text=new_text, notes=tuple(notes), manual=(*manual, *leftovers)
        )


def _in_module_params(text: str, lines: Lines, line: int) -> bool:
    """Whether the line sits in a ``params: {...}`` block of a ``module`` declaration."""
    seen_params = False
    for number in range(line, 0, -1):
        content = lines.content(number)
        if re.match(r"^\s*params\s*:\s*\{", content):
            seen_params = True
        top = _TOP.match(content)
        if top:
            return seen_params and top.group(1) == "module"
    return False


def _vault_resource(text: str, lines: Lines, vault: str, nl: str) -> Edit:
    """The ``existing`` vault, before the first module."""
    for number in range(1, len(lines) + 1):
        if re.match(r"^module\b", lines.content(number)):
            at = lines.start(number)
            break
    else:
        at = len(text)
    body = [
        f"resource {VAULT_SYMBOL} 'Microsoft.KeyVault/vaults@2023-07-01' existing = {{",
        f"  name: '{vault}'",
        "}",
        "",
    ]
    return Edit(at, at, nl.join(body) + nl)
