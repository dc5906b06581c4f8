"""Findings as the platform's log commands: they become annotations on the run and the PR.

- GitHub Actions workflow commands: ``::error file=F,line=N,col=C,title=T::MESSAGE``; data
  escapes ``%`` ``\\r`` ``\\n`` as ``%25`` ``%0D`` ``%0A``, properties also ``:`` and ``,``
  as ``%3A`` and ``%2C`` (actions/toolkit, ``packages/core/src/command.ts``).
- Azure Pipelines logging commands:
  ``##vso[task.logissue type=error;sourcepath=F;linenumber=N;columnnumber=C;code=R]MESSAGE``;
  data escapes ``%`` ``\\r`` ``\\n`` as ``%AZP25`` ``%0D`` ``%0A``, properties also ``]`` and
  ``;`` as ``%5D`` and ``%3B`` (azure-pipelines-task-lib, ``node/taskcommand.ts``).

A message carries the finding's redacted preview, never its value.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from secretsops.ci.platform import AZURE, GITHUB
from secretsops.reports.sarif import rule_id
from secretsops.scan.findings import Finding


def github_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_property(text: str) -> str:
    return github_data(text).replace(":", "%3A").replace(",", "%2C")


def azure_data(text: str) -> str:
    return text.replace("%", "%AZP25").replace("\r", "%0D").replace("\n", "%0A")


def azure_property(text: str) -> str:
    return azure_data(text).replace("]", "%5D").replace(";", "%3B")


def message(f: Finding, state: str) -> str:
    """One line about a finding; ``state`` is ``new`` or ``baselined``."""
    text = f"{f.type} ({f.confidence.value} confidence, {state}): {f.preview}"
    if f.commit:
        text += f", introduced in commit {f.commit[:12]}"
    return text + ". Move it to Key Vault and rotate it, or accept it in the baseline."


def github_annotation(f: Finding, level: str, state: str, path: str) -> str:
    props = [f"file={github_property(path)}", f"line={max(f.line, 1)}"]
    if f.column is not None:
        props.append(f"col={f.column}")
    props.append(f"title={github_property('secretsops: ' + f.type)}")
    return _github_command(level, props, message(f, state))


def azure_annotation(f: Finding, level: str, state: str, path: str) -> str:
    props = [
        f"type={level}",
        f"sourcepath={azure_property(path)}",
        f"linenumber={max(f.line, 1)}",
    ]
    if f.column is not None:
        props.append(f"columnnumber={f.column}")
    props.append(f"code={azure_property(rule_id(f.type))}")
    return _azure_logissue(props, message(f, state))


def _github_command(level: str, props: list[str], text: str) -> str:
    """``::level props::data``: the workflow command grammar (properties already escaped)."""
    return f"::{level} {','.join(props)}::{github_data(text)}"


def _azure_logissue(props: list[str], text: str) -> str:
    """``##vso[task.logissue props;]data``: the logging command (properties already escaped)."""
    return f"##vso[task.logissue {';'.join(props)};]{azure_data(text)}"


def annotation_path(platform: str, root: Path, rel: str, env: dict[str, str]) -> str:
    """The path a platform expects: repository-relative on GitHub, absolute on Azure."""
    full = root / rel
    if platform == AZURE:
        return str(full)
    workspace = env.get("GITHUB_WORKSPACE")
    if workspace:
        try:
            return Path(os.path.relpath(full, workspace)).as_posix()
        except ValueError:  # pragma: no cover - another drive on Windows
            return rel
    return rel


def log_commands(
    platform: str,
    root: Path,
    items: Iterable[tuple[Finding, str, str]],
    env: dict[str, str],
) -> list[str]:
    """Log commands for (finding, level, state) triples; none outside a known platform."""
    out: list[str] = []
    for f, level, state in items:
        path = annotation_path(platform, root, f.path, env)
        if platform == GITHUB:
            out.append(github_annotation(f, level, state, path))
        elif platform == AZURE:
            out.append(azure_annotation(f, level, state, path))
    return out


def warning_command(platform: str, root: Path, rel: str, env: dict[str, str], text: str) -> str:
    """A warning about a file, as the platform's log command (a plain line elsewhere)."""
    path = annotation_path(platform, root, rel, env)
    if platform == GITHUB:
        props = [f"file={github_property(path)}", f"title={github_property('secretsops')}"]
        return _github_command("warning", props, text)
    if platform == AZURE:
        return _azure_logissue(["type=warning", f"sourcepath={azure_property(path)}"], text)
    return f"secretsops: warning: {rel}: {text}"
