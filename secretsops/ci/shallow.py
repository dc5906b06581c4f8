"""Make ``base..HEAD`` whole in a shallow checkout, or say exactly what to set.

Both platforms check out one commit by default (GitHub ``fetch-depth: 1``, Azure Pipelines
``fetchDepth: 1`` for new pipelines): the base of the change and the parents of its commits are
missing, and a range scan would see too little (or, cut at the shallow boundary, too much). So:
fetch the base when it is missing, then deepen (``git fetch --deepen``, wanting HEAD and the
base) until every commit of the range has its parents and the range has a merge base, and as a
last step ``--unshallow``. When ``origin`` cannot be fetched from, the scan stops with exit
code 2 and the setting to change; it never scans less without saying so.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from secretsops import git
from secretsops.ci.platform import AZURE, GITHUB
from secretsops.errors import GitError, UsageError

DEEPEN_STEPS = (50, 500)

_HINTS = {
    GITHUB: "set `fetch-depth: 0` on actions/checkout",
    AZURE: "set `fetchDepth: 0` on the `checkout` step",
}


def full_history_hint(platform: str) -> str:
    return _HINTS.get(platform, "run `git fetch --unshallow`")


def _is_sha(text: str) -> bool:
    return len(text) == 40 and all(c in "0123456789abcdef" for c in text.lower())


def _refspec(fetch: str) -> str:
    """What to ask ``origin`` for: a commit id as it is, a branch into ``origin/<branch>``."""
    if _is_sha(fetch):
        return fetch
    return f"+refs/heads/{fetch}:refs/remotes/origin/{fetch}"


def fetch_origin(root: Path, args: list[str]) -> str | None:
    """Run ``git fetch ARGS``; None on success, else the last line git printed."""
    try:
        git.run(["fetch", "--quiet", "--no-tags", "--no-recurse-submodules", *args], root)
    except GitError as exc:
        return exc.stderr.splitlines()[-1] if exc.stderr else f"exit code {exc.returncode}"
    return None


def range_gaps(root: Path, base: str) -> list[str]:
    """Commits of ``base..HEAD`` whose parents are missing (all of them if no merge base)."""
    shallow = set(git.shallow_commits(root))
    if not shallow:
        return []
    listed = git.run(["rev-list", f"{base}..HEAD", "--"], root).decode().split()
    cut = sorted(shallow & set(listed))
    if cut:
        return cut
    try:
        git.run(["merge-base", base, "HEAD"], root)
    except GitError:
        return listed or ["HEAD"]
    return []


def ensure_range(
    root: Path,
    base: str,
    fetch: str | None,
    platform: str,
    say: Callable[[str], None] = lambda message: None,
) -> str:
    """Make ``base..HEAD`` complete in ``root``; return the base commit id.

    ``fetch`` names what to fetch from ``origin`` when ``base`` is missing (a branch or a
    commit id). Raises UsageError with the setting to change when the history cannot be had.
    """
    hint = full_history_hint(platform)
    commit = git.resolve(root, base)
    if commit is None:
        if fetch is None:
            raise UsageError(f"{base!r} names no commit in {root}")
        say(
            f"secretsops: fetching {fetch} from origin (the base of the change is not in the clone)"
        )
        failure = fetch_origin(root, ["origin", _refspec(fetch)])
        commit = git.resolve(root, base)
        if commit is None:
            why = f"git fetch failed: {failure}" if failure else "origin does not have it"
            raise UsageError(
                f"the base of the change, {base}, is not in this checkout and cannot be "
                f"fetched ({why}): {hint} so that the whole history is checked out"
            )
    head = git.resolve(root, "HEAD")
    if head is None:
        raise UsageError(f"{root} has no commit checked out")
    wants = [head] + ([_refspec(fetch)] if fetch is not None else [])
    for depth in (*DEEPEN_STEPS, 0):
        gaps = range_gaps(root, commit)
        if not gaps:
            return commit
        step = f"--deepen={depth}" if depth else "--unshallow"
        say(
            f"secretsops: shallow checkout: {len(gaps)} commit(s) of the change lack their "
            f"parents; git fetch {step}"
        )
        failure = fetch_origin(root, [step, "origin", *wants])
        if failure is not None and depth:
            # A server that refuses to serve a commit by its id: deepen what origin's refs reach.
            failure = fetch_origin(root, [step, "origin"])
        if failure is not None:
            raise UsageError(
                f"shallow checkout: the history between {base} and HEAD is not in this clone "
                f"and git fetch {step} failed ({failure}): {hint} so that the whole history "
                "is checked out"
            )
    gaps = range_gaps(root, commit)
    if gaps:
        raise UsageError(
            f"shallow checkout: {len(gaps)} commit(s) between {base} and HEAD still lack their "
            f"parents after git fetch --unshallow: {hint}"
        )
    return commit
