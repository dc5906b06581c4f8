"""``baseline create --history``: history findings recorded, audited, updated like any other."""

from __future__ import annotations

import json
from pathlib import Path

import fakes
from conftest import Repo, assert_absent, assert_clean_error, call_secretsops, committed
from purge_repos import History, build

from secretsops.scan.fingerprint import baseline_hash, fingerprint


def _entries(path: Path) -> list[dict[str, object]]:
    data = json.loads(path.read_text())
    return [e for entries in data["results"].values() for e in entries]


def test_create_records_every_ref_with_the_introducing_commit(tmp_path: Path) -> None:
    h = build(tmp_path / "repo")
    proc = h.repo.run("baseline", "create", "--history")
    assert proc.returncode == 0, proc.stderr
    target = h.path / ".secrets.baseline"
    data = json.loads(target.read_text())
    assert data["scope"] == "history"
    entries = _entries(target)
    by_file = {str(e["filename"]): e for e in entries}
    # The deleted file, the renamed file at both paths, another branch, the stash.
    assert {".env", "app.py", "src/app.py", "tools/deploy.sh", "config/settings.yaml"} <= set(
        by_file
    )
    for entry in entries:
        commit = str(entry["commit"])
        assert len(commit) == 40
        shown = h.repo.git("show", f"{commit}:{entry['filename']}")
        assert any(baseline_hash(v) == entry["hashed_secret"] and v in shown for v in _all(h))
    assert by_file[".env"]["present_at_head"] is False
    assert by_file["src/app.py"]["present_at_head"] is True
    subject = h.repo.git("log", "-1", "--format=%s", str(by_file[".env"]["commit"]))
    assert subject.strip() == "c05 env"
    for value in _all(h):
        assert_absent(value, target.read_text(), proc.stdout, proc.stderr)


def _all(h: History) -> list[str]:
    return [*h.purged.values(), *h.kept.values()]


def test_audit_recovers_history_entries_from_their_commit(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    value = fakes.password()
    repo.write("settings.py", fakes.password_line(value))
    repo.add()
    repo.commit("add")
    repo.git("rm", "-q", "settings.py")
    repo.commit("remove")
    baseline = tmp_path / "history.baseline"  # kept outside the repository
    assert repo.run("baseline", "create", "--history", "-b", baseline).returncode == 0
    listed = repo.run("audit", baseline, "--list")
    assert listed.returncode == 0, listed.stderr
    assert fingerprint(value) in listed.stdout and "(commit " in listed.stdout
    prompted = repo.run("audit", baseline, input="r\n")
    assert prompted.returncode == 0, prompted.stderr
    assert "password = " in prompted.stdout  # the line, redacted
    assert_absent(value, listed.stdout, prompted.stdout, prompted.stderr)
    assert [e.get("is_secret") for e in _entries(baseline)] == [True]
    marked = repo.run("audit", baseline, "--mark", fingerprint(value)[:12], "false-positive")
    assert marked.returncode == 0, marked.stderr
    assert [e.get("is_secret") for e in _entries(baseline)] == [False]


def test_update_keeps_labels_and_history_entries(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    first, second = fakes.password(), fakes.github_token()
    repo.write("old.py", fakes.password_line(first))
    repo.add()
    repo.commit("old")
    repo.git("rm", "-q", "old.py")
    repo.commit("gone")
    assert repo.run("baseline", "create", "--history").returncode == 0
    target = repo.path / ".secrets.baseline"
    assert repo.run("audit", "--mark", fingerprint(first), "real").returncode == 0
    repo.write("ci.sh", f"TOKEN={second}\n")
    repo.add("ci.sh")
    repo.commit("ci")
    proc = repo.run("baseline", "update")
    assert proc.returncode == 0, proc.stderr
    entries = {str(e["filename"]): e for e in _entries(target)}
    assert set(entries) == {"old.py", "ci.sh"}
    assert entries["old.py"]["is_secret"] is True  # a deleted file's entry is not dropped
    assert "commit" in entries["ci.sh"] and "is_secret" not in entries["ci.sh"]
    again = repo.run("baseline", "update")
    assert "up to date" in again.stderr
    # A history scan against it reports nothing new.
    scan = repo.run("scan", "--history", "--baseline", target)
    assert scan.returncode == 0, scan.stdout


def test_bad_input(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    repo.write("a.py", "x = 1\n")
    repo.add()
    repo.commit("a")
    assert repo.run("baseline", "create", "--history").returncode == 0
    assert_clean_error(repo.run("baseline", "create", "--history"))
    assert_clean_error(repo.run("baseline", "create", "--history", "a.py", "."))
    assert_clean_error(repo.run("baseline", "create", "--history", tmp_path / "missing"))
    plain = tmp_path / "plain"
    plain.mkdir()
    assert_clean_error(repo.run("baseline", "create", "--history", plain))
    assert_clean_error(repo.run("baseline", "create", "--history", "--force", "--jobs", "-1"))


def test_a_bare_mirror_is_recorded_and_audited_from_inside(tmp_path: Path) -> None:
    """The runbook's flow: mirror clone, baseline kept next to it, audit run inside it."""
    repo = Repo(tmp_path / "work")
    value = fakes.github_token()
    repo.write("ci.sh", f"TOKEN={value}\n")
    repo.add()
    repo.commit("ci")
    mirror = tmp_path / "repo.git"
    repo.git("clone", "-q", "--mirror", str(repo.path), str(mirror))
    baseline = tmp_path / "history.baseline"
    made = repo.run("baseline", "create", "--history", mirror, "-b", baseline)
    assert made.returncode == 0, made.stderr
    listed = call_secretsops("audit", baseline, "--list", cwd=mirror)
    assert listed.returncode == 0, listed.stderr
    assert fingerprint(value) in listed.stdout


def test_a_shallow_clone_is_refused_with_what_to_do(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    for i in range(2):
        repo.write("a.py", fakes.aws_line())
        repo.add()
        repo.commit(f"c{i}")
    shallow = tmp_path / "shallow"
    repo.git("clone", "-q", "--depth", "1", repo.path.as_uri(), str(shallow))
    proc = call_secretsops("baseline", "create", "--history", cwd=shallow)
    assert_clean_error(proc)
    assert "shallow clone" in proc.stderr and "git fetch --unshallow" in proc.stderr
    assert "--allow-shallow" not in proc.stderr  # an option baseline does not have
    assert not (shallow / ".secrets.baseline").exists()


def test_the_git_folder_stands_for_its_repository(tmp_path: Path) -> None:
    repo = committed(tmp_path / "repo", {"a.py": fakes.aws_line()})
    out = tmp_path / "b.json"
    proc = call_secretsops(
        "baseline", "create", "--history", repo.path / ".git", "-b", out, cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert [e["filename"] for e in _entries(out)] == ["a.py"]
    scan = call_secretsops("scan", "--history", repo.path / ".git", "-f", "json", cwd=tmp_path)
    assert scan.returncode == 1, scan.stderr
    assert [f["path"] for f in json.loads(scan.stdout)["findings"]] == ["a.py"]
