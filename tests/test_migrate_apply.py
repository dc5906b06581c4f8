"""``secretsops migrate apply`` end to end: the real SecretClient against the emulator over HTTPS
(or the embedded local vault), generated repositories, reruns, report, and clean errors."""

from __future__ import annotations

import json
import os
import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import fakes
import pytest
from conftest import Repo, assert_clean_error, base_env
from migrate_support import (
    PLAN,
    Generated,
    assert_files_whole,
    assert_no_value,
    assert_only_manual_left,
    assert_vault_holds,
    generated_repo,
    load_plan,
    state_files,
)

from secretsops.migrate import atomic
from secretsops.migrate.local_vault import KEY_NAME, LocalVault
from secretsops.scan import fingerprint as fp
from secretsops.vault.emulator import Emulator

VAULT = ["--vault-url", "https://myvault.vault.azure.net"]
REPORT = ".secretsops/migration-report.md"


@pytest.fixture
def vault() -> Iterator[Emulator]:
    with Emulator() as emulator:
        yield emulator


@pytest.fixture
def gen(tmp_path: Path) -> Generated:
    gen = generated_repo(tmp_path / "repo")
    proc = gen.repo.run("migrate", "plan", *VAULT, *gen.confirm_args())
    assert proc.returncode == 0, proc.stderr
    return gen


def _apply(gen: Generated, vault: Emulator, *extra: str) -> tuple[int, str, str]:
    proc = gen.repo.run(
        "migrate", "apply", PLAN, "--vault-url", vault.url, "--ca-file", vault.ca_file, *extra
    )
    return proc.returncode, proc.stdout, proc.stderr


def _outputs_clean(gen: Generated, *texts: str) -> None:
    assert_no_value(gen.candidates(), *texts, paths=state_files(gen.repo.path))


def test_dry_run_writes_nothing(gen: Generated, vault: Emulator) -> None:
    before = {
        p: p.read_bytes()
        for p in gen.repo.path.rglob("*")
        if p.is_file() and ".git" not in p.parts and ".secretsops" not in p.parts
    }
    code, out, err = _apply(gen, vault)
    assert code == 0, err
    assert "nothing was written" in out
    with vault.secret_client() as client:
        assert list(client.list_properties_of_secrets()) == []
    for path, data in before.items():
        assert path.read_bytes() == data
    assert not (gen.repo.path / ".secretsops" / "journal.json").exists()
    _outputs_clean(gen, out, err)


def test_apply_moves_every_secret_once_and_rewrites_files_whole(
    gen: Generated, vault: Emulator
) -> None:
    plan = load_plan(gen.repo.path)
    code, out, err = _apply(gen, vault, "--yes")
    assert_only_manual_left(code, err)
    with vault.secret_client() as client:
        assert_vault_holds(client, plan, gen.candidates())
        assert {s.name for s in client.list_properties_of_secrets()} == {
            s.name for s in plan.secrets
        }
    states = assert_files_whole(gen.repo.path, plan)
    for planned in plan.files:
        text = (gen.repo.path / planned.path).read_text()
        fps = {
            s.fingerprint for s in plan.secrets for loc in s.locations if loc.path == planned.path
        }
        values = [v for v in gen.candidates() if fp.fingerprint(v) in fps]
        if planned.new_sha256 is not None:
            assert states[planned.path] == "new"
            assert not any(v in text for v in values), planned.path
        else:
            assert states[planned.path] == "old"  # manual: the person rewrites it
    assert stat.S_IMODE((gen.repo.path / ".env").stat().st_mode) == 0o600  # kept on rewrite
    report = (gen.repo.path / REPORT).read_text()
    assert "Rotate every migrated secret" in report
    for secret in plan.secrets:
        assert f"--name {secret.name}" in report
    _outputs_clean(gen, out, err)

    # a second run is free: no new version, nothing rewritten again
    code, out2, err2 = _apply(gen, vault, "--yes")
    assert_only_manual_left(code, err2)
    assert "written" not in out2.replace("rewritten", "")
    with vault.secret_client() as client:
        assert_vault_holds(client, plan, gen.candidates())
    assert assert_files_whole(gen.repo.path, plan) == states
    _outputs_clean(gen, out2, err2)
    journal = (gen.repo.path / ".secretsops" / "journal.json").read_text()
    assert journal.count('"run-started"') == 2


