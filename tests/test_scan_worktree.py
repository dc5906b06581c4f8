"""``secretsops scan`` on the working tree: which files, which lines, what is skipped."""

from __future__ import annotations

import json
from typing import Any

import fakes
import pytest
from conftest import Repo, assert_absent, call_secretsops


def scan_json(target: Repo, *args: str) -> tuple[int, dict[str, Any]]:
    proc = target.scan("--format", "json", *args)
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def paths_of(report: dict[str, Any], type_: str | None = None) -> set[str]:
    return {f["path"] for f in report["findings"] if type_ is None or f["type"] == type_}


def test_tracked_and_untracked_files_are_scanned_ignored_ones_are_not(repo: Repo) -> None:
    repo.write("tracked.py", fakes.aws_line())
    repo.write(".gitignore", "ignored.py\nbuild/\n")
    repo.add("tracked.py", ".gitignore")
    repo.commit()
    repo.write("untracked.py", fakes.aws_line())
    repo.write("ignored.py", fakes.aws_line())
    repo.write("build/out.py", fakes.aws_line())

    code, report = scan_json(repo)

    assert code == 1
    assert paths_of(report) == {"tracked.py", "untracked.py"}
    assert report["summary"]["files_scanned"] == 3  # tracked.py, untracked.py, .gitignore


def test_clean_repository_exits_zero(repo: Repo) -> None:
    repo.write("app.py", "print('hello')\n")
    repo.add()
    repo.commit()
    proc = repo.proc("scan")
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout == "0 findings, 1 file scanned\n"


def test_default_path_is_the_current_folder(repo: Repo) -> None:
    repo.write("a.py", fakes.aws_line())
    proc = repo.proc("scan")
    assert proc.returncode == 1
    assert proc.stdout.startswith("a.py:1  AWS Access Key  ")


def test_plain_folder_without_git(folder: Repo) -> None:
    folder.write("a.py", fakes.aws_line())
    folder.write("deep/er/b.txt", f"token: {fakes.github_token()}\n")
    folder.write("clean.md", "# nothing here\n")

    code, report = scan_json(folder, str(folder.path))

    assert code == 1
    assert paths_of(report, "AWS Access Key") == {"a.py"}
    assert paths_of(report, "GitHub Token") == {"deep/er/b.txt"}
    assert report["summary"]["files_scanned"] == 3


def test_plain_folder_skips_nested_dot_git(folder: Repo) -> None:
    folder.write(".git/config", fakes.aws_line())
    folder.write("ok.txt", "fine\n")
    code, report = scan_json(folder)
    assert code == 0
    assert report["summary"]["files_scanned"] == 1


def test_file_arguments_scan_only_those_files_even_ignored_ones(repo: Repo) -> None:
    repo.write(".gitignore", "secret.env\n")
    repo.write("a.py", fakes.aws_line())
    repo.write("b.py", fakes.aws_line())
    repo.write("secret.env", fakes.aws_line())
    repo.add("a.py", "b.py", ".gitignore")
    repo.commit()

    code, report = scan_json(repo, "b.py")
    assert code == 1
    assert paths_of(report) == {"b.py"}
    assert report["summary"]["files_scanned"] == 1

    code, report = scan_json(repo, "secret.env", "a.py")
    assert code == 1
    assert paths_of(report) == {"secret.env", "a.py"}


def test_file_argument_in_plain_folder(folder: Repo) -> None:
    folder.write("a.py", fakes.aws_line())
    folder.write("b.py", fakes.aws_line())
    code, report = scan_json(folder, "b.py")
    assert code == 1
    assert paths_of(report) == {"b.py"}


def test_subfolder_argument_limits_the_scan(repo: Repo) -> None:
    repo.write("top.py", fakes.aws_line())
    repo.write("sub/inner.py", fakes.aws_line())
    repo.write("sub/deeper/more.py", fakes.aws_line())
    repo.write("subway/other.py", fakes.aws_line())
    repo.add()
    repo.commit()

    code, report = scan_json(repo, "sub")

    assert code == 1
    # Paths stay relative to the repository root, and a sibling with the same prefix is out.
    assert paths_of(report) == {"sub/inner.py", "sub/deeper/more.py"}


def test_scan_from_inside_a_subfolder(repo: Repo) -> None:
    repo.write("top.py", fakes.aws_line())
    repo.write("sub/inner.py", fakes.aws_line())
    proc = call_secretsops("scan", "--format", "json", ".", cwd=repo.path / "sub")
    assert proc.returncode == 1, proc.stderr
    assert paths_of(json.loads(proc.stdout)) == {"sub/inner.py"}


