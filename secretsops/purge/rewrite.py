"""Rewriting history with git-filter-repo: the backup, the mirror clone, the replacement file.

The default works on a fresh mirror clone (``git clone --mirror --no-local``: only reachable
objects, every ref) built in a hidden folder next to the target and renamed into place only
when git-filter-repo has finished, so a run that fails or is killed leaves no half-rewritten
copy under the target's name, and never writes to the user's repository. ``--in-place``
rewrites the given repository itself and is left to git-filter-repo's own fresh-clone check.

git-filter-repo runs with ``--partial`` so every ref keeps its name (remote-tracking refs are
not folded into branches), with ``--replace-refs delete-no-add`` so no replace ref keeps old
commits reachable, and then reflogs are expired and unreachable objects pruned here.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from secretsops import git
from secretsops.errors import GitError, PurgeError, UsageError
from secretsops.purge.targets import Target

_KIND = r"(?:RSA |DSA |EC |OPENSSH |ENCRYPTED |PGP |SSH2 ENCRYPTED )?PRIVATE KEY(?: BLOCK)?"


def _escaped(value: bytes) -> bytes:
    """A regular expression matching exactly ``value``, on one line (every byte escaped)."""
    return b"".join(
        bytes([c]) if (48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122) else b"\\x%02x" % c
        for c in value
    )


def encodings(value: str) -> list[bytes]:
    """The byte forms a value takes in blobs: UTF-8, and Latin-1 where that differs; a value
    of several lines (a private key) also with the other line ending (LF, CRLF)."""
    texts = [value]
    if "\n" in value:
        lf = value.replace("\r\n", "\n")
        texts += [t for t in (lf, lf.replace("\n", "\r\n")) if t not in texts]
    forms: list[bytes] = []
    for text in texts:
        for codec in ("utf-8", "latin-1"):
            with contextlib.suppress(UnicodeEncodeError):
                form = text.encode(codec)
                if form not in forms:
                    forms.append(form)
    return forms


def replacement_lines(targets: Sequence[Target]) -> list[bytes]:
    """git-filter-repo ``--replace-text`` lines: longest values first, so a value that holds a
    shorter one is replaced whole. A private key recovered whole is replaced as it was written;
    one known only by the armour line detect-secrets reports (its file could not be read) by
    every armoured block of that kind."""
    lines: list[bytes] = []
    for target in sorted(targets, key=lambda t: (-len(t.secret), t.fingerprint)):
        marker = target.marker.encode("ascii")
        if target.is_private_key and not target.is_whole_key:
            block = _private_key_lines(target.secret, marker)
            if block:
                # Not the armour line alone: git-filter-repo applies literals before regular
                # expressions, and a replaced armour line would hide the block.
                lines.extend(block)
                continue
        for form in encodings(target.secret):
            if b"\n" in form or b"\r" in form:
                lines.append(b"regex:" + _escaped(form) + b"==>" + marker)
            else:
                lines.append(b"literal:" + form + b"==>" + marker)
    return lines


def _private_key_lines(armour: str, marker: bytes) -> list[bytes]:
    match = re.fullmatch("BEGIN (" + _KIND + ")", armour)
    if match is not None:
        kind = _escaped(match.group(1).encode("ascii"))
        return [
            b"regex:(?s)-----BEGIN " + kind + b"-----.*?-----END " + kind + b"-----==>" + marker
        ]
    if armour.startswith("PuTTY-User-Key-File-"):
        return [
            b"regex:(?s)"
            + _escaped(armour.encode())
            + b":.*?Private-MAC: *[0-9A-Fa-f]+==>"
            + marker
        ]
    return []


@contextlib.contextmanager
def replacement_file(targets: Sequence[Target]) -> Iterator[Path]:
    """The replacement list, owner-only (0600) in a private (0700) temporary folder.

    It holds the values git-filter-repo must find, so it lives only while the rewrite runs:
    the file and its folder are deleted when the block ends, whatever ends it.
    """
    folder = Path(tempfile.mkdtemp(prefix="secretsops-purge-"))
    path = folder / "replacements.txt"
    try:
        os.chmod(folder, 0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            for line in replacement_lines(targets):
                handle.write(line + b"\n")
        yield path
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        shutil.rmtree(folder, ignore_errors=True)


def backup_bundle(source: Path, bundle: Path) -> int:
    """``git bundle create --all`` of ``source``, verified; the number of refs it holds."""
    if bundle.exists():
        raise UsageError(f"{bundle} exists: choose another --bundle file")
    refs = git.run(["for-each-ref", "--format=%(refname)"], source).decode().split()
    if not refs:
        raise UsageError(f"{source} has no refs: nothing to purge")
    partial = bundle.with_name(f".{bundle.name}.partial")
    try:
        bundle.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PurgeError(f"cannot write the backup bundle {bundle}: {_why(exc)}") from None
    try:
        git.run(["bundle", "create", "--quiet", str(partial), "--all"], source)
        git.run(["bundle", "verify", "--quiet", str(partial)], source)
        os.replace(partial, bundle)
    except GitError as exc:
        raise PurgeError(f"cannot write the backup bundle {bundle}: {exc}") from exc
    finally:
        partial.unlink(missing_ok=True)
    return len(refs)


def staging_folder(target: Path) -> Path:
    """A hidden folder next to ``target`` to build the rewritten copy in."""
    if target.exists():
        raise UsageError(f"{target} exists: remove it or choose another --output")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    except OSError as exc:
        raise PurgeError(f"cannot write the purged copy {target}: {_why(exc)}") from None


def _why(exc: OSError) -> str:
    return exc.strerror or exc.__class__.__name__


def _run(
    args: list[str], cwd: Path, pass_fds: Sequence[int] = ()
) -> subprocess.CompletedProcess[str]:
    """Run a command in its own process group; if this run is interrupted, end the whole group
    (git clone's pack readers, git-filter-repo's fast-export and fast-import) before the
    caller removes the folder they write to."""
    proc = subprocess.Popen(
        args,
        cwd=cwd,
        env=git.git_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        pass_fds=tuple(pass_fds),
        preexec_fn=_dies_with_parent(),
    )
    try:
        stdout, stderr = proc.communicate()
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    return subprocess.CompletedProcess(args, proc.returncode, stdout, stderr)


def _dies_with_parent() -> Callable[[], None] | None:
    """On Linux, a function for the child, between fork and exec, that has the kernel kill it
    (SIGKILL) when this process ends, however it ends.

    Without it, a purge killed outright (SIGKILL) leaves git-filter-repo running in its own
    session: with ``--in-place`` it would go on rewriting the user's repository, unverified.
    Killed with its parent, git-filter-repo never sends fast-import the ``done`` it waits for,
    so fast-import stops without updating a ref.
    """
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def arm() -> None:
        prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        if os.getppid() != parent:  # the parent ended before the line above
            os._exit(1)

    return arm


_PR_SET_PDEATHSIG = 1


def _last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1].strip() if lines else "no output"


def mirror_clone(source: Path, folder: Path) -> None:
    """A fresh bare mirror of ``source`` in ``folder``, detached from ``source``.

    ``--no-local`` copies only reachable objects, through git's transport, as a clone from
    a server would; the ``origin`` remote is removed so no push can reach the original.
    """
    clone = ["git", "clone", "--quiet", "--mirror", "--no-local", str(source), str(folder)]
    proc = _run(clone, source)
    if proc.returncode != 0:
        raise PurgeError(f"cannot make a mirror clone of {source}: {_last_line(proc.stderr)}")
    try:
        git.run(["config", "--remove-section", "remote.origin"], folder)
    except GitError as exc:
        raise PurgeError(f"cannot detach the mirror clone from {source}: {exc}") from exc


def filter_repo(repo: Path, replacements: Path, *, force: bool) -> None:
    """Run git-filter-repo on ``repo``: every blob and message, every ref, names kept.

    Where the system can reopen a file through its descriptor (``/dev/fd`` on Linux), the
    replacement file is opened, its name removed at once, and git-filter-repo reads it as
    ``/dev/fd/N``: from then on the values are on no path, so even a run killed outright
    (SIGKILL) leaves no file with them behind.
    """
    args = [sys.executable, "-m", "git_filter_repo"]
    options = ["--partial", "--replace-refs", "delete-no-add", "--quiet"]
    if force:
        options.append("--force")
    fd = os.open(replacements, os.O_RDONLY)
    try:
        source = str(replacements)
        if _reopens_by_descriptor(fd):
            replacements.unlink()
            source = f"/dev/fd/{fd}"
        proc = _run(
            [*args, "--replace-text", source, "--replace-message", source, *options],
            repo,
            pass_fds=(fd,),
        )
    finally:
        os.close(fd)
    if proc.returncode != 0:
        raise PurgeError(f"git-filter-repo failed on {repo}: {_reason(proc.stdout + proc.stderr)}")


def _reopens_by_descriptor(fd: int) -> bool:
    """Whether opening ``/dev/fd/N`` gives a new reader of the file from its start (Linux),
    not a shared offset (as on BSD and macOS, where a second read would find nothing)."""
    if not Path("/proc/self/fd").is_dir():
        return False
    try:
        with open(f"/dev/fd/{fd}", "rb") as first, open(f"/dev/fd/{fd}", "rb") as second:
            return first.read(1) == second.read(1) and first.tell() == 1
    except OSError:
        return False


def _reason(output: str) -> str:
    """The line of git-filter-repo's output that says why it stopped."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for line in lines:
        if line.startswith("(") and line.endswith(")"):
            return f"not a fresh clone {line}"
    for line in lines:
        if line.startswith(("Error", "fatal", "Aborting")):
            return line
    return lines[-1] if lines else "no output"


