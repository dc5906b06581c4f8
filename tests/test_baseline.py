"""Baselines: detect-secrets' format, portable, new findings only, updates that do not churn."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path
from typing import Any

import fakes
import pytest
from conftest import BIN, Repo, assert_clean_error, base_env, git, run_unprivileged

BASELINE = ".secrets.baseline"


def load(repo: Repo, name: str = BASELINE) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((repo.path / name).read_text(encoding="utf-8"))
    return data


def entries(repo: Repo, name: str = BASELINE) -> list[dict[str, Any]]:
    return [e for items in load(repo, name)["results"].values() for e in items]


def sha1(value: str) -> str:
    return hashlib.sha1(value.encode()).hexdigest()  # noqa: S324 - detect-secrets' format


def create(repo: Repo, *args: str) -> subprocess.CompletedProcess[str]:
    proc = repo.run("baseline", "create", *args)
    assert proc.returncode == 0, proc.stderr
    return proc


def update(repo: Repo, *args: str) -> subprocess.CompletedProcess[str]:
    proc = repo.run("baseline", "update", *args)
    assert proc.returncode == 0, proc.stderr
    return proc


def fingerprint_of(repo: Repo, path: str) -> str:
    report = json.loads(repo.scan("--format", "json", path).stdout)
    fps = [f["fingerprint"] for f in report["findings"]]
    assert len(fps) == 1, report["findings"]
    return str(fps[0])


def mark(repo: Repo, fingerprint: str, label: str) -> None:
    proc = repo.run("audit", "--mark", fingerprint, label)
    assert proc.returncode == 0, proc.stderr


@pytest.fixture
def seeded(repo: Repo) -> tuple[Repo, str, str]:
    """A committed repository with two credentials; returns it and both values."""
    key = fakes.aws_access_key_id()
    pw = fakes.password()
    repo.write("app/config.py", f"import os\n\naws_id = '{key}'\n")
    repo.write("db.py", fakes.password_line(pw))
    repo.add()
    repo.commit()
    return repo, key, pw


def test_create_writes_detect_secrets_format(seeded: tuple[Repo, str, str]) -> None:
    repo, key, pw = seeded
    proc = create(repo)
    assert proc.stdout == ""
    data = load(repo)
    assert {"version", "plugins_used", "filters_used", "results", "generated_at"} <= set(data)
    assert list(data["results"]) == ["app/config.py", "db.py"]
    aws = data["results"]["app/config.py"]
    assert aws == [
        {
            "type": "AWS Access Key",
            "filename": "app/config.py",
            "hashed_secret": sha1(key),
            "is_verified": False,
            "line_number": 3,
        }
    ]
    assert data["results"]["db.py"][0]["hashed_secret"] == sha1(pw)
    assert (repo.path / BASELINE).read_text().endswith("}\n")


def test_detect_secrets_own_loader_reads_our_baseline(seeded: tuple[Repo, str, str]) -> None:
    repo, key, _ = seeded
    create(repo)
    # detect-secrets' own code, in a fresh process (its settings are process-wide).
    script = (
        "import json, sys\n"
        "from detect_secrets.core import baseline\n"
        "data = baseline.load_from_file(sys.argv[1])\n"
        "secrets = baseline.load(data, sys.argv[1])\n"
        "out = sorted((f, s.type, s.secret_hash, s.line_number) for f, s in secrets)\n"
        "print(json.dumps(out))\n"
    )
    proc = subprocess.run(
        [str(BIN / "python"), "-c", script, str(repo.path / BASELINE)],
        cwd=repo.path,
        env=base_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    loaded = [tuple(x) for x in json.loads(proc.stdout)]
    assert ("app/config.py", "AWS Access Key", sha1(key), 3) in loaded
    assert len(loaded) == 2


def test_baseline_has_no_machine_paths(seeded: tuple[Repo, str, str]) -> None:
    repo, _, _ = seeded
    create(repo, str(repo.path))
    text = (repo.path / BASELINE).read_text()
    assert str(repo.path) not in text
    assert str(repo.path.resolve()) not in text
    # The only file:// paths are our plugins' installed modules (detect-secrets' custom plugin
    # form), and where they are installed is not content: another machine does not rewrite it.
    paths = [p["path"] for p in load(repo)["plugins_used"] if "path" in p]
    assert paths
    import secretsops_plugins

    folder = Path(secretsops_plugins.__file__).resolve().parent.as_uri()
    assert all(p.startswith(folder + "/") and Path(p[len("file://") :]).is_file() for p in paths)
    data = load(repo)
    for plugin in data["plugins_used"]:
        if "path" in plugin:
            plugin["path"] = "file:///elsewhere/site-packages/secretsops_plugins/x.py"
    (repo.path / BASELINE).write_text(json.dumps(data, indent=2) + "\n")
    before = (repo.path / BASELINE).read_bytes()
    update(repo, str(repo.path))
    assert (repo.path / BASELINE).read_bytes() == before
    assert "/tmp" not in json.dumps(data["results"]) and "\\\\" not in text
    data = load(repo)
    assert all(not Path(f).is_absolute() for f in data["results"])


def test_baseline_is_not_scanned_as_a_finding(seeded: tuple[Repo, str, str]) -> None:
    repo, _, _ = seeded
    create(repo)
    report = json.loads(repo.scan("--format", "json").stdout)
    assert BASELINE not in {f["path"] for f in report["findings"]}
    assert {f["path"] for f in report["findings"]} == {"app/config.py", "db.py"}


def test_create_refuses_to_overwrite_without_force(seeded: tuple[Repo, str, str]) -> None:
    repo, _, _ = seeded
    create(repo)
    before = (repo.path / BASELINE).read_bytes()
    assert_clean_error(repo.run("baseline", "create"))
    assert (repo.path / BASELINE).read_bytes() == before
    create(repo, "--force")


def test_scan_with_baseline_reports_only_new_findings(seeded: tuple[Repo, str, str]) -> None:
    repo, _, _ = seeded
    create(repo)
    proc = repo.scan("--baseline", BASELINE)
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout == "0 findings, 2 files scanned, 2 in baseline\n"

    repo.write("new.py", fakes.aws_line())
    proc = repo.scan("--baseline", BASELINE, "--format", "json")
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    assert [f["path"] for f in report["findings"]] == ["new.py"]
    assert report["summary"]["baselined"] == 2


def test_same_value_in_another_file_is_new(seeded: tuple[Repo, str, str]) -> None:
    repo, key, _ = seeded
    create(repo)
    repo.write("copy.py", fakes.aws_line(key))
    proc = repo.scan("--baseline", BASELINE)
    assert proc.returncode == 1
    assert proc.stdout.startswith("copy.py:1  AWS Access Key")


def test_staged_scan_with_baseline(seeded: tuple[Repo, str, str]) -> None:
    repo, _, _ = seeded
    create(repo)
    repo.add(BASELINE)
    assert repo.scan("--staged", "--baseline", BASELINE).returncode == 0
    repo.write("new.py", fakes.aws_line())
    repo.add("new.py")
    proc = repo.scan("--staged", "--baseline", BASELINE, "new.py")
    assert proc.returncode == 1
    assert "new.py:1" in proc.stdout


def test_baseline_in_another_folder_and_from_a_clone(
    seeded: tuple[Repo, str, str], tmp_path: Path
) -> None:
    repo, _, _ = seeded
    create(repo, "--baseline", "ci/accepted.json")
    assert (repo.path / "ci" / "accepted.json").exists()
    assert not (repo.path / BASELINE).exists()
    assert repo.scan("--baseline", "ci/accepted.json").returncode == 0
    repo.add("ci/accepted.json")
    repo.commit()

    # The same baseline works in another checkout at another path.
    clone = tmp_path / "another place" / "clone"
    clone.parent.mkdir()
    git(tmp_path, "clone", "-q", str(repo.path), str(clone))
    proc = Repo(clone, init=False).scan("--baseline", "ci/accepted.json")
    assert proc.returncode == 0, proc.stdout


def test_update_keeps_labels_and_adds_new_entries(seeded: tuple[Repo, str, str]) -> None:
    repo, _, _ = seeded
    create(repo)
    mark(repo, fingerprint_of(repo, "app/config.py"), "real")
    mark(repo, fingerprint_of(repo, "db.py"), "false-positive")
    repo.write("new.py", fakes.aws_line())

    update(repo)

    labels = {e["filename"]: e.get("is_secret") for e in entries(repo)}
    assert labels == {"app/config.py": True, "db.py": False, "new.py": None}
    assert "is_secret" not in next(e for e in entries(repo) if e["filename"] == "new.py")


def test_update_without_changes_does_not_rewrite(seeded: tuple[Repo, str, str]) -> None:
    repo, _, _ = seeded
    create(repo)
    mark(repo, fingerprint_of(repo, "db.py"), "false-positive")
    path = repo.path / BASELINE
    before = path.read_bytes()
    stat = path.stat()

    proc = update(repo)

    assert "up to date" in proc.stderr
    after = path.stat()
    assert path.read_bytes() == before
    assert (after.st_mtime_ns, after.st_ino) == (stat.st_mtime_ns, stat.st_ino)


def test_update_of_a_changed_baseline_is_stable(seeded: tuple[Repo, str, str]) -> None:
    repo, _, _ = seeded
    create(repo)
    for i in range(3):
        repo.write(f"z{i}.py", fakes.aws_line())
        repo.write(f"a{i}/m.py", f"x = 1\n{fakes.password_line()}\n")
    update(repo)
    first = load(repo)
    update(repo)  # nothing changed since: same bytes
    assert load(repo) == first
    filenames = list(first["results"])
    assert filenames == sorted(filenames)
    for items in first["results"].values():
        assert [e["line_number"] for e in items] == sorted(e["line_number"] for e in items)
    # A fresh baseline of the same tree lists the same entries in the same order.
    create(repo, "--force")
    assert load(repo)["results"] == first["results"]


def test_moved_line_keeps_its_entry_and_label(seeded: tuple[Repo, str, str]) -> None:
    repo, key, _ = seeded
    create(repo)
    mark(repo, fingerprint_of(repo, "app/config.py"), "false-positive")
    config = repo.path / "app" / "config.py"
    config.write_text("# one\n# two\n# three\n" + config.read_text())

    # Before any update, the moved secret is still not new.
    assert repo.scan("--baseline", BASELINE).returncode == 0

    update(repo)
    moved = [e for e in entries(repo) if e["filename"] == "app/config.py"]
    assert moved == [
        {
            "type": "AWS Access Key",
            "filename": "app/config.py",
            "hashed_secret": sha1(key),
            "is_verified": False,
            "line_number": 6,
            "is_secret": False,
        }
    ]
    assert repo.scan("--baseline", BASELINE).returncode == 0


def test_update_drops_entries_whose_secret_is_gone(seeded: tuple[Repo, str, str]) -> None:
    repo, _, _ = seeded
    create(repo)
    repo.write("db.py", "password = os.environ['DB_PASSWORD']\n")
    update(repo)
    assert [e["filename"] for e in entries(repo)] == ["app/config.py"]


def test_update_drops_entries_of_deleted_files(seeded: tuple[Repo, str, str]) -> None:
    repo, _, _ = seeded
    create(repo)
    repo.git("rm", "-q", "db.py")
    repo.commit()
    update(repo)
    assert [e["filename"] for e in entries(repo)] == ["app/config.py"]


def test_update_keeps_entries_of_files_it_did_not_read(seeded: tuple[Repo, str, str]) -> None:
    repo, _, _ = seeded
    create(repo)
    mark(repo, fingerprint_of(repo, "db.py"), "false-positive")
    before = (repo.path / BASELINE).read_bytes()
    # Every file is over the limit now: nothing was read, so nothing is known to be gone.
    proc = update(repo, "--max-file-size", "10")
    assert "up to date" in proc.stderr
    assert (repo.path / BASELINE).read_bytes() == before


def test_unreadable_file_stops_create_and_update(seeded: tuple[Repo, str, str]) -> None:
    repo, _, _ = seeded
    locked = repo.path / "db.py"
    proc = run_unprivileged("baseline", "create", cwd=repo.path, locked=locked)
    assert_clean_error(proc)
    assert not (repo.path / BASELINE).exists()
    locked.chmod(0o644)
    create(repo)
    before = (repo.path / BASELINE).read_bytes()
    proc = run_unprivileged("baseline", "update", cwd=repo.path, locked=locked)
    assert_clean_error(proc)
    assert "cannot read db.py" in proc.stderr
    assert (repo.path / BASELINE).read_bytes() == before


def test_update_of_some_paths_keeps_other_entries(seeded: tuple[Repo, str, str]) -> None:
    repo, _, _ = seeded
    create(repo)
    repo.write("app/more.py", fakes.aws_line())
    update(repo, "app")
    assert sorted(e["filename"] for e in entries(repo)) == ["app/config.py", "app/more.py", "db.py"]


def test_baseline_from_the_detect_secrets_cli_is_read_as_it_is(repo: Repo) -> None:
    key = fakes.aws_access_key_id()
    pw = fakes.password()
    repo.write("app/config.py", f"aws_id = '{key}'\n")
    repo.write("db.py", fakes.password_line(pw))
    repo.write("fixtures/sample.py", fakes.aws_line())
    repo.add()
    repo.commit()
    proc = subprocess.run(
        [str(BIN / "detect-secrets"), "scan", "--exclude-files", "^fixtures/"],
        cwd=repo.path,
        env=base_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    (repo.path / BASELINE).write_text(proc.stdout)
    original = (repo.path / BASELINE).read_bytes()
    hashes = {e["hashed_secret"] for e in entries(repo)}
    assert {sha1(key), sha1(pw)} <= hashes

    scan = repo.scan("--baseline", BASELINE)
    assert scan.returncode == 0, scan.stdout  # accepted entries, and the exclusion honoured
    assert (repo.path / BASELINE).read_bytes() == original  # reading does not rewrite

    repo.write("new.py", fakes.aws_line())
    scan = repo.scan("--baseline", BASELINE)
    assert scan.returncode == 1
    assert scan.stdout.startswith("new.py:1  AWS Access Key")

    listed = repo.run("audit", "--list", BASELINE)
    assert listed.returncode == 0, listed.stderr
    assert "app/config.py:1  AWS Access Key  so1:" in listed.stdout


def test_update_of_a_detect_secrets_baseline_keeps_its_labels(repo: Repo) -> None:
    key = fakes.aws_access_key_id()
    repo.write("app/config.py", f"aws_id = '{key}'\n")
    repo.add()
    repo.commit()
    proc = subprocess.run(
        [str(BIN / "detect-secrets"), "scan"],
        cwd=repo.path,
        env=base_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(proc.stdout)
    data["results"]["app/config.py"][0]["is_secret"] = False
    (repo.path / BASELINE).write_text(json.dumps(data, indent=2) + "\n")
    repo.write("app/config.py", f"# moved\naws_id = '{key}'\n")
    update(repo)
    (entry,) = entries(repo)
    assert (entry["hashed_secret"], entry["line_number"], entry["is_secret"]) == (
        sha1(key),
        2,
        False,
    )


def test_old_format_detect_secrets_baseline_is_upgraded_on_read(repo: Repo) -> None:
    key = fakes.aws_access_key_id()
    repo.write("a.py", fakes.aws_line(key))
    repo.write("fixtures/f.py", fakes.aws_line())
    old = {
        "exclude": {"files": "^fixtures/", "lines": None},
        "generated_at": "2019-01-01T00:00:00Z",
        "plugins_used": [
            {"name": "AWSKeyDetector"},
            {"base64_limit": 4.5, "name": "Base64HighEntropyString"},
        ],
        "results": {
            "a.py": [
                {
                    "hashed_secret": sha1(key),
                    "is_secret": False,
                    "is_verified": False,
                    "line_number": 1,
                    "type": "AWS Access Key",
                }
            ]
        },
        "version": "0.12.0",
    }
    (repo.path / BASELINE).write_text(json.dumps(old))
    proc = repo.scan("--baseline", BASELINE)
    assert proc.returncode == 0, proc.stdout
    assert "1 in baseline" in proc.stdout
    update(repo)
    data = load(repo)
    assert data["version"] == "1.5.0"
    assert data["results"]["a.py"][0]["is_secret"] is False
    assert {
        "path": "detect_secrets.filters.regex.should_exclude_file",
        "pattern": ["^fixtures/"],
    } in (data["filters_used"])


CORRUPT = {
    "not-json": "{ this is not json",
    "empty": "",
    "list": "[1, 2, 3]",
    "no-results": '{"version": "1.5.0"}',
    "results-list": '{"results": []}',
    "entries-not-list": '{"results": {"a.py": {"type": "x"}}}',
    "entry-not-object": '{"results": {"a.py": ["x"]}}',
    "entry-no-hash": '{"results": {"a.py": [{"type": "AWS Access Key"}]}}',
    "bad-line-number": (
        '{"results": {"a.py": [{"type": "T", "hashed_secret": "ab", "line_number": "x"}]}}'
    ),
    "plugins-not-list": '{"results": {}, "plugins_used": {"name": "x"}}',
    "binary": "\udcff\udcfe",
}


COMMANDS = {
    "scan": ["scan", "--baseline", BASELINE],
    "update": ["baseline", "update"],
    "audit": ["audit", "--list", BASELINE],
    "mark": ["audit", "--mark", "so1:00000000", "real", BASELINE],
}


def _corrupt_cases() -> list[Any]:
    cases = [pytest.param(name, "scan", id=f"scan-{name}") for name in CORRUPT]
    for command in ("update", "audit", "mark"):
        for name in ("not-json", "results-list", "entry-no-hash"):
            cases.append(pytest.param(name, command, id=f"{command}-{name}"))
    return cases


@pytest.mark.parametrize(("case", "command"), _corrupt_cases())
def test_corrupt_baseline_is_a_clean_input_error(repo: Repo, case: str, command: str) -> None:
    repo.write("a.py", fakes.aws_line())
    (repo.path / BASELINE).write_bytes(CORRUPT[case].encode("utf-8", "surrogateescape"))
    before = (repo.path / BASELINE).read_bytes()
    proc = repo.run(*COMMANDS[command])
    assert_clean_error(proc)
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "baseline" in proc.stderr
    assert (repo.path / BASELINE).read_bytes() == before


def test_missing_baseline_is_a_clean_input_error(repo: Repo) -> None:
    repo.write("a.py", "x = 1\n")
    proc = repo.scan("--baseline", "nope.json")
    assert_clean_error(proc)
    assert "nope.json" in proc.stderr
    assert_clean_error(repo.run("baseline", "update"))


def _detect_secrets_baseline(repo: Repo) -> dict[str, Any]:
    proc = subprocess.run(
        [str(BIN / "detect-secrets"), "scan"],
        cwd=repo.path,
        env=base_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    data: dict[str, Any] = json.loads(proc.stdout)
    return data


def test_every_entry_of_a_real_detect_secrets_baseline_is_honoured(repo: Repo) -> None:
    """detect-secrets 1.5.0 names a GitHub token by its prefix and a storage key with its
    ``AccountKey=``: those entries, labelled or not, accept our findings of the same secrets
    (scan --baseline and the staged hook); a new secret is still reported."""
    token, key, aws = fakes.github_token(), fakes.storage_account_key(), fakes.aws_access_key_id()
    repo.write("deploy/gh.py", f'GH = "{token}"\n')
    repo.write(
        "appsettings.json",
        '{"Storage": "DefaultEndpointsProtocol=https;AccountName=acct;'
        f'AccountKey={key};EndpointSuffix=core.windows.net"}}\n',
    )
    repo.write("app/aws.py", fakes.aws_line(aws) + "\n")
    repo.add()
    repo.commit()
    assert repo.scan().returncode == 1
    data = _detect_secrets_baseline(repo)
    types = {e["type"] for items in data["results"].values() for e in items}
    assert {"GitHub Token", "Azure Storage Account access key", "AWS Access Key"} <= types
    first = next(iter(data["results"].values()))
    first[0]["is_secret"] = True  # audit labels do not change what an entry accepts
    (repo.path / BASELINE).write_text(json.dumps(data, indent=2) + "\n")

    scan = repo.scan("--baseline", BASELINE)
    assert scan.returncode == 0, scan.stdout
    history = repo.scan("--history", "--baseline", BASELINE)
    assert history.returncode == 0, history.stdout

    repo.write("README.md", "clean change\n")
    repo.git("add", "README.md", BASELINE)
    hook = repo.scan("--staged", "--baseline", BASELINE)
    assert hook.returncode == 0, hook.stdout

    repo.write("other.py", f'GH = "{fakes.github_token()}"\n')
    scan = repo.scan("--baseline", BASELINE)
    assert scan.returncode == 1 and scan.stdout.startswith("other.py:1  GitHub Token"), scan.stdout


def test_plain_detect_secrets_works_on_our_baseline(seeded: tuple[Repo, str, str]) -> None:
    """detect-secrets' scan --baseline, its hook and its interactive audit load our plugins
    from the baseline's file:// paths (without them: a TypeError traceback) and keep our
    entries."""
    repo, _, _ = seeded
    repo.write("az.py", f'client_secret = "{fakes.entra_client_secret()}"\n')
    repo.add()
    repo.commit()
    create(repo)
    ours = {(e["filename"], e["type"], e["hashed_secret"]) for e in entries(repo)}
    assert "Entra ID Client Secret" in {t for _, t, _ in ours}

    def ds(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN / args[0]), *args[1:]],
            cwd=repo.path,
            env=base_env(),
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
        )

    files = repo.git("ls-files").split()
    hook = ds("detect-secrets-hook", "--baseline", BASELINE, *files)
    assert hook.returncode == 0, hook.stdout + hook.stderr
    audit = ds("detect-secrets", "audit", BASELINE, stdin="q\n")
    assert audit.returncode == 0 and "Traceback" not in audit.stderr, audit.stderr
    assert "Should this string be committed" in audit.stdout
    rescan = ds("detect-secrets", "scan", "--baseline", BASELINE)
    assert rescan.returncode == 0, rescan.stderr
    assert {(e["filename"], e["type"], e["hashed_secret"]) for e in entries(repo)} == ours
