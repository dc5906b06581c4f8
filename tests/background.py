"""Slow set-up (pip and pre-commit building environments) started in the background.

Building a virtual environment with secretsops' dependencies takes seconds of mostly waiting.
When the packaging or pre-commit tests are collected, ``conftest`` starts that work as soon as
collection ends, so it runs alongside the fast tests; the slow tests then wait for results that
are usually ready. Nothing here is mocked: these are the real ``pip`` and ``pre-commit``.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import fakes
from conftest import BIN, REPO_ROOT, Repo, base_env, git, source_files

TIMEOUT = 900
PRE_COMMIT = str(BIN / "pre-commit")


class Job:
    """A started command; ``result()`` waits for it once and keeps its exit code and output."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.args = args
        self.proc = subprocess.Popen(
            args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self._output: str | None = None

    def result(self) -> tuple[int, str]:
        if self._output is None:
            self._output, _ = self.proc.communicate(timeout=TIMEOUT)
        return self.proc.returncode, self._output

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


def hook_env(home: Path) -> dict[str, str]:
    env = base_env()
    env["PRE_COMMIT_HOME"] = str(home)
    env["PRE_COMMIT_COLOR"] = "never"
    return env


def snapshot(dest: Path) -> str:
    """Commit a copy of this checkout as it stands (uncommitted work included) at ``dest``.

    pre-commit and pip read a repository's committed tree; the copy lets them see the code
    under test rather than the last commit, without touching the working checkout.
    """
    for rel in source_files(REPO_ROOT):
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / rel, target)
    git(dest, "init", "-q")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "--no-verify", "-m", "snapshot")
    return git(dest, "rev-parse", "HEAD").strip()


@dataclass
class Heavy:
    root: Path
    source: Path = field(init=False)
    rev: str = field(init=False)
    jobs: dict[str, Job] = field(default_factory=dict)
    staged_secret: str = ""
    hook_config: str = ""

    def __post_init__(self) -> None:
        self.source = self.root / "secretsops"
        self.rev = snapshot(self.source)

    @property
    def venv(self) -> Path:
        return self.root / "venv"

    @property
    def wheel_dir(self) -> Path:
        return self.root / "wheel"

    @property
    def hook_home(self) -> Path:
        return self.root / "pre-commit-home"

    def start_packaging(self) -> None:
        """Build a wheel from the snapshot, then install it into a fresh virtualenv."""
        if "install" in self.jobs:
            return
        py = shlex.quote(sys.executable)
        wheels = shlex.quote(str(self.wheel_dir))
        venv = shlex.quote(str(self.venv))
        script = (
            "set -e\n"
            f"{py} -m pip wheel --no-deps -q -w {wheels} {shlex.quote(str(self.source))}\n"
            f"{py} -m venv {venv}\n"
            f"{venv}/bin/python -m pip install -q {wheels}/secretsops-*.whl\n"
        )
        self.jobs["install"] = Job(["bash", "-c", script], self.root, base_env())

    def start_pre_commit(self) -> None:
        """Two ``pre-commit try-repo`` runs and the environment of an installed hook."""
        if "install-hooks" in self.jobs:
            return
        leaky = Repo(self.root / "try-leaky")
        leaky.write("README.md", "hello\n")
        leaky.add()
        leaky.commit()
        self.staged_secret = fakes.aws_access_key_id()
        leaky.write("settings.py", "x = 1\n" + fakes.aws_line(self.staged_secret))
        leaky.add("settings.py")

        clean = Repo(self.root / "try-clean")
        clean.write("README.md", "hello\n")
        clean.add()
        clean.commit()
        clean.write("app.py", "print('hello')\n")
        clean.add("app.py")
        # Not staged, so not part of the commit: the hook must not look at it.
        clean.write("notes.txt", fakes.aws_line())

        for name, repo in (("try-leaky", leaky), ("try-clean", clean)):
            self.jobs[name] = Job(
                [PRE_COMMIT, "try-repo", str(self.source), "secretsops", "--verbose"],
                repo.path,
                hook_env(self.root / f"{name}-home"),
            )

        self.hook_config = (
            "repos:\n"
            f"  - repo: {self.source}\n"
            f"    rev: {self.rev}\n"
            "    hooks:\n"
            "      - id: secretsops\n"
            "        args: [--baseline, .secrets.baseline]\n"
        )
        warm = Repo(self.root / "warm")
        warm.write(".pre-commit-config.yaml", self.hook_config)
        self.jobs["install-hooks"] = Job(
            [PRE_COMMIT, "install-hooks"], warm.path, hook_env(self.hook_home)
        )

    def close(self) -> None:
        for job in self.jobs.values():
            job.kill()
