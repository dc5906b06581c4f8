"""Make ``base..HEAD`` whole in a shallow checkout, or say exactly what to set.

Both platforms check out one commit by default (GitHub ``fetch-depth: 1``, Azure Pipelines
``fetchDepth: 1`` for new pipelines): the base of the change and the parents of its commits are
missing, and a range scan would see too little (or, cut at the shallow boundary, too much). So:
fetch the base when it is missing (only its last commits, in a shallow clone), then deepen
(``git fetch --deepen``, wanting HEAD and the base) until every commit of the range has its
parents, the range has a merge base, and no commit of the range is older than where the base's
history is cut; as a last step ``--unshallow``. When ``origin`` cannot be fetched from, the scan
stops with exit code 2 and the setting to change; it never scans less without saying so.
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


def recent_depth(root: Path) -> list[str]:
    """``--depth`` for a fetch into a shallow clone: without one, git brings the commit's
    whole history (its parents are not in the clone), where the scan needs its last commits."""
    return [f"--depth={DEEPEN_STEPS[0]}"] if git.shallow_commits(root) else []


def commit_parents(root: Path, rev: str) -> list[str]:
    """The parent ids a commit object names (read from the object: a shallow clone's cut
    commits name parents that ``rev^1`` cannot resolve)."""
    parents = []
    for line in git.run(["cat-file", "commit", rev], root).splitlines():
        if not line:
            break
        if line.startswith(b"parent "):
            parents.append(line[len(b"parent ") :].decode().strip())
    return parents


def range_gaps(root: Path, base: str) -> list[str]:
    """Why ``base..HEAD`` may be wrong in this clone: commits of the range whose parents are
    missing (all of them if there is no merge base), or the base side's cut commits when the
    range reaches below them (see ``_below_the_base_cut``); empty when the range is exact."""
    shallow = set(git.shallow_commits(root))
    if not shallow:
        return []
    dated = _dated(root, [f"{base}..HEAD"])
    cut = sorted(shallow & dated.keys())
    if cut:
        return cut
    try:
        git.run(["merge-base", base, "HEAD"], root)
    except GitError:
        return sorted(dated) or ["HEAD"]
    return _below_the_base_cut(root, base, shallow, dated)


def _dated(root: Path, revisions: list[str]) -> dict[str, int]:
    """Commit id -> committer time, of every commit ``git rev-list REVISIONS`` lists."""
    out = git.run(["rev-list", "--format=%ct", *revisions, "--"], root).decode().split()
    # Pairs of "commit <id>" headers and times: ["commit", id, time, "commit", id, time, ...]
    return {out[i + 1]: int(out[i + 2]) for i in range(0, len(out) - 2, 3)}


def _below_the_base_cut(
    root: Path, base: str, shallow: set[str], listed: dict[str, int]
) -> list[str]:
    """The base side's cut commits, when a commit of the range is not newer than one of them.

    When the base's history in the clone is cut shorter than the head's, ``base..HEAD`` also
    lists old commits that are in truth ancestors of the base past its cut (say the head's side
    reaches the root commit and the base's side does not): a scan would report what the change
    does not add. An ancestor is not newer than its descendants, so the range is exact once
    every commit in it is newer than every cut commit of the base's side; until then, deepen.
    Equal times count as older (rebased commits share one), which only deepens more.
    """
    if not listed:
        return []
    edge = _dated(root, [base]).keys() & shallow
    if not edge:
        return []
    edge_times = _dated(root, ["--no-walk", *sorted(edge)])
    if min(listed.values()) > max(edge_times.values()):
        return []
    return sorted(edge)


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
        # The range needs only the base's recent history; the deepening below adds more.
        failure = fetch_origin(root, [*recent_depth(root), "origin", _refspec(fetch)])
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
            f"secretsops: shallow checkout: the history of the change is cut short at "
            f"{len(gaps)} commit(s); git fetch {step}"
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
            f"shallow checkout: the history between {base} and HEAD is still cut short at "
            f"{len(gaps)} commit(s) after git fetch --unshallow: {hint}"
        )
    return commit
