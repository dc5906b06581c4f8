"""The purge report: what was rewritten, what the checks found, and the next steps.

Names, fingerprints, paths and commits only: never a value.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path

from secretsops import git
from secretsops.errors import GitError
from secretsops.purge.targets import Target
from secretsops.purge.verify import Verification

PLACEHOLDER_URL = "<remote-url>"


@dataclass
class Outcome:
    source: Path
    result: Path
    in_place: bool
    bundle: Path
    refs: int
    targets: list[Target]
    verification: Verification
    remote_url: str | None
    first_changed: list[str] = field(default_factory=list)


def remote_url(repo: Path) -> str | None:
    """``remote.origin.url`` of the user's repository, if it has one, without credentials."""
    try:
        url = git.run(["config", "--get", "remote.origin.url"], repo).decode().strip()
    except GitError:
        return None
    return without_credentials(url) or None


def without_credentials(url: str) -> str:
    """``url`` without the credentials it may carry: an http(s) URL loses its whole user part
    (``https://user:token@host/...``, or a token alone as the user name, as Azure DevOps
    allows), another URL its password; git asks its credential helper when pushing."""
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if not parts.scheme or "@" not in parts.netloc:
        return url  # a path, or scp-like ``git@host:path`` (no password possible)
    user, _, host = parts.netloc.rpartition("@")
    if parts.scheme.lower() in ("http", "https"):
        netloc = host
    else:
        netloc = f"{user.split(':', 1)[0]}@{host}"
    return urlunsplit(parts._replace(netloc=netloc))


def first_changed(result: Path) -> list[str]:
    """The original ids of the oldest commits the rewrite changed (whose parents it did not),
    as git-filter-repo records them (``filter-repo/first-changed-commits``, 2.47 and later)."""
    path = git.common_dir(result) / "filter-repo" / "first-changed-commits"
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        return []
    return sorted({line.split()[0] for line in text.splitlines() if line.strip()})


def _refs(repo: Path) -> dict[str, str]:
    out = git.run(["for-each-ref", "--format=%(refname) %(objectname)"], repo).decode()
    return dict(line.split(" ", 1) for line in out.splitlines() if line)


def push_commands(repo: Path, url: str | None) -> list[str]:
    """One force-push per ref of the rewritten repository; comments where a choice is due.

    Ref names are quoted for the shell: git allows ``$(...)``, ``;`` and quotes in them, and
    anyone who could push a branch could otherwise have the person running these commands
    run theirs."""
    refs = _refs(repo)
    dest = shlex.quote(url) if url else PLACEHOLDER_URL
    base = f"git -C {shlex.quote(str(repo))} push --force {dest}"
    lines: list[str] = []
    notes: list[str] = []
    for ref, oid in sorted(refs.items()):
        if ref.startswith(("refs/heads/", "refs/tags/", "refs/notes/")):
            lines.append(f"{base} {_spec(ref, ref)}")
        elif ref.startswith("refs/remotes/origin/"):
            branch = ref.removeprefix("refs/remotes/origin/")
            if branch == "HEAD":
                continue
            local = refs.get(f"refs/heads/{branch}")
            if local is None:
                lines.append(f"{base} {_spec(ref, f'refs/heads/{branch}')}")
            elif local != oid:
                notes.append(
                    f"# {branch}: your local branch and origin/{branch} differ; the line above "
                    f"pushes your local one. To keep the server's instead: "
                    f"{base} {_spec(ref, f'refs/heads/{branch}')}"
                )
        elif ref.startswith("refs/remotes/"):
            remote = ref.split("/")[2]
            notes.append(
                f"# {ref}: a copy of remote '{remote}'; rewrite it there too if you own it"
            )
        elif ref == "refs/stash":
            notes.append("# refs/stash: a local stash, rewritten here; it is not pushed")
        elif ref.startswith(("refs/pull/", "refs/merge-requests/")):
            notes.append(f"# {ref}: managed by the server, cannot be pushed (see below)")
        else:
            lines.append(f"{base} {_spec(ref, ref)}")
    return lines + notes


