"""JSON report; its schema is documented in docs/report-formats.md."""

from __future__ import annotations

import json
from typing import Any

from secretsops import __version__
from secretsops.reports import Report
from secretsops.scan.findings import Finding

SCHEMA_VERSION = 1


def finding_json(f: Finding) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": f.type,
        "detector": f.plugin,
        "path": f.path,
        "line": f.line,
        "fingerprint": f.fingerprint,
        "confidence": f.confidence.value,
        "preview": f.preview,
    }
    if f.column is not None:
        out["column"] = f.column
    if f.commit is not None:
        out["commit"] = f.commit
        out["author"] = f.author
        out["date"] = f.date
        out["occurrences"] = f.occurrences
    if f.present_at_head is not None:
        out["present_at_head"] = f.present_at_head
    if f.structural_path is not None:
        out["structural_path"] = f.structural_path
    return out


def render_json(report: Report) -> str:
    stats = report.stats
    data = {
        "tool": "secretsops",
        "version": __version__,
        "schema_version": SCHEMA_VERSION,
        "mode": report.mode,
        "findings": [finding_json(f) for f in report.findings],
        "summary": {
            "findings": len(report.findings),
            "baselined": report.baselined,
            "files_scanned": stats.files_scanned,
            "lines_scanned": stats.lines_scanned,
            "skipped_binary": stats.skipped_binary,
            "skipped_too_large": stats.skipped_too_large,
            "skipped_unreadable": stats.skipped_unreadable,
            **(
                {
                    "skipped_malformed": [
                        {"path": path, "reason": reason}
                        for path, reason in sorted(stats.unparsed.items())
                    ]
                }
                if stats.unparsed
                else {}
            ),
            **report.extra,
        },
    }
    return json.dumps(data, indent=2) + "\n"
