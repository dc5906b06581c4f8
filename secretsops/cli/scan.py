"""``secretsops scan``: the working tree, the index, or given files."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from secretsops.ci.gate import FailOn
from secretsops.cli._common import emit, parse_size, unreadable_error, use_color, worker_count
from secretsops.errors import UsageError
from secretsops.scan.findings import Confidence

if TYPE_CHECKING:
    from secretsops.scan.engine import EngineConfig
    from secretsops.scan.findings import Finding, ScanResult


class Format(str, Enum):
    text = "text"
    json = "json"
    sarif = "sarif"


PathsArg = Annotated[
    Optional[list[Path]],  # noqa: UP045 - typer reads the annotation at run time
    typer.Argument(help="Repositories, folders or files to scan (default: the current folder)."),
]


def scan(
    paths: PathsArg = None,
    staged: Annotated[
        bool, typer.Option("--staged", help="Scan the content staged in the index, not the files.")
    ] = False,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Report format.")] = Format.text,
    output: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--output", "-o", help="Write the report to this file instead of stdout."),
    ] = None,
    baseline: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--baseline", "-b", help="Report only findings not in this baseline."),
    ] = None,
    max_file_size: Annotated[
        str, typer.Option("--max-file-size", help="Skip files larger than this (e.g. 1MB, 500k).")
    ] = "1MB",
    show_secrets: Annotated[
        bool, typer.Option("--show-secrets", help="Print secret values (text format only).")
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print nothing when there are no findings.")
    ] = False,
    history: Annotated[
        bool,
        typer.Option("--history", help="Scan every commit of every ref (branches, tags, stash)."),
    ] = False,
    since: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--since", help="History: only what commits since REV add (REV..HEAD)."),
    ] = None,
    commit_range: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--range", help="History: only what the commits of A..B add."),
    ] = None,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", help="Worker processes (0: one per core).")
    ] = 0,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="History: neither read nor write the cache.")
    ] = False,
    allow_shallow: Annotated[
        bool,
        typer.Option("--allow-shallow", help="History: scan a shallow clone's commits present."),
    ] = False,
    ci: Annotated[
        bool,
        typer.Option(
            "--ci",
            help="CI: detect Azure Pipelines / GitHub Actions, scan what the change adds "
            "(deepening a shallow clone), annotate findings in the platform's log idiom.",
        ),
    ] = False,
    fail_on: Annotated[
        FailOn,
        typer.Option("--fail-on", help="Exit 1 on new findings, any (baselined too), or none."),
    ] = FailOn.new,
    min_confidence: Annotated[
        Confidence,
        typer.Option("--min-confidence", help="Ignore findings below this confidence."),
    ] = Confidence.LOW,
    org: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--org", help="`scan devops`: the Azure DevOps organisation URL."),
    ] = None,
    project: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--project", help="`scan devops`: only this project (repeatable)."),
    ] = None,
) -> None:
    """Scan for hardcoded credentials. Exit 0: nothing new; 1: new findings; 2: input error.

    `secretsops scan devops --org https://dev.azure.com/ORG [--project P]` scans the variable
    groups, build and release definitions of a live Azure DevOps organisation instead;
    `secretsops scan org LIST|--github-org NAME|--devops-org URL` scans the history of many
    repositories on Dask (see `secretsops scan org --help`).
    """
    from secretsops.cli.devops import scan_devops, wants_devops

    if wants_devops(paths, org, project):
        scan_devops(
            org=org,
            projects=project,
            fmt=fmt.value,
            output=output,
            baseline=baseline,
            show_secrets=show_secrets,
            quiet=quiet,
        )
    from secretsops import baseline as baseline_mod
    from secretsops.reports import Report, render
    from secretsops.scan.engine import EngineConfig, config_from_baseline
    from secretsops.scan.files import scan_paths

    if show_secrets and fmt is not Format.text:
        raise UsageError("--show-secrets works with --format text only")
    workers = worker_count(jobs)
    limit = parse_size(max_file_size)
    config = EngineConfig()
    known = None
    excludes: list[str] = []
    ci_plan = None
    if ci:
        from secretsops.ci.run import plan_ci

        ci_plan = plan_ci(
            list(paths or []),
            since=since,
            commit_range=commit_range,
            baseline=baseline,
            staged=staged,
            history=history,
            fmt=fmt.value,
            output=output,
        )
        since, commit_range, baseline = ci_plan.since, ci_plan.range, ci_plan.baseline
        paths = [ci_plan.root]
    if baseline is not None:
        known = baseline_mod.load(baseline)
        config = config_from_baseline(known.plugins_used, known.filters_used)
        excludes.append(str(baseline))
    if output is not None:
        excludes.append(str(output))
    extra: dict[str, object] = {}
    history_mode = history or since is not None or commit_range is not None
    if history_mode:
        result, detectors, extra = _scan_history(
            list(paths or []),
            since=since,
            commit_range=commit_range,
            max_size=limit,
            jobs=workers,
            use_cache=not no_cache and not show_secrets,
            allow_shallow=allow_shallow,
            quiet=quiet,
            staged=staged,
            config=config,
        )
    else:
        result, detectors, _ = scan_paths(
            list(paths or []),
            staged=staged,
            max_file_size=limit,
            config=config,
            exclude=excludes,
            # A commit hook without a baseline: only what the commit adds, as gitleaks does,
            # so a secret committed long ago in a file this commit edits does not block it.
            added_only=staged and known is None and ci_plan is None,
            jobs=workers,
        )
    findings = result.findings if ci_plan is None else ci_plan.own(result.findings)
    accepted: list[Finding] = []
    if known is not None:
        new = baseline_mod.new_findings(findings, known)
        accepted = [f for f in findings if f not in new]
        findings = new
    from secretsops.ci.gate import apply_gate

    gate = apply_gate(findings, accepted, fail_on, min_confidence)
    findings = gate.new
    if ci_plan is not None:
        gate.allowlisted = ci_plan.allowlisted(config, limit)
        extra = {**extra, "allowlisted": gate.allowlisted, "below_threshold": gate.below}
    report = Report(
        findings=findings,
        stats=result.stats,
        baselined=len(gate.baselined),
        mode="history" if history_mode else "staged" if staged else "worktree",
        detectors=detectors,
        extra=extra,
    )
    if ci_plan is not None:
        from secretsops.ci.run import ci_output

        emit(ci_output(ci_plan, gate), None)
        if output is not None:
            emit(render(report, fmt.value, color=False, show_secrets=show_secrets), output)
    elif not (quiet and not findings and fmt is Format.text and output is None):
        emit(
            render(report, fmt.value, color=use_color(output), show_secrets=show_secrets),
            output,
        )
    if result.stats.unreadable_paths:
        raise unreadable_error(result.stats.unreadable_paths)
    raise typer.Exit(1 if gate.failed else 0)


def _scan_history(
    paths: list[Path],
    *,
    since: str | None,
    commit_range: str | None,
    max_size: int,
    jobs: int,
    use_cache: bool,
    allow_shallow: bool,
    quiet: bool,
    staged: bool,
    config: EngineConfig,
) -> tuple[ScanResult, dict[str, str], dict[str, object]]:
    """``--history``: the repository holding PATH (one path), every ref or a range."""
    from secretsops import git
    from secretsops.cli._common import info
    from secretsops.progress import Progress
    from secretsops.scan.findings import ScanResult
    from secretsops.scan.history import HistoryOptions, scan_history

    if staged:
        raise UsageError("--staged and --history/--since/--range exclude each other")
    if since is not None and commit_range is not None:
        raise UsageError("give --since or --range, not both")
    if len(paths) > 1:
        raise UsageError("--history scans one repository: give at most one path")
    anchor = paths[0] if paths else Path(".")
    if not anchor.exists():
        raise UsageError(f"path not found: {anchor}")
    root = git.repository_root(anchor.resolve()).resolve()
    opts = HistoryOptions(
        root=root,
        since=since,
        range=commit_range,
        max_size=max_size,
        jobs=jobs,
        use_cache=use_cache,
        allow_shallow=allow_shallow,
        progress=Progress.for_terminal(quiet),
        warn=info,
    )
    findings, stats, detectors, _ = scan_history(opts, config)
    if stats.shallow_commits:
        info(
            f"warning: shallow clone: history before {stats.shallow_commits} commit(s) "
            "was not scanned (git fetch --unshallow to scan it)"
        )
    result = ScanResult(findings=findings, stats=stats.scan_stats(), root=str(root))
    return result, detectors, stats.summary()
