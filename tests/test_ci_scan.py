"""``scan --ci`` on real clones checked out the way Azure Pipelines and GitHub Actions do.

A "server" is a bare mirror in tmp_path holding ``main``, a pull-request branch ``feature`` and
the pull request's merge ref ``refs/pull/1/merge`` (the merge of ``feature`` into ``main``, as
both platforms build it). Checkouts are shallow (depth 1), fetched over ``file://`` with the
commands the platforms' checkout steps run; the environment variables and the event payload
are those the platforms document (docs/ci.md lists the pages). Only what the pull request adds
must be reported: a secret committed on ``main`` before the branch, and one committed on
``main`` after it, must not be.
"""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import fakes
import jsonschema
import pytest
from conftest import (
    SARIF_SCHEMA,
    Repo,
    assert_absent,
    assert_clean_error,
    base_env,
    call_secretsops,
    git,
)

CI_KEYS = ("TF_BUILD", "GITHUB_", "BUILD_", "SYSTEM_", "AGENT_", "RUNNER_")


def plain_env(**extra: str) -> dict[str, str]:
    """The test environment without any CI platform's variables (tests may run inside CI)."""
    env = {k: v for k, v in base_env().items() if not k.startswith(CI_KEYS)}
    env.update(extra)
    return env


@dataclass
class World:
    """A server repository with a pull request, and the values each test checks against."""

    server: Path
    base_sha: str  # main's tip, the pull request's base
    merge_sha: str  # refs/pull/1/merge
    feature_sha: str  # the pull request's head
    before_push: str  # feature before its last push (the commit the push started from)
    secrets: dict[str, str] = field(default_factory=dict)  # role -> value


def build_world(tmp: Path) -> World:
    work = Repo(tmp / "origin-work")
    s = {
        "old": fakes.aws_access_key_id(),  # on main before the branch: not the PR's
        "main_later": fakes.aws_access_key_id(),  # on main after the branch point: not the PR's
        "new": fakes.aws_access_key_id(),  # added by the PR: new
        "password": fakes.password(),  # added by the PR: new, medium confidence
        "accepted": fakes.aws_access_key_id(),  # added by the PR, accepted in the baseline
        "allowed": fakes.aws_access_key_id(),  # added by the PR on an allowlisted line
        "pushed": fakes.aws_access_key_id(),  # added by the PR's last push
    }
    work.write("README.md", "service\n")
    work.write("legacy.py", fakes.aws_line(s["old"]))
    work.add()
    work.commit("main: legacy")
    work.git("checkout", "-q", "-b", "feature")
    work.write("accepted.py", fakes.aws_line(s["accepted"]))
    work.add()
    assert work.run("baseline", "create").returncode == 0  # accepts legacy.py and accepted.py
    work.add()
    work.commit("feature: accepted value and baseline")
    work.write("app.py", f"{fakes.aws_line(s['new'])}\n{fakes.password_line(s['password'])}\n")
    work.write(
        "allowed.py", fakes.aws_line(s["allowed"]) + "  # pragma: allowlist secret (a sample)"
    )
    work.add()
    work.commit("feature: app")
    before_push = work.git("rev-parse", "HEAD").strip()
    work.write("later.py", fakes.aws_line(s["pushed"]))
    work.add()
    feature_sha = work.commit("feature: later")
    work.git("checkout", "-q", "main")
    work.write("main_later.py", fakes.aws_line(s["main_later"]))
    work.add()
    base_sha = work.commit("main: moved on")
    work.git("checkout", "-q", "--detach", "main")
    work.git("merge", "-q", "--no-ff", "--no-edit", "feature")
    merge_sha = work.git("rev-parse", "HEAD").strip()
    work.git("update-ref", "refs/pull/1/merge", merge_sha)
    work.git("update-ref", "refs/pull/1/head", feature_sha)
    work.git("checkout", "-q", "main")
    server = tmp / "server.git"
    git(tmp, "clone", "-q", "--mirror", str(work.path), str(server))
    return World(server, base_sha, merge_sha, feature_sha, before_push, s)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return build_world(tmp_path_factory.mktemp("ci-world"))


def url(world: World) -> str:
    return world.server.as_uri()


def github_pr_checkout(world: World, dest: Path) -> Repo:
    """actions/checkout on pull_request: the merge commit alone, depth 1."""
    repo = Repo(dest)
    repo.git("remote", "add", "origin", url(world))
    repo.git(
        "fetch", "-q", "--no-tags", "--prune", "--depth=1", "origin",
        f"+{world.merge_sha}:refs/remotes/pull/1/merge",
    )  # fmt: skip
    repo.git("checkout", "-q", "--force", "refs/remotes/pull/1/merge")
    return repo


