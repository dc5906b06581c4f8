"""``secretsops migrate plan`` on generated repositories: confirmed findings only, one secret per
value, valid deterministic names, exact spans, and no secret value in anything it writes."""

from __future__ import annotations

import json
from pathlib import Path

import fakes
import pytest
from conftest import assert_clean_error
from migrate_support import (
    PLAN,
    Generated,
    assert_no_value,
    generated_repo,
    load_plan,
    state_files,
)

from secretsops.migrate import names
from secretsops.scan import fingerprint as fp

VAULT = ["--vault-url", "https://myvault.vault.azure.net"]


def _plan(gen: Generated, *extra: str) -> tuple[str, str]:
    proc = gen.repo.run("migrate", "plan", *VAULT, *gen.confirm_args(), *extra)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout, proc.stderr


def test_plan_groups_one_value_into_one_secret_with_every_location(tmp_path: Path) -> None:
    gen = generated_repo(tmp_path / "repo")
    stdout, stderr = _plan(gen)
    plan = load_plan(gen.repo.path)
    assert len(plan.secrets) == 4
    shared = next(s for s in plan.secrets if s.fingerprint == fp.fingerprint(gen.values["shared"]))
    assert {loc.path for loc in shared.locations} == {
        "src/app.py",
        "deploy.sh",
        "config/settings.ini",
    }
    assert shared.name == "db-password" and shared.env_name == "DB_PASSWORD"
    for secret in plan.secrets:
        assert names.is_valid(secret.name)
        assert secret.tags["managed-by"] == "secretsops"
        assert secret.tags["repository"] == "repo"
        assert len(secret.tags["first-commit"]) == 40
        assert secret.content_type == "text/plain"
    for secret in plan.secrets:
        value = next(v for v in gen.candidates() if fp.fingerprint(v) == secret.fingerprint)
        for loc in secret.locations:
            text = (gen.repo.path / loc.path).read_text()
            # the span holds the value (or, for an automatic rewrite, the setting holding it)
            assert value in text[loc.start : loc.end] or loc.automatic
            assert loc.finding_fingerprint.startswith("so1:")
    assert len({s.name.lower() for s in plan.secrets}) == 4
    # the summary names each secret and location
    assert "db-password" in stdout and "config/settings.ini:3" in stdout
    assert_no_value(gen.candidates(), stdout, stderr, paths=state_files(gen.repo.path))


def test_diffs_and_manual_steps_show_previews_never_values(tmp_path: Path) -> None:
    gen = generated_repo(tmp_path / "repo")
    stdout, _ = _plan(gen)
    plan = load_plan(gen.repo.path)
    previews = {fp.fingerprint(v): fp.preview(v) for v in gen.candidates()}
    for planned in plan.files:
        secret_fps = {
            s.fingerprint for s in plan.secrets for loc in s.locations if loc.path == planned.path
        }
        shown = [previews[f] for f in secret_fps]
        if planned.new_sha256 is not None:
            removed = [line for line in planned.diff.splitlines() if line.startswith("-")][1:]
            assert removed, planned.path
            assert any(p in line for line in removed for p in shown), planned.diff
        else:
            assert planned.kind == "manual" and planned.manual
            assert any(p in step for step in planned.manual for p in shown)
    raw = (gen.repo.path / PLAN).read_text()
    assert_no_value(gen.candidates(), raw, stdout)


def test_plan_is_deterministic(tmp_path: Path) -> None:
    gen = generated_repo(tmp_path / "repo")
    _plan(gen)
    first = json.loads((gen.repo.path / PLAN).read_text())
    _plan(gen)
    second = json.loads((gen.repo.path / PLAN).read_text())
    first.pop("created"), second.pop("created")
    assert first == second


def test_only_findings_labelled_real_in_the_baseline(tmp_path: Path) -> None:
    gen = generated_repo(tmp_path / "repo")
    repo = gen.repo
    assert repo.run("baseline", "create").returncode == 0
    real = fp.fingerprint(gen.values["pipeline"])
    false = fp.fingerprint(gen.values["env"])
    assert repo.run("audit", "--mark", real, "real").returncode == 0
    assert repo.run("audit", "--mark", false, "false-positive").returncode == 0
    proc = repo.run("migrate", "plan", *VAULT, "-o", "p.json")
    assert proc.returncode == 0, proc.stderr
    plan = load_plan(repo.path, "p.json")
    assert [s.fingerprint for s in plan.secrets] == [real]
    assert plan.baseline == ".secrets.baseline"


