"""The repository holds no credential-shaped strings: it scans itself clean."""

from __future__ import annotations

import json

from conftest import REPO_ROOT, run_secretsops


def test_repository_scans_itself_clean() -> None:
    proc = run_secretsops("scan", str(REPO_ROOT), cwd=REPO_ROOT)
    assert proc.returncode == 0, f"findings in this repository:\n{proc.stdout}{proc.stderr}"
    assert proc.stdout.startswith("0 findings")


def test_self_scan_reads_the_whole_tree() -> None:
    proc = run_secretsops("scan", "--format", "json", cwd=REPO_ROOT)
    assert proc.returncode == 0, proc.stdout
    summary = json.loads(proc.stdout)["summary"]
    # Sources, plugins and these tests are all read (not skipped as binary or too large).
    assert summary["files_scanned"] >= 30
    assert summary["skipped_too_large"] == 0