ZERO_ID = "0" * 40
NOTES_AUTHOR = {"user.name": "secretsops purge", "user.email": "secretsops@localhost"}


def reattach_notes(repo: Path) -> int:
    """File every note of a rewritten commit under the commit's new id; the number moved.

    git-filter-repo passes notes commits through as they are (it replaces the values in the
    note blobs, not the commit ids the notes are filed under), so after a rewrite ``git log``
    would show no note of a commit that changed. Its ``filter-repo/commit-map`` pairs each old
    id with the new one. The notes commits this makes name the user's identity, or
    ``secretsops purge`` where git knows none.
    """
    commit_map = git.common_dir(repo) / "filter-repo" / "commit-map"
    try:
        rows = [line.split() for line in commit_map.read_text(encoding="ascii").splitlines()[1:]]
    except (OSError, UnicodeDecodeError):
        return 0
    renamed = {
        row[0]: row[1] for row in rows if len(row) == 2 and row[0] != row[1] and row[1] != ZERO_ID
    }
    if not renamed:
        return 0
    notes_refs = git.run(["for-each-ref", "--format=%(refname)", "refs/notes/"], repo)
    identity = _identity_options(repo)
    moved = 0
    for ref in notes_refs.decode().split():
        listed = git.run(["notes", f"--ref={ref}", "list"], repo).decode().split("\n")
        annotated = [line.split()[1] for line in listed if len(line.split()) == 2]
        pairs = [(old, renamed[old]) for old in annotated if old in renamed]
        if not pairs:
            continue
        copy = "".join(f"{old} {new}\n" for old, new in pairs).encode()
        remove = "".join(f"{old}\n" for old, _ in pairs).encode()
        try:
            git.run(
                [*identity, "notes", f"--ref={ref}", "copy", "--force", "--stdin"], repo, input=copy
            )
            git.run([*identity, "notes", f"--ref={ref}", "remove", "--stdin"], repo, input=remove)
        except GitError as exc:
            raise PurgeError(
                f"cannot file the notes of {ref} under the new commits: {exc}"
            ) from exc
        moved += len(pairs)
    return moved


