"""``secretsops scan --staged``: what the next commit will contain, read from the index."""

from __future__ import annotations

import json
from typing import Any

import fakes
from conftest import Repo, call_secretsops


def staged_json(repo: Repo, *args: str, cwd: Any = None) -> tuple[int, dict[str, Any]]:
    proc = call_secretsops("scan", "--staged", "--format", "json", *args, cwd=cwd or repo.path)
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    report = json.loads(proc.stdout)
    assert report["mode"] == "staged"
    return proc.returncode, report


def locations(report: dict[str, Any]) -> list[tuple[str, int]]:
    return [(f["path"], f["line"]) for f in report["findings"]]


def test_secret_staged_then_removed_from_the_working_file_is_caught(repo: Repo) -> None:
    repo.write("config.py", "x = 1\n" + fakes.aws_line())
    repo.add("config.py")
    repo.write("config.py", "x = 1\n")  # the working file is clean again, the index is not

    code, report = staged_json(repo)
    assert code == 1
    assert locations(report) == [("config.py", 2)]

    worktree = repo.scan()
    assert worktree.returncode == 0, worktree.stdout


def test_secret_only_in_the_working_file_is_not_reported(repo: Repo) -> None:
    repo.write("config.py", "x = 1\n")
    repo.add()
    repo.commit()
    repo.write("config.py", "x = 1\n" + fakes.aws_line())  # modified, not staged
    repo.write("new.py", fakes.aws_line())  # untracked, not staged

    code, report = staged_json(repo)
    assert code == 0
    assert report["findings"] == []
    assert repo.scan().returncode == 1


def test_a_committed_secret_the_commit_does_not_touch_is_not_scanned(repo: Repo) -> None:
    """--staged reads what the next commit adds or changes, not the whole index."""
    repo.write("old.py", fakes.aws_line())
    repo.write("notes.txt", "a\n")
    repo.add()
    repo.commit()
    repo.write("notes.txt", "b\n")
    repo.add("notes.txt")
    code, report = staged_json(repo)
    assert code == 0, report
    assert report["summary"]["files_scanned"] == 1


def test_without_a_baseline_only_the_lines_the_commit_adds_are_judged(repo: Repo) -> None:
    old = fakes.aws_access_key_id()
    repo.write("config.py", "x = 1\n" + fakes.aws_line(old) + "\n")
    repo.add()
    repo.commit()
    repo.write("config.py", "x = 2\n" + fakes.aws_line(old) + "\n")
    repo.add("config.py")
    assert staged_json(repo) == (0, staged_json(repo)[1])
    assert staged_json(repo, "config.py")[0] == 0  # the hook's form: files named
    repo.write("config.py", "x = 2\n" + fakes.aws_line(old) + "\n" + fakes.aws_line() + "\n")
    repo.add("config.py")
    code, report = staged_json(repo, "config.py")
    assert code == 1
    assert locations(report) == [("config.py", 3)]
    # A file only moved adds nothing (rename detection, as the range scans).
    repo.commit()
    repo.git("mv", "config.py", "settings.py")
    assert staged_json(repo)[0] == 0


def test_with_a_baseline_the_staged_files_are_read_whole(repo: Repo) -> None:
    repo.write("config.py", "x = 1\n" + fakes.aws_line() + "\n")
    repo.add()
    repo.commit()
    assert call_secretsops("baseline", "create", cwd=repo.path).returncode == 0
    repo.write("config.py", "x = 2\n" + fakes.aws_line() + "\n" + fakes.aws_line() + "\n")
    repo.add("config.py")
    code, report = staged_json(repo, "--baseline", ".secrets.baseline")
    assert code == 1
    assert sorted(line for _, line in locations(report)) == [2, 3]  # line 2's key is new too


def test_before_the_first_commit_everything_staged_is_new(tmp_path: Any) -> None:
    repo = Repo(tmp_path / "fresh")
    repo.write("a.py", fakes.aws_line() + "\n")
    repo.add()
    code, report = staged_json(repo)
    assert code == 1 and locations(report) == [("a.py", 1)]


