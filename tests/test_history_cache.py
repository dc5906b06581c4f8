"""The history cache, ``--jobs``, ``--since``/``--range`` and shallow clones."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import fakes
import pytest
from conftest import Repo, base_env, call_secretsops
from test_history import by_fingerprint, history

from secretsops.scan.fingerprint import fingerprint


def _commit(repo: Repo, message: str) -> str:
    repo.add()
    return repo.commit(message)


def _identities(report: dict[str, Any]) -> list[tuple[Any, ...]]:
    keys = ("path", "type", "fingerprint", "line", "commit", "occurrences", "present_at_head")
    return sorted(tuple(f[k] for k in keys) for f in report["findings"])


@pytest.fixture
def small(repo: Repo) -> tuple[Repo, dict[str, str]]:
    values = {"a": fakes.aws_access_key_id(), "b": fakes.github_token()}
    repo.write("a.py", fakes.aws_line(values["a"]))
    repo.write("notes.md", "hello\n")
    _commit(repo, "one")
    repo.write("b.py", f'token = "{values["b"]}"\n')
    repo.write("a.py", "clean = 1\n")
    _commit(repo, "two")
    return repo, values


def cache_file(repo: Repo) -> Path:
    return repo.path / ".git" / "secretsops" / "history-cache"


def test_second_scan_reads_no_blob_and_new_commits_only_their_blobs(
    small: tuple[Repo, dict[str, str]],
) -> None:
    repo, values = small
    cold = history(repo)
    assert cold["summary"]["cache"] == "cold" and cold["summary"]["blobs_scanned"] == 4
    assert cache_file(repo).is_file()
    data = cache_file(repo).read_bytes()
    for value in values.values():
        assert value.encode() not in data  # never a value on disk

    warm = history(repo)
    assert warm["summary"]["blobs_scanned"] == 0
    assert warm["summary"]["incremental"] is True
    assert _identities(warm) == _identities(cold)

    new = fakes.aws_access_key_id()
    repo.write("c.py", fakes.aws_line(new))
    repo.write("notes.md", "hello\nworld\n")
    _commit(repo, "three")
    third = history(repo)
    assert third["summary"]["commits"] == 1
    assert third["summary"]["blobs_scanned"] == 2
    assert _identities(third) == _identities(history(repo, "--no-cache"))
    assert fingerprint(new) in by_fingerprint(third)


def test_a_moved_branch_is_incremental_a_deleted_or_rewritten_one_is_not(repo: Repo) -> None:
    kept, side, amended = (fakes.aws_access_key_id() for _ in range(3))
    repo.write("a.py", fakes.aws_line(kept))
    _commit(repo, "one")
    repo.git("checkout", "-q", "-b", "side")
    repo.write("side.py", fakes.aws_line(side))
    _commit(repo, "side")
    repo.git("checkout", "-q", "-")
    repo.write("b.py", fakes.aws_line(amended))
    _commit(repo, "two")
    assert set(by_fingerprint(history(repo))) == {fingerprint(v) for v in (kept, side, amended)}

    repo.write("c.py", "clean = 1\n")
    _commit(repo, "three")  # main moved on: its old tip is an ancestor of the new one
    moved = history(repo)
    assert moved["summary"]["incremental"] is True and moved["summary"]["commits"] == 1

    repo.git("branch", "-q", "-D", "side")
    deleted = history(repo)
    assert deleted["summary"]["incremental"] is False
    assert set(by_fingerprint(deleted)) == {fingerprint(kept), fingerprint(amended)}

    repo.git("reset", "-q", "--hard", "HEAD~2")  # main rewritten: "two" and "three" are gone
    repo.write("d.py", "clean = 2\n")
    _commit(repo, "four")
    rewritten = history(repo)
    assert rewritten["summary"]["incremental"] is False
    assert set(by_fingerprint(rewritten)) == {fingerprint(kept)}


def test_blob_cache_serves_a_range_scan(small: tuple[Repo, dict[str, str]]) -> None:
    repo, _ = small
    history(repo)
    ranged = history(repo, "--range", "HEAD~1..HEAD")
    assert ranged["summary"]["blobs_scanned"] == 0
    assert ranged["summary"]["blobs_cached"] >= 2


def test_no_cache_neither_reads_nor_writes(small: tuple[Repo, dict[str, str]]) -> None:
    repo, _ = small
    report = history(repo, "--no-cache")
    assert report["summary"]["cache"] == "off"
    assert not cache_file(repo).exists()
    history(repo)
    before = cache_file(repo).read_bytes()
    again = history(repo, "--no-cache")
    assert again["summary"]["blobs_scanned"] == 4
    assert cache_file(repo).read_bytes() == before


@pytest.mark.parametrize("damage", ["garbage", "truncate", "flip"])
def test_corrupt_cache_is_discarded_with_a_warning(
    small: tuple[Repo, dict[str, str]], damage: str
) -> None:
    repo, _ = small
    cold = history(repo)
    path = cache_file(repo)
    data = path.read_bytes()
    if damage == "garbage":
        path.write_bytes(b"not a cache at all")
    elif damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    else:
        path.write_bytes(data[:-40] + bytes([data[-40] ^ 1]) + data[-39:])
    proc = call_secretsops("scan", "--history", "-f", "json", "-j", "1", cwd=repo.path)
    assert proc.returncode == 1
    assert "corrupt" in proc.stderr and "Traceback" not in proc.stderr
    report = json.loads(proc.stdout)
    assert report["summary"]["blobs_scanned"] == 4
    assert _identities(report) == _identities(cold)
    assert history(repo)["summary"]["blobs_scanned"] == 0  # rewritten, intact again


def test_settings_change_invalidates_the_cache(
    small: tuple[Repo, dict[str, str]], tmp_path: Path
) -> None:
    repo, _ = small
    history(repo)
    assert history(repo)["summary"]["blobs_scanned"] == 0
    baseline = {
        "version": "1.5.0",
        "plugins_used": [{"name": "Base64HighEntropyString", "limit": 4.0}],
        "filters_used": [],
        "results": {},
    }
    path = tmp_path / "b.json"
    path.write_text(json.dumps(baseline), encoding="utf-8")
    other = history(repo, "--baseline", str(path))
    assert other["summary"]["blobs_scanned"] == 4
    assert other["summary"]["blobs_cached"] == 0


def test_jobs_2_equals_jobs_1(
    small: tuple[Repo, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    import secretsops.scan.history as hs

    repo, _ = small
    for i in range(12):
        repo.write(f"f{i}.py", f"x = {i}\n" + fakes.aws_line() + "\n" + "# pad\n" * i)
        repo.write("a.py", "clean = 1\n" * (i + 1) + fakes.password_line())
        _commit(repo, f"c{i}")
    monkeypatch.setattr(hs, "POOL_AFTER", 0)  # workers from the first blob
    one = history(repo, "--no-cache")
    proc = call_secretsops(
        "scan", "--history", "--no-cache", "-j", "2", "-f", "json", cwd=repo.path
    )
    assert proc.returncode == 1, proc.stderr
    two = json.loads(proc.stdout)
    assert _identities(two) == _identities(one)
    assert len(one["findings"]) >= 13
    assert two["summary"]["blobs_scanned"] == one["summary"]["blobs_scanned"]


def test_since_and_range_report_only_what_those_commits_add(repo: Repo) -> None:
    old, added, removed = (fakes.aws_access_key_id() for _ in range(3))
    repo.write("app.py", fakes.aws_line(old))
    repo.write("gone.py", fakes.aws_line(removed))
    _commit(repo, "base")
    repo.git("tag", "base")
    repo.write("app.py", "import os\n" + fakes.aws_line(old) + "\n" + fakes.aws_line(added))
    repo.git("rm", "-q", "gone.py")
    first = _commit(repo, "pr 1")
    repo.write("readme.md", "docs\n")
    _commit(repo, "pr 2")

    for args in (("--since", "base"), ("--range", "base..HEAD")):
        report = history(repo, "--no-cache", *args)
        found = by_fingerprint(report)
        assert set(found) == {fingerprint(added)}, args
        (hit,) = found[fingerprint(added)]
        assert (hit["path"], hit["line"], hit["commit"]) == ("app.py", 3, first)
        assert hit["present_at_head"] is True
        assert report["summary"]["commits"] == 2

    clean = history(repo, "--no-cache", "--range", "HEAD~1..HEAD", code=0)
    assert clean["findings"] == []
    proc = call_secretsops("scan", "--since", "no-such-rev", cwd=repo.path)
    assert proc.returncode == 2 and "no-such-rev" in proc.stderr


def test_a_range_reports_only_what_a_move_changes(repo: Repo) -> None:
    # A pull request that moves files: a pure rename adds no secret; a rename that also edits
    # adds only the edit's. Whole-history scans see each blob once either way.
    kept, edited_old, added = (fakes.aws_access_key_id() for _ in range(3))
    body = "".join(f"setting_{i} = {i}\n" for i in range(20))
    repo.write("config/settings.py", body + fakes.aws_line(kept))
    repo.write("legacy/tool.py", body + fakes.aws_line(edited_old))
    _commit(repo, "base")
    repo.git("tag", "base")
    moves = (("config/settings.py", "app/settings.py"), ("legacy/tool.py", "tools/tool.py"))
    for old, new in moves:
        (repo.path / new).parent.mkdir()
        repo.git("mv", old, new)
    repo.write("tools/tool.py", body + fakes.aws_line(edited_old) + "\n" + fakes.aws_line(added))
    moved = _commit(repo, "move")

    report = history(repo, "--no-cache", "--since", "base")
    found = by_fingerprint(report)
    assert set(found) == {fingerprint(added)}
    (hit,) = found[fingerprint(added)]
    assert (hit["path"], hit["commit"]) == ("tools/tool.py", moved)


def test_shallow_clone_is_refused_with_directions_unless_allowed(
    repo: Repo, tmp_path: Path
) -> None:
    value = fakes.aws_access_key_id()
    repo.write("a.py", fakes.aws_line(fakes.aws_access_key_id()))
    _commit(repo, "one")
    repo.write("b.py", fakes.aws_line(value))
    _commit(repo, "two")
    clone = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{repo.path}", str(clone)],
        env=base_env(),
        check=True,
    )
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=clone, capture_output=True, text=True, check=True
    ).stdout.strip()
    proc = call_secretsops("scan", "--history", "-f", "json", cwd=clone)
    assert proc.returncode == 2 and proc.stdout == ""
    assert "shallow" in proc.stderr and "git fetch --unshallow" in proc.stderr
    assert head[:12] in proc.stderr and "--allow-shallow" in proc.stderr
    assert "Traceback" not in proc.stderr

    report = history(clone, "--allow-shallow", "--no-cache", code=1)
    assert report["summary"]["shallow_commits"] == 1
    assert fingerprint(value) in by_fingerprint(report)

    # a range whose commits all have their parents is fine in a shallow clone
    subprocess.run(["git", "fetch", "-q", "--deepen=1"], cwd=clone, env=base_env(), check=True)
    ranged = history(clone, "--no-cache", "--range", "HEAD~1..HEAD", code=1)
    assert set(by_fingerprint(ranged)) == {fingerprint(value)}


def test_cache_key_is_the_same_after_a_baseline_was_loaded() -> None:
    """Loading a baseline imports detect-secrets' ``__version__`` submodule, which replaced the
    package attribute the key once read: a scan with ``--baseline`` then never met the cache."""
    import importlib
    import sys

    from secretsops.scan.cache import cache_key

    settings = {"plugins_used": [], "filters_used": []}
    sys.modules.pop("detect_secrets.__version__", None)
    package = importlib.import_module("detect_secrets")
    saved = package.__dict__.pop("__version__", None)
    try:
        before = cache_key(settings, 1000)
        importlib.import_module("detect_secrets.__version__")
        after = cache_key(settings, 1000)
    finally:
        if saved is not None:
            package.__version__ = saved
    assert before == after
