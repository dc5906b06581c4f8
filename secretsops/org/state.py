"""The resume state of organisation scans: per repository, the tips scanned and what was found.

One JSON file (``<cache>/org/state.json`` by default, ``--state`` otherwise) on the machine that
runs ``secretsops scan org``, rewritten atomically as results come in (at most every two
seconds, and at the end), so a run that is stopped can be resumed. With ``--resume`` a
repository whose branches, tags and HEAD are those of its last complete scan (same secretsops
version and options) is not fetched nor scanned again: its last result is reported. Findings
are stored as reports show them (redacted previews, fingerprints): never a value.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from secretsops.org.task import RepoResult
from secretsops.scan.findings import Confidence, Finding

FORMAT = 1


def finding_to_json(f: Finding) -> dict[str, Any]:
    return {
        "type": f.type,
        "path": f.path,
        "line": f.line,
        "fingerprint": f.fingerprint,
        "preview": f.preview,
        "confidence": f.confidence.value,
        "plugin": f.plugin,
        "column": f.column,
        "commit": f.commit,
        "author": f.author,
        "date": f.date,
        "occurrences": f.occurrences,
        "present_at_head": f.present_at_head,
        "structural_path": f.structural_path,
    }


def finding_from_json(d: dict[str, Any]) -> Finding:
    return Finding(
        type=str(d["type"]),
        path=str(d["path"]),
        line=int(d["line"]),
        fingerprint=str(d["fingerprint"]),
        preview=str(d["preview"]),
        confidence=Confidence(d["confidence"]),
        baseline_hash="",
        secret="",
        plugin=str(d.get("plugin", "")),
        column=d.get("column"),
        commit=d.get("commit"),
        author=d.get("author"),
        date=d.get("date"),
        occurrences=int(d.get("occurrences", 1)),
        present_at_head=d.get("present_at_head"),
        structural_path=d.get("structural_path"),
    )


class State:
    def __init__(self, path: Path, settings: str, warn: Any) -> None:
        self.path = path
        self.settings = settings
        self.entries: dict[str, dict[str, Any]] = {}
        self._saved = 0.0
        self._dirty = False
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") == FORMAT and isinstance(data.get("repositories"), dict):
                self.entries = data["repositories"]
        except FileNotFoundError:
            pass
        except (OSError, ValueError, AttributeError) as exc:
            warn(f"resume state {path} unreadable ({type(exc).__name__}); starting afresh")

    def previous(self, key: str) -> str:
        """The tips digest of the last complete scan of ``key`` with these settings, or ''."""
        entry = self.entries.get(key)
        if not entry or entry.get("settings") != self.settings or entry.get("status") != "ok":
            return ""
        return str(entry.get("state", ""))

    def restored(self, result: RepoResult) -> RepoResult:
        """An ``unchanged`` result filled in from the stored one."""
        entry = self.entries[result.key]
        result.findings = [finding_from_json(f) for f in entry.get("findings", [])]
        result.baselined = int(entry.get("baselined", 0))
        result.commits = int(entry.get("commits", 0))
        result.stats = {str(k): int(v) for k, v in entry.get("stats", {}).items()}
        result.detectors = {str(k): str(v) for k, v in entry.get("detectors", {}).items()}
        return result

    def record(self, result: RepoResult) -> None:
        if result.status == "unchanged":
            return
        if result.failed and result.key in self.entries:
            # keep the last good result for a later --resume; note the failure
            self.entries[result.key]["last_failure"] = result.error
        else:
            self.entries[result.key] = {
                "name": result.name,
                "url": result.url,
                "status": result.status,
                "error": result.error,
                "settings": self.settings,
                "state": result.state,
                "commits": result.commits,
                "baselined": result.baselined,
                "stats": result.stats,
                "detectors": result.detectors,
                "findings": [finding_to_json(f) for f in result.findings],
                "scanned_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            }
        self._dirty = True
        if time.monotonic() - self._saved > 2.0:
            self.save()

    def save(self) -> None:
        if not self._dirty:
            return
        from secretsops.baseline import write_atomic

        data = {"format": FORMAT, "repositories": dict(sorted(self.entries.items()))}
        write_atomic(self.path, json.dumps(data, indent=1) + "\n")
        self._saved = time.monotonic()
        self._dirty = False
