"""A ``.netrc`` password found by the scanner is migrated (issue #15): the value moves to the
vault under a name from its machine, and the plan gives the manual step for the file, which no
Key Vault reference can replace. Real SecretClient against the emulator over HTTPS."""

from __future__ import annotations

import random
import string
from pathlib import Path

import pytest
from conftest import Repo
from migrate_support import PLAN, assert_no_value, load_plan, state_files

from secretsops.scan import fingerprint as fp
from secretsops.vault.emulator import Emulator

PW = "pass" + "word"


def weak_password() -> str:
    """Low entropy, as most leaked passwords: only the file's structure says what it is."""
    rng = random.SystemRandom()
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(10))


@pytest.mark.parametrize(
    ("path", "text", "name"),
    [
        (".netrc", "machine git.corp.io\n  login ci\n  " + PW + " {v}\n", "netrc-git-corp-io"),
        ("deploy/.pgpass", "pg.corp.io:5432:app:app:{v}\n", "pgpass-password"),
    ],
)
def test_a_credential_file_password_moves_to_the_vault_with_a_manual_step(
    tmp_path: Path, path: str, text: str, name: str
) -> None:
    repo = Repo(tmp_path / "repo")
    value = weak_password()
    repo.write(path, text.format(v=value))
    repo.add()
    repo.commit("credential file")
    planned = repo.run(
        "migrate",
        "plan",
        "--vault-url",
        "https://myvault.vault.azure.net",
        "--confirm",
        fp.fingerprint(value),
    )
    assert planned.returncode == 0, planned.stderr
    plan = load_plan(repo.path)
    [secret] = plan.secrets
    assert secret.name == name
    [planned_file] = plan.files
    assert planned_file.kind == "manual" and planned_file.new_sha256 is None
    step = next(m for m in planned_file.manual if "cannot reference Key Vault" in m)
    assert f"git rm --cached {path}" in step and f"--name {name}" in step

    with Emulator() as vault:
        args = ["--vault-url", vault.url, "--ca-file", vault.ca_file]
        applied = repo.run("migrate", "apply", PLAN, "--yes", *args)
        # The value is in the vault, but still in a tracked file: apply does not call it done.
        assert applied.returncode == 1, (applied.stdout, applied.stderr)
        assert path in applied.stdout + applied.stderr
        with vault.secret_client() as client:
            assert client.get_secret(name).value == value
        assert value in (repo.path / path).read_text()  # a person takes the file out
        repo.git("rm", "-q", "--cached", path)  # the manual step: out of the index, ignored
        (repo.path / ".gitignore").write_text(f"/{path}\n")
        again = repo.run("migrate", "apply", PLAN, "--yes", *args)
        assert again.returncode == 0, (again.stdout, again.stderr)
    report = (repo.path / ".secretsops" / "migration-report.md").read_text()
    assert "cannot reference Key Vault" in report
    assert_no_value(
        [value],
        planned.stdout,
        planned.stderr,
        applied.stdout,
        applied.stderr,
        again.stdout,
        again.stderr,
        report,
        paths=state_files(repo.path),
    )
