"""``secretsops audit``: label baseline entries, by fingerprint or interactively."""

from __future__ import annotations

import json
import re
from typing import Any

import fakes
import pytest
from conftest import Repo, assert_absent, assert_clean_error
from test_baseline import BASELINE, entries, sha1


@pytest.fixture
def audited(repo: Repo) -> tuple[Repo, dict[str, str], dict[str, str]]:
    """A repository with a baseline of three findings: (repo, path -> value, path -> fp)."""
    values = {
        "a.py": fakes.aws_access_key_id(),
        "b/c.py": fakes.aws_access_key_id(),
        "d.json": fakes.entra_client_secret(),
    }
    repo.write("a.py", f"import os\n{fakes.aws_line(values['a.py'])}\n")
    repo.write("b/c.py", fakes.aws_line(values["b/c.py"]))
    repo.write("d.json", json.dumps({"value": values["d.json"]}))
    proc = repo.run("baseline", "create")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(repo.scan("--format", "json").stdout)
    fps = {f["path"]: f["fingerprint"] for f in report["findings"]}
    assert set(fps) == set(values)
    return repo, values, fps


def labels(repo: Repo) -> dict[str, Any]:
    return {e["filename"]: e.get("is_secret") for e in entries(repo)}


def test_mark_real_and_false_positive(audited: tuple[Repo, dict[str, str], dict[str, str]]) -> None:
    repo, _, fps = audited
    proc = repo.run("audit", "--mark", fps["a.py"], "real")
    assert proc.returncode == 0, proc.stderr
    assert "marked 1 entry real" in proc.stderr
    proc = repo.run("audit", "--mark", fps["b/c.py"], "false-positive")
    assert proc.returncode == 0, proc.stderr
    assert labels(repo) == {"a.py": True, "b/c.py": False, "d.json": None}

    proc = repo.run("audit", "--mark", fps["a.py"], "unlabelled")
    assert proc.returncode == 0, proc.stderr
    assert labels(repo) == {"a.py": None, "b/c.py": False, "d.json": None}


def test_mark_by_hashed_secret_prefix(audited: tuple[Repo, dict[str, str], dict[str, str]]) -> None:
    repo, values, _ = audited
    proc = repo.run("audit", "--mark", sha1(values["d.json"])[:12], "real", BASELINE)
    assert proc.returncode == 0, proc.stderr
    assert labels(repo)["d.json"] is True


def test_mark_with_fingerprint_from_sarif(
    audited: tuple[Repo, dict[str, str], dict[str, str]],
) -> None:
    repo, _, _ = audited
    sarif = json.loads(repo.scan("--format", "sarif", "b").stdout)
    (result,) = sarif["runs"][0]["results"]
    (fingerprint,) = result["partialFingerprints"].values()
    assert repo.run("audit", "--mark", fingerprint, "false-positive").returncode == 0
    assert labels(repo)["b/c.py"] is False


@pytest.mark.parametrize(
    ("identifier", "label"),
    [
        ("so1:ffffffffffffffffffffffffffffffff", "real"),
        ("0123456789abcdef", "false-positive"),
        ("so1", "real"),
        (None, "maybe"),
    ],
    ids=["unknown-fingerprint", "unknown-hash", "too-short", "bad-label"],
)
def test_mark_errors(
    audited: tuple[Repo, dict[str, str], dict[str, str]], identifier: str | None, label: str
) -> None:
    repo, _, fps = audited
    before = (repo.path / BASELINE).read_bytes()
    proc = repo.run("audit", "--mark", identifier or fps["a.py"], label)
    assert_clean_error(proc)
    assert (repo.path / BASELINE).read_bytes() == before


def test_list(audited: tuple[Repo, dict[str, str], dict[str, str]]) -> None:
    repo, values, fps = audited
    assert repo.run("audit", "--mark", fps["b/c.py"], "real").returncode == 0
    proc = repo.run("audit", "--list")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        f"a.py:2  AWS Access Key  {fps['a.py']}  unlabelled",
        f"b/c.py:1  AWS Access Key  {fps['b/c.py']}  real",
        f"d.json:1  Entra ID Client Secret  {fps['d.json']}  unlabelled",
    ]
    for value in values.values():
        assert_absent(value, proc.stdout, proc.stderr)


def test_list_entry_whose_value_left_the_file(
    audited: tuple[Repo, dict[str, str], dict[str, str]],
) -> None:
    repo, _, _ = audited
    repo.write("b/c.py", "x = 1\n")
    proc = repo.run("audit", "--list")
    assert proc.returncode == 0
    assert re.search(
        r"^b/c\.py:1  AWS Access Key  sha1:[0-9a-f]{12} \(not found", proc.stdout, re.M
    )


