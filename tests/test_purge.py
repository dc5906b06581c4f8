"""``secretsops purge`` end to end on generated repositories, checked with git directly."""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import fakes
import pytest
from conftest import (
    SECRETSOPS,
    Repo,
    assert_absent,
    assert_clean_error,
    base_env,
    committed,
    git,
    run_secretsops,
)
from purge_repos import (
    History,
    all_object_bytes,
    audited_baseline,
    build,
    commit_trees,
    long_history,
    reachable_blobs,
    refs,
    run,
)


@dataclass
class Purged:
    history: History
    baseline: Path
    before: dict[str, str]
    result: Path
    bundle: Path
    report: Path
    tmpdir: Path
    proc: subprocess.CompletedProcess[str]


def _purge_process(h: History, *args: str | Path, tmpdir: Path) -> subprocess.CompletedProcess[str]:
    env = base_env()
    env["TMPDIR"] = str(tmpdir)
    return run_secretsops("purge", *args, cwd=h.path, env=env, timeout=300)


@pytest.fixture(scope="module")
def purged(tmp_path_factory: pytest.TempPathFactory) -> Purged:
    """One purge of the generated repository (as a separate process), shared by the checks."""
    base = tmp_path_factory.mktemp("purge")
    h = build(base / "repo")
    baseline = audited_baseline(h)
    before = refs(h.path)
    tmpdir = base / "tmp"
    tmpdir.mkdir()
    result, bundle, report = base / "out.git", base / "backup.bundle", base / "report.md"
    proc = _purge_process(
        h,
        "--baseline",
        baseline,
        "--output",
        result,
        "--bundle",
        bundle,
        "--report",
        report,
        "--yes",
        tmpdir=tmpdir,
    )
    return Purged(h, baseline, before, result, bundle, report, tmpdir, proc)


def test_purge_succeeds_and_reports(purged: Purged) -> None:
    proc = purged.proc
    assert proc.returncode == 0, proc.stderr
    assert purged.result.is_dir() and purged.bundle.is_file() and purged.report.is_file()
    report = purged.report.read_text()
    assert "Verification: **PASSED**" in report
    assert proc.stdout.strip() == report.strip()
    for value in [*purged.history.purged.values(), *purged.history.kept.values()]:
        assert_absent(value, proc.stdout, proc.stderr, report)


def test_no_ref_and_no_object_holds_a_purged_value(purged: Purged) -> None:
    """Checked with git itself: every reachable blob, every object in the store, git grep."""
    result = purged.result
    blobs = reachable_blobs(result)
    assert blobs
    everything = all_object_bytes(result)
    revs = git(result, "rev-list", "--all").split()
    messages = git(result, "log", "--all", "--format=%B")
    for role, value in purged.history.purged.items():
        raw = value.encode()
        assert not [oid for oid, data in blobs.items() if raw in data], role
        assert raw not in everything, role
        grep = subprocess.run(
            ["git", "grep", "-F", "-l", value, *revs],
            cwd=result,
            env=base_env(),
            capture_output=True,
            text=True,
            check=False,
        )
        assert grep.returncode == 1 and not grep.stdout, role
        assert value not in messages, role


def test_the_original_still_holds_them_and_is_untouched(purged: Purged) -> None:
    """Sanity of the check above, and the user's clone is never written to."""
    original = purged.history.path
    assert refs(original) == purged.before
    everything = all_object_bytes(original)
    for value in purged.history.purged.values():
        assert value.encode() in everything
    git(original, "fsck", "--no-progress")


def test_markers_name_the_vault_secrets(purged: Purged) -> None:
    result = purged.result
    app = git(result, "show", "main:src/app.py")
    assert "***REMOVED:secret-keyword-app***" in app
    settings = git(result, "show", "main:config/settings.yaml")
    assert "access_key_id: ***REMOVED:" in settings
    deploy = git(result, "show", "feature:tools/deploy.sh")
    assert "GITHUB_TOKEN=***REMOVED:" in deploy
    subject = git(result, "log", "-1", "--format=%s", "feature")
    assert subject.startswith("c08 deploy script (token ***REMOVED:")
    # The deleted file is rewritten where it existed.
    old_env = git(result, "log", "--all", "-p", "--format=", "--", ".env")
    assert "AZURE_CLIENT_SECRET=***REMOVED:" in old_env


def test_a_false_positive_is_left_alone(purged: Purged) -> None:
    fixture = purged.history.kept["fixture"]
    assert fixture in git(purged.result, "show", "main:tests/test_app.py")


def test_every_ref_is_kept_and_clean_commits_keep_their_trees(purged: Purged) -> None:
    after = refs(purged.result)
    assert set(after) == set(purged.before)
    assert "refs/stash" in after and "refs/tags/v1" in after and "refs/heads/docs" in after
    # Refs that only ever saw clean commits do not even change id.
    assert after["refs/heads/docs"] == purged.before["refs/heads/docs"]
    assert after["refs/tags/v0"] == purged.before["refs/tags/v0"]
    old, new = commit_trees(purged.history.path), commit_trees(purged.result)
    assert set(old) == set(new)
    values = [v.encode() for v in purged.history.purged.values()]
    for key, tree in old.items():
        blobs = git(purged.history.path, "ls-tree", "-r", tree).split()
        holds = any(
            any(v in _blob(purged.history.path, oid) for v in values)
            for oid in blobs
            if len(oid) == 40
        )
        if key in purged.history.clean_subjects:
            assert not holds
        if holds:
            assert new[key] != tree, key
        else:
            assert new[key] == tree, key


