"""The merged report of an organisation scan: JSON, SARIF (one run per repository), text.

Renderers only; the results come from ``run.run_org``. Like every report, none holds a value.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from secretsops import __version__
from secretsops.org.run import OrgRun
from secretsops.org.task import RepoResult
from secretsops.reports import Report
from secretsops.reports.json import SCHEMA_VERSION, finding_json
from secretsops.reports.text import quoted_path
from secretsops.scan.findings import ScanStats


def _stats(result: RepoResult) -> ScanStats:
    s = result.stats
    return ScanStats(
        files_scanned=s.get("files_scanned", 0),
        lines_scanned=s.get("lines_scanned", 0),
        skipped_binary=s.get("skipped_binary", 0),
        skipped_too_large=s.get("skipped_too_large", 0),
    )


def repository_json(r: RepoResult) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": r.name,
        "url": r.url,
        "status": r.status,
        "commits": r.commits,
        "findings": len(r.findings),
        "baselined": r.baselined,
        "seconds": r.seconds,
    }
    if r.error:
        out["error"] = r.error
    return out


def totals(run: OrgRun) -> dict[str, Any]:
    results = run.results
    failed = [r for r in results if r.failed]
    return {
        "repositories": len(results),
        "scanned": sum(1 for r in results if r.status == "ok"),
        "unchanged": sum(1 for r in results if r.status == "unchanged"),
        "failed": len(failed),
        "findings": sum(len(r.findings) for r in results),
        "baselined": sum(r.baselined for r in results),
        "commits": sum(r.commits for r in results),
        "files_scanned": sum(r.stats.get("files_scanned", 0) for r in results),
        "lines_scanned": sum(r.stats.get("lines_scanned", 0) for r in results),
        "seconds": round(run.seconds, 3),
        "workers": run.workers,
    }


def render_json(run: OrgRun) -> str:
    data = {
        "tool": "secretsops",
        "version": __version__,
        "schema_version": SCHEMA_VERSION,
        "mode": "org",
        "repositories": [repository_json(r) for r in run.results],
        "findings": [
            {"repository": r.name, **finding_json(f)} for r in run.results for f in r.findings
        ],
        "summary": totals(run),
    }
    return json.dumps(data, indent=2) + "\n"


def _uri(result: RepoResult) -> str:
    if "://" in result.url:
        return result.url
    if result.url.startswith("/"):
        return Path(result.url).as_uri()
    return result.url


def render_sarif(run: OrgRun) -> str:
    """SARIF 2.1.0 with one run per repository: its findings under ``%SRCROOT%`` of that
    repository (``versionControlProvenance``), a failure as an unsuccessful invocation."""
    from secretsops.reports.sarif import render_sarif as render_one

    runs = []
    for r in run.results:
        report = Report(
            findings=r.findings,
            stats=_stats(r),
            baselined=r.baselined,
            mode="history",
            detectors=r.detectors,
        )
        one = json.loads(render_one(report))["runs"][0]
        one["automationDetails"] = {"id": f"secretsops/org/{r.name}/"}
        one["versionControlProvenance"] = [{"repositoryUri": _uri(r)}]
        invocation: dict[str, Any] = {"executionSuccessful": not r.failed}
        if r.failed:
            invocation["toolExecutionNotifications"] = [
                {"level": "error", "message": {"text": f"{r.status}: {r.error}"}}
            ]
        one["invocations"] = [invocation]
        one["properties"] = {"repository": r.name, "status": r.status, "commits": r.commits}
        runs.append(one)
    from secretsops.reports.sarif import SCHEMA_URI

    return json.dumps({"$schema": SCHEMA_URI, "version": "2.1.0", "runs": runs}, indent=2) + "\n"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary_table(run: OrgRun) -> str:
    """repository, status, commits, new and baselined findings, time; then totals."""
    head = ("repository", "status", "commits", "new", "baselined", "time")
    rows = [
        (
            r.name,
            r.status,
            str(r.commits),
            str(len(r.findings)),
            str(r.baselined),
            f"{r.seconds:.1f}s",
        )
        for r in run.results
    ]
    widths = [max(len(row[i]) for row in [head, *rows]) for i in range(len(head))]
    lines = []
    for row in [head, *rows]:
        cells = [
            cell.ljust(widths[i]) if i < 2 else cell.rjust(widths[i]) for i, cell in enumerate(row)
        ]
        lines.append("  ".join(cells).rstrip())
    t = totals(run)
    where = f"{_plural(run.workers, 'worker')}" + (
        f" at {run.scheduler}" if run.scheduler != "local" else ""
    )
    n = t["repositories"]
    parts = [f"{n} repositor{'y' if n == 1 else 'ies'}"]
    parts.append(f"{t['scanned']} scanned")
    if t["unchanged"]:
        parts.append(f"{t['unchanged']} unchanged since the last scan")
    if t["failed"]:
        parts.append(f"{t['failed']} failed")
    lines.append(
        f"{', '.join(parts)}; {t['findings']} new, {t['baselined']} baselined; "
        f"{run.seconds:.1f} s with {where}"
    )
    for r in run.results:
        if r.failed:
            lines.append(f"failed: {r.name}: {r.status}: {r.error}")
    return "\n".join(lines) + "\n"


def render_text(run: OrgRun) -> str:
    lines = []
    for r in run.results:
        for f in r.findings:
            where = f"  {f.commit[:12]}" if f.commit else ""
            lines.append(f"{r.name}  {quoted_path(f.path)}:{f.line}  {f.type}  {f.preview}{where}")
    if lines:
        lines.append("")
    return "\n".join(lines) + ("\n" if lines else "") + summary_table(run)


def render(run: OrgRun, fmt: str) -> str:
    if fmt == "json":
        return render_json(run)
    if fmt == "sarif":
        return render_sarif(run)
    return render_text(run)
