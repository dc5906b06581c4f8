"""Reports render findings; they never compute them."""

from __future__ import annotations

from dataclasses import dataclass, field

from secretsops.scan.findings import Finding, ScanStats


@dataclass
class Report:
    """What a report renders: new findings, plus counts of what was accepted or passed over."""

    findings: list[Finding]
    stats: ScanStats
    baselined: int = 0
    mode: str = "worktree"
    # secret type -> detector class, for every detector that ran (SARIF lists each as a rule)
    detectors: dict[str, str] = field(default_factory=dict)
    extra: dict[str, object] = field(default_factory=dict)


FORMATS = ("text", "json", "sarif")


def render(report: Report, fmt: str, *, color: bool = False, show_secrets: bool = False) -> str:
    if fmt == "json":
        from secretsops.reports.json import render_json

        return render_json(report)
    if fmt == "sarif":
        from secretsops.reports.sarif import render_sarif

        return render_sarif(report)
    from secretsops.reports.text import render_text

    return render_text(report, color=color, show_secrets=show_secrets)
