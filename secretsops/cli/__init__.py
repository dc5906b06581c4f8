"""The ``secretsops`` command line. Commands live one per module; this module only wires them.

Heavy libraries (detect-secrets, GitPython, the Azure SDK) are imported inside commands, so the
pre-commit hook pays only for what it uses.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import typer
import typer.core

from secretsops import __version__
from secretsops.cli import audit as _audit
from secretsops.cli import baseline as _baseline
from secretsops.cli import passthrough as _passthrough
from secretsops.cli import sample as _sample
from secretsops.cli import scan as _scan
from secretsops.errors import SecretsopsError


class _Commands(typer.core.TyperGroup):
    """``scan org ...`` is the command ``scan-org``: ``scan`` takes paths, so ``org`` cannot be
    a sub-command of it. Where a folder ``org`` exists, ``scan org`` scans that folder unless
    an option only ``scan org`` has is given (``scan-org`` is always the organisation scan)."""

    def resolve_command(
        self,
        ctx: Any,  # typer's own click (vendored from 0.28): no stable name to annotate with
        args: list[str],
    ) -> Any:
        if args[:2] == ["scan", "org"]:
            command = self.get_command(ctx, "scan-org")
            if command is not None and (
                not os.path.exists("org") or self._org_only(ctx, command, args[2:])
            ):
                return "scan org", command, args[2:]
        return super().resolve_command(ctx, args)

    def _org_only(self, ctx: Any, org: Any, args: list[str]) -> bool:
        scan = self.get_command(ctx, "scan")
        shared = {o for p in getattr(scan, "params", []) for o in p.opts}
        own = {o for p in org.params for o in p.opts if o.startswith("-")} - shared
        return any(a.split("=", 1)[0] in own for a in args)


app = typer.Typer(
    cls=_Commands,
    name="secretsops",
    help="Find hardcoded credentials in code, history and pipelines; move them to Azure Key Vault.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"secretsops {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """secretsops: keep credentials out of repositories and pipelines."""


app.command("scan")(_scan.scan)
from secretsops.cli import org as _org  # noqa: E402

app.command("scan-org")(_org.scan_org)
app.add_typer(_baseline.app, name="baseline")
app.command("audit")(_audit.audit)
app.command("sample")(_sample.sample)
app.command(
    "detect-secrets",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    help="Run the detect-secrets CLI with secretsops' plugins loaded (e.g. `audit`).",
)(_passthrough.detect_secrets)

# --- further command groups are mounted below ---
from secretsops.cli import vault as _vault  # noqa: E402

app.add_typer(_vault.app, name="vault")
from secretsops.cli import migrate as _migrate  # noqa: E402

app.add_typer(_migrate.app, name="migrate")
from secretsops.cli import purge as _purge  # noqa: E402

app.command("purge")(_purge.purge)
from secretsops.cli import cleanup as _cleanup  # noqa: E402

app.command("cleanup")(_cleanup.cleanup)
from secretsops.cli import demo as _demo  # noqa: E402

app.command("demo")(_demo.demo)


def main() -> None:
    """Console entry point: one line and exit code 2 for every expected error."""
    try:
        app()
    except SecretsopsError as exc:
        typer.echo(f"secretsops: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        typer.echo("secretsops: interrupted", err=True)
        sys.exit(130)
    except SystemExit as exc:
        if exc.code == 130:  # Typer turns Ctrl-C inside a command into a silent exit 130
            typer.echo("secretsops: interrupted", err=True)
        raise
    except BrokenPipeError:
        # The reader of our output went away (e.g. `| head`); nothing left to say.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(1)
