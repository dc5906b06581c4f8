"""``secretsops scan org``: many repositories on a real Dask cluster, one merged report.

Repositories are generated here (branches, tags, secrets removed later, committed baselines;
every credential made now by ``fakes``), listed as local paths and as ``file://`` URLs (which
are mirrored). Results are compared with ``secretsops scan --history`` of each repository
alone. Most tests share one ``LocalCluster`` (2 worker processes) through ``--scheduler``, the
path any existing cluster takes; the first runs the command as a user would, with its own
embedded cluster. The listers are exercised over HTTP against local GitHub and Azure DevOps
servers.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import fakes
import jsonschema
import pytest
from conftest import (
    SARIF_SCHEMA,
    SECRETSOPS,
    Repo,
    assert_absent,
    assert_clean_error,
    base_env,
    call_secretsops,
    git,
    run_secretsops,
)

from secretsops.org.task import HOLD_VARIABLE
from secretsops.scan.fingerprint import fingerprint


@dataclass
class Planted:
    repo: Repo
    values: list[str]
    accepted: list[str] = field(default_factory=list)
    url: bool = False

    @property
    def entry(self) -> str:
        return self.repo.path.as_uri() if self.url else str(self.repo.path)


def make_repo(path: Path, index: int, *, url: bool = False) -> Planted:
    """History: a password written then removed, a token at HEAD and tag v1, an AWS key on a
    branch only; every fifth repository commits a baseline accepting the token."""
    repo = Repo(path)
    pw, token, aws = fakes.password(), fakes.github_token(), fakes.aws_access_key_id()
    repo.write("README.md", f"# service {index}\n")
    repo.write("config/settings.py", f"DEBUG = False\n{fakes.password_line(pw)}\n")
    repo.add()
    repo.commit("one")
    repo.write("deploy.env", f"GH={token}\n")
    repo.add()
    repo.commit("two")
    repo.git("tag", "v1")
    repo.write("config/settings.py", "DEBUG = False\n")
    repo.add()
    repo.commit("three")
    repo.git("checkout", "-q", "-b", f"feature-{index}")
    repo.write("infra/keys.py", fakes.aws_line(aws))
    repo.add()
    repo.commit("four")
    repo.git("checkout", "-q", "main")
    planted = Planted(repo, [pw, token, aws], url=url)
    if index % 5 == 0:
        proc = call_secretsops("baseline", "create", cwd=repo.path)
        assert proc.returncode == 0, proc.stderr
        repo.add(".secrets.baseline")
        repo.commit("baseline")
        planted.accepted = [token]
    return planted


def alone(planted: Planted) -> dict[str, Any]:
    """``secretsops scan --history`` of one repository (its baseline, no cache)."""
    args = ["scan", "--history", "--no-cache", "--format", "json"]
    if (planted.repo.path / ".secrets.baseline").exists():
        args += ["--baseline", ".secrets.baseline"]
    proc = call_secretsops(*args, cwd=planted.repo.path)
    assert proc.returncode in (0, 1), proc.stderr
    data: dict[str, Any] = json.loads(proc.stdout)
    return data


def identity(f: dict[str, Any]) -> tuple[Any, ...]:
    keys = ("path", "line", "type", "fingerprint", "preview", "confidence", "commit")
    return (*(f[k] for k in keys), f["occurrences"], f["present_at_head"])


def by_repository(report: dict[str, Any]) -> dict[str, list[tuple[Any, ...]]]:
    out: dict[str, list[tuple[Any, ...]]] = {r["name"]: [] for r in report["repositories"]}
    for f in report["findings"]:
        out[f["repository"]].append(identity(f))
    return {name: sorted(found) for name, found in out.items()}


def name_of(planted: Planted) -> str:
    if planted.url:
        return urllib.parse.unquote(urllib.parse.urlsplit(planted.entry).path)
    return str(planted.repo.path.resolve())


def assert_same_as_alone(report: dict[str, Any], estate: list[Planted]) -> None:
    found = by_repository(report)
    rows = {r["name"]: r for r in report["repositories"]}
    assert len(found) == len(estate)
    for planted in estate:
        expected = alone(planted)
        name = name_of(planted)
        assert found[name] == sorted(identity(f) for f in expected["findings"]), name
        assert rows[name]["baselined"] == expected["summary"]["baselined"], name
        assert rows[name]["commits"] == expected["summary"]["commits"], name
        fingerprints = {f[3] for f in found[name]}
        wanted = {fingerprint(v) for v in planted.values if v not in planted.accepted}
        assert wanted <= fingerprints, name
        assert not {fingerprint(v) for v in planted.accepted} & fingerprints, name


def write_list(path: Path, estate: list[Planted], extra: tuple[str, ...] = ()) -> Path:
    lines = ["# repositories to scan", "", *(p.entry for p in estate), *extra]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> list[Planted]:
    root = tmp_path_factory.mktemp("estate")
    saved = dict(os.environ)
    os.environ.update(base_env())
    try:
        return [make_repo(root / f"svc-{i:02d}", i, url=i % 2 == 1) for i in range(22)]
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _cluster(workers: int = 2) -> Any:
    """A LocalCluster whose worker processes see the tests' clean environment."""
    from distributed import LocalCluster

    saved = dict(os.environ)
    os.environ.update(base_env())
    try:
        return LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # the HTTP server (health, metrics) on a free port
            silence_logs=logging.ERROR,
        )
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    cluster = _cluster()
    yield str(cluster.scheduler_address)
    cluster.close()


