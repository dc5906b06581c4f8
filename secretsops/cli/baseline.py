"""``secretsops baseline create|update``: write a detect-secrets-format baseline."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from secretsops.cli._common import info, parse_size, unreadable_error, worker_count
from secretsops.cli.scan import PathsArg

if TYPE_CHECKING:
    from secretsops.scan.engine import EngineConfig
    from secretsops.scan.findings import Finding

app = typer.Typer(help="Create or update a baseline of accepted findings.", no_args_is_help=True)

BaselineOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        "--baseline", "-b", help="Baseline file (default: .secrets.baseline at the scan root)."
    ),
]
SizeOpt = Annotated[str, typer.Option("--max-file-size", help="Skip files larger than this.")]
HistoryOpt = Annotated[
    bool,
    typer.Option(
        "--history",
        help="Record every finding of every commit of every ref, with the commit that "
        "introduced it (for `purge`).",
    ),
]
JobsOpt = Annotated[int, typer.Option("--jobs", "-j", help="Worker processes (0: one per core).")]


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
    history: HistoryOpt = False,
    jobs: JobsOpt = 0,
) -> None:
    """Scan and record every current finding as accepted (labels come from `audit`)."""
    from secretsops import baseline as baseline_mod
    from secretsops.errors import UsageError
    from secretsops.scan.files import scan_paths

    if history:
        root, findings, settings = _history_findings(
            list(paths or []), parse_size(max_file_size), jobs, None
        )
        target = _target(baseline, str(root))
        if target.exists() and not force:
            raise UsageError(f"{target} exists: use `secretsops baseline update`, or --force")
        baseline_mod.save(baseline_mod.create_history(findings, settings), target)
        info(f"wrote {target}: {len(findings)} entries from the history of {root}")
        return
    result, _, settings = scan_paths(
        list(paths or []),
        max_file_size=parse_size(max_file_size),
        exclude=[str(baseline)] if baseline else [],
        jobs=worker_count(jobs),
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
    jobs: JobsOpt = 0,
) -> None:
    """Rescan and bring the baseline up to date, keeping audit labels; no write if unchanged.

    A baseline made with `create --history` is brought up to date with a history scan.
    """
    from secretsops import baseline as baseline_mod
    from secretsops.scan.engine import config_from_baseline
    from secretsops.scan.files import scan_paths
    from secretsops.sources import worktree

    if baseline is None:
        anchor = (list(paths or []) or [Path(".")])[0]
        root_path = _history_root(anchor) if _is_bare(anchor) else None
        root = root_path or worktree.select(list(paths or [])).root
    target = baseline if baseline is not None else Path(str(root)) / ".secrets.baseline"
    old = baseline_mod.load(target)
    if baseline_mod.is_history(old):
        config = config_from_baseline(old.plugins_used, old.filters_used)
        _, findings, settings = _history_findings(
            list(paths or []), parse_size(max_file_size), jobs, config
        )
        every = {e.filename for e in old.entries} | {f.path for f in findings}
        new = baseline_mod.update(old, findings, settings, every)
        if baseline_mod.save(new, target, previous=old):
            info(f"updated {target}: {len(new.entries)} entries")
        else:
            info(f"{target} is up to date")
        return
    result, _, settings = scan_paths(
        list(paths or []),
        max_file_size=parse_size(max_file_size),
        config=config_from_baseline(old.plugins_used, old.filters_used),
        exclude=[str(target)],
        jobs=worker_count(jobs),
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


def _is_bare(anchor: Path) -> bool:
    from secretsops import git

    return anchor.exists() and git.toplevel(anchor.resolve()) is None


def _history_root(anchor: Path) -> Path:
    from secretsops import git
    from secretsops.errors import UsageError

    if not anchor.exists():
        raise UsageError(f"path not found: {anchor}")
    return git.repository_root(anchor.resolve()).resolve()


def _history_findings(
    paths: list[Path], max_size: int, jobs: int, config: EngineConfig | None
) -> tuple[Path, list[Finding], dict[str, Any]]:
    """Every finding of the history of the repository holding PATH (one path at most)."""
    from secretsops import git
    from secretsops.errors import UsageError
    from secretsops.progress import Progress
    from secretsops.scan.history import HistoryOptions, scan_history, shallow_error

    if len(paths) > 1:
        raise UsageError("--history records one repository: give at most one path")
    workers = worker_count(jobs)
    root = _history_root(paths[0] if paths else Path("."))
    shallow = git.shallow_commits(root)
    if shallow:  # a baseline of part of the history would miss what came before the cut
        remedy = "Run `git fetch --unshallow` (or clone without --depth) and try again"
        raise shallow_error(root, shallow, remedy)
    opts = HistoryOptions(
        root=root,
        max_size=max_size,
        jobs=workers,
        progress=Progress.for_terminal(False),
        warn=info,
    )
    findings, _, _, settings = scan_history(opts, config)
    return root, findings, settings
