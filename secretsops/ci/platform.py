"""Which CI platform runs us, and what the change being built adds, from its environment.

Only documented variables are read (docs/ci.md cites the pages):

- Azure Pipelines sets ``TF_BUILD=True``, ``BUILD_REASON`` (``PullRequest``, ``IndividualCI``,
  ``BatchedCI``, ``Manual``, ``Schedule``...), and on pull requests
  ``SYSTEM_PULLREQUEST_TARGETBRANCH`` (``refs/heads/main`` for Azure Repos, ``main`` for
  GitHub repositories); the checked-out commit of a PR build is the merge of the PR into it.
- GitHub Actions sets ``GITHUB_ACTIONS=true``, ``GITHUB_EVENT_NAME``, ``GITHUB_BASE_REF`` (pull
  requests) and ``GITHUB_EVENT_PATH``, the webhook payload: ``before`` of a push (forty zeros
  when the push created the branch), ``pull_request.base.sha``, ``merge_group.base_sha``,
  ``repository.default_branch``.
- pre-commit, running a ``pre-push`` hook, sets ``PRE_COMMIT=1`` and, unless the push holds a
  root commit, ``PRE_COMMIT_FROM_REF`` and ``PRE_COMMIT_TO_REF``: the commits being pushed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from secretsops.errors import InputError

AZURE = "azure-pipelines"
GITHUB = "github-actions"
PRE_COMMIT = "pre-commit"
LOCAL = "local"

NULL_SHA = "0" * 40


@dataclass(frozen=True)
class Scope:
    """What ``scan --ci`` scans: the commits ``base..HEAD``, or (base None) the working tree.

    ``fetch`` is what to fetch from ``origin`` when ``base`` is not in the clone: a branch
    name (fetched to ``refs/remotes/origin/<name>``) or a commit id. ``head`` is the tip of
    the change: HEAD, except for a pre-push hook (the commit being pushed). ``fallback`` is
    what to scan when ``base`` is gone from the server (a force push's ``before``): more, never
    less. ``merged`` is a pull request's head commit: when HEAD is the merge of it (the commit
    both platforms build), HEAD's first parent is the exact base (``base`` may be stale).
    ``mainline`` is the default branch, for a push to another branch: ``before..HEAD`` then
    also lists the default branch's commits that a rebase or a merge brought in, which are not
    the push's own (likewise the base branch, for a checkout of a pull request's head).
    """

    platform: str
    event: str
    base: str | None
    fetch: str | None
    reason: str
    head: str = "HEAD"
    fallback: Scope | None = None
    merged: str | None = None
    mainline: str | None = None


def detect_platform(env: Mapping[str, str]) -> str:
    """``pre-commit`` (a pre-push hook), ``azure-pipelines``, ``github-actions`` or ``local``."""
    if env.get("PRE_COMMIT") == "1" and env.get("PRE_COMMIT_REMOTE_NAME"):
        return PRE_COMMIT
    if env.get("TF_BUILD", "").lower() == "true":
        return AZURE
    if env.get("GITHUB_ACTIONS", "").lower() == "true":
        return GITHUB
    return LOCAL


def branch_name(ref: str) -> str:
    """``refs/heads/main`` -> ``main``; ``main`` stays ``main``."""
    return ref[len("refs/heads/") :] if ref.startswith("refs/heads/") else ref


def scope_from_env(env: Mapping[str, str]) -> Scope:
    """The range a CI build should scan, read from its environment (and event payload)."""
    platform = detect_platform(env)
    if platform == PRE_COMMIT:
        start, end = env.get("PRE_COMMIT_FROM_REF"), env.get("PRE_COMMIT_TO_REF")
        remote = env.get("PRE_COMMIT_REMOTE_NAME", "")
        if start and end:
            return Scope(PRE_COMMIT, "pre-push", start, None, f"push to {remote}", head=end)
        return Scope(
            PRE_COMMIT, "pre-push", None, None, f"push of a whole history to {remote}: every file"
        )
    if platform == AZURE:
        return _azure_scope(env)
    if platform == GITHUB:
        return _github_scope(env)
    return Scope(LOCAL, "", None, None, "no CI platform detected")


def _azure_scope(env: Mapping[str, str]) -> Scope:
    reason = env.get("BUILD_REASON", "")
    if reason == "PullRequest":
        target = branch_name(env.get("SYSTEM_PULLREQUEST_TARGETBRANCH", "").strip())
        if not target:
            raise InputError(
                "Azure Pipelines pull request build without SYSTEM_PULLREQUEST_TARGETBRANCH: "
                "cannot tell what the pull request adds; pass --since REV"
            )
        return Scope(AZURE, reason, f"origin/{target}", target, f"pull request into {target}")
    return Scope(
        AZURE,
        reason,
        None,
        None,
        f"{reason or 'unknown'} build: Azure Pipelines names no previous commit, "
        "so every file at HEAD is scanned (pass --since REV to scan less)",
    )


def load_event(path: str) -> dict[str, Any]:
    """The webhook payload GitHub Actions writes to ``GITHUB_EVENT_PATH``."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"GITHUB_EVENT_PATH names a missing file: {path}") from None
    except OSError as exc:
        raise InputError(f"cannot read GITHUB_EVENT_PATH {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise InputError(f"GITHUB_EVENT_PATH {path} is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InputError(f"GITHUB_EVENT_PATH {path} holds no JSON object")
    return data


def _get(data: Mapping[str, Any], *keys: str) -> str:
    """A string at ``data[k1][k2]...``, or an empty string."""
    node: Any = data
    for key in keys:
        if not isinstance(node, Mapping):
            return ""
        node = node.get(key)
    return node if isinstance(node, str) else ""


def _github_scope(env: Mapping[str, str]) -> Scope:
    event = env.get("GITHUB_EVENT_NAME", "")
    path = env.get("GITHUB_EVENT_PATH", "")
    payload = load_event(path) if path else {}
    if event in ("pull_request", "pull_request_target"):
        base_ref = env.get("GITHUB_BASE_REF", "") or _get(payload, "pull_request", "base", "ref")
        base_sha = _get(payload, "pull_request", "base", "sha")
        # base.sha is the base branch's tip when the pull request was opened or last pushed
        # to, not when GitHub made the merge commit being built: see Scope.merged.
        merged = _get(payload, "pull_request", "head", "sha") or None
        reason = f"pull request into {base_ref}"
        # A checkout of the head itself (not the merge) may hold base-branch commits newer
        # than base.sha (the head merged them): mainline leaves out their findings.
        mainline = base_ref or None
        if base_sha:
            return Scope(
                GITHUB, event, base_sha, base_sha, reason, merged=merged, mainline=mainline
            )
        if base_ref:
            return Scope(GITHUB, event, f"origin/{base_ref}", base_ref, reason, merged=merged)
        raise InputError(
            f"GitHub Actions {event} event without GITHUB_BASE_REF or pull_request.base.sha "
            "in GITHUB_EVENT_PATH: cannot tell what the pull request adds; pass --since REV"
        )
    if event == "merge_group":
        base_sha = _get(payload, "merge_group", "base_sha")
        if base_sha:
            return Scope(GITHUB, event, base_sha, base_sha, "merge queue group")
    if event == "push":
        before = _get(payload, "before")
        ref = _get(payload, "ref")
        default = _get(payload, "repository", "default_branch")
        wider = _new_branch_scope(event, ref, default)
        if before and before != NULL_SHA:
            mainline = default if wider.base is not None else None
            reason = f"push to {branch_name(ref)}"
            return Scope(GITHUB, event, before, before, reason, fallback=wider, mainline=mainline)
        if not path:
            raise InputError(
                "GitHub Actions push event without GITHUB_EVENT_PATH: cannot tell what the "
                "push adds; pass --since REV"
            )
        if wider.base is not None:
            return wider
    return Scope(
        GITHUB,
        event,
        None,
        None,
        f"{event or 'unknown'} event names no base commit, so every file at HEAD is scanned",
    )


def _new_branch_scope(event: str, ref: str, default: str) -> Scope:
    """What a pushed branch adds to the default branch (everything, for the default branch)."""
    if default and ref.startswith("refs/heads/") and branch_name(ref) != default:
        return Scope(
            GITHUB,
            event,
            f"origin/{default}",
            default,
            f"new branch {branch_name(ref)}: what it adds to {default}",
        )
    return Scope(GITHUB, event, None, None, f"{event}: every file at HEAD")
