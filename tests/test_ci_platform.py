"""Platform and scope from the environment: each documented event, and bad payloads.

The variables and payload fields are those the platforms document (see docs/ci.md); the
end-to-end behaviour on real clones is in test_ci_scan.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from secretsops.ci.annotations import azure_data, azure_property, github_data, github_property
from secretsops.ci.platform import (
    AZURE,
    GITHUB,
    LOCAL,
    NULL_SHA,
    PRE_COMMIT,
    detect_platform,
    scope_from_env,
)
from secretsops.errors import InputError

SHA_A = "a" * 40
SHA_B = "b" * 40


def event(tmp_path: Path, payload: object) -> str:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    return str(path)


def test_detect_platform() -> None:
    assert detect_platform({"TF_BUILD": "True"}) == AZURE
    assert detect_platform({"GITHUB_ACTIONS": "true"}) == GITHUB
    assert detect_platform({"PRE_COMMIT": "1", "PRE_COMMIT_REMOTE_NAME": "origin"}) == PRE_COMMIT
    assert detect_platform({"PRE_COMMIT": "1"}) == LOCAL  # a pre-commit-stage hook, not a push
    assert detect_platform({"CI": "true"}) == LOCAL


@pytest.mark.parametrize("target", ["refs/heads/main", "main"])
def test_azure_pull_request(target: str) -> None:
    scope = scope_from_env(
        {
            "TF_BUILD": "True",
            "BUILD_REASON": "PullRequest",
            "SYSTEM_PULLREQUEST_TARGETBRANCH": target,
        }
    )
    assert (scope.base, scope.fetch) == ("origin/main", "main")


def test_azure_pull_request_without_target_is_an_error() -> None:
    with pytest.raises(InputError, match="SYSTEM_PULLREQUEST_TARGETBRANCH"):
        scope_from_env({"TF_BUILD": "True", "BUILD_REASON": "PullRequest"})


@pytest.mark.parametrize("reason", ["IndividualCI", "BatchedCI", "Manual", "Schedule"])
def test_azure_other_builds_scan_the_tree(reason: str) -> None:
    scope = scope_from_env({"TF_BUILD": "True", "BUILD_REASON": reason})
    assert scope.base is None and reason in scope.reason


@pytest.mark.parametrize("name", ["pull_request", "pull_request_target"])
def test_github_pull_request_prefers_the_base_sha(tmp_path: Path, name: str) -> None:
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": name,
        "GITHUB_BASE_REF": "main",
        "GITHUB_EVENT_PATH": event(tmp_path, {"pull_request": {"base": {"sha": SHA_A}}}),
    }
    assert scope_from_env(env).base == SHA_A
    env["GITHUB_EVENT_PATH"] = event(tmp_path, {})
    assert (scope_from_env(env).base, scope_from_env(env).fetch) == ("origin/main", "main")


def test_github_push(tmp_path: Path) -> None:
    env = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "push"}
    payload = {"ref": "refs/heads/topic", "before": SHA_A, "after": SHA_B}
    payload["repository"] = {"default_branch": "main"}  # type: ignore[assignment]
    env["GITHUB_EVENT_PATH"] = event(tmp_path, payload)
    assert scope_from_env(env).base == SHA_A
    payload["before"] = NULL_SHA
    env["GITHUB_EVENT_PATH"] = event(tmp_path, payload)
    assert scope_from_env(env).base == "origin/main"
    payload["ref"] = "refs/heads/main"  # the first push of the default branch: everything
    env["GITHUB_EVENT_PATH"] = event(tmp_path, payload)
    assert scope_from_env(env).base is None


def test_github_merge_group_and_dispatch(tmp_path: Path) -> None:
    env = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "merge_group"}
    env["GITHUB_EVENT_PATH"] = event(tmp_path, {"merge_group": {"base_sha": SHA_B}})
    assert scope_from_env(env).base == SHA_B
    env["GITHUB_EVENT_NAME"] = "workflow_dispatch"
    assert scope_from_env(env).base is None


@pytest.mark.parametrize("content", ["{nope", "[1, 2]"])
def test_github_bad_payload(tmp_path: Path, content: str) -> None:
    path = tmp_path / "event.json"
    path.write_text(content, encoding="utf-8")
    env = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": str(path)}
    with pytest.raises(InputError, match="GITHUB_EVENT_PATH"):
        scope_from_env(env)
    env["GITHUB_EVENT_PATH"] = str(tmp_path / "missing.json")
    with pytest.raises(InputError, match="missing"):
        scope_from_env(env)


def test_pre_push_scope() -> None:
    env = {
        "PRE_COMMIT": "1",
        "PRE_COMMIT_REMOTE_NAME": "origin",
        "PRE_COMMIT_FROM_REF": SHA_A,
        "PRE_COMMIT_TO_REF": SHA_B,
    }
    scope = scope_from_env(env)
    assert (scope.base, scope.head) == (SHA_A, SHA_B)
    del env["PRE_COMMIT_FROM_REF"]
    assert scope_from_env(env).base is None


def test_escaping_per_platform_docs() -> None:
    raw = "a%b\r\nc:d,e;f]g"
    assert github_data(raw) == "a%25b%0D%0Ac:d,e;f]g"
    assert github_property(raw) == "a%25b%0D%0Ac%3Ad%2Ce;f]g"
    assert azure_data(raw) == "a%AZP25b%0D%0Ac:d,e;f]g"
    assert azure_property(raw) == "a%AZP25b%0D%0Ac:d,e%3Bf%5Dg"
