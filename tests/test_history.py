"""``secretsops scan --history``: a generated repository whose every secret is known.

One repository, built once for the module, holds each case the issue names: a secret added
then deleted, one only on a side branch, only in a lightweight and only in an annotated tag,
a renamed file, a merge commit's own content, an orphan branch, the stash, CRLF and Latin-1
files, binary and oversized blobs, a submodule gitlink and a secret rewritten by many commits.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import fakes
import jsonschema
import pytest
from conftest import SARIF_SCHEMA, Repo, base_env, call_secretsops

from secretsops.scan.fingerprint import baseline_hash, fingerprint


class Planted:
    """The generated repository and what was planted where."""

    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        self.values: dict[str, str] = {}
        self.commits: dict[str, str] = {}


def _commit(repo: Repo, message: str) -> str:
    repo.add()
    return repo.commit(message)


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Planted:
    repo = Repo(tmp_path_factory.mktemp("history") / "repo")
    p = Planted(repo)
    v = p.values
    for name in ("deleted", "side", "light", "annotated", "renamed", "merge", "orphan"):
        v[name] = fakes.aws_access_key_id()
    for name in ("stash", "many", "live", "binary", "large"):
        v[name] = fakes.aws_access_key_id()
    v["crlf"] = fakes.password()
    v["latin1"] = fakes.aws_access_key_id()

    repo.write("README.md", "# demo\n")
    repo.write("deleted.py", "x = 1\n" + fakes.aws_line(v["deleted"]))
    repo.write("old_name.py", "import os\n" + fakes.aws_line(v["renamed"]))
    repo.write("live.py", fakes.aws_line(v["live"]))
    repo.write("crlf.py", "a = 1\n" + fakes.password_line(v["crlf"]) + "\n", newline="\r\n")
    repo.write("latin1.py", b"# caf\xe9 \xff\n" + fakes.aws_line(v["latin1"]).encode() + b"\n")
    repo.write("blob.txt", b"\x00\x01" + fakes.aws_line(v["binary"]).encode())
    repo.write("big.py", fakes.aws_line(v["large"]) + "\n" + "# padding\n" * 400)
    repo.write("many.py", fakes.aws_line(v["many"]))
    p.commits["first"] = _commit(repo, "first")

    repo.git("rm", "-q", "deleted.py")
    p.commits["delete"] = _commit(repo, "delete")
    repo.git("mv", "old_name.py", "new_name.py")
    p.commits["rename"] = _commit(repo, "rename")
    for i in range(4):  # the same secret, rewritten by four more commits
        repo.write("many.py", fakes.aws_line(v["many"]) + "\n" + "# more\n" * (i + 1))
        _commit(repo, f"many {i}")

    # a submodule: a gitlink entry only (noted, not followed)
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{p.commits['first']},vendor/sub")
    p.commits["gitlink"] = repo.commit("gitlink")

    # side branch, never merged
    repo.git("checkout", "-q", "-b", "side")
    repo.write("side.py", fakes.aws_line(v["side"]))
    p.commits["side"] = _commit(repo, "side")
    # reachable only from tags
    repo.git("checkout", "-q", "-b", "tagged", "main")
    repo.write("light.py", fakes.aws_line(v["light"]))
    p.commits["light"] = _commit(repo, "light")
    repo.git("tag", "light-tag")
    repo.write("light.py", "nothing = 0\n")
    repo.write("annotated.py", fakes.aws_line(v["annotated"]))
    p.commits["annotated"] = _commit(repo, "annotated")
    repo.git("tag", "-a", "-m", "release", "annotated-tag")
    repo.git("checkout", "-q", "main")
    repo.git("branch", "-q", "-D", "tagged")

    # a merge whose resolution adds a secret neither parent had
    repo.git("checkout", "-q", "-b", "topic")
    repo.write("conflict.py", "value = 'topic'\n")
    _commit(repo, "topic")
    repo.git("checkout", "-q", "main")
    repo.write("conflict.py", "value = 'main'\n")
    _commit(repo, "main side")
    proc_env = base_env()
    import subprocess

    subprocess.run(
        ["git", "merge", "-q", "topic"], cwd=repo.path, env=proc_env, capture_output=True
    )
    repo.write("conflict.py", fakes.aws_line(v["merge"]))
    repo.add()
    repo.git("commit", "-q", "--no-edit", "--no-verify")
    p.commits["merge"] = repo.git("rev-parse", "HEAD").strip()
    repo.git("branch", "-q", "-D", "topic")

    # an orphan branch
    repo.git("checkout", "-q", "--orphan", "lonely")
    repo.git("rm", "-rq", "--cached", ".")
    repo.write("orphan.py", fakes.aws_line(v["orphan"]))
    repo.add("orphan.py")
    p.commits["orphan"] = repo.commit("orphan")
    repo.git("clean", "-fdq")
    repo.git("checkout", "-q", "-f", "main")

    # the stash
    repo.write("live.py", fakes.aws_line(v["live"]) + "\n" + fakes.aws_line(v["stash"]))
    repo.git("stash", "-q")
    return p


def history(repo: Repo | Path, *args: str, code: int | None = None) -> dict[str, Any]:
    path = repo.path if isinstance(repo, Repo) else repo
    proc = call_secretsops("scan", "--history", "--format", "json", "-j", "1", *args, cwd=path)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode in ((0, 1) if code is None else (code,)), (proc.returncode, proc.stderr)
    report: dict[str, Any] = json.loads(proc.stdout)
    assert report["mode"] == "history"
    return report


def by_fingerprint(report: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for f in report["findings"]:
        out.setdefault(f["fingerprint"], []).append(f)
    return out


@pytest.fixture(scope="module")
def report(planted: Planted) -> dict[str, Any]:
    return history(planted.repo, "--no-cache", "--max-file-size", "2k")


def test_every_planted_secret_is_found_once_with_its_commit(
    planted: Planted, report: dict[str, Any]
) -> None:
    found = by_fingerprint(report)
    expected = {
        "deleted": ("deleted.py", "first", False),
        "side": ("side.py", "side", False),
        "light": ("light.py", "light", False),
        "annotated": ("annotated.py", "annotated", False),
        "merge": ("conflict.py", "merge", True),
        "orphan": ("orphan.py", "orphan", False),
    }
    for name, (path, commit, at_head) in expected.items():
        hits = found.get(fingerprint(planted.values[name]), [])
        assert [h["path"] for h in hits] == [path], name
        hit = hits[0]
        assert hit["commit"] == planted.commits[commit], name
        assert hit["present_at_head"] is at_head, name
        assert hit["author"] == "t" and hit["date"][:2] == "20" and "T" in hit["date"]
        assert hit["occurrences"] == 1
    assert report["summary"]["commits"] >= 14


def test_renamed_file_keeps_the_old_path_and_reports_the_new_one_at_the_rename(
    planted: Planted, report: dict[str, Any]
) -> None:
    hits = {h["path"]: h for h in by_fingerprint(report)[fingerprint(planted.values["renamed"])]}
    assert set(hits) == {"old_name.py", "new_name.py"}
    assert hits["old_name.py"]["commit"] == planted.commits["first"]
    assert hits["old_name.py"]["present_at_head"] is False
    assert hits["new_name.py"]["commit"] == planted.commits["rename"]
    assert hits["new_name.py"]["present_at_head"] is True


def test_stash_crlf_and_latin1_secrets_are_found(planted: Planted, report: dict[str, Any]) -> None:
    found = by_fingerprint(report)
    stash = found[fingerprint(planted.values["stash"])]
    assert [(h["path"], h["line"], h["present_at_head"]) for h in stash] == [("live.py", 2, False)]
    crlf = found[fingerprint(planted.values["crlf"])]
    assert [(h["path"], h["line"], h["type"]) for h in crlf] == [("crlf.py", 2, "Secret Keyword")]
    latin1 = found[fingerprint(planted.values["latin1"])]
    assert [(h["path"], h["line"]) for h in latin1] == [("latin1.py", 2)]


def test_same_secret_through_many_commits_is_one_finding_with_occurrences(
    planted: Planted, report: dict[str, Any]
) -> None:
    hits = by_fingerprint(report)[fingerprint(planted.values["many"])]
    assert len(hits) == 1
    assert hits[0]["occurrences"] == 5
    assert hits[0]["commit"] == planted.commits["first"]
    assert hits[0]["present_at_head"] is True


def test_binary_oversized_and_gitlinks_are_counted_not_scanned(
    planted: Planted, report: dict[str, Any]
) -> None:
    found = by_fingerprint(report)
    assert fingerprint(planted.values["binary"]) not in found
    assert fingerprint(planted.values["large"]) not in found
    summary = report["summary"]
    assert summary["skipped_binary"] == 1
    assert summary["skipped_too_large"] == 1
    assert summary["gitlinks"] == 1
    assert summary["blobs_scanned"] == summary["blobs_total"] > 10
    assert summary["blobs_cached"] == 0
    assert summary["findings"] == len(report["findings"])


def test_no_value_in_any_format(planted: Planted) -> None:
    for fmt in ("json", "sarif", "text"):
        proc = call_secretsops(
            "scan", "--history", "--no-cache", "-j", "1", "-f", fmt, cwd=planted.repo.path
        )
        assert proc.returncode == 1
        for value in planted.values.values():
            assert value not in proc.stdout and value not in proc.stderr


def test_sarif_of_history_validates(planted: Planted) -> None:
    proc = call_secretsops(
        "scan", "--history", "--no-cache", "-j", "1", "-f", "sarif", cwd=planted.repo.path
    )
    assert proc.returncode == 1
    sarif = json.loads(proc.stdout)
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(sarif)
    results = sarif["runs"][0]["results"]
    assert results and all(r["properties"]["commit"] for r in results)
    assert sarif["runs"][0]["automationDetails"]["id"] == "secretsops/history/"


def test_show_secrets_prints_history_values(planted: Planted) -> None:
    proc = call_secretsops("scan", "--history", "-j", "1", "--show-secrets", cwd=planted.repo.path)
    assert proc.returncode == 1
    assert planted.values["deleted"] in proc.stdout
    assert planted.commits["first"][:12] in proc.stdout


def test_baseline_suppresses_a_history_finding(planted: Planted, tmp_path: Path) -> None:
    value = planted.values["side"]
    baseline = {
        "version": "1.5.0",
        "plugins_used": [],
        "filters_used": [],
        "results": {
            "side.py": [
                {
                    "type": "AWS Access Key",
                    "filename": "side.py",
                    "hashed_secret": baseline_hash(value),
                    "is_verified": False,
                    "line_number": 1,
                }
            ]
        },
    }
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps(baseline), encoding="utf-8")
    report = history(planted.repo, "--no-cache", "--baseline", str(path))
    assert report["summary"]["baselined"] == 1
    assert fingerprint(value) not in by_fingerprint(report)


def test_clean_history_exits_0_and_non_repository_exits_2(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "clean")
    repo.write("a.py", "x = 1\n")
    _commit(repo, "clean")
    assert history(repo, "--no-cache", code=0)["findings"] == []
    plain = tmp_path / "plain"
    plain.mkdir()
    proc = call_secretsops("scan", "--history", cwd=plain)
    assert proc.returncode == 2 and "not inside a git repository" in proc.stderr


def test_empty_repository_has_no_history(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "empty")
    report = history(repo, "--no-cache", code=0)
    assert report["summary"]["commits"] == 0


def test_progress_bar_only_on_a_terminal() -> None:
    import io

    from secretsops.progress import Progress

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Tty()
    bar = Progress(enabled=True, stream=stream)
    bar.update(5, 10, final_total=True, force=True)
    bar.close()
    text = stream.getvalue()
    assert "5/10 blobs" in text and "/s" in text and "ETA" in text
    assert not Progress.for_terminal(quiet=True).enabled
    quiet = io.StringIO()
    Progress(enabled=False, stream=quiet).update(1, 2, final_total=True, force=True)
    assert quiet.getvalue() == ""


def test_baseline_files_are_skipped_in_history_as_in_the_work_tree(repo: Repo) -> None:
    """A baseline holds hashes, never content: both scans pass over it, in any folder."""
    line = fakes.aws_line()
    repo.write(".secrets.baseline", line + "\n")
    repo.write("ci/.secrets.baseline", line + "\n")
    repo.write("app.py", "x = 1\n")
    repo.add()
    repo.commit("baselines")
    # the same line elsewhere is found, so the rule is about the file, not the line
    assert json.loads(repo.scan("app.py", "--format", "json").stdout)["findings"] == []
    repo.write("notes.txt", line + "\n")
    assert json.loads(repo.scan("notes.txt", "--format", "json").stdout)["findings"]
    (repo.path / "notes.txt").unlink()
    worktree = json.loads(repo.scan("--format", "json").stdout)
    history = json.loads(repo.scan("--history", "--no-cache", "--format", "json").stdout)
    assert worktree["findings"] == []
    assert history["findings"] == []
