"""Text and JSON reports, ``--output``, ``--show-secrets`` and keeping values out of output."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
from pathlib import Path

import fakes
import pytest
from conftest import SECRETSOPS, Repo, assert_absent, assert_clean_error, base_env

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture
def leaky(repo: Repo) -> tuple[Repo, list[str]]:
    """A repository holding one credential of each kind; returns the raw values."""
    aws = fakes.aws_access_key_id()
    gh = fakes.github_token()
    pw = fakes.password()
    entra = fakes.entra_client_secret()
    pem = fakes.private_key_pem()
    repo.write("app/settings.py", f'aws_id = "{aws}"\ngh = "{gh}"\n{fakes.password_line(pw)}\n')
    repo.write("app/appsettings.json", json.dumps({"ClientSecret": entra}))
    repo.write("keys/id_rsa", pem)
    repo.add()
    repo.commit()
    # Every line of the key body is a part of the secret, as is every other value.
    return repo, [aws, gh, pw, entra, *pem.splitlines()[1:-1]]


def test_text_report_lines_and_summary(repo: Repo) -> None:
    repo.write("a.py", "x = 1\n" + fakes.aws_line())
    repo.write("b/c.py", fakes.password_line())
    proc = repo.proc("scan")
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert re.fullmatch(r"a\.py:2  AWS Access Key  AKIA\*+", lines[0]), lines
    assert re.fullmatch(r"b/c\.py:1  Secret Keyword  \S*\*+", lines[1]), lines
    assert lines[-1] == "2 findings, 2 files scanned"
    assert len(lines) == 3
    assert not ANSI.search(proc.stdout + proc.stderr)


def test_text_report_summary_when_clean(repo: Repo) -> None:
    repo.write("a.py", "x = 1\n")
    proc = repo.scan()
    assert proc.returncode == 0
    assert proc.stdout == "0 findings, 1 file scanned\n"


def test_quiet_prints_nothing_when_clean(repo: Repo) -> None:
    repo.write("a.py", "x = 1\n")
    proc = repo.scan("--quiet")
    assert (proc.returncode, proc.stdout) == (0, "")
    repo.write("b.py", fakes.aws_line())
    proc = repo.scan("--quiet")
    assert proc.returncode == 1
    assert "b.py:1" in proc.stdout


def _run_on_tty(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    """Run with stdout on a pseudo-terminal; return what the terminal received."""
    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen(
            [str(SECRETSOPS), *args],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=follower,
            stderr=subprocess.DEVNULL,
        )
        os.close(follower)
        chunks = []
        while True:
            try:
                data = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        proc.wait(timeout=60)
    finally:
        os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")


def test_colour_only_on_a_terminal(repo: Repo) -> None:
    repo.write("a.py", fakes.aws_line())
    env = base_env()
    on_tty = _run_on_tty(["scan"], repo.path, env)
    assert ANSI.search(on_tty), on_tty
    assert "a.py:1" in ANSI.sub("", on_tty)

    piped = repo.proc("scan")
    assert not ANSI.search(piped.stdout)

    env["NO_COLOR"] = "1"
    assert not ANSI.search(_run_on_tty(["scan"], repo.path, env))


def test_show_secrets_prints_the_value_in_text_only(repo: Repo) -> None:
    key = fakes.aws_access_key_id()
    repo.write("a.py", fakes.aws_line(key))
    proc = repo.scan("--show-secrets")
    assert proc.returncode == 1
    assert f"a.py:1  AWS Access Key  {key}" in proc.stdout


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_show_secrets_is_refused_with_machine_formats(repo: Repo, fmt: str) -> None:
    key = fakes.aws_access_key_id()
    repo.write("a.py", fakes.aws_line(key))
    proc = repo.scan("--show-secrets", "--format", fmt)
    assert_clean_error(proc)
    assert "--show-secrets" in proc.stderr
    assert_absent(key, proc.stdout, proc.stderr)


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_values_never_appear_without_show_secrets(
    leaky: tuple[Repo, list[str]], fmt: str, tmp_path: Path
) -> None:
    repo, values = leaky
    # Separate processes: anything detect-secrets or a library logs reaches stderr too.
    proc = repo.proc("scan", "--format", fmt)
    assert proc.returncode == 1
    out_file = tmp_path / f"report.{fmt}"
    to_file = repo.proc("scan", "--format", fmt, "--output", str(out_file))
    assert to_file.returncode == 1
    # Before the first commit every staged line is new: the hook reports every value.
    repo.git("update-ref", "-d", "HEAD")
    staged = repo.proc("scan", "--staged", "--format", fmt)
    assert staged.returncode == 1
    for value in values:
        assert_absent(
            value,
            proc.stdout,
            proc.stderr,
            to_file.stdout,
            to_file.stderr,
            out_file.read_bytes(),
            staged.stdout,
            staged.stderr,
        )
    # Sanity: the report did find every kind that was planted.
    found = ANSI.sub("", proc.stdout) if fmt == "text" else proc.stdout
    for kind in ("AWS Access Key", "GitHub Token", "Secret Keyword", "Private Key", "Entra ID"):
        assert kind in found, kind


def test_output_file_receives_the_report(repo: Repo, tmp_path: Path) -> None:
    repo.write("a.py", fakes.aws_line())
    target = tmp_path / "out" / "report.json"
    proc = repo.scan("--format", "json", "--output", str(target))
    assert proc.returncode == 1
    assert proc.stdout == ""
    report = json.loads(target.read_text(encoding="utf-8"))
    assert [f["path"] for f in report["findings"]] == ["a.py"]

    text_target = tmp_path / "report.txt"
    proc = repo.scan("-o", str(text_target))
    assert proc.returncode == 1
    text = text_target.read_text(encoding="utf-8")
    assert text.startswith("a.py:1  AWS Access Key  ")
    assert not ANSI.search(text)


def test_output_file_inside_the_repository_is_not_scanned(repo: Repo) -> None:
    repo.write("a.py", "x = 1\n")
    repo.write("report.txt", fakes.aws_line())  # an old report with a finding in it
    first = repo.scan("--output", "report.txt")
    assert first.returncode == 0
    second = repo.scan("--output", "report.txt")
    assert second.returncode == 0
    assert (repo.path / "report.txt").read_text().startswith("0 findings")


def test_json_report_shape(repo: Repo) -> None:
    repo.write("src/a.py", "x = 1\n" + fakes.aws_line())
    repo.write("src/b.py", fakes.password_line())
    repo.add()
    proc = repo.scan("--format", "json")
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    assert isinstance(report["findings"], list)
    by_path = {f["path"]: f for f in report["findings"]}
    assert set(by_path) == {"src/a.py", "src/b.py"}
    for f in report["findings"]:
        assert {"type", "path", "line", "fingerprint", "confidence"} <= set(f)
        assert isinstance(f["line"], int)
        assert f["confidence"] in ("low", "medium", "high")
        assert re.fullmatch(r"so1:[0-9a-f]{32}", f["fingerprint"])
        assert "commit" not in f  # not from history
    assert by_path["src/a.py"]["type"] == "AWS Access Key"
    assert by_path["src/a.py"]["line"] == 2
    assert by_path["src/a.py"]["confidence"] == "high"
    assert by_path["src/b.py"]["type"] == "Secret Keyword"
    assert report["summary"]["findings"] == 2
    assert report["summary"]["files_scanned"] == 2


def test_json_report_is_deterministic(leaky: tuple[Repo, list[str]]) -> None:
    repo, _ = leaky
    first = repo.scan("--format", "json").stdout
    second = repo.scan("--format", "json").stdout
    assert first == second
    paths = [(f["path"], f["line"]) for f in json.loads(first)["findings"]]
    assert paths == sorted(paths)


def test_no_absolute_paths_in_reports(leaky: tuple[Repo, list[str]]) -> None:
    repo, _ = leaky
    for fmt in ("text", "json", "sarif"):
        out = repo.scan("--format", fmt, str(repo.path)).stdout
        assert str(repo.path) not in out
        assert str(repo.path.resolve()) not in out


def test_text_report_quotes_file_names_as_git_does(repo: Repo) -> None:
    """A name with a newline, a tab or a double quote is one quoted name on one line (git's
    C-style quoting), so one finding never reads as two."""
    names = ["two\nlines.py", "tab\there.py", 'say "hi".py']
    for name in names:
        repo.write(name, fakes.aws_line() + "\n")
    repo.git("add", "-A")
    proc = repo.proc("scan")
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == len(names) + 1  # a line per finding, then the summary
    assert any(line.startswith('"two\\nlines.py":1  ') for line in lines), lines
    assert any(line.startswith('"tab\\there.py":1  ') for line in lines), lines
    assert any(line.startswith('"say \\"hi\\".py":1  ') for line in lines), lines
