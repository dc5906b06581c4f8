"""Pipeline variables: the detect-secrets face of ``secretsops.pipelines`` (structure-aware)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from detect_secrets.core import potential_secret
from detect_secrets.plugins import base

_VALUE = re.compile(r"[:=]\s*(['\"]?)(?P<v>[^'\"\s#]+)\1\s*,?\s*(?:#.*)?$")
_QUOTED = re.compile(r"'([^']+)'|\"((?:[^\"\\]|\\.)+)\"")


class PipelineVariableDetector(base.BasePlugin):
    """Credentials in pipeline definitions, found from their structure (``secretsops.pipelines``):
    a literal under a credential name in Azure Pipelines ``variables``/``parameters``/``inputs``/
    ``env``, GitHub Actions ``env``/``with``/service credentials and GitLab CI ``variables``, even
    with low entropy; plaintext variables carrying a credential in Azure DevOps variable-group,
    build- and release-definition exports; password arguments, ``user:pass@`` URLs and
    ``ConvertTo-SecureString`` literals in inline scripts. References (``$(x)``, ``${{ }}``,
    ``$[ ]``, ``$env:X``, ``${X}``), Key Vault-linked groups and placeholders are not reported.
    The engine runs the structural pass on pipeline files; line by line this detector reports
    nothing, except for ``detect-secrets audit``, where it offers the values of a baseline
    entry's line so that the entry's value can be recovered."""

    secret_type = "Pipeline Variable Secret"  # noqa: S105  # pragma: allowlist secret (a name)
    confidence = "medium"
    provider = "(any)"
    #: The engine leaves structural detectors out of its line scans.
    structural = True

    def analyze_string(self, string: str, **kwargs: Any) -> Iterator[str]:
        return iter(())

    def analyze_line(
        self,
        filename: str,
        line: str,
        line_number: int = 0,
        context: Any = None,
        enable_eager_search: bool = False,
        **kwargs: Any,
    ) -> set[Any]:
        if not enable_eager_search:
            return set()
        values = line_values(line)
        # detect-secrets audits a YAML file through its transformer, which moves a block
        # scalar (an inline script) to the key's line: read the line as the file has it too.
        values |= line_values(_file_line(filename, line_number))
        return {
            potential_secret.PotentialSecret(
                type=self.secret_type, filename=filename, secret=value, line_number=line_number
            )
            for value in values
        }


def _file_line(filename: str, number: int) -> str:
    try:
        with open(filename, encoding="utf-8", errors="replace") as handle:
            for i, line in enumerate(handle, start=1):
                if i == number:
                    return line.rstrip("\r\n")
    except OSError:
        return ""
    return ""


def line_values(line: str) -> set[str]:
    """Every value a pipeline finding on ``line`` could hold (for recovering audited values)."""
    from secretsops.pipelines import rules

    out: set[str] = set()
    match = _VALUE.search(line)
    if match:
        out.add(match.group("v"))
    for quoted in _QUOTED.finditer(line):
        out.add(quoted.group(1) or quoted.group(2))
    out.update(hit.secret for hit in rules.script_secrets(line))
    out.update(secret for _, secret in rules.connection_string_secrets(line.strip(" \"'")))
    return {v for v in out if v}
