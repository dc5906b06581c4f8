"""GitHub Actions workflows: a literal becomes ``${{ secrets.NAME }}``; the output explains how
that repository secret is fed from Key Vault (or how to read the vault directly with OIDC)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePosixPath

from secretsops.migrate.rewriters import _text, _yaml
from secretsops.migrate.rewriters._text import Edit
from secretsops.migrate.rewriters.base import (
    Reference,
    Replacement,
    RewriteOptions,
    RewriteResult,
    Site,
)

_GENERIC_KEYS = {"run", "script", "args", "with", "value"}


class GitHubActionsRewriter:
    kind = "github-actions"

    def handles(self, path: str, text: str) -> bool:
        pure = PurePosixPath(path)
        return (
            pure.suffix.lower() in (".yml", ".yaml")
            and len(pure.parts) >= 3
            and pure.parts[-3:-1] == (".github", "workflows")
        )

    def locate(self, path: str, text: str, sites: Sequence[Site]) -> list[Replacement]:
        roots = _yaml.documents(text)
        hits = _yaml.hits(text, roots, sites)
        return [
            Replacement(
                site=sites[h.site_index],
                start=h.start,
                end=h.end,
                stored=sites[h.site_index].value,
                name_hint=_hint(h.scalar.key),
            )
            for h in hits
        ]

    def render(
        self,
        path: str,
        text: str,
        chosen: Sequence[tuple[Replacement, Reference]],
        options: RewriteOptions,
    ) -> RewriteResult:
        roots = _yaml.documents(text)
        found = list(_yaml.scalars(roots))
        edits: list[Edit] = []
        names: dict[str, str] = {}
        for replacement, reference in chosen:
            secret = github_secret_name(reference.env_name)
            names[secret] = reference.secret_name
            new = "${{ secrets." + secret + " }}"
            whole = any(
                s.start == replacement.start and s.end == replacement.end and s.node.style is None
                for s in found
            )
            edits.append(
                Edit(
                    replacement.start,
                    replacement.end,
                    _yaml.quoted_if_needed(new) if whole else new,
                )
            )
        new_text = _text.apply_edits(text, edits)
        if not _yaml.parses(new_text):
            return RewriteResult(
                kind=self.kind,
                text=None,
                manual=tuple(
                    f"line {r.site.line}: use ${{{{ secrets.{github_secret_name(ref.env_name)} }}}}"
                    for r, ref in chosen
                ),
            )
        new_text, leftovers = _text.sweep_leftovers(new_text, chosen)
        return RewriteResult(
            kind=self.kind, text=new_text, notes=_notes(names, options), manual=leftovers
        )


def _hint(key: str | None) -> str:
    return key if key is not None and key not in _GENERIC_KEYS else ""


def github_secret_name(env_name: str) -> str:
    """GitHub secret names: letters, digits and ``_``, not starting with a digit or GITHUB_."""
    name = "".join(c if c.isalnum() or c == "_" else "_" for c in env_name.upper()) or "SECRET"
    if name[0].isdigit() or name.startswith("GITHUB_"):
        name = "KV_" + name
    return name


def _notes(names: dict[str, str], options: RewriteOptions) -> tuple[str, ...]:
    vault = options.vault_name
    out = [
        f"create the repository secret {secret} from Key Vault secret '{kv}': "
        f'gh secret set {secret} --body "$(az keyvault secret show --vault-name {vault} '
        f'--name {kv} --query value -o tsv)" (repeat after each rotation)'
        for secret, kv in sorted(names.items())
    ]
    out.append(
        "or read the vault at run time instead of a repository secret: azure/login with OIDC "
        "(permissions: id-token: write), then 'az keyvault secret show' in a step that masks "
        "the value (::add-mask::) before writing it to $GITHUB_ENV"
    )
    out.append("workflows triggered from forks receive no secrets")
    return tuple(out)