def github_push_checkout(world: World, dest: Path) -> Repo:
    """actions/checkout on push: the pushed commit alone, depth 1."""
    repo = Repo(dest)
    repo.git("remote", "add", "origin", url(world))
    repo.git(
        "fetch", "-q", "--no-tags", "--prune", "--depth=1", "origin",
        f"+{world.feature_sha}:refs/remotes/origin/feature",
    )  # fmt: skip
    repo.git("checkout", "-q", "--force", "-B", "feature", "refs/remotes/origin/feature")
    return repo


def azure_pr_checkout(world: World, dest: Path, pull: int = 1) -> Repo:
    """The Azure Pipelines agent's checkout of a PR build with fetchDepth 1."""
    repo = Repo(dest)
    repo.git("remote", "add", "origin", url(world))
    repo.git(
        "fetch", "-q", "--force", "--tags", "--prune", "--no-recurse-submodules", "--depth=1",
        "origin", "+refs/heads/*:refs/remotes/origin/*",
        f"+refs/pull/{pull}/merge:refs/remotes/pull/{pull}/merge",
    )  # fmt: skip
    repo.git("checkout", "-q", "--force", f"refs/remotes/pull/{pull}/merge")
    return repo


def write_event(path: Path, payload: dict[str, Any]) -> str:
    path.write_text(json.dumps(payload), encoding="utf-8")
    return str(path)


def github_pr_env(world: World, repo: Repo, tmp: Path, **extra: str) -> dict[str, str]:
    event = {
        "action": "synchronize",
        "number": 1,
        "pull_request": {
            "number": 1,
            "base": {"ref": "main", "sha": world.base_sha},
            "head": {"ref": "feature", "sha": world.feature_sha},
        },
        "repository": {"default_branch": "main", "full_name": "contoso/service"},
    }
    return plain_env(
        CI="true",
        GITHUB_ACTIONS="true",
        GITHUB_EVENT_NAME="pull_request",
        GITHUB_BASE_REF="main",
        GITHUB_HEAD_REF="feature",
        GITHUB_REF="refs/pull/1/merge",
        GITHUB_SHA=world.merge_sha,
        GITHUB_WORKSPACE=str(repo.path),
        GITHUB_EVENT_PATH=write_event(tmp / "event.json", event),
        **extra,
    )


def github_push_env(world: World, repo: Repo, tmp: Path, before: str) -> dict[str, str]:
    event = {
        "ref": "refs/heads/feature",
        "before": before,
        "after": world.feature_sha,
        "created": before == "0" * 40,
        "forced": False,
        "repository": {"default_branch": "main", "full_name": "contoso/service"},
    }
    return plain_env(
        CI="true",
        GITHUB_ACTIONS="true",
        GITHUB_EVENT_NAME="push",
        GITHUB_REF="refs/heads/feature",
        GITHUB_REF_NAME="feature",
        GITHUB_SHA=world.feature_sha,
        GITHUB_WORKSPACE=str(repo.path),
        GITHUB_EVENT_PATH=write_event(tmp / "push.json", event),
    )


def azure_pr_env(world: World, repo: Repo, target: str = "refs/heads/main") -> dict[str, str]:
    return plain_env(
        TF_BUILD="True",
        BUILD_REASON="PullRequest",
        BUILD_SOURCEBRANCH="refs/pull/1/merge",
        BUILD_SOURCEVERSION=world.merge_sha,
        BUILD_SOURCESDIRECTORY=str(repo.path),
        SYSTEM_PULLREQUEST_PULLREQUESTID="1",
        SYSTEM_PULLREQUEST_SOURCEBRANCH="refs/heads/feature",
        SYSTEM_PULLREQUEST_TARGETBRANCH=target,
    )


# Parsers for the platforms' documented grammars, inverse of the escaping they specify.

GITHUB_LINE = re.compile(r"^::(error|warning|notice) ([^:]*)::(.*)$")
AZURE_LINE = re.compile(r"^##vso\[task\.logissue ([^\]]*)\](.*)$")


def gh_unescape(text: str) -> str:
    return (
        text.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
    )


def az_unescape(text: str) -> str:
    return (
        text.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%5D", "]")
        .replace("%3B", ";")
        .replace("%AZP25", "%")
    )


