"""``secretsops scan``: the working tree, the index, or given files."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from secretsops.cli._common import emit, parse_size, unreadable_error, use_color
from secretsops.errors import UsageError


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
) -> None:
    """Scan for hardcoded credentials. Exit 0: nothing new; 1: new findings; 2: input error."""
    from secretsops import baseline as baseline_mod
    from secretsops.detect import EngineConfig, config_from_baseline
    from secretsops.reports import Report, render
    from secretsops.scanner import scan_paths

    if show_secrets and fmt is not Format.text:
        raise UsageError("--show-secrets works with --format text only")
    limit = parse_size(max_file_size)
    config = EngineConfig()
    known = None
    excludes: list[str] = []
    if baseline is not None:
        known = baseline_mod.load(baseline)
        config = config_from_baseline(known.plugins_used, known.filters_used)
        excludes.append(str(baseline))
    if output is not None:
        excludes.append(str(output))
    result, detectors, _ = scan_paths(
        list(paths or []),
        staged=staged,
        max_file_size=limit,
        config=config,
        exclude=excludes,
    )
    findings = result.findings
    baselined = 0
    if known is not None:
        new = baseline_mod.new_findings(findings, known)
        baselined = len(findings) - len(new)
        findings = new
    report = Report(
        findings=findings,
        stats=result.stats,
        baselined=baselined,
        mode="staged" if staged else "worktree",
        detectors=detectors,
    )
    if not (quiet and not findings and fmt is Format.text and output is None):
        emit(
            render(report, fmt.value, color=use_color(output), show_secrets=show_secrets),
            output,
        )
    if result.stats.unreadable_paths:
        raise unreadable_error(result.stats.unreadable_paths)
    raise typer.Exit(1 if findings else 0)
