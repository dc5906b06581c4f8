"""A sample repository whose history is full of fake credentials, for ``secretsops demo``.

On top of ``secretsops.sample`` (an Azure web app with leaked, freshly generated values): a
release branch and a tag, a file that held a password and was deleted, a renamed file, a docs
branch. Every value is drawn when the demo runs; nothing credential-shaped is stored here.
"""

from __future__ import annotations

import secrets
import string
import subprocess
from pathlib import Path

from secretsops.git import git_env
from secretsops.sample import write_sample


def _git(repo: Path, *args: str) -> str:
    env = git_env()
    for key, value in {
        "GIT_AUTHOR_NAME": "Sample Author",
        "GIT_AUTHOR_EMAIL": "author@example.com",
        "GIT_COMMITTER_NAME": "Sample Author",
        "GIT_COMMITTER_EMAIL": "author@example.com",
    }.items():
        env.setdefault(key, value)
    proc = subprocess.run(
        ["git", "-c", "commit.gpgsign=false", *args],
        cwd=repo,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return proc.stdout


def _password() -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(14)) + "!" + secrets.choice("23456789")


def write_history(repo: Path) -> list[str]:
    """The sample with a history; returns the commit subjects, oldest first."""
    write_sample(repo, commit=True)
    _git(repo, "branch", "-M", "main")
    _git(repo, "tag", "-a", "v1.0", "-m", "first release")
    _git(repo, "branch", "release/1.0")

    # A settings file with a password, deleted a commit later: gone from HEAD, not from history.
    old = repo / "deploy" / "legacy.ini"
    old.parent.mkdir(parents=True, exist_ok=True)
    old.write_text(f"[database]\nuser = app\npassword = {_password()}\n", encoding="utf-8")
    _git(repo, "add", "deploy/legacy.ini")
    _git(repo, "commit", "-q", "-m", "Add legacy deployment settings")
    _git(repo, "rm", "-q", "deploy/legacy.ini")
    _git(repo, "commit", "-q", "-m", "Remove legacy deployment settings")

    # A renamed file: its secret lives under two paths.
    (repo / "tools").mkdir(exist_ok=True)
    _git(repo, "mv", "scripts/release.sh", "tools/release.sh")
    _git(repo, "commit", "-q", "-m", "Move the release script")

    # Another branch, from the release tag.
    _git(repo, "checkout", "-q", "-b", "docs", "v1.0")
    (repo / "docs").mkdir(exist_ok=True)
    (repo / "docs" / "setup.md").write_text("# Setup\n\nRun the app.\n", encoding="utf-8")
    _git(repo, "add", "docs/setup.md")
    _git(repo, "commit", "-q", "-m", "Setup notes")
    _git(repo, "checkout", "-q", "main")
    return _git(repo, "log", "--all", "--reverse", "--format=%s").splitlines()