def test_report_option_and_rotation_commands(gen: Generated, vault: Emulator) -> None:
    code, out, err = _apply(gen, vault, "--yes", "--report", str(gen.repo.path / "moved.md"))
    assert "moved.md" in out
    assert_only_manual_left(code, err)
    report = (gen.repo.path / "moved.md").read_text()
    assert "az keyvault secret set --vault-name myvault" in report
    assert_no_value(gen.candidates(), report)


def test_local_vault_persists_sealed_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    gen = generated_repo(tmp_path / "repo")
    repo = gen.repo
    assert repo.run("migrate", "plan", "--vault", "local", *gen.confirm_args()).returncode == 0
    plan = load_plan(repo.path)
    proc = repo.run("migrate", "apply", PLAN, "--yes")
    assert_only_manual_left(proc.returncode, proc.stderr)
    key = tmp_path / "config" / "secretsops" / KEY_NAME
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert (repo.path / ".secretsops" / "vault.db").exists()
    assert (repo.path / ".secretsops" / ".gitignore").exists()
    assert repo.git("status", "--porcelain", "--", ".secretsops") == ""
    _outputs_clean(gen, proc.stdout, proc.stderr)

    # values survive the run, readable only with the key
    local = LocalVault(repo.path / ".secretsops").start()
    try:
        client = _local_client(local)
        assert_vault_holds(client, plan, gen.candidates())
    finally:
        local.stop()
    proc = repo.run("migrate", "apply", PLAN, "--yes")
    assert_only_manual_left(proc.returncode, proc.stderr)
    assert "unchanged" in proc.stdout
    _outputs_clean(gen, proc.stdout, proc.stderr)

    key.unlink()
    assert_clean_error(repo.run("migrate", "apply", PLAN, "--yes"))


