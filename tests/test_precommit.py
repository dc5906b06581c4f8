"""The pre-commit hook, run by the real ``pre-commit`` tool on real commits.

``pre-commit`` installs the hook from a git repository: a committed copy of this checkout (see
``background.snapshot``), so the hook under test is the code in the working tree. Building the
hook's environment is the slow part; the two ``try-repo`` runs (each builds its own, in a
temporary store) and the installed hook's environment (built once into a session
``PRE_COMMIT_HOME``) start in the background when these tests are collected.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import fakes
import pytest
from background import PRE_COMMIT, TIMEOUT, Heavy, hook_env
from conftest import Repo, assert_absent, git

pytestmark = pytest.mark.slow


def test_try_repo_blocks_a_staged_credential(heavy: Heavy) -> None:
    heavy.start_pre_commit()
    code, out = heavy.jobs["try-leaky"].result()
    assert code == 1, out
    assert "secretsops" in out and "Failed" in out
    assert "settings.py:2  AWS Access Key  AKIA" in out
    assert_absent(heavy.staged_secret, out)


def test_try_repo_passes_a_clean_change(heavy: Heavy) -> None:
    heavy.start_pre_commit()
    code, out = heavy.jobs["try-clean"].result()
    assert code == 0, out
    assert "Passed" in out
    assert "notes.txt" not in out


@pytest.fixture
def hooked(hook_home: Heavy, tmp_path: Path) -> Repo:
    """A repository with the hook installed through .pre-commit-config.yaml and a baseline."""
    repo = Repo(tmp_path / "hooked")
    repo.write(".pre-commit-config.yaml", hook_home.hook_config)
    repo.write("README.md", "hello\n")
    assert repo.run("baseline", "create").returncode == 0
    repo.add()
    repo.commit("setup")
    proc = subprocess.run(
        [PRE_COMMIT, "install"],
        cwd=repo.path,
        env=hook_env(hook_home.hook_home),
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return repo


def commit(repo: Repo, heavy: Heavy, message: str) -> tuple[int, str]:
    """A real ``git commit``, hooks and all; returns the exit code and all output."""
    proc = subprocess.run(
        ["git", "-c", "commit.gpgsign=false", "commit", "-m", message],
        cwd=repo.path,
        env=hook_env(heavy.hook_home),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    return proc.returncode, proc.stdout + proc.stderr


def head(repo: Repo) -> str:
    return git(repo.path, "rev-parse", "HEAD").strip()


def test_commit_with_a_credential_is_blocked(hooked: Repo, hook_home: Heavy) -> None:
    before = head(hooked)
    key = fakes.aws_access_key_id()
    hooked.write("config/app.py", fakes.aws_line(key))
    hooked.add("config/app.py")
    code, out = commit(hooked, hook_home, "add config")
    assert code != 0, out
    assert "config/app.py:1  AWS Access Key" in out
    assert_absent(key, out)
    assert head(hooked) == before


def test_clean_commit_passes(hooked: Repo, hook_home: Heavy) -> None:
    before = head(hooked)
    hooked.write("app.py", "print('hello')\n")
    hooked.write("scratch.py", fakes.aws_line())  # untracked, not staged
    hooked.add("app.py")
    code, out = commit(hooked, hook_home, "add app")
    assert code == 0, out
    assert head(hooked) != before
    assert "secretsops" in out and "Passed" in out


def test_staged_credential_removed_from_the_working_file_is_blocked(
    hooked: Repo, hook_home: Heavy
) -> None:
    hooked.write("app.py", "x = 1\n" + fakes.aws_line())
    hooked.add("app.py")
    hooked.write("app.py", "x = 1\n")  # the commit would still carry the staged version
    code, out = commit(hooked, hook_home, "sneaky")
    assert code != 0, out
    assert "app.py:2  AWS Access Key" in out
    # pre-commit put the unstaged edit back.
    assert (hooked.path / "app.py").read_text() == "x = 1\n"


def test_hook_honours_the_baseline(hooked: Repo, hook_home: Heavy) -> None:
    hooked.write("legacy.py", fakes.aws_line())
    assert hooked.run("baseline", "update").returncode == 0
    hooked.add("legacy.py", ".secrets.baseline")
    code, out = commit(hooked, hook_home, "accept legacy key")
    assert code == 0, out

    # A credential the baseline does not hold is still blocked, even next to accepted ones.
    with (hooked.path / "legacy.py").open("a") as handle:
        handle.write(fakes.aws_line() + "\n")
    hooked.add("legacy.py")
    code, out = commit(hooked, hook_home, "another key")
    assert code != 0
    assert "legacy.py:2  AWS Access Key" in out
    assert "legacy.py:1" not in out


def test_without_a_baseline_an_old_committed_finding_does_not_block_a_clean_change(
    hook_home: Heavy, tmp_path: Path
) -> None:
    """As gitleaks' pre-commit scan: only what the commit adds is judged, so a credential
    committed long ago, in the very file the change edits, does not block it; one the change
    adds does."""
    repo = Repo(tmp_path / "plain")
    old = fakes.aws_access_key_id()
    repo.write("settings.py", "DEBUG = False\n" + fakes.aws_line(old) + "\n")
    repo.write("README.md", "hello\n")
    repo.add()
    repo.commit("before the hook")
    config = hook_home.hook_config.replace("        args: [--baseline, .secrets.baseline]\n", "")
    assert "args" not in config
    repo.write(".pre-commit-config.yaml", config)
    proc = subprocess.run(
        [PRE_COMMIT, "install"],
        cwd=repo.path,
        env=hook_env(hook_home.hook_home),
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    repo.write("settings.py", "DEBUG = True\n" + fakes.aws_line(old) + "\n")
    repo.write("README.md", "hello again\n")
    repo.add("settings.py", "README.md", ".pre-commit-config.yaml")
    code, out = commit(repo, hook_home, "clean change")
    assert code == 0, out
    assert "Passed" in out

    before = head(repo)
    with (repo.path / "settings.py").open("a") as handle:
        handle.write(fakes.aws_line() + "\n")
    repo.add("settings.py")
    code, out = commit(repo, hook_home, "a new key")
    assert code != 0, out
    assert "settings.py:3  AWS Access Key" in out
    assert "settings.py:2" not in out
    assert head(repo) == before
