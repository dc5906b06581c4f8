"""``secretsops demo``: the whole cleanup on a sample repository, against an embedded vault."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from secretsops.cli._common import info


def demo(
    folder: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Argument(help="An empty or new folder to work in (default: a new temporary one)."),
    ] = None,
) -> None:
    """Build a sample repository whose history holds fake credentials, and clean it up.

    Every stage of `secretsops cleanup` runs (history scan, audit with --yes, migrate plan and
    apply into a Key Vault emulator running in this process, commit, purge, verification,
    report), then the result is shown. Nothing outside FOLDER is touched.
    """
    import shlex
    import tempfile

    from secretsops.cli.cleanup import VaultChoice, _Flow
    from secretsops.errors import UsageError
    from secretsops.migrate.local_vault import ensure_state_dir
    from secretsops.purge.cleanup import State
    from secretsops.purge.demo import write_history
    from secretsops.vault.emulator.thread import Emulator

    if folder is None:
        work = Path(tempfile.mkdtemp(prefix="secretsops-demo-"))
    else:
        if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
            raise UsageError(f"{folder} is not an empty folder: choose a new one")
        work = folder.resolve()
        work.mkdir(parents=True, exist_ok=True)
    repo = work / "contoso-web"
    typer.echo(f"secretsops demo in {work}")
    subjects = write_history(repo)
    typer.echo(
        f"sample repository {repo}: {len(subjects)} commits on main, release/1.0, docs, v1.0,"
    )
    typer.echo("with freshly generated fake credentials in files, a deleted file and a renamed one")

    with Emulator() as vault:
        typer.echo(f"Key Vault emulator (in this process): {vault.url}")
        choice = VaultChoice(vault.url, "emulator", vault.ca_file, vault.token)
        state_dir = repo / ".secretsops"
        ensure_state_dir(state_dir)
        (state_dir / "cleanup").mkdir(exist_ok=True)
        flow = _Flow(
            repo,
            state_dir / "cleanup",
            State.load(state_dir / "cleanup"),
            choice,
            yes=True,
            output=work / "contoso-web-purged.git",
        )
        code = flow.run()
        names = sorted(str(p.name) for p in vault.secret_client().list_properties_of_secrets())
    typer.echo("\n== what happened")
    typer.echo(f"   the vault received {len(names)} secret(s): {', '.join(names)}")
    _show(flow.result)
    typer.echo(
        f"\n   everything is in {work}; delete it when done (rm -rf {shlex.quote(str(work))})"
    )
    if code != 0:
        info(f"secretsops: the demo stopped with exit code {code}")
    raise typer.Exit(code)


def _show(mirror: Path) -> None:
    """A few lines of the purged history, markers in place of the values."""
    from secretsops import git

    if not mirror.exists():
        return
    revs = git.run(["rev-list", "--all"], mirror).decode().split()
    hits = git.run(["grep", "-h", "-F", "***REMOVED:", *revs], mirror).decode(errors="replace")
    shown = sorted({line.strip() for line in hits.splitlines()})[:6]
    typer.echo(f"   history of {mirror}, every ref, now reads:")
    for line in shown:
        typer.echo(f"     {line}")
