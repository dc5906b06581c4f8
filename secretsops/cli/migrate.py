"""``secretsops migrate plan|apply``: confirmed secrets into Key Vault, references into files."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from secretsops.cli._common import info

if TYPE_CHECKING:
    from secretsops.migrate.apply import Outcome
    from secretsops.migrate.plan import Plan

app = typer.Typer(
    help="Move confirmed secrets into Azure Key Vault and rewrite the files that held them.",
    no_args_is_help=True,
)

STATE = ".secretsops"


def _root_of(path: Path) -> Path:
    from secretsops import git
    from secretsops.errors import UsageError

    if not path.exists():
        raise UsageError(f"path not found: {path}")
    resolved = path.resolve()
    return git.toplevel(resolved) or (resolved if resolved.is_dir() else resolved.parent)


def _summary(plan: Plan, output: Path) -> str:
    automatic = sum(1 for f in plan.files if f.new_sha256 is not None)
    manual = sum(len(f.manual) for f in plan.files)
    locations = sum(len(s.locations) for s in plan.secrets)
    removed = sum(1 for f in plan.files if f.remove)
    lines = [
        f"plan: {len(plan.secrets)} secret(s), {locations} location(s) in {len(plan.files)} "
        f"file(s): {automatic} rewritten automatically, {removed} removed (moved whole), "
        f"{manual} manual step(s) -> {output}",
    ]
    steps = plan.manual_steps()
    if steps:
        lines.append(
            f"left to you ({len(steps)}): no rewriter can reference the vault there; apply "
            "exits 1 while a value remains in these files"
        )
        lines += [f"  MANUAL {step}" for step in steps]
    for secret in plan.secrets:
        lines.append(f"  {secret.name}  ({secret.env_name}, {secret.fingerprint})")
        for loc in secret.locations:
            how = loc.kind if loc.automatic else "manual"
            lines.append(f"    {loc.path}:{loc.line}  {loc.finding_type}  {how}")
    for planned in plan.files:
        if planned.diff:
            lines.append(planned.diff.rstrip("\n"))
    lines.append("review the plan, then: secretsops migrate apply PLAN (add --yes to write)")
    return "\n".join(lines) + "\n"


@app.command("plan")
def plan(
    path: Annotated[Path, typer.Argument(help="The repository (default: here).")] = Path("."),
    vault_url: Annotated[
        Optional[str],  # noqa: UP045 - typer needs Optional at run time on 3.10
        typer.Option("--vault-url", help="The vault's URL, e.g. https://myvault.vault.azure.net."),
    ] = None,
    vault: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--vault", help="'local': the embedded vault kept under .secretsops/."),
    ] = None,
    vault_name: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--vault-name", help="Vault name used in references (default: from URL)."),
    ] = None,
    baseline: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--baseline", help="Baseline with audit labels (default: .secrets.baseline)."),
    ] = None,
    confirm: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--confirm", metavar="FINGERPRINT", help="Also migrate this finding."),
    ] = None,
    name: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--name", metavar="FINGERPRINT=NAME", help="Choose a secret's name."),
    ] = None,
    output: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--output", "-o", help="Where to write the plan (default .secretsops/plan.json)."
        ),
    ] = None,
    variable_group: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--variable-group", help="Azure Pipelines: a Key Vault-linked variable group."
        ),
    ] = None,
    service_connection: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--service-connection", help="Azure Pipelines: AzureKeyVault@2 subscription."),
    ] = None,
) -> None:
    """Write a reviewable plan: secret names, locations and the exact rewrite of each file."""
    from secretsops import baseline as baseline_mod
    from secretsops.errors import UsageError
    from secretsops.migrate import atomic, planner, targets
    from secretsops.migrate.local_vault import ensure_state_dir
    from secretsops.scan.engine import config_from_baseline

    if (vault_url is None) == (vault is None):
        raise UsageError("give either --vault-url URL or --vault local")
    if vault is not None and vault != "local":
        raise UsageError(f"--vault {vault!r}: the only choice is 'local' (or use --vault-url)")
    root = _root_of(path)
    url = "" if vault_url is None else targets.check_url(vault_url)
    target = planner.Target(
        vault_url=url,
        vault_name=vault_name or (targets.vault_name_of(url) if url else "local"),
        local=vault is not None,
        variable_group=variable_group,
        service_connection=service_connection,
    )
    baseline_file = baseline if baseline is not None else root / ".secrets.baseline"
    data = None
    config = None
    relative = None
    if baseline is not None or baseline_file.exists():
        data = baseline_mod.load(baseline_file)
        config = config_from_baseline(data.plugins_used, data.filters_used)
        try:
            relative = baseline_file.resolve().relative_to(root).as_posix()
        except ValueError:
            relative = str(baseline_file.resolve())
    elif not confirm:
        raise UsageError(
            f"no baseline at {baseline_file}: create one (secretsops baseline create), label "
            "real secrets (secretsops audit), or name findings with --confirm FINGERPRINT"
        )
    result = planner.build(
        root,
        target=target,
        baseline=data,
        baseline_path=relative,
        confirm=confirm or [],
        overrides=name or [],
        config=config,
    )
    out = output if output is not None else root / STATE / "plan.json"
    if output is None:
        ensure_state_dir(root / STATE)
    try:
        atomic.write_text(out, result.dumps())
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from None
    for prefix in result.unmatched:
        info(f"secretsops: --confirm {prefix}: not in the working tree (already migrated?)")
    typer.echo(_summary(result, out), nl=False)


def _print_outcome(outcome: Outcome, report_path: Path) -> None:
    for secret, status in outcome.secrets.items():
        typer.echo(f"  secret {secret}: {status}")
    for path, status in outcome.files.items():
        typer.echo(f"  file {path}: {status}")
    for problem in outcome.problems:
        info(f"secretsops: {problem}")
    word = "dry run" if outcome.dry_run else "apply"
    state = "stopped" if outcome.fatal else ("incomplete" if outcome.problems else "complete")
    typer.echo(f"{word} {state}; report: {report_path}")
    if outcome.dry_run:
        typer.echo("nothing was written; rerun with --yes to apply")


@app.command("apply")
def apply(
    plan_file: Annotated[
        Path, typer.Argument(metavar="PLAN", help="The plan from `migrate plan`.")
    ],
    yes: Annotated[bool, typer.Option("--yes", help="Write (default: a dry run).")] = False,
    vault_url: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--vault-url", help="Vault URL (default: the plan's)."),
    ] = None,
    credential: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--credential",
            help="default, cli, managed-identity, environment, or emulator (default: "
            "emulator with --ca-file, else default = DefaultAzureCredential).",
        ),
    ] = None,
    ca_file: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--ca-file", help="CA of a running `secretsops vault serve`."),
    ] = None,
    token: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--token", envvar="SECRETSOPS_VAULT_TOKEN", help="Emulator token."),
    ] = None,
    recover_deleted: Annotated[
        bool,
        typer.Option("--recover-deleted", help="Recover a soft-deleted secret holding a name."),
    ] = False,
    overwrite: Annotated[
        bool,
        typer.Option("--overwrite", help="Add a version over a secret holding another value."),
    ] = False,
    report: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--report", help="Markdown report (default .secretsops/migration-report.md)."),
    ] = None,
) -> None:
    """Carry out a plan: vault writes read back, then atomic file rewrites; resumable."""
    from secretsops import baseline as baseline_mod
    from secretsops.errors import UsageError
    from secretsops.migrate import atomic, targets
    from secretsops.migrate import plan as plan_mod
    from secretsops.migrate import report as report_mod
    from secretsops.migrate.apply import Applier
    from secretsops.migrate.journal import Journal, exclusive
    from secretsops.migrate.local_vault import ensure_state_dir
    from secretsops.scan.engine import config_from_baseline

    plan_data, plan_id = plan_mod.load(plan_file)
    root = Path(plan_data.root)
    if not root.is_dir():  # the plan travelled (a pull request): apply in this repository
        from secretsops import git

        here = git.toplevel(Path.cwd())
        if here is None:
            raise UsageError(f"the plan's repository {root} does not exist; run apply inside it")
        root = here
    state = root / STATE
    config = None
    if plan_data.baseline:
        baseline_file = root / plan_data.baseline
        if baseline_file.exists():
            data = baseline_mod.load(baseline_file)
            config = config_from_baseline(data.plugins_used, data.filters_used)
    report_path = report if report is not None else state / "migration-report.md"
    url = vault_url if vault_url is not None else (plan_data.vault.url or None)
    spec = targets.Spec(
        url=None if (plan_data.vault.local and vault_url is None) else url,
        credential=credential or ("emulator" if ca_file is not None else "default"),
        ca_file=ca_file,
        token=token,
    )
    if spec.url is None and not plan_data.vault.local:
        raise UsageError("the plan names no vault URL: give --vault-url")

    if not yes:
        outcome = Applier(plan_data, root, config=config).run(None)
    else:
        ensure_state_dir(state)
        journal = Journal.open(state / "journal.json", plan_id)
        if journal.steps:
            info(
                f"secretsops: resuming: {len(journal.steps)} step(s) of this plan were "
                "journaled by earlier runs"
            )
        applier = Applier(
            plan_data,
            root,
            config=config,
            journal=journal,
            recover_deleted=recover_deleted,
            overwrite=overwrite,
        )
        with exclusive(state), targets.connect(spec, state) as client:
            outcome = applier.run(client)
    if report is None:
        ensure_state_dir(state)
    try:
        atomic.write_text(report_path, report_mod.render(plan_data, outcome))
    except OSError as exc:
        raise UsageError(f"cannot write {report_path}: {exc.strerror or exc}") from None
    _print_outcome(outcome, report_path)
    if outcome.fatal is not None:
        raise outcome.fatal
    raise typer.Exit(outcome.exit_code)