def _blob(path: Path, oid: str) -> bytes:
    proc = subprocess.run(
        ["git", "cat-file", "-p", oid], cwd=path, env=base_env(), capture_output=True, check=False
    )
    return proc.stdout


def test_the_bundle_restores_the_original(purged: Purged, tmp_path: Path) -> None:
    restored = tmp_path / "restored.git"
    git(tmp_path, "clone", "-q", "--mirror", str(purged.bundle), str(restored))
    assert refs(restored) == purged.before
    git(restored, "fsck", "--no-progress")


def test_the_replacement_file_is_gone(purged: Purged) -> None:
    assert list(purged.tmpdir.iterdir()) == []
    assert not [p for p in purged.result.parent.iterdir() if ".partial" in p.name]


def test_next_steps_cover_every_ref_and_every_secret(purged: Purged) -> None:
    report = purged.report.read_text()
    for ref in refs(purged.result):
        if ref.startswith(("refs/heads/", "refs/tags/")):
            assert f"{ref}:{ref}" in report, ref
    assert "refs/stash" in report
    assert "re-clone" in report and "Pull-request refs" in report and "Forks" in report
    from secretsops.scan.fingerprint import fingerprint

    for value in purged.history.purged.values():
        assert fingerprint(value) in report
    assert fingerprint(purged.history.kept["fixture"]) not in report


def test_the_report_names_the_first_changed_commits_for_server_admins(purged: Purged) -> None:
    """The oldest commits the purge changed: c03, the first to hold a purged value (every
    later commit that holds one descends from it; c01 and c02 held none)."""
    section = purged.report.read_text().split("## 3.")[1].split("## 4.")[0]
    listed = set(re.findall(r"`([0-9a-f]{40})`", section))
    original = git(purged.history.path, "log", "--all", "--format=%H %s").splitlines()
    first = {line.split()[0] for line in original if line.split()[1] == "c03"}
    assert listed == first, section


def test_a_second_verification_scan_finds_none_of_them(purged: Purged) -> None:
    """Our own scanner, on every ref of the result: none of the purged fingerprints."""
    proc = run(purged.history, "scan", "--history", "--no-cache", "--format", "json", purged.result)
    found = {f["fingerprint"] for f in json.loads(proc.stdout)["findings"]}
    from secretsops.scan.fingerprint import fingerprint

    assert not found & {fingerprint(v) for v in purged.history.purged.values()}
    assert fingerprint(purged.history.kept["fixture"]) in found


# Private keys: the whole armoured block goes, not only the armour line.


