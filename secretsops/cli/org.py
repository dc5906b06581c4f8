"""``secretsops scan org``: many repositories, each one Dask task, one merged report.

Reached as ``secretsops scan org ...`` (the root command group routes ``scan org`` here, see
``cli/__init__.py``; ``secretsops scan-org`` is the same command). Exit 0: nothing new; 1: new
findings; 2: bad input, or a repository that could not be scanned (the report is still written
and lists it; the other repositories were scanned).
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from secretsops.cli._common import emit, info, parse_size
from secretsops.errors import InputError, UsageError

if TYPE_CHECKING:
    from secretsops.org.repos import RepoSpec


class OrgFormat(str, Enum):
    text = "text"
    json = "json"
    sarif = "sarif"


def scan_org(
    lists: Annotated[
        Optional[list[str]],  # noqa: UP045 - typer reads the annotation at run time
        typer.Argument(
            metavar="[LIST]...",
            help="Files listing repositories, one URL or local path a line; `-` reads standard "
            "input (the default when nothing else names repositories).",
        ),
    ] = None,
    github_org: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--github-org", help="Every repository of this GitHub organisation."),
    ] = None,
    github_api: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--github-api", help="GitHub API root (GitHub Enterprise Server)."),
    ] = None,
    devops_org: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--devops-org",
            help="Every repository of this Azure DevOps organisation (https://dev.azure.com/ORG).",
        ),
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", "-w", help="Local cluster: worker processes.")
    ] = 2,
    scheduler: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--scheduler", help="An existing Dask scheduler (tcp://host:8786)."),
    ] = None,
    cache_dir: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--cache-dir",
            help="Where workers keep mirrors (default: their $SECRETSOPS_CACHE_DIR/org, "
            "else ~/.cache/secretsops/org).",
        ),
    ] = None,
    resume: Annotated[
        bool,
        typer.Option("--resume", help="Skip repositories whose tips are those last scanned."),
    ] = False,
    state: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--state", help="The resume state file (default: in the cache folder)."),
    ] = None,
    fmt: Annotated[
        OrgFormat, typer.Option("--format", "-f", help="Report format.")
    ] = OrgFormat.text,
    output: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--output", "-o", help="Write the report to this file instead of stdout."),
    ] = None,
    max_file_size: Annotated[
        str, typer.Option("--max-file-size", help="Skip blobs larger than this (e.g. 1MB).")
    ] = "1MB",
    allow_shallow: Annotated[
        bool, typer.Option("--allow-shallow", help="Scan shallow repositories' commits present.")
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar nor summary on stderr.")
    ] = False,
) -> None:
    """Scan the history of many repositories on Dask; one merged report.

    Each repository is one task: a bare mirror in the workers' cache folder (fetched again next
    time), `scan --history` with its history cache, its committed .secrets.baseline honoured.
    Exit 0: nothing new; 1: new findings; 2: bad input, or a repository not scanned (listed).
    """
    from secretsops.org.report import render, summary_table
    from secretsops.org.repos import unique
    from secretsops.org.run import run_org
    from secretsops.org.state import State
    from secretsops.org.task import TaskOptions, worker_cache_dir
    from secretsops.progress import Progress

    if workers < 1:
        raise UsageError("--workers must be 1 or more")
    if scheduler is not None and not scheduler.strip():
        raise UsageError("--scheduler needs an address such as tcp://host:8786")
    limit = parse_size(max_file_size)
    specs = unique(_gather(lists or [], github_org or [], github_api, devops_org or []))
    if not specs:
        raise UsageError("no repositories to scan: the lists are empty")
    from secretsops import __version__

    settings = f"{__version__}:{limit}:{int(allow_shallow)}"
    state_path = state or worker_cache_dir(None) / "state.json"
    if output is not None and output.resolve() == state_path.resolve():
        raise UsageError("--output and the resume state are the same file")
    saved = State(state_path, settings, info)
    options = TaskOptions(cache_dir=cache_dir, max_size=limit, allow_shallow=allow_shallow)
    run = run_org(
        specs,
        options,
        saved,
        scheduler=scheduler.strip() if scheduler else None,
        workers=workers,
        resume=resume,
        progress=Progress.for_terminal(quiet, unit="repositories"),
        warn=info,
    )
    emit(render(run, fmt.value), output)
    if fmt is not OrgFormat.text and not quiet:
        info(summary_table(run).rstrip("\n"))
    failed = [r for r in run.results if r.failed]
    if failed:
        more = f" and {len(failed) - 1} more" if len(failed) > 1 else ""
        raise InputError(
            f"{failed[0].name}: {failed[0].status}{more}: {len(failed)} of {len(run.results)} "
            "repositories not scanned (the report lists them)"
        )
    raise typer.Exit(1 if any(r.findings for r in run.results) else 0)


def _gather(
    lists: list[str], github_orgs: list[str], github_api: str | None, devops_orgs: list[str]
) -> list[RepoSpec]:
    from secretsops.org.listers import (
        GitHubClient,
        devops_specs,
        github_api_url,
        github_specs,
        github_token,
    )
    from secretsops.org.repos import parse_list

    specs: list[RepoSpec] = []
    if not lists and not github_orgs and not devops_orgs:
        if sys.stdin is None or sys.stdin.isatty():
            raise UsageError(
                "name repositories: a LIST file, `-` for standard input, --github-org or "
                "--devops-org"
            )
        lists = ["-"]
    for name in lists:
        if name == "-":
            specs += parse_list(sys.stdin.read(), where="<stdin>")
            continue
        path = Path(name)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise UsageError(f"list not found: {name}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read the list {name}: {type(exc).__name__}") from None
        specs += parse_list(text, where=name, base=path.resolve().parent)
    if github_orgs:
        client = GitHubClient(github_api_url(github_api), github_token())
        for org in github_orgs:
            specs += github_specs(client, org)
    for org in devops_orgs:
        specs += devops_specs(org, info)
    return specs