@pytest.mark.parametrize("as_repo", [True, False], ids=["git", "plain"])
def test_path_with_spaces_and_non_ascii(tmp_path: Any, as_repo: bool) -> None:
    target = Repo(tmp_path / "my projects" / "d\u00e9p\u00f4t", init=as_repo)
    rel = "dossier \u00e9t\u00e9/r\u00e9sum\u00e9 \u6587\u4ef6.py"
    target.write(rel, fakes.aws_line())
    if as_repo:
        target.add()
        target.commit()
    target.write("\u00fcber untracked.py", fakes.aws_line())

    code, report = scan_json(target, str(target.path))
    assert code == 1
    assert paths_of(report) == {rel, "\u00fcber untracked.py"}

    code, report = scan_json(target, rel)
    assert paths_of(report) == {rel}

    text = target.scan().stdout
    assert f"{rel}:1  AWS Access Key  " in text


def test_crlf_file_line_numbers(repo: Repo) -> None:
    repo.write("win.cs", f"// one\n// two\n{fakes.aws_line()}\n// four\n", newline="\r\n")
    assert b"\r\n" in (repo.path / "win.cs").read_bytes()
    code, report = scan_json(repo)
    assert code == 1
    assert [(f["path"], f["line"]) for f in report["findings"]] == [("win.cs", 3)]


def test_latin1_file_is_scanned(repo: Repo) -> None:
    key = fakes.aws_access_key_id()
    data = "# caf\u00e9 cr\u00e8me br\u00fbl\u00e9e\n".encode("latin-1") + (
        f'aws_id = "{key}"  # d\u00e9j\u00e0 vu\n'.encode("latin-1")
    )
    repo.write("legacy.py", data)
    code, report = scan_json(repo)
    assert code == 1
    assert [(f["path"], f["line"], f["type"]) for f in report["findings"]] == [
        ("legacy.py", 2, "AWS Access Key")
    ]


def test_utf8_bom_file_is_scanned(repo: Repo) -> None:
    repo.write("bom.py", b"\xef\xbb\xbf" + fakes.aws_line().encode() + b"\n")
    code, report = scan_json(repo)
    assert code == 1
    assert [(f["path"], f["line"]) for f in report["findings"]] == [("bom.py", 1)]


def test_binary_file_is_skipped_and_counted(repo: Repo) -> None:
    key = fakes.aws_access_key_id()
    repo.write("blob.bin", b"\x00\x01\x02" + key.encode() + b"\x00" * 32)
    repo.write("ok.py", "x = 1\n")

    code, report = scan_json(repo)
    assert code == 0
    assert report["findings"] == []
    assert report["summary"]["skipped_binary"] == 1
    assert report["summary"]["files_scanned"] == 1

    text = repo.scan()
    assert text.returncode == 0
    assert "1 binary skipped" in text.stdout


def test_file_over_max_file_size_is_skipped_and_counted(repo: Repo) -> None:
    repo.write("big.py", fakes.aws_line() + "\n" + "# padding\n" * 300)
    repo.write("small.py", "x = 1\n")

    code, report = scan_json(repo, "--max-file-size", "1k")
    assert code == 0
    assert report["summary"]["skipped_too_large"] == 1
    assert report["summary"]["files_scanned"] == 1

    text = repo.scan("--max-file-size", "1k")
    assert text.returncode == 0
    assert "1 over size limit skipped" in text.stdout

    code, report = scan_json(repo, "--max-file-size", "1MB")
    assert code == 1
    assert paths_of(report) == {"big.py"}


def test_default_size_limit_is_one_megabyte(repo: Repo) -> None:
    repo.write("huge.txt", fakes.aws_line() + "\n" + ("#" * 99 + "\n") * 10_100)
    repo.write("under.txt", fakes.aws_line() + "\n" + ("#" * 99 + "\n") * 9_000)
    code, report = scan_json(repo)
    assert code == 1
    assert paths_of(report) == {"under.txt"}
    assert report["summary"]["skipped_too_large"] == 1


def test_tracked_file_deleted_from_worktree_does_not_crash(repo: Repo) -> None:
    repo.write("gone.py", "x = 1\n")
    repo.write("here.py", fakes.aws_line())
    repo.add()
    repo.commit()
    (repo.path / "gone.py").unlink()
    code, report = scan_json(repo)
    assert code == 1
    assert paths_of(report) == {"here.py"}


def test_symlink_is_not_followed(repo: Repo, tmp_path: Any) -> None:
    outside = tmp_path / "outside.py"
    outside.write_text(fakes.aws_line() + "\n")
    (repo.path / "link.py").symlink_to(outside)
    repo.write("ok.py", "x = 1\n")
    code, report = scan_json(repo)
    assert code == 0
    assert report["findings"] == []


@pytest.mark.parametrize(
    "marker",
    ["# pragma: allowlist secret", "# gitleaks:allow"],
    ids=["pragma", "gitleaks"],
)
def test_inline_allowlist_comment_suppresses_a_finding(repo: Repo, marker: str) -> None:
    allowed = fakes.aws_access_key_id()
    flagged = fakes.aws_access_key_id()
    repo.write("a.py", f'allowed = "{allowed}"  {marker}\nflagged = "{flagged}"\n')
    code, report = scan_json(repo)
    assert code == 1
    assert [(f["line"], f["type"]) for f in report["findings"]] == [(2, "AWS Access Key")]