def _identity_options(repo: Path) -> list[str]:
    """``-c user.name=... -c user.email=...`` where git has no identity to commit with."""
    options: list[str] = []
    for key, value in NOTES_AUTHOR.items():
        try:
            git.run(["config", key], repo)
        except GitError:
            options += ["-c", f"{key}={value}"]
    return options


def prune(repo: Path) -> None:
    """Expire every reflog and drop unreachable objects: old versions must not linger."""
    for args in (["reflog", "expire", "--expire=now", "--all"], ["gc", "--quiet", "--prune=now"]):
        proc = _run(["git", *args], repo)
        if proc.returncode != 0:
            raise PurgeError(f"cannot prune old objects in {repo}: {_last_line(proc.stderr)}")


def rewrite_mirror(
    source: Path,
    target: Path,
    targets: Sequence[Target],
    check: Callable[[Path], None] | None = None,
) -> None:
    """Build the purged mirror of ``source`` at ``target`` (absent until it is complete and
    ``check``, the verification, has run on it: an interrupted run leaves nothing there)."""
    folder = staging_folder(target)
    try:
        mirror_clone(source, folder)
        with replacement_file(targets) as replacements:
            filter_repo(folder, replacements, force=True)
        reattach_notes(folder)
        prune(folder)
        if check is not None:
            check(folder)
        os.replace(folder, target)
    except BaseException:
        _remove(folder)
        raise


