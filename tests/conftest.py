"""Shared fixtures: real git repositories in tmp_path and the real ``secretsops`` command."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SECRETSOPS = BIN / "secretsops"
SARIF_SCHEMA = REPO_ROOT / "tests" / "specs" / "sarif-schema-2.1.0.json"
#: The user cache folder of every secretsops the tests run (the candidate gate's patterns):
#: one per session, never the user's own.
CACHE_DIR = tempfile.mkdtemp(prefix="secretsops-test-cache-")

GIT_CONFIG = [
    "-c",
    "user.name=t",
    "-c",
    "user.email=t@example.com",
    "-c",
    "init.defaultBranch=main",
    "-c",
    "commit.gpgsign=false",
    "-c",
    "core.autocrlf=false",
]


def base_env() -> dict[str, str]:
    """The environment every subprocess runs in: no user git config, no colour hints."""
    env = dict(os.environ)
    for key in list(env):
        if key.startswith(("GIT_", "SECRETSOPS_")) or key in ("NO_COLOR", "FORCE_COLOR"):
            del env[key]
    env.update(
        {
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@example.com",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.com",
            "PYTHONDONTWRITEBYTECODE": "1",
            "SECRETSOPS_CACHE_DIR": CACHE_DIR,
        }
    )
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def git(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(
        ["git", *GIT_CONFIG, *args],
        cwd=cwd,
        env=env or base_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def run_secretsops(
    *args: str | Path,
    cwd: Path,
    env: dict[str, str] | None = None,
    input: str | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run the installed console script, as a user's shell would."""
    return subprocess.run(
        [str(SECRETSOPS), *(str(a) for a in args)],
        cwd=cwd,
        env=env or base_env(),
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


class Repo:
    """A real git repository (or, with ``init=False``, a plain folder) to scan."""

    def __init__(self, path: Path, *, init: bool = True) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        if init:
            git(path, "init", "-q")

    def write(self, rel: str, content: str | bytes, *, newline: str = "\n") -> Path:
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            if content and not content.endswith("\n"):
                content += "\n"
            target.write_bytes(content.replace("\n", newline).encode("utf-8"))
        return target

    def git(self, *args: str) -> str:
        return git(self.path, *args)

    def add(self, *paths: str) -> None:
        self.git("add", "--", *(paths or ["."]))

    def commit(self, message: str = "change") -> str:
        self.git("commit", "-q", "--no-verify", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD").strip()

    def scan(
        self, *args: str | Path, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """``secretsops scan ARGS`` here, in this process (fast; see ``call_secretsops``)."""
        return call_secretsops("scan", *args, cwd=self.path, env=env)

    def run(
        self, *args: str | Path, env: dict[str, str] | None = None, input: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        """``secretsops ARGS`` here, in this process."""
        return call_secretsops(*args, cwd=self.path, env=env, input=input)

    def proc(
        self, *args: str | Path, env: dict[str, str] | None = None, input: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        """``secretsops ARGS`` here, as a separate process of the installed console script."""
        return run_secretsops(*args, cwd=self.path, env=env, input=input)


def committed(path: Path, files: dict[str, str], message: str = "one") -> Repo:
    """A repository at ``path`` whose one commit holds ``files`` (name -> text)."""
    repo = Repo(path)
    for name, text in files.items():
        repo.write(name, text)
    repo.add()
    repo.commit(message)
    return repo


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    """An empty git repository."""
    return Repo(tmp_path / "repo")


@pytest.fixture
def folder(tmp_path: Path) -> Repo:
    """A plain folder outside any git repository."""
    return Repo(tmp_path / "plain", init=False)


@pytest.fixture(autouse=True)
def _isolated_git(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """In-process code (CliRunner tests) sees the same clean git environment as subprocesses."""
    env = base_env()
    for key in list(os.environ):
        if key not in env:
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    yield


def assert_clean_error(proc: subprocess.CompletedProcess[str], code: int = 2) -> None:
    """An input error: the given exit code, a short message on stderr, no traceback."""
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert lines, "no message on stderr"
    assert len(lines) <= 6, proc.stderr


def assert_absent(value: str, *texts: str | bytes) -> None:
    for text in texts:
        data = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
        assert value not in data, "a secret value leaked into output"


def source_files(root: Path) -> Sequence[str]:
    """Files of a checkout as git sees them: tracked (still on disk) and untracked-not-ignored."""
    out = git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    return sorted({p for p in out.split("\0") if p and (root / p).is_file()})


_heavy: Any = None


def _get_heavy() -> Any:
    global _heavy
    if _heavy is None:
        import tempfile

        from background import Heavy

        _heavy = Heavy(Path(tempfile.mkdtemp(prefix="secretsops-tests-")))
    return _heavy


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the slow environment builds now if tests that need them were collected."""
    if session.config.option.collectonly:
        return
    names = {item.path.name for item in session.items}
    if "test_packaging.py" in names:
        _get_heavy().start_packaging()
    if "test_precommit.py" in names:
        _get_heavy().start_pre_commit()


def pytest_sessionfinish(session: pytest.Session) -> None:
    shutil.rmtree(CACHE_DIR, ignore_errors=True)
    if _heavy is not None:
        _heavy.close()
        shutil.rmtree(_heavy.root, ignore_errors=True)


@pytest.fixture(scope="session")
def heavy() -> Any:
    """Background builds for the packaging and pre-commit tests (see background.py)."""
    return _get_heavy()


@pytest.fixture(scope="session")
def hook_home(heavy: Any) -> Any:
    """``heavy`` once pre-commit has installed our hook's environment (``install-hooks``)."""
    heavy.start_pre_commit()
    code, out = heavy.jobs["install-hooks"].result()
    assert code == 0, out
    return heavy


def run_unprivileged(
    *args: str | Path, cwd: Path, locked: Path
) -> subprocess.CompletedProcess[str]:
    """Run secretsops so that ``locked`` (mode 000) really cannot be read.

    root reads every file whatever its mode; in a new user namespace without a mapping root
    loses that override and is held to the file's mode bits like anyone else.
    """
    locked.chmod(0)
    prefix = ["unshare", "--user"] if os.geteuid() == 0 else []
    probe = subprocess.run([*prefix, "cat", str(locked)], capture_output=True, check=False)
    if probe.returncode == 0:
        pytest.skip("cannot make a file unreadable here")
    return subprocess.run(
        [*prefix, str(SECRETSOPS), *(str(a) for a in args)],
        cwd=cwd,
        env=base_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def call_secretsops(
    *args: str | Path,
    cwd: Path,
    env: dict[str, str] | None = None,
    input: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the console entry point ``secretsops.cli:main`` in this process.

    The same function the ``secretsops`` script calls, with argv, the working folder, the
    environment and the standard streams swapped for the call; no process start-up, so tests
    that make many calls stay fast. Tests of the process itself use ``run_secretsops``.
    """
    import contextlib
    import io

    from secretsops.cli import main

    argv = ["secretsops", *(str(a) for a in args)]
    out, err = io.StringIO(), io.StringIO()
    saved = (sys.argv, sys.stdin, os.getcwd(), dict(os.environ))
    code: int | str | None = 0
    try:
        sys.argv = argv
        sys.stdin = io.StringIO(input or "")
        os.chdir(cwd)
        if env is not None:
            os.environ.clear()
            os.environ.update(env)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main()
            except SystemExit as exc:
                code = exc.code
    finally:
        sys.argv, sys.stdin = saved[0], saved[1]
        os.chdir(saved[2])
        os.environ.clear()
        os.environ.update(saved[3])
    if code is None:
        code = 0
    elif isinstance(code, str):
        err.write(code + "\n")
        code = 1
    return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())