def _first_changed_lines(outcome: Outcome) -> list[str]:
    if not outcome.first_changed:
        return []
    shown = ", ".join(f"`{c}`" for c in outcome.first_changed[:10])
    more = f" and {len(outcome.first_changed) - 10} more" if len(outcome.first_changed) > 10 else ""
    where = git.common_dir(outcome.result) / "filter-repo" / "first-changed-commits"
    return [
        "- Server administrators who remove cached copies of old commits (GitHub Support, for "
        "one) ask for the first changed commits: the oldest commits of the old history that "
        f"the purge changed, {shown}{more} (all of them, with their new ids: `{where}`).",
    ]


def _spec(source: str, destination: str) -> str:
    return shlex.quote(f"{source}:{destination}")


def render(outcome: Outcome) -> str:
    """The report, in Markdown."""
    v = outcome.verification
    status = "PASSED" if v.ok else "FAILED"
    lines = [
        "# secretsops purge report",
        "",
        f"- Repository: `{outcome.source}`",
        f"- Rewritten {'in place' if outcome.in_place else 'copy'}: `{outcome.result}`",
        f"- Backup of all {outcome.refs} refs before the rewrite: `{outcome.bundle}`",
        f"  (restore: `git clone --mirror {shlex.quote(str(outcome.bundle))} restored.git`)",
        f"- Secrets purged: {len(outcome.targets)}, each replaced by `***REMOVED:<name>***`",
        f"- Verification: **{status}**: history rescan of {v.commits} commits for the purged "
        f"fingerprints, and {v.objects} objects read with `git cat-file --batch-all-objects`",
        "",
    ]
    if not v.ok:
        lines += [
            "## Still present (do not push)",
            "",
            *(f"- `{r.name}` ({r.fingerprint}): {r.where} [{r.check}]" for r in v.remaining),
            "",
            "A value in a binary file, in another encoding, or in a file or folder name is not "
            "replaced by git-filter-repo; remove or rename the file in history (`git filter-repo "
            "--path FILE --invert-paths`, or `--paths-from-file` with `OLD==>NEW` lines, on the "
            "rewritten copy) and run `secretsops purge` again.",
            "",
        ]
    lines += [
        "## 1. Force-push every ref",
        "",
        "Every commit that held a secret, and every commit after it, has a new id. Push each "
        "ref over the server's (branch protection must allow force pushes for the time):",
        "",
        "```bash",
        *push_commands(outcome.result, outcome.remote_url),
        "```",
        "",
        "## 2. Everyone with a clone",
        "",
        "- Collaborators must re-clone (`git clone URL`), not pull: a pull merges the old "
        "history, secrets included, back in. Branches with unpushed work are rebased onto "
        "the new history (`git rebase --onto NEW_BASE OLD_BASE BRANCH`), never merged.",
        "- Delete old clones, forks you control, and CI caches of the repository.",
        "",
        "## 3. Copies this cannot reach",
        "",
        "- Pull-request refs (`refs/pull/*` on GitHub, `refs/pull/*/merge` on Azure DevOps) "
        "are read-only and keep the old commits: close or delete those pull requests; on "
        "GitHub ask support to remove cached views and run garbage collection.",
        "- Forks on the server keep their own copy of the old history.",
        *_first_changed_lines(outcome),
        "- Anyone who fetched before the push has the values: the secrets are exposed "
        "whatever the history says now.",
        "",
        "## 4. Rotate these secrets",
        "",
        "Purging history does not make a leaked credential safe. Rotate each one at its "
        "issuer, then update the Key Vault secret the marker names:",
        "",
        "| Key Vault name | type | fingerprint | files | introduced in |",
        "| --- | --- | --- | --- | --- |",
    ]
    for t in outcome.targets:
        commits = ", ".join(c[:12] for c in t.commits) or "(working tree)"
        lines.append(
            f"| `{t.name}` | {', '.join(t.types)} | `{t.fingerprint}` | "
            f"{', '.join(t.paths)} | {commits} |"
        )
    lines.append("")
    return "\n".join(lines)
