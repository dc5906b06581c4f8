"""``scan devops``: variable groups, build and release definitions of an organisation.

Each object the API returns is rendered as JSON (two-space indent, as received) and scanned by
the same engine as files, as a DevOps export (``secretsops.pipelines.devops_exports``) plus
every line detector. A finding's ``path`` names the object
(``<org>/<project>/variablegroups/<id>-<name>``, ``.../builddefinitions/...``,
``.../releasedefinitions/...``), its ``structural_path`` the spot in it
(``variables.DbPassword.value``, ``environments[0].variables.sqlPassword.value``), and its line
the line in the rendered JSON.

A project that answers 403 or 404 (to a whole project, or to one of the three collections) is
reported in ``DevOpsScan.problems`` and skipped; the rest goes on.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from secretsops.devops.client import DevOpsClient
from secretsops.errors import DevOpsAccessError
from secretsops.pipelines.structure import EXPORT
from secretsops.scan.engine import Engine, EngineConfig
from secretsops.scan.findings import Finding, ScanStats

COLLECTIONS = ("variablegroups", "builddefinitions", "releasedefinitions")


@dataclass
class DevOpsScan:
    findings: list[Finding] = field(default_factory=list)
    stats: ScanStats = field(default_factory=ScanStats)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COLLECTIONS, 0))
    projects: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, object]:
        return {
            "organization_projects": len(self.projects),
            "variable_groups": self.counts["variablegroups"],
            "build_definitions": self.counts["builddefinitions"],
            "release_definitions": self.counts["releasedefinitions"],
            "problems": list(self.problems),
        }


def _label(org_url: str) -> str:
    parts = urllib.parse.urlsplit(org_url)
    return f"{parts.netloc}{parts.path}".rstrip("/")


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def object_path(org_url: str, project: str, collection: str, item: dict[str, Any]) -> str:
    name = _UNSAFE.sub("-", str(item.get("name", ""))).strip("-")
    ident = str(item.get("id", "?"))
    return f"{_label(org_url)}/{project}/{collection}/{ident}" + (f"-{name}" if name else "")


def scan_organisation(
    client: DevOpsClient,
    projects: Iterable[str] | None,
    config: EngineConfig | None = None,
    warn: Callable[[str], None] = lambda message: None,
) -> tuple[DevOpsScan, dict[str, str]]:
    """Scan every project (or the ones named); also the detectors that ran, as scan_paths."""
    from secretsops.scan.files import findings_from_raw

    result = DevOpsScan()
    names = list(projects) if projects else [str(p.get("name")) for p in client.projects()]
    result.projects = names
    with Engine(config) as engine:
        detectors = {t: name for name, t in engine.plugin_types.items()}
        for project in names:
            fetchers: dict[str, Callable[[str], Iterable[dict[str, Any]]]] = {
                "variablegroups": client.variable_groups,
                "builddefinitions": client.build_definitions,
                "releasedefinitions": client.release_definitions,
            }
            for collection, fetch in fetchers.items():
                try:
                    for item in fetch(project):
                        result.counts[collection] += 1
                        path = object_path(client.org_url, project, collection, item)
                        text = json.dumps(item, indent=2, ensure_ascii=False) + "\n"
                        virtual = f"{path}.json"
                        raw = engine.scan_text(virtual, text, kind=EXPORT)
                        engine.structure_errors.pop(virtual, None)
                        result.stats.files_scanned += 1
                        result.stats.lines_scanned += text.count("\n")
                        result.findings.extend(
                            replace(f, path=path) for f in findings_from_raw(virtual, raw)
                        )
                except DevOpsAccessError as exc:
                    message = f"project {project!r}, {collection}: {exc}"
                    result.problems.append(message)
                    warn(f"warning: {message}; skipped")
                    if exc.status == 404 and collection == "variablegroups":
                        break  # the project itself is not there: the other two say the same
    result.findings.sort(key=lambda f: f.sort_key)
    return result, detectors
