"""GitHub Actions workflows: a literal becomes ``${{ secrets.NAME }}`` (a ``run:`` script reads
it as ``$NAME`` through the step's ``env:``, never inlined into the script); the output explains
how that repository secret is fed from Key Vault (or how to read the vault with OIDC)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePosixPath

import yaml

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
        env_for: dict[int, tuple[yaml.MappingNode, dict[str, str]]] = {}
        manual: list[str] = []
        for replacement, reference in chosen:
            secret = github_secret_name(reference.env_name)
            names[secret] = reference.secret_name
            expression = "${{ secrets." + secret + " }}"
            scalar = next(
                (s for s in found if s.start <= replacement.start and replacement.end <= s.end),
                None,
            )
            step = _run_step(scalar)
            if scalar is not None and step is not None:
                # a script reads the secret from its environment, never inlined into the script
                shell = _shell(scalar, step, roots[scalar.doc])
                start, end, new = _text.shell_reference(
                    text, replacement.start, replacement.end, shell, secret
                )
                edits.append(Edit(start, end, new))
                env_for.setdefault(id(step), (step, {}))[1].setdefault(secret, expression)
                continue
            whole = scalar is not None and (
                (scalar.start, scalar.end) == (replacement.start, replacement.end)
                and scalar.node.style is None
            )
            edits.append(
                Edit(
                    replacement.start,
                    replacement.end,
                    _yaml.quoted_if_needed(expression) if whole else expression,
                )
            )
        for step, entries in env_for.values():
            found_env = _yaml.env_insertion(text, step, entries)
            if isinstance(found_env, str):
                manual.append(found_env)
            elif found_env is not None:
                edits.append(Edit(found_env[0], found_env[0], found_env[1]))
        try:
            new_text = _text.apply_edits(text, edits)
        except ValueError:  # two edits claim one span: a layout we do not handle
            new_text = ""
        if not new_text or not _yaml.parses(new_text):
            return RewriteResult(
                kind=self.kind,
                text=None,
                manual=tuple(
                    f"line {r.site.line}: use ${{{{ secrets.{github_secret_name(ref.env_name)} }}}}"
                    for r, ref in chosen
                ),
            )
        new_text, leftovers = _text.sweep_leftovers(
            _text.keep_final_newline(text, new_text), chosen
        )
        return RewriteResult(
            kind=self.kind,
            text=new_text,
            notes=_notes(names, options),
            manual=(*manual, *leftovers),
        )


def _run_step(scalar: _yaml.Scalar | None) -> yaml.MappingNode | None:
    """The step whose ``run:`` script holds the scalar."""
    if scalar is None or len(scalar.path) < 3 or scalar.path[-1] != "run":
        return None
    if scalar.path[-3] != "steps" or not isinstance(scalar.chain[-1], yaml.MappingNode):
        return None
    return scalar.chain[-1]


def _shell(scalar: _yaml.Scalar, step: yaml.MappingNode, root: yaml.Node | None) -> str:
    """The step's shell: its own ``shell:``, else the job's or the workflow's
    ``defaults.run.shell``, else the runner's default (pwsh on Windows, bash elsewhere)."""
    job = scalar.chain[2] if len(scalar.chain) > 2 else None
    for node in (step, _defaults(job), _defaults(root)):
        shell = (_yaml.scalar_value(_yaml.get(node, "shell")) or "").lower()
        if shell:
            return {"powershell": "pwsh", "pwsh": "pwsh", "cmd": "cmd"}.get(shell, "bash")
    runs_on = _yaml.scalar_value(_yaml.get(job, "runs-on")) or ""
    return "pwsh" if "windows" in runs_on.lower() else "bash"


def _defaults(node: yaml.Node | None) -> yaml.Node | None:
    return _yaml.get(_yaml.get(node, "defaults"), "run")


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
