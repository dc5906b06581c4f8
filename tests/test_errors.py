"""Exit codes and error messages of the real console script: 2 and one clear line, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import fakes
import pytest
from conftest import Repo, assert_clean_error, base_env, run_unprivileged


def test_exit_codes_zero_and_one(repo: Repo) -> None:
    repo.write("a.py", "x = 1\n")
    assert repo.proc("scan").returncode == 0
    repo.write("b.py", fakes.aws_line())
    assert repo.proc("scan").returncode == 1


def test_missing_path(repo: Repo) -> None:
    proc = repo.proc("scan", "no/such/file.py")
    assert_clean_error(proc)
    assert "no/such/file.py" in proc.stderr
    assert proc.stdout == ""


def test_one_missing_path_among_good_ones(repo: Repo) -> None:
    repo.write("a.py", fakes.aws_line())
    proc = repo.proc("scan", "a.py", "missing.py")
    assert_clean_error(proc)
    assert "missing.py" in proc.stderr


def test_missing_path_with_staged(repo: Repo, tmp_path: Path) -> None:
    assert_clean_error(repo.proc("scan", "--staged", str(tmp_path / "nowhere" / "x.py")))


def test_staged_outside_a_repository(folder: Repo) -> None:
    folder.write("a.py", fakes.aws_line())
    proc = folder.proc("scan", "--staged")
    assert_clean_error(proc)
    assert "not inside a git repository" in proc.stderr
    proc = folder.proc("scan", "--staged", "a.py")
    assert_clean_error(proc)


def test_path_outside_the_repository(repo: Repo, tmp_path: Path) -> None:
    outside = tmp_path / "outside.py"
    outside.write_text("x = 1\n")
    repo.write("a.py", "x = 1\n")
    for args in (["a.py", str(outside)], ["--staged", "a.py", str(outside)]):
        proc = repo.proc("scan", *args)
        assert_clean_error(proc)
        assert "outside the repository" in proc.stderr


def test_corrupt_baseline(repo: Repo) -> None:
    repo.write("a.py", "x = 1\n")
    repo.write(".secrets.baseline", '{"results": ')
    proc = repo.proc("scan", "--baseline", ".secrets.baseline")
    assert_clean_error(proc)
    assert proc.stderr.count("\n") == 1
    assert "corrupt baseline" in proc.stderr


@pytest.mark.parametrize("size", ["lots", "-1", "1XB", "", "1.2.3k", "k"])
def test_bad_max_file_size(repo: Repo, size: str) -> None:
    repo.write("a.py", "x = 1\n")
    proc = repo.proc("scan", "--max-file-size", size)
    assert_clean_error(proc)
    assert "size" in proc.stderr


@pytest.mark.parametrize("size", ["500", "500k", "2MB", "1.5M", "1g", "64KiB"])
def test_good_max_file_size(repo: Repo, size: str) -> None:
    repo.write("a.py", "x = 1\n")
    assert repo.proc("scan", "--max-file-size", size).returncode == 0


@pytest.mark.parametrize(
    "args",
    [
        ["scan", "--no-such-option"],
        ["scan", "--format", "xml"],
        ["no-such-command"],
        ["baseline", "frobnicate"],
        ["audit", "--mark", "only-one-value"],
    ],
    ids=["unknown-option", "unknown-format", "unknown-command", "unknown-subcommand", "arity"],
)
def test_usage_errors(repo: Repo, args: list[str]) -> None:
    proc = repo.proc(*args)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.stderr.strip()


def test_output_to_an_unwritable_place(repo: Repo) -> None:
    repo.write("a.py", "x = 1\n")
    (repo.path / "taken").mkdir()
    proc = repo.proc("scan", "--output", "taken")
    assert_clean_error(proc)
    proc = repo.proc("scan", "--output", "a.py/report.txt")
    assert_clean_error(proc)


def test_messages_never_carry_a_secret(repo: Repo) -> None:
    key = fakes.aws_access_key_id()
    repo.write("a.py", fakes.aws_line(key))
    repo.write(".secrets.baseline", f'{{"results": {{"a.py": [{{"type": "{key}"}}]}}}}')
    proc = repo.proc("scan", "--baseline", ".secrets.baseline")
    assert_clean_error(proc)
    assert key not in proc.stderr + proc.stdout


def test_no_arguments_prints_help(repo: Repo) -> None:
    proc = repo.proc()
    assert proc.returncode in (0, 2)
    assert "scan" in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr


def test_version_and_module_entry_point(repo: Repo) -> None:
    from secretsops import __version__

    proc = repo.proc("--version")
    assert (proc.returncode, proc.stdout) == (0, f"secretsops {__version__}\n")
    module = subprocess.run(
        [sys.executable, "-m", "secretsops", "--version"],
        capture_output=True,
        text=True,
        env=base_env(),
        cwd=repo.path,
        check=False,
    )
    assert (module.returncode, module.stdout) == (0, f"secretsops {__version__}\n")


def test_module_entry_point_maps_errors_too(repo: Repo) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "secretsops", "scan", "missing.py"],
        capture_output=True,
        text=True,
        env=base_env(),
        cwd=repo.path,
        check=False,
    )
    assert_clean_error(proc)


def test_unreadable_file_in_a_scan_is_an_input_error(repo: Repo) -> None:
    repo.write("a.py", fakes.aws_line())
    locked = repo.write("locked.py", fakes.aws_line())
    proc = run_unprivileged("scan", cwd=repo.path, locked=locked)
    # The report of what could be read is still printed; the exit says it is incomplete.
    assert proc.stdout.startswith("a.py:1  AWS Access Key")
    assert "1 unreadable skipped" in proc.stdout
    assert_clean_error(proc)
    assert "cannot read locked.py" in proc.stderr


def test_unreadable_file_argument_is_an_input_error(repo: Repo) -> None:
    locked = repo.write("locked.py", fakes.aws_line())
    proc = run_unprivileged("scan", "locked.py", cwd=repo.path, locked=locked)
    assert_clean_error(proc)
    assert "locked.py" in proc.stderr


def test_a_malformed_dot_git_is_an_input_error_not_a_plain_folder(folder: Repo) -> None:
    folder.write("a.py", fakes.aws_line())
    folder.write(".git", "garbage, not a gitfile\n")
    for args in (["scan"], ["scan", "a.py"], ["scan", "--staged"], ["scan", "--history"]):
        proc = folder.proc(*args)
        assert_clean_error(proc)
        assert "invalid gitfile format" in proc.stderr or "git cannot open" in proc.stderr, args