def org(tmp_path: Path, *args: str | Path, env: dict[str, str] | None = None) -> Any:
    """``secretsops scan org ARGS`` in this process, with this test's cache and state."""
    return call_secretsops(
        "scan",
        "org",
        "--cache-dir",
        tmp_path / "cache",
        "--state",
        tmp_path / "state.json",
        *args,
        cwd=tmp_path,
        env=env,
    )


# --- the whole estate ---------------------------------------------------------------------


def test_estate_on_an_embedded_cluster_matches_each_scan_alone(
    estate: list[Planted], tmp_path: Path, scheduler: str
) -> None:
    listing = write_list(tmp_path / "repos.txt", estate)
    out = tmp_path / "report.json"
    proc = run_secretsops(
        "scan", "org", listing, "--workers", "2", "--cache-dir", tmp_path / "cache",
        "--state", tmp_path / "state.json", "--format", "json", "--output", out,
        cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    report = json.loads(out.read_text())
    assert report["mode"] == "org"
    assert [r["status"] for r in report["repositories"]] == ["ok"] * len(estate)
    assert report["summary"]["workers"] == 2
    assert_same_as_alone(report, estate)
    # the summary table went to stderr; nothing anywhere holds a value
    assert "repository" in proc.stderr and "22 repositories, 22 scanned" in proc.stderr
    mirrors = sorted((tmp_path / "cache" / "mirrors").glob("*.git"))
    assert len(mirrors) == sum(p.url for p in estate)
    state = (tmp_path / "state.json").read_text()
    for planted in estate:
        assert_absent(planted.values[0], out.read_text(), proc.stdout, proc.stderr, state)
        for value in planted.values:
            assert_absent(value, out.read_text(), state)

    # Again on an existing cluster, --resume, SARIF: nothing fetched or scanned again.
    proc = org(tmp_path, listing, "--scheduler", scheduler, "--resume", "-f", "sarif")
    assert proc.returncode == 1, proc.stderr
    sarif = json.loads(proc.stdout)
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(sarif)
    assert len(sarif["runs"]) == len(estate)
    per_run = {r["properties"]["repository"]: r for r in sarif["runs"]}
    found = by_repository(report)
    for name, run in per_run.items():
        assert run["properties"]["status"] == "unchanged"
        assert len(run["results"]) == len(found[name])
        assert {r["partialFingerprints"]["secretsops/v1"] for r in run["results"]} == {
            f[3] for f in found[name]
        }
        assert run["versionControlProvenance"][0]["repositoryUri"].startswith("file://")
    assert "22 unchanged since the last scan" in proc.stderr


# --- failures -------------------------------------------------------------------------------


def test_failing_repositories_do_not_stop_the_others(
    estate: list[Planted], tmp_path: Path, scheduler: str
) -> None:
    good = estate[:3]
    source = estate[1].repo.path
    git(tmp_path, "clone", "-q", "--depth", "1", source.as_uri(), str(tmp_path / "shallow"))
    (tmp_path / "plain").mkdir()
    broken = Repo(tmp_path / "broken-baseline")
    broken.write(".secrets.baseline", "{ not json")
    broken.add()
    broken.commit()
    secret = fakes.password()
    extra = (
        str(tmp_path / "nowhere"),
        (tmp_path / "no-such-repo").as_uri(),
        str(tmp_path / "plain"),
        str(tmp_path / "shallow"),
        str(broken.path),
        f"http://someone:{secret}@127.0.0.1:9/team/app.git",  # nothing listens on port 9
    )
    listing = write_list(tmp_path / "repos.txt", good, extra)
    proc = org(tmp_path, listing, "--scheduler", scheduler, "-q", "-f", "json", "-o", "out.json")
    assert_clean_error(proc)
    assert "6 of 9 repositories not scanned" in proc.stderr
    report = json.loads((tmp_path / "out.json").read_text())
    statuses = [r["status"] for r in report["repositories"]]
    assert statuses == [
        "ok", "ok", "ok", "unreachable", "unreachable", "not-a-repository", "shallow", "baseline",
        "unreachable",
    ]  # fmt: skip
    last = report["repositories"][-1]
    assert (last["name"], last["url"]) == ("team/app", "http://127.0.0.1:9/team/app.git")
    state = (tmp_path / "state.json").read_text()
    assert_absent(secret, proc.stdout, proc.stderr, (tmp_path / "out.json").read_text(), state)
    assert all(r["error"] for r in report["repositories"][3:])
    assert "does not appear to be a git repository" in report["repositories"][4]["error"]
    assert_same_as_alone({**report, "repositories": report["repositories"][:3]}, good)
    assert len(report["findings"]) == sum(len(alone(p)["findings"]) for p in good)
    # --allow-shallow scans what the shallow clone holds
    proc = org(tmp_path, "-", "--scheduler", scheduler, "--allow-shallow", "-f", "json")
    assert proc.returncode == 2  # stdin was empty: no repositories
    listing.write_text(str(tmp_path / "shallow") + "\n")
    proc = org(tmp_path, listing, "--scheduler", scheduler, "--allow-shallow", "-f", "json")
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["repositories"][0]["status"] == "ok"


def test_a_worker_killed_mid_task_loses_and_doubles_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    estate = [make_repo(tmp_path / f"k{i}", i + 1, url=i % 2 == 0) for i in range(6)]
    hold = tmp_path / "hold"
    hold.mkdir()
    (hold / "hold").touch()
    monkeypatch.setenv(HOLD_VARIABLE, str(hold))  # also for the worker the nanny restarts
    cluster = _cluster()
    try:
        env = base_env()
        env.pop(HOLD_VARIABLE, None)
        listing = write_list(tmp_path / "repos.txt", estate)
        cli = subprocess.Popen(
            [str(SECRETSOPS), "scan", "org", str(listing), "--scheduler",
             cluster.scheduler_address, "--cache-dir", str(tmp_path / "cache"),
             "--state", str(tmp_path / "state.json"), "-f", "json", "-o", "out.json"],
            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while len(started := sorted(p.name for p in hold.iterdir() if p.name != "hold")) < 2:
            assert time.monotonic() < deadline and cli.poll() is None, "tasks did not start"
            time.sleep(0.05)
        victim_key, victim_pid = started[0].rsplit(".", 1)
        os.kill(int(victim_pid), signal.SIGKILL)  # the worker process running that task
        time.sleep(0.5)
        (hold / "hold").unlink()
        stdout, stderr = cli.communicate(timeout=120)
    finally:
        cluster.close()
    assert cli.returncode == 1, (stdout, stderr)
    report = json.loads((tmp_path / "out.json").read_text())
    assert [r["status"] for r in report["repositories"]] == ["ok"] * 6
    assert_same_as_alone(report, estate)
    runs: dict[str, set[str]] = {}
    for marker in hold.iterdir():
        key, pid = marker.name.rsplit(".", 1)
        runs.setdefault(key, set()).add(pid)
    assert len(runs) == 6
    assert runs[victim_key] >= {victim_pid} and len(runs[victim_key]) == 2  # run again
    assert all(len(pids) == 1 for key, pids in runs.items() if key != victim_key)


# --- resume and mirrors ---------------------------------------------------------------------


def test_resume_rescans_only_repositories_whose_tips_moved(tmp_path: Path, scheduler: str) -> None:
    estate = [make_repo(tmp_path / f"r{i}", i + 1, url=i >= 2) for i in range(4)]
    listing = write_list(tmp_path / "repos.txt", estate)
    first = org(tmp_path, listing, "--scheduler", scheduler, "-f", "json")
    assert first.returncode == 1, first.stderr
    moved, pruned = estate[2], estate[3]
    mirror = next((tmp_path / "cache" / "mirrors").glob("*r2-*.git"))
    inode = mirror.stat().st_ino
    late = fakes.github_token()
    moved.repo.write("late.env", f"GH={late}\n")
    moved.repo.add()
    moved.repo.commit("late")
    pruned.repo.git("branch", "-q", "-D", "feature-4")
    estate[0].repo.git("tag", "v2")  # a local repository's new ref is a change too
    second = org(tmp_path, listing, "--scheduler", scheduler, "--resume", "-f", "json")
    assert second.returncode == 1, second.stderr
    report = json.loads(second.stdout)
    statuses = {r["name"]: r["status"] for r in report["repositories"]}
    assert [statuses[name_of(p)] for p in estate] == ["ok", "unchanged", "ok", "ok"]
    moved.values.append(late)
    pruned.values.remove(pruned.values[2])  # the branch holding the AWS key is gone
    assert_same_as_alone(report, estate)
    assert mirror.stat().st_ino == inode  # fetched into, not cloned again
    unchanged = by_repository(json.loads(first.stdout))[name_of(estate[1])]
    assert by_repository(report)[name_of(estate[1])] == unchanged
    # without --resume everything is scanned again
    third = org(tmp_path, listing, "--scheduler", scheduler, "-f", "json")
    assert {r["status"] for r in json.loads(third.stdout)["repositories"]} == {"ok"}


# --- listers over HTTP ----------------------------------------------------------------------


@dataclass
class Hosts:
    """A GitHub API and an Azure DevOps organisation, on one local HTTP server."""

    token: str
    pat: str
    github: list[dict[str, Any]]
    devops: list[dict[str, Any]]
    throttled: set[str] = field(default_factory=set)
    requests: list[str] = field(default_factory=list)
    base: str = ""


def _handler(hosts: Hosts) -> type[BaseHTTPRequestHandler]:
    import base64

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _once(self, name: str) -> bool:
            if name in hosts.throttled:
                return False
            hosts.throttled.add(name)
            return True

        def do_GET(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(url.query)
            hosts.requests.append(self.path)
            auth = self.headers.get("Authorization", "")
            if url.path == "/orgs/acme/repos":
                if auth != f"Bearer {hosts.token}":
                    self._send(401, {"message": "Bad credentials"})
                elif self._once("github-429"):
                    self._send(429, {"message": "slow down"}, {"Retry-After": "1"})
                elif query.get("page") == ["2"]:
                    if self._once("github-403"):
                        reset = str(int(time.time()))
                        headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}
                        self._send(403, {"message": "API rate limit exceeded"}, headers)
                    else:
                        self._send(200, hosts.github[2:])
                else:
                    link = (
                        f'<{hosts.base}/orgs/acme/repos?per_page=100&type=all&page=2>; rel="next"'
                    )
                    self._send(200, hosts.github[:2], {"Link": link})
                return
            if url.path.startswith("/orgs/"):
                self._send(404, {"message": "Not Found"})
                return
            if url.path == "/contoso/_apis/git/repositories":
                expected = "Basic " + base64.b64encode(f":{hosts.pat}".encode()).decode()
                if auth != expected:
                    self._send(401, {})
                elif query.get("api-version") != ["7.1"]:
                    self._send(400, {"message": "api-version"})
                elif self._once("devops-429"):
                    self._send(429, {"message": "throttled"}, {"Retry-After": "1"})
                elif query.get("continuationToken") == ["next"]:
                    self._send(200, {"count": 2, "value": hosts.devops[1:]})
                else:
                    headers = {"x-ms-continuationtoken": "next"}
                    self._send(200, {"count": 1, "value": hosts.devops[:1]}, headers)
                return
            self._send(404, {"message": "no such route"})

    return Handler


@pytest.fixture
def hosts(tmp_path: Path) -> Iterator[Hosts]:
    repos = [make_repo(tmp_path / f"h{i}", i + 1) for i in range(4)]
    github = [
        {"full_name": f"acme/h{i}", "clone_url": repos[i].repo.path.as_uri(), "archived": False}
        for i in range(3)
    ]
    devops = [
        {
            "name": "h3",
            "remoteUrl": repos[3].repo.path.as_uri(),
            "project": {"name": "payments"},
            "isDisabled": False,
        },
        {
            "name": "h0",
            "remoteUrl": repos[0].repo.path.as_uri(),
            "project": {"name": "web"},
            "isDisabled": False,
        },
        {
            "name": "old",
            "remoteUrl": (tmp_path / "gone").as_uri(),
            "project": {"name": "web"},
            "isDisabled": True,
        },
    ]
    hosts = Hosts(token=fakes.github_token(), pat=fakes.password(), github=github, devops=devops)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(hosts))
    hosts.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield hosts
    server.shutdown()
    server.server_close()


def test_github_and_devops_listers(hosts: Hosts, tmp_path: Path, scheduler: str) -> None:
    env = {**base_env(), "GITHUB_TOKEN": hosts.token, "AZURE_DEVOPS_EXT_PAT": hosts.pat}
    proc = org(
        tmp_path, "--github-org", "acme", "--github-api", hosts.base,
        "--devops-org", f"{hosts.base}/contoso", "--scheduler", scheduler, "-f", "json",
        env=env,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    names = [r["name"] for r in report["repositories"]]
    assert names == ["acme/h0", "acme/h1", "acme/h2", "payments/h3", "web/h0"]
    assert {r["status"] for r in report["repositories"]} == {"ok"}
    assert all(by_repository(report)[name] for name in names)
    assert "skipping web/old: the repository is disabled" in proc.stderr
    # both pages of each, each throttled once and asked again
    assert hosts.throttled == {"github-429", "github-403", "devops-429"}
    github_pages = [r for r in hosts.requests if r.startswith("/orgs/acme/")]
    assert len(github_pages) == 4 and "page=2" in github_pages[-1]
    devops_pages = [r for r in hosts.requests if r.startswith("/contoso/")]
    assert len(devops_pages) == 3 and "continuationToken=next" in devops_pages[-1]
    assert_absent(hosts.token, proc.stdout, proc.stderr)
    assert_absent(hosts.pat, proc.stdout, proc.stderr)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--github-org", "nobody"], "not found (404)"),
        (["--github-org", "acme"], "authentication failed (401)"),
        (["--devops-org", "{base}/contoso"], "authentication failed (401)"),
    ],
)
def test_lister_errors_are_one_line(
    hosts: Hosts, tmp_path: Path, args: list[str], message: str
) -> None:
    env = {**base_env(), "GITHUB_TOKEN": "wrong", "AZURE_DEVOPS_EXT_PAT": "wrong"}
    args = [a.format(base=hosts.base) for a in args]
    proc = org(tmp_path, *args, "--github-api", hosts.base, env=env)
    assert_clean_error(proc)
    assert message in proc.stderr
    assert "wrong" not in proc.stderr