def test_interactive_labels_and_shows_redacted_lines(
    audited: tuple[Repo, dict[str, str], dict[str, str]],
) -> None:
    repo, values, fps = audited
    proc = repo.proc("audit", input="r\nf\ns\n")
    assert proc.returncode == 0, proc.stderr
    assert labels(repo) == {"a.py": True, "b/c.py": False, "d.json": None}
    out = proc.stdout
    assert "[1/3] a.py:2  AWS Access Key" in out
    assert "[2/3] b/c.py:1  AWS Access Key" in out
    assert "[3/3] d.json:1  Entra ID Client Secret" in out
    # The line is shown, with the value replaced by its redacted preview.
    assert re.search(r'^\s+aws_id = "AKIA\*+"$', out, re.M), out
    assert fps["a.py"] in out
    for value in values.values():
        assert_absent(value, proc.stdout, proc.stderr)
    assert "labelled 2 entries" in proc.stderr

    # Only unlabelled entries are asked again.
    again = repo.run("audit", input="f\n")
    assert "[1/1] d.json:1" in again.stdout
    assert labels(repo)["d.json"] is False
    done = repo.run("audit")
    assert done.returncode == 0
    assert "nothing to audit" in done.stderr


def test_interactive_redacts_a_whole_github_token(repo: Repo) -> None:
    token = fakes.github_token()
    repo.write("ci.env", f"GH_TOKEN={token}\n")
    assert repo.run("baseline", "create").returncode == 0
    proc = repo.proc("audit", input="s\ns\ns\n")
    assert proc.returncode == 0, proc.stderr
    assert "GH_TOKEN=" in proc.stdout
    assert_absent(token, proc.stdout, proc.stderr)
    assert_absent(token[4:], proc.stdout, proc.stderr)


def test_interactive_quit_keeps_answers_so_far(
    audited: tuple[Repo, dict[str, str], dict[str, str]],
) -> None:
    repo, _, _ = audited
    proc = repo.proc("audit", input="f\nq\n")
    assert proc.returncode == 0, proc.stderr
    assert labels(repo) == {"a.py": False, "b/c.py": None, "d.json": None}


def test_interactive_asks_again_on_an_unknown_answer(
    audited: tuple[Repo, dict[str, str], dict[str, str]],
) -> None:
    repo, _, _ = audited
    proc = repo.run("audit", input="maybe\nreal\nq\n")
    assert proc.returncode == 0, proc.stderr
    assert "please answer" in proc.stdout
    assert labels(repo)["a.py"] is True


def test_interactive_all_revisits_labelled_entries(
    audited: tuple[Repo, dict[str, str], dict[str, str]],
) -> None:
    repo, _, fps = audited
    assert repo.run("audit", "--mark", fps["a.py"], "real").returncode == 0
    proc = repo.run("audit", "--all", input="f\nq\n")
    assert proc.returncode == 0
    assert "[1/3] a.py:2" in proc.stdout
    assert labels(repo)["a.py"] is False


def test_skipping_everything_does_not_rewrite(
    audited: tuple[Repo, dict[str, str], dict[str, str]],
) -> None:
    repo, _, _ = audited
    path = repo.path / BASELINE
    before, stat = path.read_bytes(), path.stat()
    proc = repo.run("audit", input="s\ns\ns\n")
    assert proc.returncode == 0
    assert path.read_bytes() == before
    assert path.stat().st_mtime_ns == stat.st_mtime_ns


def test_audit_without_a_baseline_is_a_clean_error(repo: Repo) -> None:
    assert_clean_error(repo.run("audit"))
    assert_clean_error(repo.run("audit", "--list", "missing.json"))


def test_audit_a_baseline_in_another_folder(repo: Repo) -> None:
    repo.write("src/a.py", fakes.aws_line())
    proc = repo.run("baseline", "create", "--baseline", "ci/accepted.json")
    assert proc.returncode == 0, proc.stderr
    listed = repo.run("audit", "--list", "ci/accepted.json")
    assert listed.returncode == 0, listed.stderr
    # Entries are found in the files they name, relative to the repository.
    assert "not found" not in listed.stdout, listed.stdout
    assert re.match(r"src/a\.py:1  AWS Access Key  so1:", listed.stdout)


def test_interactive_end_of_input_keeps_answers_so_far(
    audited: tuple[Repo, dict[str, str], dict[str, str]],
) -> None:
    repo, _, _ = audited
    proc = repo.proc("audit", input="r\n")  # one answer, then stdin ends
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert labels(repo) == {"a.py": True, "b/c.py": None, "d.json": None}


def test_moved_line_is_shown_where_it_is_now(
    audited: tuple[Repo, dict[str, str], dict[str, str]],
) -> None:
    repo, _, fps = audited
    path = repo.path / "b" / "c.py"
    path.write_text("# one\n# two\n" + path.read_text())
    listed = repo.run("audit", "--list")
    assert f"b/c.py:3  AWS Access Key  {fps['b/c.py']}  unlabelled" in listed.stdout
    proc = repo.proc("audit", input="s\ns\ns\n")
    assert "b/c.py:3  AWS Access Key" in proc.stdout
