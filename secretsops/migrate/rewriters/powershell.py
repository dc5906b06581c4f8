"""PowerShell scripts and modules (``.ps1``, ``.psm1``): the value is read from Key Vault when the
script runs, with ``Get-AzKeyVaultSecret`` (Az.KeyVault).

- A string literal holding the value (quotes included) becomes
  ``(Get-AzKeyVaultSecret -VaultName 'V' -Name 'N' -AsPlainText)``; the vault holds the
  literal's whole text (a full connection string when the value was part of one).
- ``ConvertTo-SecureString 'value' -AsPlainText -Force`` becomes
  ``(Get-AzKeyVaultSecret -VaultName 'V' -Name 'N').SecretValue``: the secret already is a
  ``SecureString``, so the plain text never exists in the session.
- Inside an expandable string (``"...$var..."``) only the value becomes a subexpression,
  ``$(Get-AzKeyVaultSecret ... -AsPlainText)``; the vault holds the value.
- A bare argument (``-Password value``) becomes the parenthesised call.

Here-strings (``@"..."@``) are text blocks, left to a person.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePosixPath

from secretsops.migrate.rewriters import _lexer, _text
from secretsops.migrate.rewriters._text import Edit, Lines
from secretsops.migrate.rewriters.base import (
    Reference,
    Replacement,
    RewriteOptions,
    RewriteResult,
    Site,
)

SUFFIXES = (".ps1", ".psm1")
_SECURE_BEFORE = re.compile(r"(?i)ConvertTo-SecureString\s+(?:-String\s+)?$")
_SECURE_AFTER = re.compile(r"(?i)^(?:\s+-AsPlainText\b|\s+-Force\b){1,2}")
_HINTS = (
    re.compile(r"(?i)(?:^|\s)-([A-Za-z_]\w*)\s*:?\s*$"),  # -Password 'x'
    re.compile(r"""["']?([A-Za-z_][\w\-]*)["']?\s*=\s*$"""),  # key = 'x', "api-key" = 'x'
    re.compile(r"(?i)\$(?:env:)?([A-Za-z_]\w*)\s*=\s*.*$"),  # $Name = Cmd 'x'
)
_BARE_END = re.compile(r"[\s;|)}]|$")


def call(vault: str, secret: str, *, secure: bool = False) -> str:
    head = f"Get-AzKeyVaultSecret -VaultName '{vault}' -Name '{secret}'"
    return f"({head}).SecretValue" if secure else f"({head} -AsPlainText)"


class PowerShellRewriter:
    kind = "powershell"

    def handles(self, path: str, text: str) -> bool:
        return PurePosixPath(path).suffix.lower() in SUFFIXES

    def locate(self, path: str, text: str, sites: Sequence[Site]) -> list[Replacement]:
        found = _lexer.literals(text, _lexer.POWERSHELL)
        lines = Lines(text)
        out: list[Replacement] = []
        taken: set[int] = set()
        for site, at in _text.sites_with_extra_occurrences(text, sites, lines):
            end = at + len(site.value)
            literal = _lexer.containing(found, at, end)
            if literal is None:
                if _is_bare_argument(text, at, end) and at not in taken:
                    taken.add(at)
                    out.append(Replacement(site, at, end, site.value, _hint(text, at)))
                continue
            if text[literal.start - 1 : literal.start] == "@":  # a here-string: prose
                continue
            if literal.template:
                if literal.quote != '"' or at in taken or "`" in text[at:end]:
                    continue
                taken.add(at)
                out.append(Replacement(site, at, end, site.value, _hint(text, literal.start)))
                continue
            if literal.value is None or site.value not in literal.value:
                continue
            if literal.start in taken:
                continue
            taken.add(literal.start)
            out.append(
                Replacement(
                    site,
                    literal.start,
                    literal.end,
                    literal.value,
                    _hint(text, literal.start),
                )
            )
        return out

    def render(
        self,
        path: str,
        text: str,
        chosen: Sequence[tuple[Replacement, Reference]],
        options: RewriteOptions,
    ) -> RewriteResult:
        vault = options.vault_name
        found = _lexer.literals(text, _lexer.POWERSHELL)
        edits: list[Edit] = []
        for rep, ref in chosen:
            whole = any(lit.start == rep.start and lit.end == rep.end for lit in found)
            if not whole and _lexer.containing(found, rep.start, rep.end) is not None:
                edits.append(Edit(rep.start, rep.end, "$" + call(vault, ref.secret_name)))
                continue
            line_start = text.rfind("\n", 0, rep.start) + 1
            line_end = text.find("\n", rep.end)
            secure = _SECURE_BEFORE.search(text[line_start : rep.start])
            tail = _SECURE_AFTER.match(text[rep.end : len(text) if line_end < 0 else line_end])
            if whole and secure and tail and "plaintext" in tail.group(0).lower():
                edits.append(
                    Edit(
                        line_start + secure.start(),
                        rep.end + tail.end(),
                        call(vault, ref.secret_name, secure=True),
                    )
                )
            else:
                edits.append(Edit(rep.start, rep.end, call(vault, ref.secret_name)))
        new_text, leftovers = _text.sweep_leftovers(_text.apply_edits(text, edits), chosen)
        secrets = sorted({ref.secret_name for _, ref in chosen})
        notes = (
            "the script reads "
            + ", ".join(secrets)
            + f" from vault '{vault}' with Get-AzKeyVaultSecret (module Az.KeyVault 4 or later "
            "for -AsPlainText): sign in first (Connect-AzAccount; in Azure Pipelines run it in "
            "an AzurePowerShell@5 task) as an identity with Get on the vault's secrets (role "
            "Key Vault Secrets User)",
        )
        return RewriteResult(kind=self.kind, text=new_text, notes=notes, manual=leftovers)


def _is_bare_argument(text: str, start: int, end: int) -> bool:
    """``-Name value``: the value is a whole word after a parameter, outside any literal or
    comment."""
    head = text[text.rfind("\n", 0, start) + 1 : start]
    if "#" in head or not re.search(r"(?:^|\s)-[A-Za-z_]\w*:?\s+$", head):
        return False
    return _BARE_END.match(text, end) is not None


def _hint(text: str, start: int) -> str:
    head = text[text.rfind("\n", 0, start) + 1 : start]
    for pattern in _HINTS:
        match = pattern.search(head)
        if match:
            return match.group(1)
    return ""