def test_pragma_alone_makes_the_scan_clean(repo: Repo) -> None:
    repo.write("a.py", f"{fakes.aws_line()}  # pragma: allowlist secret\n")
    repo.write("b.yaml", f"key: {fakes.aws_access_key_id()}  # gitleaks:allow\n")
    proc = repo.scan()
    assert proc.returncode == 0, proc.stdout


def test_entra_client_secret_plugin_fires(repo: Repo) -> None:
    value = fakes.entra_client_secret()
    repo.write("appsettings.json", json.dumps({"AzureAd": {"ClientCredential": value}}, indent=2))
    code, report = scan_json(repo)
    assert code == 1
    entra = [f for f in report["findings"] if f["type"] == "Entra ID Client Secret"]
    assert len(entra) == 1, report["findings"]
    assert entra[0]["path"] == "appsettings.json"
    assert entra[0]["line"] == 3
    assert entra[0]["confidence"] == "high"
    assert entra[0]["detector"] == "EntraClientSecretDetector"


@pytest.mark.parametrize(
    ("make", "type_", "line"),
    [
        (lambda: fakes.aws_line(), "AWS Access Key", 1),
        (lambda: f'gh = "{fakes.github_token()}"', "GitHub Token", 1),
        (lambda: fakes.password_line(), "Secret Keyword", 1),
        (lambda: fakes.private_key_pem(), "Private Key", 1),
        (lambda: f'value = "{fakes.entra_client_secret()}"', "Entra ID Client Secret", 1),
    ],
    ids=["aws", "github", "password", "private-key", "entra"],
)
def test_each_credential_kind_is_found(repo: Repo, make: Any, type_: str, line: int) -> None:
    content = make()
    repo.write("c.py", content)
    code, report = scan_json(repo)
    assert code == 1
    hits = [f for f in report["findings"] if f["type"] == type_]
    assert [(f["path"], f["line"]) for f in hits] == [("c.py", line)], report["findings"]
    proc = repo.scan("--format", "json")
    assert_absent(content.splitlines()[1] if type_ == "Private Key" else content, proc.stdout)


def test_same_value_twice_in_a_file_is_one_finding(repo: Repo) -> None:
    key = fakes.aws_access_key_id()
    repo.write("a.py", f'one = "{key}"\n\ntwo = "{key}"\n')
    code, report = scan_json(repo)
    assert code == 1
    assert [(f["path"], f["line"]) for f in report["findings"]] == [("a.py", 1)]


def test_other_scanners_baselines_are_not_scanned(repo: Repo) -> None:
    """Guardian's baseline holds hashes of accepted findings (64 hex digits): not content."""
    import secrets as stdlib_secrets

    digest = stdlib_secrets.token_hex(32)
    body = '{\n  "results": {\n    "%s": {\n      "signature": "%s"\n    }\n  }\n}\n'
    repo.write(".config/guardian/.gdnbaselines", body % (digest, digest))
    repo.write("config/signatures.json", body % (digest, digest))
    paths = {f["path"] for f in json.loads(repo.scan("-f", "json").stdout)["findings"]}
    assert paths == {"config/signatures.json"}


def test_worker_processes_find_what_one_process_finds(repo: Repo) -> None:
    """Past ``POOL_AFTER`` files the scan goes to worker processes: same report as ``-j1``,
    findings from the files the workers read included, skipped files counted once."""
    from secretsops.scan.files import POOL_AFTER

    count = 3 * POOL_AFTER
    for n in range(count):
        body = f"def f{n}():\n    return {n}\n"
        if n % 7 == 0:
            body += fakes.aws_line() + "\n"
        if n % 11 == 0:
            body += fakes.password_line() + "\n"
        repo.write(f"src/m{n:03}.py", body)
    repo.write("src/zz.bin", b"\x00\x01binary" * 10)
    repo.write("src/zz.yaml", f"db:\n  password: {fakes.password()}\n")
    _, one = scan_json(repo, "-j", "1")
    code, two = scan_json(repo, "-j", "2")
    assert code == 1
    assert two == one
    late = {f["path"] for f in two["findings"] if f["path"] >= f"src/m{POOL_AFTER + 1:03}"}
    assert len(late) > count // 7 // 2, sorted(late)
    assert "src/zz.yaml" in late
    assert two["summary"]["skipped_binary"] == 1, two["summary"]


def test_negative_jobs_is_a_usage_error(repo: Repo) -> None:
    proc = repo.scan("-j", "-1")
    assert proc.returncode == 2
    assert "--jobs" in proc.stderr and "Traceback" not in proc.stderr
