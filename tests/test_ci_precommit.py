"""The pre-push sample, run by the real ``pre-commit`` on real ``git push`` to a bare remote.

The sample ``ci/pre-commit/pre-push.pre-commit-config.yaml`` is used as shipped, with only its
``repo``/``rev`` pointed at the committed snapshot of this checkout (``background.snapshot``),
whose hook environment the session builds in the background.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import fakes
import pytest
import yaml
from background import PRE_COMMIT, TIMEOUT, Heavy, hook_env
from conftest import REPO_ROOT, Repo, assert_absent, git

pytestmark = pytest.mark.slow

SAMPLE = REPO_ROOT / "ci" / "pre-commit" / "pre-push.pre-commit-config.yaml"


def sample_config(heavy: Heavy) -> str:
    data = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    for repo in data["repos"]:
        repo["repo"], repo["rev"] = str(heavy.source), heavy.rev
    return yaml.safe_dump(data, sort_keys=False)


def push(repo: Repo, heavy: Heavy, *args: str) -> tuple[int, str]:
    proc = subprocess.run(
        ["git", "push", *args],
        cwd=repo.path,
        env=hook_env(heavy.hook_home),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    return proc.returncode, proc.stdout + proc.stderr


@pytest.fixture
def pushing(hook_home: Heavy, tmp_path: Path) -> Repo:
    """A repository with the sample's hooks installed and main pushed to a bare remote."""
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    repo = Repo(tmp_path / "dev")
    repo.write(".pre-commit-config.yaml", sample_config(hook_home))
    repo.write("README.md", "hello\n")
    assert repo.run("baseline", "create").returncode == 0
    repo.add()
    repo.commit("setup")
    repo.git("remote", "add", "origin", remote.as_uri())
    proc = subprocess.run(
        [PRE_COMMIT, "install"],
        cwd=repo.path,
        env=hook_env(hook_home.hook_home),
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (repo.path / ".git" / "hooks" / "pre-push").is_file()
    code, out = push(repo, hook_home, "-u", "origin", "main")
    assert code == 0, out
    return repo


def test_push_adding_a_secret_is_blocked(pushing: Repo, hook_home: Heavy) -> None:
    value = fakes.aws_access_key_id()
    pushing.git("checkout", "-q", "-b", "feature")
    pushing.write("settings.py", fakes.aws_line(value))
    pushing.add()
    pushing.commit("add settings")  # --no-verify: committed past the pre-commit hook
    pushing.write("settings.py", "aws_id = None\n")
    pushing.add()
    pushing.commit("remove it again")  # still in the pushed history
    code, out = push(pushing, hook_home, "origin", "feature")
    assert code != 0, out
    assert "secretsops (pre-push)" in out and "Failed" in out
    assert "settings.py:1  AWS Access Key" in out and "(new)" in out
    assert "1 new, 0 baselined, 0 allowlisted; fail on new: FAILED" in out
    assert_absent(value, out)
    remote_heads = pushing.git("ls-remote", "--heads", "origin")
    assert "refs/heads/feature" not in remote_heads


def test_clean_push_passes(pushing: Repo, hook_home: Heavy) -> None:
    pushing.git("checkout", "-q", "-b", "docs")
    pushing.write("docs.md", "how to\n")
    pushing.add()
    pushing.commit("docs")
    code, out = push(pushing, hook_home, "origin", "docs")
    assert code == 0, out
    assert "secretsops (pre-push)" in out and "Passed" in out
    assert "refs/heads/docs" in pushing.git("ls-remote", "--heads", "origin")