def github_annotations(stdout: str, *, every: bool = False) -> list[dict[str, str]]:
    """The workflow commands on stdout (all checked well-formed): those about findings, or
    ``every`` one (the baseline warning too)."""
    out = []
    for line in stdout.splitlines():
        if not line.startswith("::"):
            continue
        match = GITHUB_LINE.match(line)
        assert match, f"malformed workflow command: {line!r}"
        props = {}
        for pair in match.group(2).split(","):
            key, sep, value = pair.partition("=")
            assert sep and "\n" not in value, f"malformed property {pair!r} in {line!r}"
            props[key] = gh_unescape(value)
        props["level"] = match.group(1)
        props["message"] = gh_unescape(match.group(3))
        out.append(props)
    return [p for p in out if every or p.get("title", "").startswith("secretsops: ")]


def azure_annotations(stdout: str, *, every: bool = False) -> list[dict[str, str]]:
    """The logging commands on stdout (all checked well-formed): those about findings (they
    carry a rule ``code``), or ``every`` one."""
    out = []
    for line in stdout.splitlines():
        if not line.startswith("##vso["):
            continue
        match = AZURE_LINE.match(line)
        assert match, f"malformed logging command: {line!r}"
        props = {}
        for pair in match.group(1).split(";"):
            if not pair:
                continue
            key, sep, value = pair.partition("=")
            assert sep, f"malformed property {pair!r} in {line!r}"
            props[key] = az_unescape(value)
        props["message"] = az_unescape(match.group(2))
        out.append(props)
    return [p for p in out if every or "code" in p]


def assert_no_secret(world: World, proc: subprocess.CompletedProcess[str]) -> None:
    for value in world.secrets.values():
        assert_absent(value, proc.stdout, proc.stderr)


def is_shallow(repo: Repo) -> bool:
    return repo.git("rev-parse", "--is-shallow-repository").strip() == "true"


# GitHub Actions ----------------------------------------------------------------------------


