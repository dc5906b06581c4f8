"""``secretsops scan devops --org URL [--project P]``: live Azure DevOps variables.

Reached through ``secretsops scan`` (``cli/scan.py`` hands over when the first argument is
``devops`` and ``--org`` is given): same report formats, baseline and exit codes as a file scan.
Exit 2 when the organisation cannot be reached, the credentials are refused, or a project could
not be read (403/404: the report is still printed, but the scan was incomplete).
"""

from __future__ import annotations

from pathlib import Path

import typer

from secretsops.cli._common import emit, info, use_color
from secretsops.errors import InputError, UsageError

WORD = "devops"


def wants_devops(paths: list[Path] | None, org: str | None, project: list[str] | None) -> bool:
    """``scan devops ...`` (or ``--org``/``--project`` given): the live DevOps scan."""
    named = bool(paths) and len(paths or []) == 1 and str((paths or [Path()])[0]) == WORD
    if org is not None or project:
        if not named:
            raise UsageError("--org and --project go with `secretsops scan devops`")
        return True
    if named and not Path(WORD).exists():
        raise UsageError("`secretsops scan devops` needs --org https://dev.azure.com/ORG")
    return False


def scan_devops(
    *,
    org: str | None,
    projects: list[str] | None,
    fmt: str,
    output: Path | None,
    baseline: Path | None,
    show_secrets: bool,
    quiet: bool,
) -> None:
    from secretsops import baseline as baseline_mod
    from secretsops.devops.auth import auth_from_environment
    from secretsops.devops.client import DevOpsClient, normalise_org_url
    from secretsops.devops.scan import scan_organisation
    from secretsops.reports import Report, render
    from secretsops.scan.engine import EngineConfig, config_from_baseline

    if org is None:
        raise UsageError("`secretsops scan devops` needs --org https://dev.azure.com/ORG")
    if show_secrets and fmt != "text":
        raise UsageError("--show-secrets works with --format text only")
    client = DevOpsClient(normalise_org_url(org), auth_from_environment())
    config = EngineConfig()
    known = None
    if baseline is not None:
        known = baseline_mod.load(baseline)
        config = config_from_baseline(known.plugins_used, known.filters_used)
    result, detectors = scan_organisation(client, projects, config, warn=info)
    findings = result.findings
    baselined = 0
    if known is not None:
        new = baseline_mod.new_findings(findings, known)
        baselined = len(findings) - len(new)
        findings = new
    extra: dict[str, object] = {"organization": client.org_url, **result.summary()}
    if client.throttled_seconds:
        extra["throttled_seconds"] = round(client.throttled_seconds, 1)
    report = Report(
        findings=findings,
        stats=result.stats,
        baselined=baselined,
        mode="devops",
        detectors=detectors,
        extra=extra,
    )
    if not (quiet and not findings and fmt == "text" and output is None):
        emit(render(report, fmt, color=use_color(output), show_secrets=show_secrets), output)
    if result.problems:
        more = f" and {len(result.problems) - 1} more" if len(result.problems) > 1 else ""
        raise InputError(f"{result.problems[0]}{more}: the scan is incomplete")
    raise typer.Exit(1 if findings else 0)
