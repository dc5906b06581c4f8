"""``secretsops baseline create|update``: write a detect-secrets-format baseline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from secretsops.cli._common import info, parse_size, unreadable_error
from secretsops.cli.scan import PathsArg

app = typer.Typer(help="Create or update a baseline of accepted findings.", no_args_is_help=True)

BaselineOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        "--baseline", "-b", help="Baseline file (default: .secrets.baseline at the scan root)."
    ),
]
SizeOpt = Annotated[str, typer.Option("--max-file-size", help="Skip files larger than this.")]


def _require_readable(unreadable: list[str]) -> None:
    """A baseline of a partial scan would drop or miss entries: refuse to write one."""
    if unreadable:
        raise unreadable_error(unreadable)


def _target(baseline: Path | None, root: str) -> Path:
    return baseline if baseline is not None else Path(root) / ".secrets.baseline"


@app.command("create")
def create(
    paths: PathsArg = None,
    baseline: BaselineOpt = None,
    max_file_size: SizeOpt = "1MB",
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing baseline.")] = False,
) -> None:
    """Scan and record every current finding as accepted (labels come from `audit`)."""
    from secretsops import baseline as baseline_mod
    from secretsops.errors import UsageError
    from secretsops.scanner import scan_paths

    result, _, settings = scan_paths(
        list(paths or []),
        max_file_size=parse_size(max_file_size),
        exclude=[str(baseline)] if baseline else [],
    )
    _require_readable(result.stats.unreadable_paths)
    target = _target(baseline, result.root)
    if target.exists() and not force:
        raise UsageError(f"{target} exists: use `secretsops baseline update`, or --force")
    baseline_mod.save(baseline_mod.create(result.findings, settings), target)
    info(f"wrote {target}: {len(result.findings)} entries")


@app.command("update")
def update(
    paths: PathsArg = None,
    baseline: BaselineOpt = None,
    max_file_size: SizeOpt = "1MB",
) -> None:
    """Rescan and bring the baseline up to date, keeping audit labels; no write if unchanged."""
    from secretsops import baseline as baseline_mod
    from secretsops.detect import config_from_baseline
    from secretsops.scanner import scan_paths
    from secretsops.sources import worktree

    root = worktree.select(list(paths or [])).root if baseline is None else None
    target = baseline if baseline is not None else Path(str(root)) / ".secrets.baseline"
    old = baseline_mod.load(target)
    result, _, settings = scan_paths(
        list(paths or []),
        max_file_size=parse_size(max_file_size),
        config=config_from_baseline(old.plugins_used, old.filters_used),
        exclude=[str(target)],
    )
    _require_readable(result.stats.unreadable_paths)
    # Entries of files that no longer exist are dropped, as detect-secrets' own update does.
    gone = [e.filename for e in old.entries if not (Path(result.root) / e.filename).exists()]
    scanned = [*result.stats.scanned_paths, *gone]
    new = baseline_mod.update(old, result.findings, settings, scanned)
    if baseline_mod.save(new, target, previous=old):
        info(f"updated {target}: {len(new.entries)} entries")
    else:
        info(f"{target} is up to date")
