"""The Markdown migration report: what moved where, each file's diff, what to rotate.

Everything in it comes from the plan (names, fingerprints, redacted diffs) and the run's
statuses; it never sees a value.
"""

from __future__ import annotations

from secretsops.migrate.apply import Outcome
from secretsops.migrate.plan import Plan


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(plan: Plan, outcome: Outcome | None) -> str:
    vault = "the local vault (.secretsops/vault.db)" if plan.vault.local else plan.vault.url
    vault_arg = plan.vault.name if not plan.vault.local else "<your-vault>"
    lines = [
        "# Key Vault migration report",
        "",
        f"- Repository: `{plan.repository}`",
        f"- Vault: {vault} (name `{plan.vault.name}`)",
        f"- Plan made: {plan.created}",
    ]
    if outcome is not None:
        mode = "dry run (nothing written)" if outcome.dry_run else "applied"
        lines.append(f"- Run: {mode}")
        if outcome.fatal is not None:
            lines.append(f"- Stopped: {outcome.fatal}")
    lines += [
        "",
        "## Secrets",
        "",
        "| Key Vault secret | environment variable | fingerprint | locations | status |",
        "| --- | --- | --- | --- | --- |",
    ]
    for secret in plan.secrets:
        where = ", ".join(f"`{loc.path}:{loc.line}`" for loc in secret.locations)
        status = outcome.secrets.get(secret.name, "") if outcome is not None else "planned"
        lines.append(
            f"| `{secret.name}` | `{secret.env_name}` | `{secret.fingerprint}` | {where} | "
            f"{_cell(status)} |"
        )
    lines += ["", "## Files", ""]
    for planned in plan.files:
        status = outcome.files.get(planned.path, "") if outcome is not None else "planned"
        lines += [f"### `{planned.path}` ({planned.kind}): {status}", ""]
        if planned.diff:
            lines += ["```diff", planned.diff.rstrip("\n"), "```", ""]
        for note in planned.notes:
            lines.append(f"- Set-up: {note}")
        for step in planned.manual:
            lines.append(f"- Manual step: {step}")
        if planned.notes or planned.manual:
            lines.append("")
    if outcome is not None and outcome.problems:
        lines += ["## Problems", ""]
        lines += [f"- {_cell(p)}" for p in outcome.problems]
        lines.append("")
    lines += [
        "## Rotate every migrated secret",
        "",
        "Each value below was committed to git, so everyone with a clone has it: moving it to "
        "Key Vault is not enough. For each one, issue a new credential at its source (the "
        "database, the cloud provider, the token's service), store the new value as a new "
        "version, then revoke the old one:",
        "",
    ]
    for secret in plan.secrets:
        lines.append(
            f"- [ ] `{secret.name}` ({secret.tags.get('secret-type', 'secret')}, first at "
            f"`{secret.locations[0].path}:{secret.locations[0].line}`): "
            f"`az keyvault secret set --vault-name {vault_arg} --name {secret.name} "
            f"--file <file-holding-the-new-value>`"
        )
    lines += [
        "",
        "Then purge the old values from git history (`secretsops purge`, or git-filter-repo).",
        "",
    ]
    return "\n".join(lines)
