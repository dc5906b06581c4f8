"""The CI templates: valid against the platforms' published schemas, and their scripts work.

The schemas are those ``check-jsonschema`` ships (``--builtin-schema vendor.*``, offline), run
as a subprocess the way a user would. The scan steps' shell scripts are then run for real on a
shallow pull-request checkout, with the values the platforms substitute before running them
(template parameters and action inputs at their defaults, ``$(Build.ArtifactStagingDirectory)``).
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import BIN, REPO_ROOT, SARIF_SCHEMA
from test_ci_scan import (
    World,
    azure_annotations,
    azure_pr_checkout,
    azure_pr_env,
    build_world,
    github_annotations,
    github_pr_checkout,
    github_pr_env,
    github_push_checkout,
    github_push_env,
)

from secretsops.ci.gate import FailOn
from secretsops.scan.findings import Confidence

CHECK = str(BIN / "check-jsonschema")
STEP_TEMPLATE = REPO_ROOT / "ci" / "azure-pipelines" / "secretsops-scan.yml"
SAMPLE_PIPELINE = REPO_ROOT / "ci" / "azure-pipelines" / "azure-pipelines.sample.yml"
ACTION = REPO_ROOT / "action.yml"
SAMPLE_WORKFLOW = REPO_ROOT / "ci" / "github" / "secretsops.yml"
PRE_COMMIT_SAMPLES = sorted((REPO_ROOT / "ci" / "pre-commit").glob("*.yaml"))

# The vendored schemas hold patterns that check-jsonschema's default ECMAScript engine
# (regress) rejects ("Invalid character escape") when validation reaches them; Python's engine
# reads them.
PY_REGEX = ["--regex-variant", "python"]
CASES = [
    (STEP_TEMPLATE, "vendor.azure-pipelines", PY_REGEX),
    (SAMPLE_PIPELINE, "vendor.azure-pipelines", PY_REGEX),
    (ACTION, "vendor.github-actions", PY_REGEX),
    (SAMPLE_WORKFLOW, "vendor.github-workflows", PY_REGEX),
]


def check(path: Path, schema: str, extra: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CHECK, "--builtin-schema", schema, *extra, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(("path", "schema", "extra"), CASES, ids=lambda c: getattr(c, "name", ""))
def test_template_validates(path: Path, schema: str, extra: list[str]) -> None:
    proc = check(path, schema, extra)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize(("path", "schema", "extra"), CASES, ids=lambda c: getattr(c, "name", ""))
def test_schema_rejects_a_broken_copy(
    path: Path, schema: str, extra: list[str], tmp_path: Path
) -> None:
    """The validation has teeth: the same file with a misspelt key fails it."""
    data = load(path)
    steps = data["runs"]["steps"] if "runs" in data else None
    if steps is None:
        steps = data["steps"] if "steps" in data else data["jobs"]["secretsops"]["steps"]
    steps[-1]["displayNam"] = "typo"
    broken = tmp_path / path.name
    broken.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert check(broken, schema, extra).returncode == 1


def test_choices_match_the_command_line() -> None:
    params = {p["name"]: p for p in load(STEP_TEMPLATE)["parameters"]}
    assert params["failOn"]["values"] == [f.value for f in FailOn]
    assert params["minConfidence"]["values"] == [c.value for c in Confidence]
    inputs = load(ACTION)["inputs"]
    assert inputs["fail-on"]["default"] == params["failOn"]["default"] == FailOn.new.value
    assert inputs["min-confidence"]["default"] == Confidence.LOW.value


def test_pipeline_publishes_codeanalysislogs() -> None:
    steps = load(STEP_TEMPLATE)["steps"]
    (publish,) = [s for s in steps if s.get("task", "").startswith("PublishBuildArtifacts@")]
    assert publish["inputs"]["ArtifactName"] == "CodeAnalysisLogs"
    assert publish["condition"] == "succeededOrFailed()"
    (sample,) = [s for s in load(SAMPLE_PIPELINE)["steps"] if "checkout" in s]
    assert str(sample["fetchDepth"]) == "0"


def test_action_uploads_sarif_with_codeql_action() -> None:
    steps = load(ACTION)["runs"]["steps"]
    (upload,) = [s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload")]
    assert "upload-sarif" in upload["if"] and "exit-code != '2'" in upload["if"]
    workflow = load(SAMPLE_WORKFLOW)
    assert workflow["permissions"]["security-events"] == "write"
    assert workflow["permissions"]["actions"] == "read"  # upload-sarif, private repositories


# Majors still supported on 2026-11: CodeQL Action v3 is deprecated in December 2026, and the
# earlier majors of checkout and setup-python run on Node 20, which the runners deprecate.
CURRENT_MAJORS = {
    "actions/checkout": 5,
    "actions/setup-python": 6,
    "github/codeql-action/upload-sarif": 4,
}


def test_pinned_actions_are_current_majors() -> None:
    docs = (REPO_ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    texts = [ACTION.read_text(encoding="utf-8"), SAMPLE_WORKFLOW.read_text(encoding="utf-8"), docs]
    pins = [m for text in texts for m in re.findall(r"uses: ([\w./-]+)@v(\d+)", text)]
    assert {name for name, _ in pins} >= set(CURRENT_MAJORS)
    for name, major in pins:
        if name in CURRENT_MAJORS:
            assert int(major) >= CURRENT_MAJORS[name], f"{name}@v{major}"


@pytest.mark.parametrize("path", PRE_COMMIT_SAMPLES, ids=lambda p: p.name)
def test_pre_commit_samples_validate(path: Path) -> None:
    proc = subprocess.run(
        [str(BIN / "pre-commit"), "validate-config", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    ids = {h["id"] for r in load(path)["repos"] for h in r["hooks"]}
    manifest = {h["id"] for h in load(REPO_ROOT / ".pre-commit-hooks.yaml")}
    assert ids <= manifest


def test_hooks_manifest_validates() -> None:
    proc = subprocess.run(
        [str(BIN / "pre-commit"), "validate-manifest", str(REPO_ROOT / ".pre-commit-hooks.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


# The scripts, run ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return build_world(tmp_path_factory.mktemp("ci-templates"))


def substitute(value: str, values: dict[str, str]) -> str:
    for key, replacement in values.items():
        value = value.replace("${{ " + key + " }}", replacement)
    assert "${{" not in value, value
    return value


def run_action_scan(
    world: World, tmp_path: Path, event: str = "pull_request", **overrides: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, str], Path]:
    """The action's scan step on a pull request (or the push of ``feature``'s last commit),
    its inputs at their defaults but ``overrides``; returns the process, what it wrote to
    ``GITHUB_OUTPUT`` and the workspace."""
    if event == "push":
        repo = github_push_checkout(world, tmp_path / "ws")
        env = github_push_env(world, repo, tmp_path, world.before_push)
    else:
        repo = github_pr_checkout(world, tmp_path / "ws")
        env = github_pr_env(world, repo, tmp_path)
    action = load(ACTION)
    inputs = {f"inputs.{k}": str(v.get("default", "")) for k, v in action["inputs"].items()}
    inputs.update({f"inputs.{k}": v for k, v in overrides.items()})
    (step,) = [s for s in action["runs"]["steps"] if s.get("id") == "scan"]
    outputs = tmp_path / "github-output"
    env["GITHUB_OUTPUT"] = str(outputs)
    env.update({k: substitute(str(v), inputs) for k, v in step["env"].items()})
    script = tmp_path / "scan.sh"
    script.write_text(step["run"], encoding="utf-8")
    # How GitHub runs `shell: bash`: bash --noprofile --norc -eo pipefail {0}
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=repo.path / substitute(step["working-directory"], inputs),
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    written = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    return proc, written, repo.path


def sarif_uris(doc: dict[str, Any]) -> list[str]:
    return sorted(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in doc["runs"][0]["results"]
    )


def test_action_scan_step_runs(world: World, tmp_path: Path) -> None:
    proc, written, workspace = run_action_scan(world, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr  # the gate step fails the job later
    assert written["exit-code"] == "1"
    # Annotated and gated: what the pull request adds.
    assert sorted(n["file"] for n in github_annotations(proc.stdout)) == [
        "app.py",
        "app.py",
        "later.py",
    ]
    # Uploaded: every finding at HEAD the baseline does not accept, main's too (code scanning
    # tells the pull request's alerts from the base branch's analysis).
    sarif = json.loads((workspace / written["sarif-file"]).read_text(encoding="utf-8"))
    _assert_valid_sarif(sarif, 4)
    assert sarif_uris(sarif) == ["app.py", "app.py", "later.py", "main_later.py"]


def test_action_sarif_of_a_push_keeps_earlier_findings(world: World, tmp_path: Path) -> None:
    """Code scanning marks an alert fixed when the branch's next analysis lacks it: the log a
    push uploads holds the findings of earlier pushes still in the tree (app.py), not only
    what this push adds (later.py)."""
    proc, written, workspace = run_action_scan(world, tmp_path, event="push")
    assert written["exit-code"] == "1", proc.stdout + proc.stderr
    assert [n["file"] for n in github_annotations(proc.stdout)] == ["later.py"]
    sarif = json.loads((workspace / written["sarif-file"]).read_text(encoding="utf-8"))
    _assert_valid_sarif(sarif, 3)
    assert sarif_uris(sarif) == ["app.py", "app.py", "later.py"]


@pytest.mark.parametrize("where", ["relative", "absolute"])
def test_action_uploads_the_sarif_it_wrote(world: World, tmp_path: Path, where: str) -> None:
    """upload-sarif runs in the workspace: its sarif_file must name the log the scan wrote,
    also when sarif-file is absolute (``${{ runner.temp }}/...``, outside the workspace)."""
    wanted = str(tmp_path / "runner-temp" / "s.sarif") if where == "absolute" else "s.sarif"
    if where == "absolute":
        Path(wanted).parent.mkdir()
    proc, written, workspace = run_action_scan(world, tmp_path, **{"sarif-file": wanted})
    assert written["exit-code"] == "1", proc.stdout + proc.stderr
    steps = load(ACTION)["runs"]["steps"]
    (upload,) = [s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload")]
    action = load(ACTION)
    values = {f"inputs.{k}": str(v.get("default", "")) for k, v in action["inputs"].items()}
    values["inputs.sarif-file"] = wanted
    values.update({f"steps.scan.outputs.{k}": v for k, v in written.items()})
    sent = workspace / substitute(upload["with"]["sarif_file"], values)
    _assert_valid_sarif(json.loads(sent.read_text(encoding="utf-8")), 4)


def test_azure_scan_step_runs(world: World, tmp_path: Path) -> None:
    repo = azure_pr_checkout(world, tmp_path / "s")
    staging = tmp_path / "a"
    template = load(STEP_TEMPLATE)
    params = {f"parameters.{p['name']}": str(p.get("default", "")) for p in template["parameters"]}
    (step,) = [s for s in template["steps"] if "secretsops scan" in s.get("bash", "").replace(
        '"${args[@]}"', "scan")]  # fmt: skip
    macros = {"$(Build.ArtifactStagingDirectory)": str(staging)}
    script_text = step["bash"]
    for macro, value in macros.items():
        script_text = script_text.replace(macro, value)
    env = azure_pr_env(world, repo)
    env.update({k: substitute(str(v), params) for k, v in step["env"].items()})
    script = tmp_path / "scan.sh"
    script.write_text(script_text, encoding="utf-8")
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", str(script)],
        cwd=repo.path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr  # fails the job: new findings
    assert len(azure_annotations(proc.stdout)) == 3
    sarif = json.loads((staging / "CodeAnalysisLogs" / "secretsops.sarif").read_text())
    _assert_valid_sarif(sarif, 3)


def _assert_valid_sarif(doc: dict[str, Any], results: int) -> None:
    import jsonschema

    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    errors = list(jsonschema.Draft4Validator(schema).iter_errors(doc))
    assert not errors, errors[:3]
    assert len(doc["runs"][0]["results"]) == results