def test_file_arguments_limit_a_staged_scan(repo: Repo) -> None:
    repo.write("a.py", fakes.aws_line())
    repo.write("b.py", fakes.aws_line())
    repo.write("sub/c.py", fakes.aws_line())
    repo.add()

    code, report = staged_json(repo, "b.py")
    assert code == 1
    assert locations(report) == [("b.py", 1)]

    code, report = staged_json(repo, "a.py", "sub/c.py")
    assert locations(report) == [("a.py", 1), ("sub/c.py", 1)]

    code, report = staged_json(repo, "sub")
    assert locations(report) == [("sub/c.py", 1)]


def test_staged_file_deleted_from_disk_passed_as_argument(repo: Repo) -> None:
    repo.write("gone.py", fakes.aws_line())
    repo.write("deep/gone too.py", fakes.aws_line())
    repo.add()
    (repo.path / "gone.py").unlink()
    (repo.path / "deep" / "gone too.py").unlink()
    (repo.path / "deep").rmdir()

    code, report = staged_json(repo, "gone.py", "deep/gone too.py")
    assert code == 1
    assert locations(report) == [("deep/gone too.py", 1), ("gone.py", 1)]


def test_staged_scan_from_a_subfolder_with_relative_arguments(repo: Repo) -> None:
    repo.write("top.py", fakes.aws_line())
    repo.write("sub/inner.py", fakes.aws_line())
    repo.add()
    code, report = staged_json(repo, "inner.py", cwd=repo.path / "sub")
    assert code == 1
    assert locations(report) == [("sub/inner.py", 1)]


def test_staged_path_with_spaces_and_non_ascii(repo: Repo) -> None:
    rel = "r\u00e9pertoire x/cl\u00e9 \u79d8\u5bc6.env"
    repo.write(rel, f"KEY={fakes.aws_access_key_id()}\n")
    repo.add()
    _, report = staged_json(repo)
    assert locations(report) == [(rel, 1)]
    _, report = staged_json(repo, rel)
    assert locations(report) == [(rel, 1)]


def test_staged_deletion_is_not_scanned(repo: Repo) -> None:
    repo.write("old.py", fakes.aws_line())
    repo.add()
    repo.commit()
    repo.git("rm", "-q", "old.py")
    code, report = staged_json(repo)
    assert code == 0
    assert report["summary"]["files_scanned"] == 0


def test_nothing_staged_in_an_empty_repository(repo: Repo) -> None:
    code, report = staged_json(repo)
    assert code == 0
    assert report["findings"] == []


def test_staged_binary_and_oversized_blobs_are_skipped_and_later_blobs_still_read(
    repo: Repo,
) -> None:
    # The big blob's bytes are drained from `git cat-file --batch`; the blobs after it must
    # still be read whole and in order.
    repo.write("a_big.txt", fakes.aws_line() + "\n" + ("#" * 63 + "\n") * 40_000)
    repo.write("b_blob.bin", b"\x00" + fakes.aws_access_key_id().encode())
    repo.write("c_last.py", "pad = 0\n" + fakes.aws_line())
    repo.add()

    code, report = staged_json(repo, "--max-file-size", "100k")
    assert code == 1
    assert locations(report) == [("c_last.py", 2)]
    assert report["summary"]["skipped_too_large"] == 1
    assert report["summary"]["skipped_binary"] == 1
    assert report["summary"]["files_scanned"] == 1


def test_staged_allowlist_comment(repo: Repo) -> None:
    repo.write("a.py", f"{fakes.aws_line()}  # pragma: allowlist secret\n")
    repo.add()
    code, _ = staged_json(repo)
    assert code == 0


def test_staged_entra_secret(repo: Repo) -> None:
    secret = fakes.entra_client_secret()
    repo.write("azure-pipelines.yml", f"variables:\n  clientSecret: {secret}\n")
    repo.add()
    code, report = staged_json(repo)
    assert code == 1
    assert ("azure-pipelines.yml", 2, "Entra ID Client Secret") in {
        (f["path"], f["line"], f["type"]) for f in report["findings"]
    }


def test_staged_text_report_lines(repo: Repo) -> None:
    repo.write("a.py", fakes.aws_line())
    repo.add()
    proc = repo.proc("scan", "--staged")
    assert proc.returncode == 1
    assert proc.stdout.splitlines()[0].startswith("a.py:1  AWS Access Key  AKIA")