def test_github_pull_request_reports_only_what_it_adds(world: World, tmp_path: Path) -> None:
    repo = github_pr_checkout(world, tmp_path / "ws")
    assert is_shallow(repo)
    summary = tmp_path / "step-summary.md"
    env = github_pr_env(world, repo, tmp_path, GITHUB_STEP_SUMMARY=str(summary))
    proc = repo.scan("--ci", env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    notes = github_annotations(proc.stdout)
    assert sorted(n["file"] for n in notes) == ["app.py", "app.py", "later.py"]
    assert {n["level"] for n in notes} == {"error"}
    assert all(n["title"].startswith("secretsops: ") for n in notes)
    lines = {(n["file"], int(n["line"])) for n in notes}
    assert lines == {("app.py", 1), ("app.py", 2), ("later.py", 1)}
    assert "3 new, 1 baselined, 1 allowlisted; fail on new: FAILED" in proc.stdout
    assert "deepen" in proc.stderr and "using the committed baseline" in proc.stderr
    assert world.base_sha in repo.git("rev-list", "HEAD")  # the base was fetched
    assert_no_secret(world, proc)
    table = summary.read_text(encoding="utf-8")
    assert "| 3 | 1 | 1 | 0 |" in table and "later.py" in table


@pytest.mark.parametrize("platform", ["github", "azure"])
def test_a_change_that_accepts_its_own_finding_is_flagged(
    world: World, tmp_path: Path, platform: str
) -> None:
    """The pull request commits accepted.py and the baseline that accepts it: the gate passes
    that finding (as the baseline says), and a warning on the baseline asks for a review."""
    if platform == "github":
        repo = github_pr_checkout(world, tmp_path / "ws")
        proc = repo.scan("--ci", env=github_pr_env(world, repo, tmp_path))
        notes = github_annotations(proc.stdout, every=True)
        (warning,) = [n for n in notes if n["level"] == "warning"]
        assert warning["file"] == ".secrets.baseline"
    else:
        repo = azure_pr_checkout(world, tmp_path / "s")
        proc = repo.scan("--ci", env=azure_pr_env(world, repo))
        notes = azure_annotations(proc.stdout, every=True)
        (warning,) = [n for n in notes if n["type"] == "warning"]
        assert warning["sourcepath"] == str(repo.path / ".secrets.baseline")
    assert "1 finding(s) it adds are accepted" in warning["message"]
    assert "1 baselined" in proc.stdout
    assert_no_secret(world, proc)
    # A change that leaves the baseline alone gets no such warning.
    repo = github_push_checkout(world, tmp_path / "push")
    proc = repo.scan("--ci", env=github_push_env(world, repo, tmp_path, world.before_push))
    assert not [n for n in github_annotations(proc.stdout, every=True) if n["level"] == "warning"]


def test_github_pull_request_min_confidence_and_fail_on(world: World, tmp_path: Path) -> None:
    repo = github_pr_checkout(world, tmp_path / "ws")
    env = github_pr_env(world, repo, tmp_path)
    high = repo.scan("--ci", "--min-confidence", "high", env=env)
    assert high.returncode == 1
    assert sorted(n["file"] for n in github_annotations(high.stdout)) == ["app.py", "later.py"]
    assert "2 new, 1 baselined, 1 allowlisted, 1 below high confidence" in high.stdout

    anything = repo.scan("--ci", "--fail-on", "any", env=env)
    assert anything.returncode == 1
    notes = github_annotations(anything.stdout)
    assert "accepted.py" in {n["file"] for n in notes}
    assert any("baselined" in n["message"] for n in notes if n["file"] == "accepted.py")

    none = repo.scan("--ci", "--fail-on", "none", env=env)
    assert none.returncode == 0, none.stdout + none.stderr
    assert {n["level"] for n in github_annotations(none.stdout)} == {"warning"}
    assert "fail on none: passed" in none.stdout


def test_github_push_scans_from_before(world: World, tmp_path: Path) -> None:
    repo = github_push_checkout(world, tmp_path / "ws")
    proc = repo.scan("--ci", env=github_push_env(world, repo, tmp_path, world.before_push))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert [n["file"] for n in github_annotations(proc.stdout)] == ["later.py"]
    assert_no_secret(world, proc)


def test_github_push_of_a_new_branch_scans_what_it_adds_to_default(
    world: World, tmp_path: Path
) -> None:
    repo = github_push_checkout(world, tmp_path / "ws")
    proc = repo.scan("--ci", env=github_push_env(world, repo, tmp_path, "0" * 40))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    files = sorted(n["file"] for n in github_annotations(proc.stdout))
    assert files == ["app.py", "app.py", "later.py"]
    assert "new branch feature" in proc.stderr


@pytest.mark.parametrize("how", ["merge", "rebase"])
def test_github_push_after_updating_from_main_reports_only_its_own(
    world: World, tmp_path: Path, how: str
) -> None:
    """``feature`` takes main in (merge, or rebase and force push), then adds a secret: the
    push reports what it adds (a rebase rewrites feature's commits: they are new again), never
    main_later.py, which came from main."""
    work = Repo(tmp_path / "dev", init=False)
    git(tmp_path, "clone", "-q", "--branch", "feature", url(world), str(work.path))
    if how == "merge":
        work.git("merge", "-q", "--no-edit", "origin/main")
    else:
        work.git("rebase", "-q", "origin/main")
    value = fakes.aws_access_key_id()
    work.write("own.py", fakes.aws_line(value))
    work.add()
    after = work.commit("feature: own")
    server = tmp_path / "server.git"
    git(tmp_path, "clone", "-q", "--mirror", str(world.server), str(server))
    work.git("push", "-q", "--force", server.as_uri(), "HEAD:refs/heads/feature")
    pushed = dataclasses.replace(world, server=server, feature_sha=after)
    repo = github_push_checkout(pushed, tmp_path / "ws")
    env = github_push_env(pushed, repo, tmp_path, world.feature_sha)
    proc = repo.scan("--ci", env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    files = sorted(n["file"] for n in github_annotations(proc.stdout))
    rewritten = ["app.py", "app.py", "later.py"] if how == "rebase" else []
    assert files == sorted([*rewritten, "own.py"])
    assert "main_later" not in proc.stdout
    assert_no_secret(world, proc)
    assert_absent(value, proc.stdout, proc.stderr)


def test_github_sarif_is_valid_and_holds_the_new_findings(world: World, tmp_path: Path) -> None:
    repo = github_pr_checkout(world, tmp_path / "ws")
    out = tmp_path / "results.sarif"
    proc = repo.scan(
        "--ci", "--format", "sarif", "--output", out, env=github_pr_env(world, repo, tmp_path)
    )
    assert proc.returncode == 1
    doc = json.loads(out.read_text(encoding="utf-8"))
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    errors = list(jsonschema.Draft4Validator(schema).iter_errors(doc))
    assert not errors, errors[:3]
    uris = sorted(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in doc["runs"][0]["results"]
    )
    assert uris == ["app.py", "app.py", "later.py"]
    assert_absent(world.secrets["new"], out.read_text(encoding="utf-8"))


def test_github_pull_request_with_a_stale_base_sha_reports_only_what_it_adds(
    world: World, tmp_path: Path
) -> None:
    """``pull_request.base.sha`` is main's tip when the pull request was opened or last pushed
    to; a later event (``reopened``, say) builds a merge on main's tip of then. main's commits
    in between (main_later.py, someone else's secret) are not the pull request's."""
    stale = git(world.server, "rev-parse", f"{world.base_sha}~1").strip()
    repo = github_pr_checkout(world, tmp_path / "ws")
    env = github_pr_env(world, repo, tmp_path)
    payload = json.loads(Path(env["GITHUB_EVENT_PATH"]).read_text(encoding="utf-8"))
    payload["action"] = "reopened"
    payload["pull_request"]["base"]["sha"] = stale
    write_event(Path(env["GITHUB_EVENT_PATH"]), payload)
    proc = repo.scan("--ci", env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    files = sorted(n["file"] for n in github_annotations(proc.stdout))
    assert files == ["app.py", "app.py", "later.py"]
    assert world.base_sha[:12] in proc.stderr  # the merge's first parent is the base
    assert_no_secret(world, proc)


def test_github_checkout_of_the_head_that_merged_main_reports_only_its_own(
    world: World, tmp_path: Path
) -> None:
    """A workflow that checks out ``pull_request.head.sha`` (as pull_request_target ones
    must), after the head merged main: base.sha..HEAD also lists main's commits newer than
    the stale base.sha (main_later.py); they are left out."""
    work = Repo(tmp_path / "dev", init=False)
    git(tmp_path, "clone", "-q", "--branch", "feature", url(world), str(work.path))
    work.git("merge", "-q", "--no-edit", "origin/main")
    value = fakes.aws_access_key_id()
    work.write("own.py", fakes.aws_line(value))
    work.add()
    head = work.commit("feature: own")
    server = tmp_path / "server.git"
    git(tmp_path, "clone", "-q", "--mirror", str(world.server), str(server))
    work.git("push", "-q", server.as_uri(), "HEAD:refs/heads/feature")
    moved = dataclasses.replace(world, server=server, feature_sha=head)
    repo = github_push_checkout(moved, tmp_path / "ws")  # the head commit alone, depth 1
    env = github_pr_env(moved, repo, tmp_path)
    payload = json.loads(Path(env["GITHUB_EVENT_PATH"]).read_text(encoding="utf-8"))
    payload["pull_request"]["base"]["sha"] = git(server, "rev-parse", "main~1").strip()
    write_event(Path(env["GITHUB_EVENT_PATH"]), payload)
    proc = repo.scan("--ci", env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    files = sorted(n["file"] for n in github_annotations(proc.stdout))
    assert files == ["app.py", "app.py", "later.py", "own.py"]
    assert "left out" in proc.stderr and "origin/main" in proc.stderr
    assert_no_secret(world, proc)
    assert_absent(value, proc.stdout, proc.stderr)


# A long main (deeper than the first deepening step), with two pull requests: one branched
# just below main's tip, one branched far below it.

LONG_MAIN = 150  # commits on main
OLD_FORK = 110  # the second pull request branches this many commits below main's tip


@pytest.fixture(scope="module")
def long_world(tmp_path_factory: pytest.TempPathFactory) -> World:
    """``World`` fields for pull request 1 (recent fork); ``secrets['old_fork_*']`` and the
    refs ``refs/pull/2/*`` for pull request 2 (old fork). Commits are a minute apart."""
    tmp = tmp_path_factory.mktemp("ci-long")
    work = Repo(tmp / "work")
    clock = iter(range(1_700_000_000, 1_800_000_000, 60))

    def dated(*args: str) -> str:
        when = f"{next(clock)} +0000"
        env = dict(base_env(), GIT_COMMITTER_DATE=when, GIT_AUTHOR_DATE=when)
        git(work.path, *args, env=env)
        return work.git("rev-parse", "HEAD").strip()

    s = {
        "root": fakes.aws_access_key_id(),  # main's first commit
        "main_mid": fakes.aws_access_key_id(),  # main, after the old fork point
        "recent_fork": fakes.aws_access_key_id(),  # added by pull request 1
        "old_fork": fakes.aws_access_key_id(),  # added by pull request 2
    }
    work.write("legacy.py", fakes.aws_line(s["root"]))
    work.add()
    dated("commit", "-q", "-m", "main: root")
    for i in range(1, LONG_MAIN):
        if i == LONG_MAIN - OLD_FORK:
            work.git("branch", "old-fork")
        if i == LONG_MAIN - OLD_FORK + 20:
            work.write("mid.py", fakes.aws_line(s["main_mid"]))
            work.add()
        base_sha = dated("commit", "-q", "--allow-empty", "-m", f"main: {i}")
    merges = {}
    for number, (branch, start, key) in enumerate(
        (("recent", "main~2", "recent_fork"), ("old-fork", "old-fork", "old_fork")), start=1
    ):
        work.git("checkout", "-q", "-B", branch, start)
        work.write(f"{branch}.py", fakes.aws_line(s[key]))
        work.add()
        head = dated("commit", "-q", "-m", f"{branch}: add")
        work.git("checkout", "-q", "--detach", base_sha)
        merge = dated("merge", "-q", "--no-ff", "--no-edit", branch)
        merges[number] = (merge, head)
        work.git("update-ref", f"refs/pull/{number}/merge", merge)
        work.git("update-ref", f"refs/pull/{number}/head", head)
    work.git("checkout", "-q", "main")
    server = tmp / "server.git"
    git(tmp, "clone", "-q", "--mirror", str(work.path), str(server))
    world = World(server, base_sha, merges[1][0], merges[1][1], merges[1][1], s)
    world.secrets.update(old_fork_merge=merges[2][0], old_fork_head=merges[2][1])
    return world


def _commits(repo: Repo | Path) -> int:
    """Commit objects held, not commits reachable from refs (one fetched by id gets no ref)."""
    path = repo.path if isinstance(repo, Repo) else repo
    listed = git(path, "cat-file", "--batch-all-objects", "--batch-check=%(objecttype)")
    return listed.split().count("commit")


def test_a_recent_fork_fetches_only_the_recent_history(long_world: World, tmp_path: Path) -> None:
    repo = github_pr_checkout(long_world, tmp_path / "ws")
    proc = repo.scan("--ci", env=github_pr_env(long_world, repo, tmp_path))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert sorted(n["file"] for n in github_annotations(proc.stdout)) == ["recent.py"]
    assert "1 new" in proc.stdout
    held, total = _commits(repo), _commits(long_world.server)
    assert held < total - 40, (held, total)  # main's old history was not fetched
    assert is_shallow(repo)


def test_an_old_fork_is_deepened_until_the_range_is_whole(
    long_world: World, tmp_path: Path
) -> None:
    merge, head = long_world.secrets["old_fork_merge"], long_world.secrets["old_fork_head"]
    old = dataclasses.replace(long_world, merge_sha=merge, feature_sha=head)
    repo = github_pr_checkout(old, tmp_path / "ws")
    proc = repo.scan("--ci", env=github_pr_env(old, repo, tmp_path))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    # Only what the pull request adds: not main's secrets after the fork point or before it.
    assert sorted(n["file"] for n in github_annotations(proc.stdout)) == ["old-fork.py"]
    assert "--deepen=500" in proc.stderr or "--unshallow" in proc.stderr
    for value in long_world.secrets.values():
        assert_absent(value, proc.stdout, proc.stderr)


def test_a_push_fetches_only_the_recent_history(long_world: World, tmp_path: Path) -> None:
    """A push's ``before`` is missing from a depth-1 checkout: fetch its recent history only."""
    pushed = dataclasses.replace(long_world, feature_sha=long_world.base_sha)
    repo = github_push_checkout(pushed, tmp_path / "ws")
    before = git(long_world.server, "rev-parse", f"{long_world.base_sha}~1").strip()
    proc = repo.scan("--ci", env=github_push_env(pushed, repo, tmp_path, before))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 new" in proc.stdout
    held, total = _commits(repo), _commits(long_world.server)
    assert held < total - 40, (held, total)  # main's old history was not fetched
    assert is_shallow(repo)


def test_github_without_reachable_origin_explains_fetch_depth(world: World, tmp_path: Path) -> None:
    repo = github_pr_checkout(world, tmp_path / "ws")
    repo.git("remote", "set-url", "origin", (tmp_path / "gone.git").as_uri())
    proc = repo.scan("--ci", env=github_pr_env(world, repo, tmp_path))
    assert_clean_error(proc)
    assert "fetch-depth: 0" in proc.stderr and "actions/checkout" in proc.stderr


def test_github_corrupt_event_payload_is_an_input_error(world: World, tmp_path: Path) -> None:
    repo = github_pr_checkout(world, tmp_path / "ws")
    env = github_pr_env(world, repo, tmp_path)
    Path(env["GITHUB_EVENT_PATH"]).write_text("{not json", encoding="utf-8")
    proc = repo.scan("--ci", env=env)
    assert_clean_error(proc)
    assert "GITHUB_EVENT_PATH" in proc.stderr


# Azure Pipelines ---------------------------------------------------------------------------


def test_azure_pull_request_reports_only_what_it_adds(world: World, tmp_path: Path) -> None:
    repo = azure_pr_checkout(world, tmp_path / "s")
    assert is_shallow(repo)
    proc = repo.scan("--ci", env=azure_pr_env(world, repo))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    notes = azure_annotations(proc.stdout)
    assert sorted(Path(n["sourcepath"]).name for n in notes) == ["app.py", "app.py", "later.py"]
    for n in notes:
        assert n["type"] == "error"
        assert Path(n["sourcepath"]).is_absolute() and Path(n["sourcepath"]).is_file()
        assert n["code"].startswith("secretsops/")
        assert int(n["linenumber"]) >= 1
    assert "3 new, 1 baselined, 1 allowlisted" in proc.stdout
    assert not {world.base_sha} - set(repo.git("rev-list", "--all").split())
    assert_no_secret(world, proc)


def test_azure_old_fork_with_main_at_depth_1_reports_only_its_own(
    long_world: World, tmp_path: Path
) -> None:
    # The agent fetches every branch at depth 1: main's history is cut at its tip, the pull
    # request's side reaches main's root commit after the first deepening.
    repo = azure_pr_checkout(long_world, tmp_path / "s", pull=2)
    proc = repo.scan("--ci", env=azure_pr_env(long_world, repo))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    notes = azure_annotations(proc.stdout)
    assert [Path(n["sourcepath"]).name for n in notes] == ["old-fork.py"]
    for value in long_world.secrets.values():
        assert_absent(value, proc.stdout, proc.stderr)


def test_azure_target_branch_without_refs_heads(world: World, tmp_path: Path) -> None:
    """GitHub repositories built by Azure Pipelines name the target branch bare."""
    repo = azure_pr_checkout(world, tmp_path / "s")
    proc = repo.scan("--ci", env=azure_pr_env(world, repo, target="main"))
    assert proc.returncode == 1
    assert len(azure_annotations(proc.stdout)) == 3


def test_azure_without_reachable_origin_explains_fetch_depth(world: World, tmp_path: Path) -> None:
    repo = azure_pr_checkout(world, tmp_path / "s")
    repo.git("remote", "set-url", "origin", (tmp_path / "gone.git").as_uri())
    proc = repo.scan("--ci", env=azure_pr_env(world, repo))
    assert_clean_error(proc)
    assert "fetchDepth: 0" in proc.stderr


def test_azure_ci_build_scans_the_whole_tree(world: World, tmp_path: Path) -> None:
    repo = azure_pr_checkout(world, tmp_path / "s")
    env = azure_pr_env(world, repo)
    env["BUILD_REASON"] = "IndividualCI"
    proc = repo.scan("--ci", env=env)
    assert proc.returncode == 1
    files = sorted(Path(n["sourcepath"]).name for n in azure_annotations(proc.stdout))
    # every file at HEAD: main's later secret too; legacy.py and accepted.py are baselined
    assert files == ["app.py", "app.py", "later.py", "main_later.py"]
    assert "every file at HEAD" in proc.stderr


# Anywhere else -------------------------------------------------------------------------------


def test_elsewhere_ci_needs_since(world: World, tmp_path: Path) -> None:
    repo = Repo(tmp_path / "full", init=False)
    git(tmp_path, "clone", "-q", url(world), str(repo.path))
    proc = repo.scan("--ci", env=plain_env())
    assert_clean_error(proc)
    assert "--since" in proc.stderr


def test_elsewhere_since_reports_plain_lines(world: World, tmp_path: Path) -> None:
    repo = Repo(tmp_path / "full", init=False)
    git(tmp_path, "clone", "-q", "--branch", "feature", url(world), str(repo.path))
    proc = repo.scan("--ci", "--since", world.before_push, env=plain_env())
    assert proc.returncode == 1
    assert "later.py:1  AWS Access Key" in proc.stdout and "(new)" in proc.stdout
    assert "::" not in proc.stdout and "##vso" not in proc.stdout


def test_ci_refuses_a_report_on_stdout(world: World, tmp_path: Path) -> None:
    repo = github_pr_checkout(world, tmp_path / "ws")
    proc = repo.scan("--ci", "--format", "sarif", env=github_pr_env(world, repo, tmp_path))
    assert_clean_error(proc)
    assert "--output" in proc.stderr


# Annotation escaping -------------------------------------------------------------------------


ODD_NAME = "odd, 50%: [x];y\nz\r.py"


@pytest.mark.parametrize("platform", ["github", "azure"])
def test_annotations_escape_paths(tmp_path: Path, platform: str) -> None:
    repo = Repo(tmp_path / "r")
    repo.write("README.md", "x\n")
    repo.add()
    base = repo.commit()
    value = fakes.aws_access_key_id()
    repo.write(ODD_NAME, fakes.aws_line(value))
    repo.add()
    repo.commit()
    summary = tmp_path / "step-summary.md"
    if platform == "github":
        env = plain_env(GITHUB_ACTIONS="true", GITHUB_EVENT_NAME="workflow_dispatch")
        env["GITHUB_WORKSPACE"] = str(repo.path)
        env["GITHUB_STEP_SUMMARY"] = str(summary)
    else:
        env = plain_env(TF_BUILD="True", BUILD_REASON="Manual")
    proc = call_secretsops("scan", "--ci", "--since", base, cwd=repo.path, env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    if platform == "github":
        (note,) = github_annotations(proc.stdout)
        assert note["file"] == ODD_NAME
        # The job summary's table keeps one row per finding (the name's breaks escaped).
        rows = [line for line in summary.read_text(encoding="utf-8").splitlines() if line]
        table = [line for line in rows if line.startswith("|")]
        assert rows[-len(table) :] == table and len(table) == 6, rows  # 2 tables, 1 finding
        assert all(line.endswith("|") for line in table)
    else:
        (note,) = azure_annotations(proc.stdout)
        assert Path(note["sourcepath"]).name == ODD_NAME
    assert "AWS Access Key" in note["message"]
    assert_absent(value, proc.stdout, proc.stderr)


def test_json_summary_counts_kinds_apart(world: World, tmp_path: Path) -> None:
    repo = github_pr_checkout(world, tmp_path / "ws")
    out = tmp_path / "report.json"
    env = github_pr_env(world, repo, tmp_path)
    proc = repo.scan("--ci", "--min-confidence", "high", "--format", "json", "-o", out, env=env)
    assert proc.returncode == 1, proc.stderr
    summary = json.loads(out.read_text(encoding="utf-8"))["summary"]
    assert (summary["findings"], summary["baselined"]) == (2, 1)
    assert (summary["allowlisted"], summary["below_threshold"]) == (1, 1)


def test_gates_without_ci(tmp_path: Path) -> None:
    """--fail-on and --min-confidence on a plain working-tree scan with a baseline."""
    repo = Repo(tmp_path / "r")
    repo.write("accepted.py", fakes.aws_line())
    assert repo.run("baseline", "create").returncode == 0
    assert repo.scan("--baseline", ".secrets.baseline").returncode == 0
    assert repo.scan("--baseline", ".secrets.baseline", "--fail-on", "any").returncode == 1
    repo.write("new.py", fakes.password_line())
    assert repo.scan("--baseline", ".secrets.baseline").returncode == 1
    high = repo.scan("--baseline", ".secrets.baseline", "--min-confidence", "high")
    assert high.returncode == 0, high.stdout
    assert repo.scan("--fail-on", "none").returncode == 0
    bad = repo.scan("--fail-on", "sometimes")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_github_force_push_with_before_gone_scans_what_the_branch_adds(
    world: World, tmp_path: Path
) -> None:
    """A force push's ``before`` may be gone from the server: scan more, and say so."""
    repo = github_push_checkout(world, tmp_path / "ws")
    gone = "1234567" * 5 + "89abc"
    proc = repo.scan("--ci", env=github_push_env(world, repo, tmp_path, gone))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "is gone from origin" in proc.stderr and "new branch feature" in proc.stderr
    files = sorted(n["file"] for n in github_annotations(proc.stdout))
    assert files == ["app.py", "app.py", "later.py"]


def test_pull_request_target_on_the_base_says_nothing_is_added(
    world: World, tmp_path: Path
) -> None:
    """pull_request_target checks out the base branch unless told otherwise."""
    repo = Repo(tmp_path / "ws")
    repo.git("remote", "add", "origin", url(world))
    repo.git(
        "fetch",
        "-q",
        "--no-tags",
        "--depth=1",
        "origin",
        f"+{world.base_sha}:refs/remotes/origin/main",
    )
    repo.git("checkout", "-q", "--force", "-B", "main", "refs/remotes/origin/main")
    env = github_pr_env(world, repo, tmp_path)
    env["GITHUB_EVENT_NAME"] = "pull_request_target"
    proc = repo.scan("--ci", env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "the change adds nothing" in proc.stderr
    assert "0 new" in proc.stdout