def test_a_private_key_block_is_removed_whole(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    pem = fakes.private_key_pem()
    body = pem.splitlines()[2]
    repo.write("keys/deploy.pem", pem)
    repo.add()
    repo.commit("key")
    repo.git("rm", "-q", "keys/deploy.pem")
    repo.commit("drop key")
    baseline = tmp_path / "b.json"
    assert repo.run("baseline", "create", "--history", "--baseline", baseline).returncode == 0
    data = json.loads(baseline.read_text())
    for entries in data["results"].values():
        for entry in entries:
            entry["is_secret"] = True
    baseline.write_text(json.dumps(data))
    out = tmp_path / "out.git"
    proc = repo.run("purge", "-b", baseline, "-o", out, "--yes")
    assert proc.returncode == 0, proc.stderr
    everything = all_object_bytes(out)
    assert body.encode() not in everything
    assert b"PRIVATE KEY-----" not in everything
    assert b"***REMOVED:private-key-deploy***" in everything


def test_only_the_confirmed_private_key_is_purged_in_every_copy(tmp_path: Path) -> None:
    # detect-secrets reports a key by its armour line, the same for every key of a kind. The
    # confirmed key goes (also a copy with CRLF line endings); a key of the same kind labelled
    # false positive stays, and the commit that added only it keeps its tree.
    repo = Repo(tmp_path / "repo")
    real, fixture = fakes.private_key_pem(), fakes.private_key_pem()
    repo.write("tests/fixture.pem", fixture)
    repo.add()
    repo.commit("c1 test fixture")
    repo.write("keys/deploy.pem", real)
    (repo.path / "keys" / "copy.pem").write_bytes(real.replace("\n", "\r\n").encode())
    repo.add()
    repo.commit("c2 deploy key")
    before = commit_trees(repo.path)
    baseline = tmp_path / "b.json"
    assert repo.run("baseline", "create", "--history", "--baseline", baseline).returncode == 0
    data = json.loads(baseline.read_text())
    labels = {"keys/deploy.pem": True, "tests/fixture.pem": False}
    for filename, entries in data["results"].items():
        for entry in entries:
            if filename in labels:
                entry["is_secret"] = labels[filename]
    baseline.write_text(json.dumps(data))
    out = tmp_path / "out.git"
    proc = repo.run("purge", "-b", baseline, "-o", out, "--yes")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    everything = all_object_bytes(out)
    for body_line in real.splitlines()[1:-1]:
        assert body_line.encode() not in everything
    assert fixture.encode() in everything
    assert git(out, "show", "HEAD:keys/deploy.pem").strip() == "***REMOVED:private-key-deploy***"
    assert git(out, "show", "HEAD:tests/fixture.pem").strip() == fixture
    after = commit_trees(out)
    assert after["c1"] == before["c1"] and after["c2"] != before["c2"]


def test_key_blocks_finds_each_whole_key_as_written() -> None:
    from secretsops.purge.targets import key_blocks

    one, two = fakes.private_key_pem(), fakes.private_key_pem()
    armour = one.splitlines()[0].strip("-")  # what detect-secrets reports: BEGIN ... KEY
    text = f"first:\n{one}\nsecond:\n{two}\n"
    assert key_blocks(text, armour) == [one, two]
    escaped = json.dumps({"private_key": one + "\n"})  # a service account file: one line
    (block,) = key_blocks(escaped, armour)
    assert json.loads(f'"{block}"') == one
    assert key_blocks(one.rsplit("\n", 1)[0], armour) == []  # no end line: not a whole key
    header = "PuTTY-User-Key-" + "File-2"  # in pieces: the repository scans itself clean
    putty = f"{header}: ssh-rsa\nPrivate-Lines: 1\nAAAA\nPrivate-MAC: 0a1b\nrest\n"
    assert key_blocks(putty, header) == [putty[: putty.index("\nrest")]]


# Verification that fails.


def test_a_value_left_in_a_binary_file_fails_verification(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    value = fakes.password()
    repo.write("app.py", fakes.password_line(value))
    repo.write("blob.bin", b"\x00\x01binary\x00" + value.encode() + b"\x00")
    repo.add()
    repo.commit("both")
    baseline = _confirm_all(repo, tmp_path)
    proc = repo.run("purge", "-b", baseline, "-o", tmp_path / "out.git", "--yes")
    assert proc.returncode == 1, proc.stderr
    assert "Verification: **FAILED**" in proc.stdout
    assert "blob.bin" in proc.stdout and "[git]" in proc.stdout
    assert "verification failed" in proc.stderr
    assert_absent(value, proc.stdout, proc.stderr)


def test_a_value_in_a_file_name_is_reported_as_a_name(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    value = fakes.password()
    repo.write("app.py", fakes.password_line(value))
    repo.write(f"keys/backup-{value}.txt", "nothing here\n")
    repo.add()
    repo.commit("a value in a name")
    baseline = _confirm_all(repo, tmp_path)
    proc = repo.run("purge", "-b", baseline, "-o", tmp_path / "out.git", "--yes")
    assert proc.returncode == 1, proc.stderr
    remaining = proc.stdout.split("## Still present")[1].split("## 1.")[0]
    places = [line for line in remaining.splitlines() if line.startswith("- ")]
    assert len(places) == 1, remaining
    assert "a file or folder name in keys" in places[0] and "message" not in places[0]
    assert "--paths-from-file" in remaining
    assert_absent(value, proc.stdout, proc.stderr)


def test_a_value_inside_its_own_marker_name_does_not_fail_verification(tmp_path: Path) -> None:
    # A short value can occur in a marker name (a value "app" in a name derived from app.py);
    # the markers are purge's own text, not what was left behind. Here the name holds the
    # value outright.
    value = fakes.password()
    repo = committed(tmp_path / "repo", {"app.py": fakes.password_line(value)})
    baseline = _confirm_all(repo, tmp_path)
    out = tmp_path / "out.git"
    name = f"db-{value}"
    proc = repo.run("purge", "-b", baseline, "-o", out, "--name", f"{_fp(value)}={name}", "--yes")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Verification: **PASSED**" in proc.stdout
    blob = git(out, "show", "HEAD:app.py")
    assert blob.strip() == f'password = "***REMOVED:{name}***"'


def _confirm_all(repo: Repo, tmp_path: Path) -> Path:
    baseline = tmp_path / "b.json"
    proc = repo.run("baseline", "create", "--history", "--baseline", baseline)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(baseline.read_text())
    for entries in data["results"].values():
        for entry in entries:
            entry["is_secret"] = True
    baseline.write_text(json.dumps(data))
    return baseline


# In place, on a fresh clone, and pushing what the report says.


def test_in_place_on_a_fresh_clone_then_the_printed_pushes(tmp_path: Path) -> None:
    work = Repo(tmp_path / "work")
    value = fakes.github_token()
    work.write("ci.sh", f"export GITHUB_TOKEN={value}\n")
    work.add()
    work.commit("ci")
    work.git("checkout", "-q", "-b", "topic")
    work.write("notes.txt", "later\n")
    work.add()
    work.commit("notes")
    work.git("checkout", "-q", "main")
    server = tmp_path / "server.git"
    git(tmp_path, "clone", "-q", "--bare", str(work.path), str(server))
    clone = tmp_path / "fresh"
    git(tmp_path, "clone", "-q", "--no-local", str(server), str(clone))
    baseline = _confirm_all(Repo(clone, init=False), tmp_path)
    proc = Repo(clone, init=False).run(
        "purge", "--in-place", "-b", baseline, "--name", f"{_fp(value)}=ci-token", "--yes"
    )
    assert proc.returncode == 0, proc.stderr
    assert (clone / "ci.sh").read_text() == "export GITHUB_TOKEN=***REMOVED:ci-token***\n"
    pushes = [line for line in proc.stdout.splitlines() if " push --force " in line]
    assert pushes and all(str(server) in line for line in pushes)
    assert any("refs/remotes/origin/topic:refs/heads/topic" in line for line in pushes)
    for line in pushes:
        subprocess.run(line, shell=True, check=True, env=base_env(), capture_output=True)  # noqa: S602
    git(server, "reflog", "expire", "--expire=now", "--all")
    git(server, "gc", "-q", "--prune=now")
    assert not [o for o, d in reachable_blobs(server).items() if value.encode() in d]
    assert value.encode() not in all_object_bytes(server)


def _fp(value: str) -> str:
    from secretsops.scan.fingerprint import fingerprint

    return fingerprint(value)


def test_in_place_refuses_a_clone_that_is_not_fresh(tmp_path: Path) -> None:
    h = build(tmp_path / "repo")
    baseline = audited_baseline(h)
    before = refs(h.path)
    proc = run(h, "purge", "--in-place", "-b", baseline, "--yes", "--bundle", tmp_path / "b.bundle")
    assert_clean_error(proc)
    assert "fresh clone" in proc.stderr
    assert refs(h.path) == before
    everything = all_object_bytes(h.path)
    assert all(v.encode() in everything for v in h.purged.values())


def test_in_place_refuses_a_fresh_clone_with_local_changes_before_the_backup(
    tmp_path: Path,
) -> None:
    """git-filter-repo refuses a work tree with changes or untracked files; purge says so
    before it writes anything (the bundle included)."""
    origin = Repo(tmp_path / "origin")
    origin.write("app.py", fakes.password_line())
    origin.add()
    origin.commit("one")
    baseline = _confirm_all(origin, tmp_path)
    for change, reason in (("app.py", "uncommitted changes"), ("new.txt", "untracked files")):
        clone = tmp_path / f"clone-{reason.split()[0]}"
        git(tmp_path, "clone", "-q", "--no-local", str(origin.path), str(clone))
        (clone / change).write_text("local work\n")
        bundle = tmp_path / f"{clone.name}.bundle"
        proc = run_secretsops(
            "purge", "--in-place", "-b", baseline, "--yes", "--bundle", bundle, cwd=clone
        )
        assert_clean_error(proc)
        assert reason in proc.stderr and "fresh clone" in proc.stderr
        assert not bundle.exists()


# Interrupted runs leave the original as it was.


def _slow_history(tmp_path: Path, commits: int = 1500) -> tuple[Repo, Path]:
    """A repository big enough that a purge takes a while, and its all-confirmed baseline."""
    repo = long_history(tmp_path / "repo", commits)
    return repo, _confirm_all(repo, tmp_path)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_a_killed_run_leaves_the_original_untouched(tmp_path: Path, sig: signal.Signals) -> None:
    repo, baseline = _slow_history(tmp_path)
    before = refs(repo.path)
    objects = all_object_bytes(repo.path)
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    env = base_env()
    env["TMPDIR"] = str(tmpdir)
    out = tmp_path / "out.git"
    proc = subprocess.Popen(
        [str(SECRETSOPS), "purge", "-b", str(baseline), "-o", str(out), "--yes"],
        cwd=repo.path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    # Wait until the rewrite is under way: the hidden copy exists only meanwhile.
    while proc.poll() is None and not list(tmp_path.glob(".out.git.partial-*/*")):
        time.sleep(0.005)
    assert proc.poll() is None, "the purge ended before it could be interrupted"
    os.kill(proc.pid, sig)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode != 0
    assert refs(repo.path) == before
    assert all_object_bytes(repo.path) == objects
    git(repo.path, "fsck", "--no-progress")
    assert not out.exists()
    # Even killed outright, no file with the values is left behind (directories may be).
    assert [p for p in tmpdir.rglob("*") if not p.is_dir()] == []
    if sig == signal.SIGTERM:
        assert proc.returncode == 130, stderr
        assert b"Traceback" not in stderr
        assert stderr.endswith(b"secretsops: interrupted\n"), stderr[-200:]
        assert list(tmpdir.iterdir()) == []
        assert not [p for p in tmp_path.iterdir() if ".partial" in p.name]


def test_a_run_interrupted_while_verifying_leaves_no_unverified_copy(tmp_path: Path) -> None:
    """The purged copy takes its name only once verified: interrupted before, nothing is left
    that could be mistaken for a verified result and pushed."""
    repo, baseline = _slow_history(tmp_path)
    out = tmp_path / "out.git"
    proc = subprocess.Popen(
        [str(SECRETSOPS), "purge", "-b", str(baseline), "-o", str(out), "--yes", "--no-cache"],
        cwd=repo.path,
        env=base_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    for line in proc.stderr:
        if "verifying" in line:
            break
    assert proc.poll() is None, "the purge ended before it could be interrupted"
    os.kill(proc.pid, signal.SIGTERM)
    rest = proc.stderr.read()
    assert proc.wait(timeout=120) == 130, rest
    assert "Traceback" not in rest and "verified:" not in rest
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.git")]


def _processes_in(folder: Path) -> list[int]:
    """Ids of the processes whose working folder is ``folder`` (Linux /proc)."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if Path(os.readlink(entry / "cwd")) == folder:
                    out.append(int(entry.name))
            except OSError:
                continue
    return out


def _command_line(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:  # it has ended
        return b""


@pytest.mark.skipif(not Path("/proc/self/cwd").exists(), reason="needs Linux /proc")
def test_an_in_place_run_killed_outright_takes_git_filter_repo_with_it(tmp_path: Path) -> None:
    """SIGKILL cannot be caught: the kernel must end git-filter-repo too, or it goes on
    rewriting the user's repository with nobody to verify it."""
    origin, baseline = _slow_history(tmp_path)
    clone = (tmp_path / "clone").resolve()
    git(tmp_path, "clone", "-q", "--no-local", str(origin.path), str(clone))
    before = refs(clone)
    proc = subprocess.Popen(
        [str(SECRETSOPS), "purge", "-b", str(baseline), "--in-place", "--yes"],
        cwd=clone,
        env=base_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Wait until git-filter-repo runs in the clone, then kill the purge outright.
    while proc.poll() is None and not any(
        b"git_filter_repo" in _command_line(pid) for pid in _processes_in(clone)
    ):
        time.sleep(0.005)
    assert proc.poll() is None, "the purge ended before git-filter-repo started"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    for _ in range(6000):  # whatever is left of the run ends (at most a minute)
        if not _processes_in(clone):
            break
        time.sleep(0.01)
    assert _processes_in(clone) == []
    assert refs(clone) == before


def test_the_replacement_file_is_private_and_always_removed() -> None:
    from secretsops.purge.rewrite import replacement_file
    from secretsops.purge.targets import Target

    value = fakes.password()
    target = Target("so1:x", "db-password", ["Secret Keyword"], ["a.py"], [], value)
    with replacement_file([target]) as path:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        assert path.read_bytes() == f"literal:{value}==>***REMOVED:db-password***\n".encode()
        kept = path
    assert not kept.exists() and not kept.parent.exists()
    with pytest.raises(RuntimeError), replacement_file([target]) as path:
        kept = path
        raise RuntimeError("rewrite failed")
    assert not kept.exists() and not kept.parent.exists()


def test_replacement_lines_longest_first_and_multiline_as_regex() -> None:
    import re

    from secretsops.purge.rewrite import replacement_lines
    from secretsops.purge.targets import Target

    short, long_ = fakes.password(), fakes.password() * 2
    odd = "ab==>c\nd" + fakes.password()
    lines = replacement_lines(
        [
            Target("so1:a", "a", ["t"], ["f"], [], short),
            Target("so1:b", "b", ["t"], ["f"], [], long_),
            Target("so1:c", "c", ["t"], ["f"], [], odd),
        ]
    )
    assert lines[0] == f"literal:{long_}==>***REMOVED:b***".encode()
    assert lines[3] == f"literal:{short}==>***REMOVED:a***".encode()
    # A value of several lines: as written, and with CRLF line endings.
    for line, form in zip(lines[1:3], (odd, odd.replace("\n", "\r\n")), strict=True):
        assert line.startswith(b"regex:") and b"\n" not in line
        pattern, _, marker = line[6:].rpartition(b"==>")
        assert marker == b"***REMOVED:c***"
        assert re.fullmatch(pattern, form.encode())


# Bad input: one line, exit 2, nothing written.


def test_bad_input(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    value = fakes.password()
    repo.write("app.py", fakes.password_line(value))
    repo.add()
    repo.commit("one")
    unlabelled = tmp_path / "unlabelled.json"
    assert repo.run("baseline", "create", "--history", "--baseline", unlabelled).returncode == 0
    confirmed = _confirm_all(repo, tmp_path)
    cases = [
        (["purge", "-b", unlabelled, "--yes"], "labelled real"),
        (["purge", "-b", tmp_path / "missing.json", "--yes"], "not found"),
        (["purge", tmp_path / "nowhere", "--yes"], "not found"),
        (["purge", "-b", confirmed, "--name", "bad", "--yes"], "FINGERPRINT=NAME"),
        (["purge", "-b", confirmed, "--name", "so1:000000000=x", "--yes"], "no confirmed"),
        (["purge", "-b", confirmed, "--name", f"{_fp(value)}=bad_name!", "--yes"], "Key Vault"),
        (["purge", "-b", confirmed, "-o", tmp_path, "--yes"], "exists"),
        (["purge", "-b", confirmed, "--in-place", "-o", tmp_path / "x"], "exclude"),
        (["purge", "-b", confirmed], "not confirmed"),
    ]
    for args, message in cases:
        proc = repo.run(*args)
        assert_clean_error(proc)
        assert message in proc.stderr, (args, proc.stderr)
        assert_absent(value, proc.stdout, proc.stderr)
    plain = tmp_path / "plain"
    plain.mkdir()
    assert_clean_error(repo.run("purge", plain, "-b", confirmed, "--yes"))
    assert not list(tmp_path.glob("*.bundle")) and not (tmp_path / "repo-purged.git").exists()


def test_places_that_cannot_be_written_are_refused_before_anything_is_written(
    tmp_path: Path,
) -> None:
    repo = Repo(tmp_path / "repo")
    value = fakes.password()
    repo.write("app.py", fakes.password_line(value))
    repo.add()
    repo.commit("one")
    confirmed = _confirm_all(repo, tmp_path)
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder\n")
    (tmp_path / "old.bundle").write_bytes(b"")
    out = tmp_path / "out.git"
    cases = [
        (["-o", a_file / "out.git"], "--output"),
        (["-o", out, "--bundle", a_file / "b.bundle"], "--bundle"),
        (["-o", out, "--report", a_file / "r.md"], "--report"),
        (["-o", out, "--report", tmp_path], "is a folder"),
        (["-o", out, "--bundle", tmp_path / "old.bundle"], "exists"),
        (["-o", out, "--jobs", "-2"], "--jobs"),
    ]
    for args, message in cases:
        proc = repo.run("purge", "-b", confirmed, "--yes", *args)
        assert_clean_error(proc)
        assert message in proc.stderr, (args, proc.stderr)
        assert_absent(value, proc.stdout, proc.stderr)
        # Refused up front: no backup made, no rewrite started.
        assert [p.name for p in tmp_path.glob("*.bundle")] == ["old.bundle"], args
        assert not [p for p in tmp_path.iterdir() if p.name.startswith((".out.git", "out.git"))]


def test_a_shallow_clone_is_refused_with_what_to_do(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    for n in range(3):
        repo.write("app.py", fakes.password_line())
        repo.add()
        repo.commit(f"c{n}")
    confirmed = _confirm_all(repo, tmp_path)
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", repo.path.as_uri(), str(shallow))
    for extra in ([], ["--in-place"]):
        proc = run_secretsops("purge", "-b", confirmed, "--yes", *extra, cwd=shallow)
        assert_clean_error(proc)
        assert "shallow clone" in proc.stderr and "git fetch --unshallow" in proc.stderr
        assert "--allow-shallow" not in proc.stderr  # purge has no such option
    assert not list(tmp_path.glob("*.bundle")) and not (tmp_path / "shallow-purged.git").exists()


def test_answering_no_changes_nothing(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    repo.write("app.py", fakes.password_line())
    repo.add()
    repo.commit("one")
    baseline = _confirm_all(repo, tmp_path)
    proc = repo.run("purge", "-b", baseline, input="n\n")
    assert_clean_error(proc)
    assert not list(tmp_path.glob("*.bundle")) and not (tmp_path / "repo-purged.git").exists()
    proc = repo.run("purge", "-b", baseline, input="y\n")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "repo-purged.git").is_dir() and list(tmp_path.glob("repo-backup-*.bundle"))


# From the migration journal: the secrets `migrate apply` moved, named by their vault names.


def test_purge_from_the_migration_journal(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    value, other = fakes.password(), fakes.password()
    repo.write("app.py", f"import os\n{fakes.password_line(value, 'db_password')}\n")
    repo.write("tools.py", fakes.password_line(other, "api_password"))
    repo.add()
    repo.commit("app")
    assert repo.run("baseline", "create").returncode == 0
    assert repo.run("audit", "--mark", _fp(value), "real").returncode == 0
    assert repo.run("audit", "--mark", _fp(other), "false-positive").returncode == 0
    plan = repo.run("migrate", "plan", "--vault", "local")
    assert plan.returncode == 0, plan.stderr
    applied = repo.run("migrate", "apply", ".secretsops/plan.json", "--yes")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    repo.add("app.py")
    repo.commit("read the password from the environment")
    journal = repo.path / ".secretsops" / "journal.json"
    steps = json.loads(journal.read_text())["plans"]
    names = {
        s["secret"] for p in steps.values() for s in p["steps"] if s["step"] == "vault-verified"
    }
    assert len(names) == 1
    (name,) = names
    out = tmp_path / "out.git"
    proc = repo.run("purge", "--journal", journal, "-o", out, "--yes")
    assert proc.returncode == 0, proc.stderr
    everything = all_object_bytes(out)
    assert value.encode() not in everything
    assert f"***REMOVED:{name}***".encode() in everything
    assert other.encode() in everything  # not migrated, not purged
    assert f"`{name}`" in proc.stdout
    assert_absent(value, proc.stdout, proc.stderr)


def test_a_key_inside_a_migrated_connection_string_is_named_after_its_vault_secret(
    tmp_path: Path,
) -> None:
    # The vault holds the whole connection string; the scanner finds only the account key in
    # it. The key's marker names the vault secret that holds it, not a name derived anew.
    repo = Repo(tmp_path / "repo")
    key = fakes.storage_account_key()
    conn = f"DefaultEndpointsProtocol=https;AccountName=contosodata;AccountKey={key}"
    repo.write("appsettings.json", json.dumps({"ConnectionStrings": {"Storage": conn}}, indent=2))
    repo.add()
    repo.commit("settings")
    assert repo.run("baseline", "create").returncode == 0
    assert repo.run("audit", "--mark", _fp(key), "real").returncode == 0
    assert repo.run("migrate", "plan", "--vault", "local").returncode == 0
    applied = repo.run("migrate", "apply", ".secretsops/plan.json", "--yes")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    repo.add("appsettings.json")
    repo.commit("settings from the vault")
    journal = repo.path / ".secretsops" / "journal.json"
    steps = [
        s
        for p in json.loads(journal.read_text())["plans"].values()
        for s in p["steps"]
        if s["step"] == "vault-verified"
    ]
    assert [(s["secret"], s["fingerprint"], s["holds"]) for s in steps] == [
        ("ConnectionStrings--Storage", _fp(conn), [_fp(key)])
    ]
    baseline = repo.path / ".secrets.baseline"
    for source in (["--journal", journal], ["--journal", journal, "--baseline", baseline]):
        out = tmp_path / f"out{len(source)}.git"
        proc = repo.run("purge", *source, "-o", out, "--yes")
        assert proc.returncode == 0, proc.stderr
        everything = all_object_bytes(out)
        assert key.encode() not in everything
        assert b"AccountKey=***REMOVED:ConnectionStrings--Storage***" in everything
        assert "`ConnectionStrings--Storage`" in proc.stdout
        assert_absent(key, proc.stdout, proc.stderr)


def test_journal_bad_input(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    repo.write("a.py", "x = 1\n")
    repo.add()
    repo.commit("a")
    not_journal = tmp_path / "j.json"
    not_journal.write_text('{"format": "something else"}')
    empty = tmp_path / "empty.json"
    empty.write_text('{"format": "secretsops-migration-journal", "plans": {}}')
    gone = tmp_path / "gone.json"
    gone.write_text(
        json.dumps(
            {
                "format": "secretsops-migration-journal",
                "plans": {
                    "p": {
                        "steps": [
                            {"step": "vault-verified", "secret": "s", "fingerprint": "so1:00"}
                        ]
                    }
                },
            }
        )
    )
    for args, message in [
        (["--journal", tmp_path / "missing.json"], "not found"),
        (["--journal", not_journal], "not a secretsops migration journal"),
        (["--journal", empty], "migrate apply"),
        (["--journal", gone], "nothing to purge"),
        (["--journal", gone, "--baseline", tmp_path / "nothing.json"], "not found"),
    ]:
        proc = repo.run("purge", *args, "--yes")
        assert_clean_error(proc)
        assert message in proc.stderr, (args, proc.stderr)


def test_a_working_tree_baseline_whose_file_changed_is_recovered_from_history(
    tmp_path: Path,
) -> None:
    """An ordinary baseline names no commit: when the file no longer holds the value, the
    value is found by a full history scan (matched by type and hash), in memory."""
    repo = Repo(tmp_path / "repo")
    value = fakes.password()
    repo.write("settings.py", fakes.password_line(value))
    repo.add()
    repo.commit("add")
    baseline = tmp_path / "b.json"
    assert repo.run("baseline", "create", "-b", baseline).returncode == 0
    data = json.loads(baseline.read_text())
    (entry,) = data["results"]["settings.py"]
    assert "commit" not in entry
    entry["is_secret"] = True
    baseline.write_text(json.dumps(data))
    repo.write("settings.py", "password = os.environ['DB_PASSWORD']\n")
    repo.add()
    repo.commit("read it from the environment")
    proc = repo.run("purge", "-b", baseline, "-o", tmp_path / "out.git", "--yes")
    assert proc.returncode == 0, proc.stderr
    assert value.encode() not in all_object_bytes(tmp_path / "out.git")
    assert b"***REMOVED:secret-keyword-settings***" in all_object_bytes(tmp_path / "out.git")


def test_a_confirmed_value_nowhere_in_history_is_refused(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    repo.write("settings.py", fakes.password_line())
    repo.add()
    repo.commit("add")
    baseline = _confirm_all(repo, tmp_path)
    data = json.loads(baseline.read_text())
    (entry,) = data["results"]["settings.py"]
    entry["hashed_secret"] = "0" * 40
    entry.pop("commit")
    baseline.write_text(json.dumps(data))
    proc = repo.run("purge", "-b", baseline, "--yes")
    assert_clean_error(proc)
    assert "cannot recover the value of 1 confirmed entry" in proc.stderr
    assert not list(tmp_path.glob("*.bundle"))


def test_the_rescan_reports_what_the_rewrite_left_in_a_blob_our_scanner_reads(
    tmp_path: Path,
) -> None:
    """git-filter-repo passes over a blob with a NUL byte in its first 8,192 bytes; our scanner
    reads one whose first NUL comes after 8,000 of them. Such a blob keeps its value and its
    id: the rescan (which takes unchanged blobs from the original's history cache) and the
    object check must both report it."""
    repo = Repo(tmp_path / "repo")
    value = fakes.password()
    repo.write("app.py", fakes.password_line(value))
    repo.write("data.py", (fakes.password_line(value) + "\n" + "x" * 8050 + "\0tail\n").encode())
    repo.add()
    repo.commit("both")
    # As a person runs it: its own process (the cache key it writes depends on the process).
    baseline = tmp_path / "b.json"
    made = repo.proc("baseline", "create", "--history", "--baseline", baseline)
    assert made.returncode == 0, made.stderr
    data = json.loads(baseline.read_text())
    for entries in data["results"].values():
        for entry in entries:
            entry["is_secret"] = True
    baseline.write_text(json.dumps(data))
    for extra in ([], ["--no-cache"]):
        out = tmp_path / f"out{len(extra)}.git"
        proc = repo.run("purge", "-b", baseline, "-o", out, "--yes", *extra)
        assert proc.returncode == 1, proc.stderr
        remaining = [line for line in proc.stdout.splitlines() if line.startswith("- `")]
        assert any("data.py:1" in line and "[scan]" in line for line in remaining), remaining
        assert any("data.py" in line and "[git]" in line for line in remaining), remaining
        assert not any("app.py" in line for line in remaining)
        # The default run took unchanged blobs from the original's cache; --no-cache did not.
        assert (out / "secretsops" / "history-cache").is_file() == (not extra)
        cached = re.search(r"\((\d+) blobs, (\d+) unchanged ones from", proc.stderr)
        assert cached is not None, proc.stderr
        assert (int(cached[2]) > 0) == (not extra), proc.stderr


def test_push_commands_name_the_server_branch_a_remote_ref_stands_for(tmp_path: Path) -> None:
    from secretsops.purge.report import push_commands

    server = Repo(tmp_path / "server")
    server.write("a.txt", "one\n")
    server.add()
    server.commit("one")
    server.git("branch", "only-on-server")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(server.path), str(clone))
    Repo(clone, init=False).write("b.txt", "local work\n")
    git(clone, "add", "b.txt")
    git(clone, "commit", "-q", "-m", "local")
    lines = push_commands(clone, "https://example.invalid/repo.git")
    base = f"git -C {clone} push --force https://example.invalid/repo.git"
    assert f"{base} refs/heads/main:refs/heads/main" in lines
    assert f"{base} refs/remotes/origin/only-on-server:refs/heads/only-on-server" in lines
    assert any(
        line.startswith("# main: your local branch and origin/main differ") for line in lines
    )
    assert not any("origin/HEAD" in line for line in lines)
    assert push_commands(clone, None)[0].startswith(f"git -C {clone} push --force <remote-url> ")


def test_credentials_in_the_remote_url_are_never_printed_or_reported(tmp_path: Path) -> None:
    """A clone made with ``https://user:TOKEN@host/...`` keeps the token in its origin URL;
    the push commands name the server without it."""
    repo = Repo(tmp_path / "repo")
    repo.write("app.py", fakes.password_line())
    repo.add()
    repo.commit("one")
    baseline = _confirm_all(repo, tmp_path)
    token = fakes.github_token()
    repo.git("remote", "add", "origin", f"https://build:{token}@example.invalid/org/repo.git")
    report = tmp_path / "report.md"
    proc = repo.run(
        "purge", "-b", baseline, "-o", tmp_path / "out.git", "--report", report, "--yes"
    )
    assert proc.returncode == 0, proc.stderr
    assert_absent(token, proc.stdout, proc.stderr, report.read_text())
    assert "push --force https://example.invalid/org/repo.git refs/heads/main" in proc.stdout


def test_notes_follow_their_commits_to_the_new_ids(tmp_path: Path) -> None:
    """git-filter-repo leaves notes filed under the old commit ids; purge files them under
    the new ones, so `git log` shows them again (a value in a note is replaced as well)."""
    repo = Repo(tmp_path / "repo")
    value = fakes.password()
    repo.write("app.py", fakes.password_line(value))
    repo.add()
    repo.commit("c1 secret")
    repo.write("README.md", "docs\n")
    repo.add()
    repo.commit("c2 readme")
    repo.git("notes", "add", "-m", "reviewed by the release team", "HEAD")
    repo.git("notes", "add", "-m", f"deployed with {value}", "HEAD~1")
    repo.git("notes", "--ref=review", "add", "-m", "second notes ref", "HEAD")
    baseline = _confirm_all(repo, tmp_path)
    out = tmp_path / "out.git"
    proc = repo.run("purge", "-b", baseline, "-o", out, "--yes")
    assert proc.returncode == 0, proc.stderr
    notes = {
        subject.strip(): body.strip()
        for subject, _, body in (
            entry.partition("\x1f")
            for entry in git(out, "log", "--format=%s\x1f%N\x1e", "main").split("\x1e")
            if entry.strip()
        )
    }
    assert notes["c2 readme"] == "reviewed by the release team"
    assert notes["c1 secret"] == "deployed with ***REMOVED:secret-keyword-app***"
    assert git(out, "notes", "--ref=review", "show", "main").strip() == "second notes ref"
    commits = set(git(out, "rev-list", "--all").split())
    for ref in ("commits", "review"):
        filed = [
            line.split()[1]
            for line in git(out, "notes", f"--ref={ref}", "list").split("\n")
            if line
        ]
        assert filed and set(filed) <= commits, ref
    assert value.encode() not in all_object_bytes(out)


def test_push_commands_are_safe_to_paste_whatever_the_ref_names(tmp_path: Path) -> None:
    """git allows ``$(...)``, ``;`` and quotes in ref names: the printed commands, run by a
    shell, push those refs and run nothing else."""
    from secretsops.purge.report import push_commands

    repo = Repo(tmp_path / "repo")
    repo.write("a.txt", "one\n")
    repo.add()
    repo.commit("one")
    odd = ["a$(touch${IFS}pwned)", "b;touch${IFS}pwned2", "q'uote", "back`touch${IFS}x`tick"]
    for name in odd:
        repo.git("branch", name)
    server = tmp_path / "server.git"
    git(tmp_path, "init", "-q", "--bare", str(server))
    work = tmp_path / "shell"
    work.mkdir()
    for line in push_commands(repo.path, str(server)):
        if not line.startswith("#"):
            subprocess.run(["bash", "-c", line], cwd=work, env=base_env(), check=True)
    assert list(work.iterdir()) == []  # nothing was run but git push
    assert set(refs(server)) == {f"refs/heads/{name}" for name in [*odd, "main"]}