def test_list_entries() -> None:
    from secretsops.org.repos import parse_list

    token = fakes.password()
    specs = parse_list(
        "# comment\n\n"
        "https://dev.azure.com/contoso/payments/_git/api\n"
        f"https://ci:{token}@github.com/acme/web.git\n"
        "git@github.com:acme/tools.git\n"
        "ssh://git@example.com:2222/srv/ops.git\n"
        "relative/repo\n",
        where="list",
        base=Path("/srv/lists"),
    )
    assert [s.name for s in specs] == [
        "payments/api", "acme/web", "acme/tools", "srv/ops", "/srv/lists/relative/repo"
    ]  # fmt: skip
    assert [s.auth for s in specs] == ["devops", "github", "", "", ""]
    assert specs[1].display_url == "https://github.com/acme/web.git"
    assert specs[1].location.endswith("@github.com/acme/web.git")  # git still gets it
    assert token not in specs[1].key and token not in specs[1].name
    assert specs[4].local and not any(s.local for s in specs[:4])
    assert len({s.key for s in specs}) == 5


def test_git_reads_the_credentials_from_its_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The token reaches git as configuration in its environment, never on a command line."""
    from secretsops.org.mirror import auth_env

    token = fakes.github_token()
    monkeypatch.setenv("GITHUB_TOKEN", token)
    env = auth_env("github")
    proc = subprocess.run(
        ["git", "config", "--get", "http.extraHeader"],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    import base64

    scheme, encoded = proc.stdout.strip().split(": ", 1)[1].split(" ", 1)
    assert scheme == "Basic"
    assert base64.b64decode(encoded).decode() == f"x-access-token:{token}"
    assert "GIT_CONFIG_VALUE_0" not in auth_env("")


# --- command line ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.txt"], "list not found: missing.txt"),
        (["empty.txt"], "no repositories to scan"),
        (["empty.txt", "--workers", "0"], "--workers must be 1 or more"),
        (["empty.txt", "--max-file-size", "lots"], "invalid size"),
        (["--github-org", "not/an/org"], "not an organisation name"),
        (["--devops-org", "dev.azure.com/x"], "expected a URL"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "empty.txt").write_text("# nothing yet\n\n")
    proc = org(tmp_path, *args)
    assert_clean_error(proc)
    assert message in proc.stderr


def test_an_unreachable_scheduler_is_one_line(tmp_path: Path, estate: list[Planted]) -> None:
    listing = write_list(tmp_path / "repos.txt", estate[:1])
    env = {**base_env(), "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "1s"}  # read at import
    proc = run_secretsops(
        "scan", "org", listing, "--scheduler", "tcp://127.0.0.1:9", cwd=tmp_path, env=env
    )
    assert_clean_error(proc)
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in proc.stderr


def test_a_folder_named_org_is_still_a_folder(tmp_path: Path) -> None:
    folder = Repo(tmp_path / "org", init=False)
    folder.write("settings.py", fakes.password_line())
    proc = call_secretsops("scan", "org", "-f", "json", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["mode"] == "worktree"
    # an option only the organisation scan has: the organisation scan
    proc = call_secretsops("scan", "org", "--workers", "1", "-f", "json", cwd=tmp_path)
    assert_clean_error(proc)
    assert "name repositories: a LIST file" in proc.stderr or "no repositories" in proc.stderr


def test_text_report_and_stdin_list(estate: list[Planted], tmp_path: Path, scheduler: str) -> None:
    chosen = estate[:2]
    proc = call_secretsops(
        "scan-org", "--scheduler", scheduler, "--cache-dir", tmp_path / "cache",
        "--state", tmp_path / "state.json",
        cwd=tmp_path, input="\n".join(p.entry for p in chosen) + "\n",
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    header = next(line for line in lines if line.startswith("repository"))
    assert header.split() == ["repository", "status", "commits", "new", "baselined", "time"]
    for planted in chosen:
        name = name_of(planted)
        table = lines[lines.index(header) + 1 :]
        row = next(line.split() for line in table if line.startswith(name + " "))
        assert row[1] == "ok"
        assert row[2] == ("5" if planted.accepted else "4")
        listed = any(line.startswith(f"{name}  deploy.env:1") for line in lines)
        assert listed != bool(planted.accepted)
    assert "2 repositories, 2 scanned" in proc.stdout
    for planted in chosen:
        for value in planted.values:
            assert_absent(value, proc.stdout, proc.stderr)


def test_progress_bar_on_a_terminal(estate: list[Planted], tmp_path: Path, scheduler: str) -> None:
    import pty
    import select

    listing = write_list(tmp_path / "repos.txt", estate[:3])
    master, slave = pty.openpty()
    try:
        proc = subprocess.run(
            [str(SECRETSOPS), "scan", "org", str(listing), "--scheduler", scheduler,
             "--cache-dir", str(tmp_path / "cache"), "--state", str(tmp_path / "state.json"),
             "-f", "json", "-o", str(tmp_path / "out.json")],
            cwd=tmp_path, env=base_env(), stdout=subprocess.PIPE, stderr=slave, timeout=120,
            check=False,
        )  # fmt: skip
    finally:
        os.close(slave)
    shown = b""
    while select.select([master], [], [], 0.2)[0]:
        try:
            chunk = os.read(master, 1 << 16)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    assert proc.returncode == 1
    text = shown.decode("utf-8", "replace")
    assert "\r[" in text and "/3 repositories" in text and "findings" in text
    assert "3 repositories, 3 scanned" in text  # then the summary table
    for planted in estate[:3]:
        for value in planted.values:
            assert_absent(value, text)
