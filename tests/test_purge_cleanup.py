"""``secretsops cleanup`` (guided, resumable) and ``secretsops demo``, end to end."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import SECRETSOPS, assert_absent, assert_clean_error, base_env, git
from purge_repos import all_object_bytes, build, long_history, refs


def _env(tmp_path: Path) -> dict[str, str]:
    env = base_env()
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")  # the local vault's key goes here
    return env


def _cleanup(
    repo: Path, tmp_path: Path, *args: str, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SECRETSOPS), "cleanup", *args],
        cwd=repo,
        env=_env(tmp_path),
        input=input,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_cleanup_yes_runs_every_stage_then_resumes_as_done(tmp_path: Path) -> None:
    h = build(tmp_path / "repo")
    values = [*h.purged.values(), *h.kept.values()]
    proc = _cleanup(h.path, tmp_path, "--yes")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for n, title in enumerate(["history scan", "audit", "migrate plan", "migrate apply"], 1):
        assert f"== {n}/6 {title}" in proc.stdout
    assert "cleanup complete" in proc.stdout
    result = tmp_path / "repo-purged.git"
    everything = all_object_bytes(result)
    for value in values:  # --yes: every finding treated as real, so every value is gone
        assert value.encode() not in everything
        assert_absent(value, proc.stdout, proc.stderr)
    # The migration rewrote the files at HEAD and committed them.
    assert h.purged["password"] not in (h.path / "src" / "app.py").read_text()
    subject = git(h.path, "log", "-1", "--format=%s").strip()
    assert subject == "Read secrets from Key Vault (secretsops migrate)"
    state = json.loads((h.path / ".secretsops" / "cleanup" / "state.json").read_text())
    assert set(state["stages"]) == {"scan", "plan", "apply", "commit", "purge"}
    report = (h.path / ".secretsops" / "cleanup" / "purge-report.md").read_text()
    assert "Verification: **PASSED**" in report
    # Markers of migrated secrets carry their vault names (from the journal).
    journal = json.loads((h.path / ".secretsops" / "journal.json").read_text())
    moved = {s["secret"] for p in journal["plans"].values() for s in p["steps"] if "secret" in s}
    assert any(f"***REMOVED:{name}***".encode() in everything for name in moved)

    before = refs(h.path)
    again = _cleanup(h.path, tmp_path, "--yes")
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("--restart to redo") == 5
    assert refs(h.path) == before


def test_cleanup_stops_when_the_audit_is_left_unfinished(tmp_path: Path) -> None:
    h = build(tmp_path / "repo")
    proc = _cleanup(h.path, tmp_path, input="r\nq\n")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "audit unfinished" in proc.stderr
    assert not (tmp_path / "repo-purged.git").exists()
    baseline = h.path / ".secretsops" / "cleanup" / "history.baseline"
    labels = [
        e.get("is_secret")
        for es in json.loads(baseline.read_text())["results"].values()
        for e in es
    ]
    assert labels.count(True) == 1 and labels.count(None) == len(labels) - 1
    # Resumed: the scan is not redone, the labels given are kept.
    resumed = _cleanup(h.path, tmp_path, "--yes")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "--restart to redo" in resumed.stdout.split("== 2/6")[0]
    for value in h.purged.values():
        assert value.encode() not in all_object_bytes(tmp_path / "repo-purged.git")


def _sigint_default() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_cleanup_interrupted_in_the_purge_lets_it_clean_up_then_resumes(
    tmp_path: Path, sig: signal.Signals
) -> None:
    """A signal to cleanup alone (``kill -INT``, ``kill``): the purge it runs must not be
    killed outright nor left running (a killed one left its half-written mirror, values and
    all, next to the repository)."""
    repo = long_history(tmp_path / "repo")
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    env = _env(tmp_path)
    env["TMPDIR"] = str(tmpdir)
    proc = subprocess.Popen(
        [str(SECRETSOPS), "cleanup", "--yes"],
        cwd=repo.path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # As from a terminal: SIGINT at its default even when this test runs with it ignored
        # (a background job of a script), where Python would leave it ignored.
        preexec_fn=_sigint_default,
    )
    # Wait until the purge stage is rewriting: its hidden copy exists only meanwhile.
    while proc.poll() is None and not list(tmp_path.glob(".repo-purged.git.partial-*/*")):
        time.sleep(0.005)
    assert proc.poll() is None, "cleanup ended before it could be interrupted"
    os.kill(proc.pid, sig)
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 130, stdout + stderr
    assert "Traceback" not in stderr
    assert not [p for p in tmp_path.iterdir() if p.name.startswith((".repo-purged", "repo-purged"))]
    assert list(tmpdir.rglob("*")) == []
    state = json.loads((repo.path / ".secretsops" / "cleanup" / "state.json").read_text())
    assert "purge" not in state["stages"] and "commit" in state["stages"]
    resumed = _cleanup(repo.path, tmp_path, "--yes")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert (tmp_path / "repo-purged.git").is_dir()


def test_restart_is_the_way_out_of_an_unreadable_state_file(tmp_path: Path) -> None:
    h = build(tmp_path / "repo")
    state = h.path / ".secretsops" / "cleanup" / "state.json"
    state.parent.mkdir(parents=True)
    state.write_text("{not json")
    proc = _cleanup(h.path, tmp_path, "--yes")
    assert_clean_error(proc)
    assert "--restart" in proc.stderr
    restarted = _cleanup(h.path, tmp_path, "--yes", "--restart")
    assert restarted.returncode == 0, restarted.stdout + restarted.stderr
    assert json.loads(state.read_text())["stages"]["purge"]


def test_cleanup_bad_input(tmp_path: Path) -> None:
    bare = tmp_path / "bare.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    assert_clean_error(_cleanup(bare, tmp_path, "--yes"))
    assert_clean_error(_cleanup(tmp_path, tmp_path, str(tmp_path / "missing"), "--yes"))
    h = build(tmp_path / "repo")
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", h.path.as_uri(), str(shallow))
    proc = _cleanup(shallow, tmp_path, "--yes")
    assert_clean_error(proc)
    assert "git fetch --unshallow" in proc.stderr and "--allow-shallow" not in proc.stderr
    assert not (shallow / ".secretsops").exists()


def test_demo_cleans_its_sample_end_to_end(tmp_path: Path) -> None:
    work = tmp_path / "my demo"  # a space: every path it prints to paste must be quoted
    proc = subprocess.run(
        [str(SECRETSOPS), "demo", str(work)],
        cwd=tmp_path,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert "the vault received 5 secret(s)" in proc.stdout
    assert f"rm -rf {shlex.quote(str(work))})" in proc.stdout
    repo, result = work / "contoso-web", work / "contoso-web-purged.git"
    assert set(refs(result)) == set(refs(repo))
    # The values, as our scanner finds them in the original history (in memory only), are
    # nowhere in the result: checked byte for byte over every object git holds there.
    from secretsops.scan.history import HistoryOptions, scan_history

    findings, _, _, _ = scan_history(HistoryOptions(root=repo, use_cache=False))
    values = {f.secret for f in findings if f.secret}
    assert len(values) >= 6
    everything = all_object_bytes(result)
    assert not [v for v in values if v.encode() in everything]
    assert b"***REMOVED:" in everything
    for value in values:
        assert_absent(value, proc.stdout, proc.stderr)
    backup = next(work.glob("contoso-web-backup-*.bundle"))
    restored = tmp_path / "restored.git"
    git(tmp_path, "clone", "-q", "--mirror", str(backup), str(restored))
    assert refs(restored) == refs(repo)
