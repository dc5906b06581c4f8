"""Bare mirrors of remote repositories in a cache folder, fetched again on the next run.

A mirror is a bare repository ``<cache>/mirrors/<key>.git`` holding the remote's branches and
tags (``+refs/heads/*`` and ``+refs/tags/*``, pruned: a deleted branch goes, so its findings
go too) and its ``HEAD``; other refs (GitHub's ``refs/pull/*``, Gerrit's changes) are left out.
The first run fetches into a new folder that is renamed into place when complete, so a task
killed mid-clone leaves nothing half-made; later runs ``git fetch`` what is new. The clone is
not partial (``--filter=blob:none``): a history scan reads every blob of every commit, and
fetching them one by one on demand would be far slower than one pack. Remote URLs are passed
on git's command line, never stored in the mirror's config (a URL may carry a token).

Credentials are taken from the worker's environment (see ``auth_env``), never sent with the
task: ``GITHUB_TOKEN``/``GH_TOKEN`` for GitHub, ``AZURE_DEVOPS_EXT_PAT`` for Azure DevOps, as an
``http.extraHeader`` in git's environment (``GIT_CONFIG_COUNT``), not on its command line.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

from secretsops.errors import SecretsopsError
from secretsops.git import git_env

REFSPECS = ("+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*")
_USERINFO = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://)[^/@\s]*@")


class RepoFailure(SecretsopsError):
    """One repository could not be scanned; ``kind`` says why (the report's ``status``)."""

    def __init__(self, kind: str, message: str) -> None:
        self.kind = kind
        super().__init__(redact(message))


def redact(text: str) -> str:
    """``text`` with the user information of any URL in it removed."""
    return _USERINFO.sub(r"\1", text)


def classify(stderr: str) -> str:
    text = stderr.lower()
    if any(
        s in text
        for s in (
            "authentication failed",
            "could not read username",
            "could not read password",
            "terminal prompts disabled",
            "permission denied (publickey",
            "the requested url returned error: 401",
            "the requested url returned error: 403",
        )
    ):
        return "auth"
    return "unreachable"


def auth_env(kind: str) -> dict[str, str]:
    """git's environment, with the credentials for ``kind`` this machine's environment holds."""
    env = git_env()
    header = ""
    if kind == "github":
        from secretsops.org.listers import github_token

        token = github_token()
        if token:
            basic = base64.b64encode(f"x-access-token:{token}".encode()).decode("ascii")
            header = f"Authorization: Basic {basic}"
    elif kind == "devops":
        from secretsops.devops.auth import PAT_VARIABLE, PatAuth

        pat = os.environ.get(PAT_VARIABLE, "").strip()
        if pat:
            header = f"Authorization: {PatAuth(pat).header()}"
    if header:
        index = int(env.get("GIT_CONFIG_COUNT", "0") or "0")
        env[f"GIT_CONFIG_KEY_{index}"] = "http.extraHeader"
        env[f"GIT_CONFIG_VALUE_{index}"] = header
        env["GIT_CONFIG_COUNT"] = str(index + 1)
    return env


def git(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    try:
        proc = subprocess.run(
            ["git", *args], cwd=cwd, env=env, capture_output=True, check=False, timeout=3600
        )
    except FileNotFoundError:
        raise RepoFailure("error", "git is not installed or not on PATH") from None
    except subprocess.TimeoutExpired:
        raise RepoFailure("unreachable", f"git {args[0]} took over an hour") from None
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip()
        lines = [line for line in err.splitlines() if line.strip()]
        fatal = [line for line in lines if line.startswith(("fatal:", "error:"))]
        detail = fatal[0] if fatal else (lines or [f"exit code {proc.returncode}"])[-1]
        raise RepoFailure(classify(err), f"git {args[0]}: {detail.strip()}")
    return proc.stdout.decode("utf-8", "surrogateescape")


def remote_state(url: str, env: dict[str, str], cwd: Path) -> tuple[str, str | None]:
    """A digest of the remote's branches, tags and HEAD, and the branch HEAD names."""
    out = git(["ls-remote", "--symref", "--", url], cwd, env)
    kept: list[str] = []
    head: str | None = None
    for line in out.splitlines():
        if line.startswith("ref: ") and line.endswith("\tHEAD"):
            head = line[5:].split("\t", 1)[0]
            kept.append(line)
            continue
        _, _, ref = line.partition("\t")
        if ref == "HEAD" or ref.startswith(("refs/heads/", "refs/tags/")):
            kept.append(line)
    return _digest(kept), head


def local_state(root: Path) -> str:
    """A digest of every ref and HEAD of a repository scanned where it is."""
    env = git_env()
    refs = git(["for-each-ref", "--format=%(objectname) %(refname)"], root, env).splitlines()
    try:
        head = git(["rev-parse", "--verify", "--quiet", "HEAD"], root, env).strip()
    except RepoFailure:
        head = ""
    try:
        symbolic = git(["symbolic-ref", "--quiet", "HEAD"], root, env).strip()
    except RepoFailure:
        symbolic = ""
    return _digest([*refs, f"HEAD {head} {symbolic}"])


def _digest(lines: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(lines)).encode("utf-8", "surrogateescape")).hexdigest()


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One task at a time on a mirror (a re-run task and a straggler, two clients)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


@contextlib.contextmanager
def mirror(
    url: str, key: str, cache: Path, env: dict[str, str], head: str | None
) -> Iterator[Path]:
    """The up-to-date bare mirror of ``url``, locked for the caller while it scans."""
    folder = cache / "mirrors"
    root = folder / f"{key}.git"
    with _locked(folder / f"{key}.lock"):
        if not (root / "HEAD").is_file():
            for stale in folder.glob(f".{key}.*.new"):  # left by a task killed mid-clone
                shutil.rmtree(stale, ignore_errors=True)
            work = folder / f".{key}.{os.getpid()}.new"
            folder.mkdir(parents=True, exist_ok=True)
            git(["init", "--quiet", "--bare", str(work)], folder, env)
            git(["config", "gc.autoDetach", "false"], work, env)
            _fetch(url, work, env, head)
            shutil.rmtree(root, ignore_errors=True)
            work.rename(root)
        else:
            _fetch(url, root, env, head)
        yield root


def _fetch(url: str, root: Path, env: dict[str, str], head: str | None) -> None:
    git(["fetch", "--quiet", "--prune", "--no-write-fetch-head", "--", url, *REFSPECS], root, env)
    if head is not None and head.startswith("refs/heads/"):
        git(["symbolic-ref", "HEAD", head], root, env)
