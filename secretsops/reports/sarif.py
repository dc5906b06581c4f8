"""SARIF 2.1.0, as GitHub code scanning and the Azure DevOps SARIF viewer read it.

One rule per detector, relative URIs under ``%SRCROOT%`` (no absolute path of the machine
that ran the scan), ``partialFingerprints`` from the secret's fingerprint so an alert keeps
its identity when the line moves.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

from secretsops import __version__
from secretsops.reports import Report
from secretsops.scan.findings import Confidence, Finding

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFO_URI = "https://github.com/secretsops/secretsops"
FINGERPRINT_KEY = "secretsops/v1"

_SEVERITY = {Confidence.HIGH: "9.0", Confidence.MEDIUM: "7.5", Confidence.LOW: "5.0"}


def rule_id(secret_type: str) -> str:
    return "secretsops/" + re.sub(r"[^a-z0-9]+", "-", secret_type.lower()).strip("-")


def _rule(secret_type: str, detector: str) -> dict[str, Any]:
    return {
        "id": rule_id(secret_type),
        "name": detector or re.sub(r"\W+", "", secret_type.title()),
        "shortDescription": {"text": f"{secret_type} committed to the repository"},
        "fullDescription": {
            "text": (
                f"A value that looks like a {secret_type} is stored in plain text. Move it to "
                "Azure Key Vault, reference it from there, and rotate it: it was exposed."
            )
        },
        "help": {
            "text": (
                "Confirm with `secretsops audit`; move confirmed secrets with "
                "`secretsops migrate`; accept false positives in the baseline."
            )
        },
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["security", "secrets"], "security-severity": "8.0"},
    }


def _result(f: Finding, index: int) -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": max(f.line, 1)}
    if f.column is not None:
        region["startColumn"] = f.column
    location: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": {"uri": quote(f.path), "uriBaseId": "%SRCROOT%"},
            "region": region,
        }
    }
    if f.structural_path is not None:
        # Where in the document's structure the value sits (pipeline definitions).
        location["logicalLocations"] = [{"fullyQualifiedName": f.structural_path, "kind": "member"}]
    message = f"{f.type} ({f.confidence.value} confidence): {f.preview}"
    if f.structural_path is not None:
        message += f" at {f.structural_path}"
    if f.commit:
        message += f", introduced in commit {f.commit[:12]}"
    properties: dict[str, Any] = {"confidence": f.confidence.value, "fingerprint": f.fingerprint}
    if f.commit:
        properties.update({"commit": f.commit, "author": f.author, "date": f.date})
    if f.structural_path is not None:
        properties["structural_path"] = f.structural_path
    return {
        "ruleId": rule_id(f.type),
        "ruleIndex": index,
        "level": "error" if f.confidence is not Confidence.LOW else "warning",
        "message": {"text": message},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
        "properties": {**properties, "security-severity": _SEVERITY[f.confidence]},
    }


def render_sarif(report: Report) -> str:
    detectors = dict(report.detectors)
    for f in report.findings:
        detectors.setdefault(f.type, f.plugin)
    types = sorted(detectors)
    index = {t: i for i, t in enumerate(types)}
    sarif = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "secretsops",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFO_URI,
                        "rules": [_rule(t, detectors[t]) for t in types],
                    }
                },
                "automationDetails": {"id": f"secretsops/{report.mode}/"},
                "columnKind": "unicodeCodePoints",
                "results": [_result(f, index[f.type]) for f in report.findings],
            }
        ],
    }
    return json.dumps(sarif, indent=2) + "\n"