def _local_client(local: LocalVault) -> object:
    from azure.keyvault.secrets import SecretClient

    return SecretClient(
        local.url,
        local.credential(),
        verify_challenge_resource=False,
        connection_verify=str(local.ca_file),
    )


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unreachable_vault_and_refused_credential_exit_2(
    gen: Generated, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECRETSOPS_VAULT_RETRIES", "0")
    repo = gen.repo
    plan = load_plan(repo.path)
    with Emulator(token="right-token") as strict:
        ca = strict.ca_file
        down = repo.run(
            "migrate",
            "apply",
            PLAN,
            "--yes",
            "--vault-url",
            f"https://127.0.0.1:{_closed_port()}",
            "--ca-file",
            ca,
        )
        assert_clean_error(down)
        assert "cannot reach the vault" in down.stderr
        assert len(down.stderr.strip().splitlines()) == 1, down.stderr
        wrong = repo.run(
            "migrate",
            "apply",
            PLAN,
            "--yes",
            "--vault-url",
            strict.url,
            "--ca-file",
            ca,
            "--token",
            "wrong-token",
        )
        assert_clean_error(wrong)
        assert "did not accept the credential" in wrong.stderr
        assert "check --token" in wrong.stderr and "--credential" not in wrong.stderr
        # azure-identity's EnvironmentCredential, with no service principal in the environment
        unavailable = repo.run(
            "migrate",
            "apply",
            PLAN,
            "--yes",
            "--vault-url",
            strict.url,
            "--ca-file",
            ca,
            "--credential",
            "environment",
        )
        assert_clean_error(unavailable)
        assert "did not accept the credential" in unavailable.stderr
        assert "check --credential" in unavailable.stderr
        assert_clean_error(repo.run("migrate", "apply", PLAN, "--credential", "bogus"))
    assert set(assert_files_whole(repo.path, plan).values()) == {"old"}
    _outputs_clean(gen, down.stdout, down.stderr, wrong.stdout, wrong.stderr, unavailable.stderr)


def test_bad_plans_exit_2(tmp_path: Path, vault: Emulator) -> None:
    env = base_env()
    from conftest import call_secretsops

    missing = call_secretsops("migrate", "apply", "nope.json", cwd=tmp_path, env=env)
    assert_clean_error(missing)
    (tmp_path / "bad.json").write_text("{")
    assert_clean_error(call_secretsops("migrate", "apply", "bad.json", cwd=tmp_path, env=env))
    (tmp_path / "other.json").write_text('{"format": "something"}')
    assert_clean_error(call_secretsops("migrate", "apply", "other.json", cwd=tmp_path, env=env))
    (tmp_path / "v.json").write_text(
        '{"format": "secretsops-migration-plan", "version": 1, "secrets": []}'
    )
    assert_clean_error(call_secretsops("migrate", "apply", "v.json", cwd=tmp_path, env=env))


def test_atomic_write_keeps_mode_and_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "script.sh"
    target.write_bytes(b"old\n")
    os.chmod(target, 0o700)
    atomic.write_bytes(target, b"new\n")
    assert target.read_bytes() == b"new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o700
    assert sorted(p.name for p in tmp_path.iterdir()) == ["script.sh"]
    bom = atomic.decode(b"\xef\xbb\xbfcaf\xc3\xa9\n")
    assert bom.encode(bom.text) == b"\xef\xbb\xbfcaf\xc3\xa9\n"
    latin = atomic.decode(b"caf\xe9\n")
    assert latin.encode(latin.text) == b"caf\xe9\n"


def test_journal_lock_and_leftovers(gen: Generated, vault: Emulator) -> None:
    from secretsops.migrate.journal import exclusive

    state = gen.repo.path / ".secretsops"
    with exclusive(state):
        busy = gen.repo.run(
            "migrate", "apply", PLAN, "--yes", "--vault-url", vault.url, "--ca-file", vault.ca_file
        )
    assert_clean_error(busy)
    assert "another secretsops migrate apply is running" in busy.stderr
    # a temporary file a crash left beside a planned file is cleared by the next run
    stale = gen.repo.path / "src" / ".app.py.k2j3h4.secretsops-tmp"
    stale.write_text("rewritten text\n")
    code, _, err = _apply(gen, vault, "--yes")
    assert_only_manual_left(code, err)
    assert not stale.exists()
    (state / "journal.json").write_text("{ truncated")
    broken = gen.repo.run(
        "migrate", "apply", PLAN, "--yes", "--vault-url", vault.url, "--ca-file", vault.ca_file
    )
    assert_clean_error(broken)
    assert "journal" in broken.stderr


def test_against_a_running_vault_serve_with_a_token(gen: Generated) -> None:
    """`secretsops vault serve --token` in its own process; apply finds the token in the
    environment, as docs/migration.md says."""
    from secretsops.vault.emulator import EmulatorProcess

    plan = load_plan(gen.repo.path)
    token = fakes.password()
    with EmulatorProcess(token=token) as served:
        env = base_env()
        env["SECRETSOPS_VAULT_TOKEN"] = token
        args = ["--vault-url", served.url, "--ca-file", str(served.ca_file)]
        proc = gen.repo.proc("migrate", "apply", PLAN, "--yes", *args, env=env)
        assert_only_manual_left(proc.returncode, proc.stderr)
        with served.secret_client() as client:
            assert_vault_holds(client, plan, gen.candidates())
    assert_files_whole(gen.repo.path, plan)
    _outputs_clean(gen, proc.stdout, proc.stderr)


def test_private_keys_move_whole_and_apart(tmp_path: Path) -> None:
    """detect-secrets reports a private key by its armour only, the same for every key; the
    vault must get each whole PEM block, one secret per key."""
    repo = Repo(tmp_path / "repo")
    keys = {"deploy/key.pem": fakes.private_key_pem(), "ops/other.pem": fakes.private_key_pem()}
    for path, pem in keys.items():
        repo.write(path, pem)
    repo.add()
    repo.commit("keys")
    found = json.loads(repo.scan("--format", "json").stdout)["findings"]
    assert len({f["fingerprint"] for f in found}) == 1  # the armour, not the key
    proc = repo.run(
        "migrate",
        "plan",
        "--vault-url",
        "https://kv.vault.azure.net",
        "--confirm",
        found[0]["fingerprint"],
    )
    assert proc.returncode == 0, proc.stderr
    plan = load_plan(repo.path)
    assert len(plan.secrets) == 2
    assert {s.content_type for s in plan.secrets} == {"application/x-pem-file"}
    with Emulator() as vault:
        applied = repo.run(
            "migrate", "apply", PLAN, "--yes", "--vault-url", vault.url, "--ca-file", vault.ca_file
        )
        assert applied.returncode == 0, applied.stderr
        with vault.secret_client() as client:
            held = {client.get_secret(s.name).value for s in plan.secrets}
    assert held == {pem + "\n" for pem in keys.values()}  # each whole file
    for path in keys:
        assert not (repo.path / path).exists()
    body_lines = [line for pem in keys.values() for line in pem.splitlines()[1:-1]]
    report = (repo.path / REPORT).read_text()
    assert_no_value(
        body_lines,
        proc.stdout,
        applied.stdout,
        applied.stderr,
        report,
        paths=state_files(repo.path),
    )
