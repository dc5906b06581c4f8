"""Fault tests of ``migrate apply``, with the real SecretClient over HTTPS against the emulator
(through a fault proxy where the fault is the vault's): the vault going away mid-run, 403 on
write, a name held by a soft-deleted secret, a file changed after planning, and the process
killed at each journaled step. After each: a second apply completes, every secret is in the
vault exactly once with the right value, every file is fully old or fully rewritten, and no
value is in any file under .secretsops/, the plan, the report, stdout or stderr."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import fakes
import pytest
from conftest import assert_clean_error, base_env
from migrate_support import (
    PLAN,
    FaultProxy,
    Generated,
    assert_files_whole,
    assert_no_value,
    assert_only_manual_left,
    assert_vault_holds,
    drop_after_puts,
    forbid_writes,
    generated_repo,
    load_plan,
    state_files,
)

from secretsops.migrate import journal
from secretsops.scan import fingerprint as fp
from secretsops.vault.emulator import Emulator

VAULT = ["--vault-url", "https://myvault.vault.azure.net"]


@pytest.fixture
def vault() -> Iterator[Emulator]:
    with Emulator() as emulator:
        yield emulator


@pytest.fixture
def gen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Generated:
    monkeypatch.setenv("SECRETSOPS_VAULT_RETRIES", "0")
    gen = generated_repo(tmp_path / "repo")
    proc = gen.repo.run("migrate", "plan", *VAULT, *gen.confirm_args())
    assert proc.returncode == 0, proc.stderr
    return gen


def _apply(gen: Generated, url: str, ca: Path, *extra: str) -> tuple[int, str, str]:
    proc = gen.repo.run(
        "migrate", "apply", PLAN, "--yes", "--vault-url", url, "--ca-file", ca, *extra
    )
    return proc.returncode, proc.stdout, proc.stderr


def _clean(gen: Generated, *texts: str) -> None:
    assert_no_value(gen.candidates(), *texts, paths=state_files(gen.repo.path))


def _complete(gen: Generated, vault: Emulator, *extra: str, resuming: bool = True) -> None:
    """A second, undisturbed apply finishes the job (resuming the journal of the first)."""
    code, out, err = _apply(gen, vault.url, vault.ca_file, *extra)
    assert_only_manual_left(code, err)
    assert ("resuming" in err) == resuming
    plan = load_plan(gen.repo.path)
    with vault.secret_client() as client:
        assert_vault_holds(client, plan, gen.candidates())
    states = assert_files_whole(gen.repo.path, plan)
    for planned in plan.files:
        assert states[planned.path] == ("new" if planned.new_sha256 else "old")
    _clean(gen, out, err)


def test_vault_going_away_mid_run(gen: Generated, vault: Emulator) -> None:
    plan = load_plan(gen.repo.path)
    with FaultProxy(vault) as proxy:
        proxy.set_rule(drop_after_puts(1))
        code, out, err = _apply(gen, proxy.url, proxy.ca_file)
        assert [m for m, _ in proxy.seen].count("PUT") >= 1
    assert_clean_error(type("P", (), {"returncode": code, "stdout": out, "stderr": err})())
    assert "cannot reach the vault" in err
    assert "not attempted" in out
    with vault.secret_client() as client:
        stored = list(client.list_properties_of_secrets())
        assert len(stored) == 1  # the one write answered before the vault went away
    assert_files_whole(gen.repo.path, plan)
    _clean(gen, out, err)
    _complete(gen, vault)


def test_403_on_write(gen: Generated, vault: Emulator) -> None:
    plan = load_plan(gen.repo.path)
    with FaultProxy(vault) as proxy:
        proxy.set_rule(forbid_writes)
        code, out, err = _apply(gen, proxy.url, proxy.ca_file)
    assert code == 2
    lines = [line for line in err.splitlines() if line.startswith("secretsops: error:")]
    assert len(lines) == 1 and "403" in lines[0] and "Traceback" not in err
    assert set(assert_files_whole(gen.repo.path, plan).values()) == {"old"}
    with vault.secret_client() as client:
        assert list(client.list_properties_of_secrets()) == []
    _clean(gen, out, err)
    _complete(gen, vault)


def test_name_held_by_a_soft_deleted_secret(gen: Generated, vault: Emulator) -> None:
    plan = load_plan(gen.repo.path)
    conn = {fp.fingerprint(gen.values["conn"]), fp.fingerprint(gen.settings["conn"])}
    target = next(s for s in plan.secrets if s.fingerprint in conn)
    with vault.secret_client() as client:
        client.set_secret(target.name, "an older value")
        client.begin_delete_secret(target.name).wait()
    code, out, err = _apply(gen, vault.url, vault.ca_file)
    assert code == 1, (out, err)
    assert "--recover-deleted" in err and "Traceback" not in err
    for planned in plan.files:
        holds = any(loc.path == planned.path for loc in target.locations)
        if holds:
            assert assert_files_whole(gen.repo.path, plan)[planned.path] == "old"
    with vault.secret_client() as client:
        others = {s.name for s in client.list_properties_of_secrets()}
        assert others == {s.name for s in plan.secrets} - {target.name}
    _clean(gen, out, err)

    code, out, err = _apply(gen, vault.url, vault.ca_file, "--recover-deleted")
    assert_only_manual_left(code, err)
    with vault.secret_client() as client:
        got = client.get_secret(target.name)
        assert got.value in (gen.values["conn"], gen.settings["conn"])
        # the recovered older version and exactly one of ours
        assert len(list(client.list_properties_of_secret_versions(target.name))) == 2
        for secret in plan.secrets:
            if secret.name != target.name:
                versions = list(client.list_properties_of_secret_versions(secret.name))
                assert len(versions) == 1
    assert_files_whole(gen.repo.path, plan)
    _clean(gen, out, err)


def test_file_changed_after_planning(gen: Generated, vault: Emulator) -> None:
    repo = gen.repo
    plan = load_plan(repo.path)
    changed = "appsettings.json"
    edited = (repo.path / changed).read_text().replace('"Default"', '"Primary"')
    (repo.path / changed).write_text(edited)
    code, out, err = _apply(gen, vault.url, vault.ca_file)
    assert code == 1, (out, err)
    assert f"{changed} changed since the plan" in err
    assert (repo.path / changed).read_text() == edited  # not touched
    for planned in plan.files:
        if planned.path != changed:
            assert atomic_state(repo.path, planned) in ("old", "new")
    _clean(gen, out, err)
    # the same plan keeps reporting it; a new plan finishes the job without new versions
    code, out, err = _apply(gen, vault.url, vault.ca_file)
    assert code == 1 and changed in err
    proc = repo.run("migrate", "plan", *VAULT, *gen.confirm_args())
    assert proc.returncode == 0, proc.stderr
    _complete(gen, vault, resuming=False)  # a new plan, a new journal entry


def atomic_state(root: Path, planned: object) -> str:
    from secretsops.migrate import atomic

    digest = atomic.sha256((root / planned.path).read_bytes())  # type: ignore[attr-defined]
    if digest == planned.sha256:  # type: ignore[attr-defined]
        return "old"
    return "new" if digest == planned.new_sha256 else "other"  # type: ignore[attr-defined]


def _steps_of_a_full_run(tmp_path: Path) -> int:
    """How many steps an undisturbed run journals (measured on a copy of the scenario)."""
    gen = generated_repo(tmp_path / "probe")
    assert gen.repo.run("migrate", "plan", *VAULT, *gen.confirm_args()).returncode == 0
    with Emulator() as vault:
        code, _, err = _apply(gen, vault.url, vault.ca_file)
        assert_only_manual_left(code, err)
    data = (gen.repo.path / ".secretsops" / "journal.json").read_text()
    return data.count('"step"')


@pytest.mark.parametrize("kill_after", [1, 2, 3, 4, 6, 9, 11, 13])
def test_killed_at_a_journal_step_then_resumed(
    gen: Generated, vault: Emulator, kill_after: int
) -> None:
    """SIGKILL right after the N-th journal step: 2 is after the first vault write, before
    its read-back is journaled; 3 after the first secret is verified; 9 after the last secret
    is verified, before any file is rewritten; 11 and 13 between file rewrites."""
    plan = load_plan(gen.repo.path)
    env = base_env()
    env[journal.KILL_ENV] = str(kill_after)
    env["SECRETSOPS_VAULT_RETRIES"] = "0"
    proc = gen.repo.proc(
        "migrate",
        "apply",
        PLAN,
        "--yes",
        "--vault-url",
        vault.url,
        "--ca-file",
        vault.ca_file,
        env=env,
    )
    assert proc.returncode == -signal.SIGKILL, (proc.returncode, proc.stderr)
    steps = (gen.repo.path / ".secretsops" / "journal.json").read_text().count('"step"')
    assert steps == kill_after
    assert_files_whole(gen.repo.path, plan)
    with vault.secret_client() as client:
        for secret in client.list_properties_of_secrets():
            assert len(list(client.list_properties_of_secret_versions(secret.name))) == 1
    _clean(gen, proc.stdout, proc.stderr)
    _complete(gen, vault)
    data = (gen.repo.path / ".secretsops" / "journal.json").read_text()
    assert data.count('"run-started"') == 2


def test_kill_points_cover_the_whole_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The parametrised kill points above reach past the last vault write."""
    monkeypatch.setenv("SECRETSOPS_VAULT_RETRIES", "0")
    total = _steps_of_a_full_run(tmp_path)
    # run-started, 4 x (written, verified), 4 files rewritten, run-finished
    assert total == 14


def test_name_holding_another_value_is_not_overwritten_silently(
    gen: Generated, vault: Emulator
) -> None:
    plan = load_plan(gen.repo.path)
    target = plan.secrets[0]
    unrelated = fakes.password()
    with vault.secret_client() as client:
        client.set_secret(target.name, unrelated)
    code, out, err = _apply(gen, vault.url, vault.ca_file)
    assert code == 1, (out, err)
    assert "--overwrite" in err
    with vault.secret_client() as client:
        assert client.get_secret(target.name).value == unrelated
    for loc in target.locations:
        assert atomic_state(gen.repo.path, plan.file(loc.path)) == "old"
    _clean(gen, out, err)
    code, out, err = _apply(gen, vault.url, vault.ca_file, "--overwrite")
    assert_only_manual_left(code, err)
    with vault.secret_client() as client:
        assert fp.fingerprint(client.get_secret(target.name).value) == target.fingerprint
        assert len(list(client.list_properties_of_secret_versions(target.name))) == 2
    assert_files_whole(gen.repo.path, plan)
    _clean(gen, out, err, unrelated)