def _remove(folder: Path) -> None:
    """Remove a folder git may have been writing to until a moment ago."""
    for _ in range(5):
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            return


def refuse_shallow(repo: Path) -> None:
    """UsageError for a shallow clone: the history before its cut can be neither scanned for
    the confirmed values nor rewritten, and a force-push of it would cut the server's."""
    from secretsops.scan.history import shallow_error

    shallow = git.shallow_commits(repo)
    if shallow:
        remedy = (
            "Purging needs the whole history: run `git fetch --unshallow`, or clone it again "
            "with `git clone --mirror`"
        )
        raise shallow_error(repo, shallow, remedy)


def not_fresh(repo: Path) -> str | None:
    """Why ``repo`` is clearly not a fresh clone (git-filter-repo's commonest refusals), or None.

    Checked before anything is written, so ``--in-place`` fails early; git-filter-repo still
    makes its own, complete check.
    """
    if git.resolve(repo, "refs/stash") is not None:
        return "it has stashed changes"
    remotes = git.run(["remote"], repo).decode().split()
    if remotes != ["origin"]:
        return "it should have exactly one remote, origin"
    logs = git.common_dir(repo) / "logs"
    for path in sorted(logs.rglob("*")) if logs.is_dir() else []:
        if path.is_file() and len(path.read_bytes().splitlines()) > 1:
            return f"its reflog for {path.relative_to(logs)} has more than one entry"
    top = git.toplevel(repo)
    if top is not None:
        if git.run(["status", "--porcelain", "--untracked-files=no"], top).strip():
            return "it has uncommitted changes"
        if git.run(["ls-files", "-o"], top).strip():  # as git-filter-repo: ignored ones too
            return "it has untracked files"
    return None


def rewrite_in_place(repo: Path, targets: Sequence[Target]) -> None:
    """Rewrite ``repo`` itself; git-filter-repo refuses unless it is a fresh clone."""
    try:
        with replacement_file(targets) as replacements:
            filter_repo(repo, replacements, force=False)
    except PurgeError as exc:
        if "not a fresh clone" not in str(exc):
            raise
        raise UsageError(
            f"--in-place needs a fresh clone (git clone --no-local, or --mirror): {exc}; "
            "without --in-place, purge works on a new mirror clone"
        ) from None
    reattach_notes(repo)
    prune(repo)
