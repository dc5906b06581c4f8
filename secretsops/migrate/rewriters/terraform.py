"""Terraform: a literal in a ``.tf`` file becomes ``data.azurerm_key_vault_secret.<x>.value``
with the data sources appended to the file. Variable defaults and ``.tfvars`` values cannot be
expressions: those lines go, and the value comes from ``TF_VAR_<name>`` at run time."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePosixPath

from secretsops.migrate.rewriters import _lexer, _text
from secretsops.migrate.rewriters._text import Edit, Lines
from secretsops.migrate.rewriters.arm import RESOURCE_GROUP_PLACEHOLDER
from secretsops.migrate.rewriters.base import (
    Reference,
    Replacement,
    RewriteOptions,
    RewriteResult,
    Site,
)

VAULT_DATA = "secretsops"
_ATTRIBUTE = re.compile(r"^\s*([A-Za-z_][\w\-]*)\s*=\s*$")


def identifier(secret: str) -> str:
    name = re.sub(r"[^A-Za-z0-9_]", "_", secret).lower()
    return name if name[:1].isalpha() else "s_" + name


class TerraformRewriter:
    kind = "terraform"

    def handles(self, path: str, text: str) -> bool:
        return PurePosixPath(path).suffix.lower() in (".tf", ".tfvars")

    def locate(self, path: str, text: str, sites: Sequence[Site]) -> list[Replacement]:
        found = _lexer.literals(text, _lexer.HCL)
        lines = Lines(text)
        out: list[Replacement] = []
        taken: set[int] = set()
        for site, at in _text.sites_with_extra_occurrences(text, sites, lines):
            literal = _lexer.containing(found, at, at + len(site.value))
            if literal is None or literal.value is None:
                continue
            line = lines.line_of(literal.start)
            attribute = _ATTRIBUTE.match(text[lines.start(line) : literal.start])
            if attribute is None:
                continue
            if literal.template:  # only the value inside "...${...}...": a nested reference
                span, stored = (at, at + len(site.value)), site.value
            else:
                span, stored = (literal.start, literal.end), literal.value
            if span[0] in taken:
                continue
            taken.add(span[0])
            out.append(Replacement(site, span[0], span[1], stored, attribute.group(1)))
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
        tfvars = path.lower().endswith(".tfvars")
        blocks = _top_level_blocks(text)
        edits: list[Edit] = []
        notes: list[str] = []
        data: dict[str, str] = {}
        for replacement, reference in chosen:
            line = lines.line_of(replacement.start)
            header = _block_header(blocks, replacement.start, text)
            variable = re.match(r'\s*variable\s+"?([\w\-]+)', header or "")
            secret = reference.secret_name
            if tfvars or (variable and replacement.name_hint == "default"):
                name = variable.group(1) if variable else replacement.name_hint
                keep = (
                    ""
                    if tfvars or "sensitive" in _block_text(blocks, replacement.start, text)
                    else (_text.indent_of(lines.content(line)) + "sensitive = true" + nl)
                )
                edits.append(Edit(lines.start(line), lines.next_start(line), keep))
                notes.append(
                    f"variable '{name}' now comes from the environment: export "
                    f'TF_VAR_{name}="$(az keyvault secret show --vault-name '
                    f'{options.vault_name} --name {secret} --query value -o tsv)"'
                )
                continue
            ident = identifier(secret)
            data[ident] = secret
            reference_text = f"data.azurerm_key_vault_secret.{ident}.value"
            inside = text[replacement.start : replacement.start + 1] != '"'
            edits.append(
                Edit(
                    replacement.start,
                    replacement.end,
                    "${" + reference_text + "}" if inside else reference_text,
                )
            )
        if data:
            edits.append(_data_blocks(text, data, options.vault_name, nl))
            notes.append(
                f"set resource_group_name '{RESOURCE_GROUP_PLACEHOLDER}' of data "
                f'"azurerm_key_vault" "{VAULT_DATA}" to the resource group of vault '
                f"'{options.vault_name}'; the identity running Terraform needs Get on its secrets"
            )
            notes.append(
                "a data source's value is stored in plain text in the Terraform state: protect "
                "the state, or with Terraform 1.10+ use an ephemeral azurerm_key_vault_secret "
                "for write-only arguments"
            )
        new_text, leftovers = _text.sweep_leftovers(
            _text.keep_final_newline(text, _text.apply_edits(text, edits)), chosen
        )
        return RewriteResult(kind=self.kind, text=new_text, notes=tuple(notes), manual=leftovers)


def _top_level_blocks(text: str) -> list[tuple[int, int]]:
    """(start of header line, end) of each top-level ``{...}`` block, strings and comments
    skipped."""
    skip = [(lit.start, lit.end) for lit in _lexer.literals(text, _lexer.HCL)]
    out: list[tuple[int, int]] = []
    depth, start, k = 0, 0, 0
    i = 0
    while i < len(text):
        while k < len(skip) and skip[k][1] <= i:
            k += 1
        if k < len(skip) and skip[k][0] <= i < skip[k][1]:
            i = skip[k][1]
            continue
        char = text[i]
        if char == "#" or text.startswith("//", i):
            end = text.find("\n", i)
            i = len(text) if end == -1 else end
            continue
        if char == "{":
            if depth == 0:
                start = text.rfind("\n", 0, i) + 1
            depth += 1
        elif char == "}" and depth:
            depth -= 1
            if depth == 0:
                out.append((start, i + 1))
        i += 1
    return out


def _block_header(blocks: list[tuple[int, int]], at: int, text: str) -> str | None:
    for start, end in blocks:
        if start <= at < end:
            stop = text.find("\n", start)
            return text[start : len(text) if stop == -1 else stop]
    return None


def _block_text(blocks: list[tuple[int, int]], at: int, text: str) -> str:
    for start, end in blocks:
        if start <= at < end:
            return text[start:end]
    return ""


def _data_blocks(text: str, data: dict[str, str], vault: str, nl: str) -> Edit:
    body: list[str] = []
    if not re.search(rf'data\s+"azurerm_key_vault"\s+"{VAULT_DATA}"', text):
        body += [
            "",
            f'data "azurerm_key_vault" "{VAULT_DATA}" {{',
            f'  name                = "{vault}"',
            f'  resource_group_name = "{RESOURCE_GROUP_PLACEHOLDER}"',
            "}",
        ]
    for ident, secret in sorted(data.items()):
        if re.search(rf'data\s+"azurerm_key_vault_secret"\s+"{ident}"', text):
            continue
        body += [
            "",
            f'data "azurerm_key_vault_secret" "{ident}" {{',
            f'  name         = "{secret}"',
            f"  key_vault_id = data.azurerm_key_vault.{VAULT_DATA}.id",
            "}",
        ]
    prefix = "" if not text or text.endswith(("\n", "\r")) else nl
    return Edit(len(text), len(text), prefix + nl.join(body[1:] if not text else body) + nl)