def test_name_override_and_collision_suffix(tmp_path: Path) -> None:
    gen = generated_repo(tmp_path / "repo")
    pipeline = fp.fingerprint(gen.values["pipeline"])
    env = fp.fingerprint(gen.values["env"])
    _plan(gen, "--name", f"{pipeline[:12]}=db-password", "--name", f"{env}=api-key")
    plan = load_plan(gen.repo.path)
    by_fp = {s.fingerprint: s.name for s in plan.secrets}
    assert by_fp[pipeline] == "db-password"
    assert by_fp[env] == "api-key"
    assert by_fp[fp.fingerprint(gen.values["shared"])] == "db-password-2"


def test_usage_errors_exit_2_with_one_line(tmp_path: Path) -> None:
    gen = generated_repo(tmp_path / "repo")
    repo = gen.repo
    assert_clean_error(repo.run("migrate", "plan"))  # no vault
    assert_clean_error(repo.run("migrate", "plan", *VAULT))  # no baseline, no --confirm
    assert_clean_error(repo.run("migrate", "plan", "--vault-url", "http://x", "--confirm", "so1:1"))
    assert_clean_error(repo.run("migrate", "plan", "--vault", "remote", "--confirm", "so1:1234"))
    missing = repo.run("migrate", "plan", *VAULT, "--confirm", "so1:00000000")
    assert_clean_error(missing)
    bad_name = repo.run("migrate", "plan", *VAULT, *gen.confirm_args(), "--name", "so1:00000000=x")
    assert_clean_error(bad_name)
    invalid = repo.run(
        "migrate", "plan", *VAULT, *gen.confirm_args(), "--name", f"{gen.fingerprints()[0]}=a_b"
    )
    assert_clean_error(invalid)
    (repo.path / ".secrets.baseline").write_text("{not json")
    assert_clean_error(repo.run("migrate", "plan", *VAULT))
    for proc in (missing, bad_name, invalid):
        assert_no_value(gen.candidates(), proc.stdout, proc.stderr)


def test_copies_no_detector_reports_are_locations_too(tmp_path: Path) -> None:
    gen = generated_repo(tmp_path / "repo")
    shared = gen.values["shared"]
    gen.repo.write("docs/NOTES.md", f"Staging login, until we rotate it: {shared}\n")
    scan = gen.repo.scan("--format", "json", "docs/NOTES.md")
    assert json.loads(scan.stdout)["findings"] == []  # no detector sees this copy
    stdout, _ = _plan(gen)
    plan = load_plan(gen.repo.path)
    secret = next(s for s in plan.secrets if s.fingerprint == fp.fingerprint(shared))
    notes = [loc for loc in secret.locations if loc.path == "docs/NOTES.md"]
    assert len(notes) == 1 and not notes[0].automatic and notes[0].line == 1
    text = (gen.repo.path / "docs/NOTES.md").read_text()
    assert text[notes[0].start : notes[0].end] == shared
    assert any("docs/NOTES.md:1" in step for f in plan.files for step in f.manual)
    assert_no_value(gen.candidates(), stdout, (gen.repo.path / PLAN).read_text())


def test_pipeline_options_reach_the_rewriter(tmp_path: Path) -> None:
    gen = generated_repo(tmp_path / "repo")
    _plan(gen, "--variable-group", "kv-app-prod")
    plan = load_plan(gen.repo.path)
    assert plan.variable_group == "kv-app-prod"
    pipeline = plan.file("azure-pipelines.yml")
    assert pipeline.kind == "azure-pipelines"
    assert "kv-app-prod" in pipeline.diff
    assert "AzureKeyVault@2" not in pipeline.diff


def test_the_leak_guard_refuses_text_holding_a_value() -> None:
    from secretsops.errors import LeakError
    from secretsops.migrate import diffs, planner

    value = fakes.password()
    planner.guard(f"preview only: {fp.preview(value)}", [value])
    with pytest.raises(LeakError) as caught:
        planner.guard(f'{{"note": "{value}"}}', [value])
    assert value not in str(caught.value)
    pem = fakes.private_key_pem()
    redact = diffs.Redactor([value, pem])
    shown = redact(f"a = {value}\n{pem}\n")
    assert value not in shown
    assert not any(line in shown for line in pem.splitlines()[1:-1])
