"""Git plumbing: NUL-separated output, one long-running ``cat-file`` for object reads.

GitPython is used where convenience matters more than speed; the hot paths (listing files,
reading the index and blobs) go through git's own plumbing here.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO

from secretsops.errors import GitError, NotARepositoryError

GITLINK_MODE = "160000"
SYMLINK_MODE = "120000"


def git_env() -> dict[str, str]:
    """The environment for git subprocesses: the user's, with pager and prompts off."""
    env = dict(os.environ)
    env["GIT_TERMINAL_PROMPT"] = "0"
    env["GIT_PAGER"] = "cat"
    env.setdefault("LC_ALL", "C")
    return env


def run(args: list[str], cwd: Path | str, *, input: bytes | None = None) -> bytes:
    """Run ``git args`` in ``cwd`` and return stdout; raise GitError on failure."""
    try:
        proc = subprocess.run(
            ["git", *args],
            cwd=cwd,
            input=input,
            capture_output=True,
            env=git_env(),
            check=False,
        )
    except FileNotFoundError as exc:
        raise GitError(args, 127, "git is not installed or not on PATH") from exc
    if proc.returncode != 0:
        raise GitError(args, proc.returncode, proc.stderr.decode("utf-8", "replace"))
    return proc.stdout


def zsplit(data: bytes) -> list[str]:
    """Split NUL-terminated git output into paths (UTF-8, undecodable bytes escaped)."""
    return [p.decode("utf-8", "surrogateescape") for p in data.split(b"\0") if p]


def toplevel(path: Path) -> Path | None:
    """The root of the work tree that contains ``path``, or None outside any repository."""
    start = path if path.is_dir() else path.parent
    try:
        out = run(["rev-parse", "--show-toplevel"], start)
    except GitError as exc:
        if exc.returncode == 127 or any(
            reason in exc.stderr
            for reason in ("not a git repository (or any", "must be run in a work tree")
        ):
            return None  # a plain folder, a bare repository or no git at all: no work tree
        # A repository git cannot open (a .git file of garbage, a gitdir pointing nowhere, a
        # dubious owner) must not be scanned as a plain folder and pass silently.
        reason = exc.stderr.splitlines()[0].removeprefix("fatal: ") if exc.stderr else ""
        raise NotARepositoryError(f"{start}: git cannot open this repository: {reason}") from exc
    text = out.decode("utf-8", "surrogateescape").strip()
    return Path(text) if text else None


def require_toplevel(path: Path) -> Path:
    root = toplevel(path)
    if root is None:
        raise NotARepositoryError(f"{path} is not inside a git repository")
    return root


def listed_files(root: Path, pathspecs: Iterable[str] = ()) -> list[str]:
    """Tracked files plus untracked files git does not ignore, relative to ``root``."""
    out = run(
        ["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *pathspecs],
        root,
    )
    return sorted(set(zsplit(out)))


@dataclass(frozen=True)
class IndexEntry:
    mode: str
    blob: str
    path: str


def index_entries(root: Path, pathspecs: Iterable[str] = ()) -> list[IndexEntry]:
    """Entries of the index (stage 0: what the next commit will contain)."""
    out = run(["ls-files", "-s", "-z", "--", *pathspecs], root)
    entries: dict[str, IndexEntry] = {}
    for record in zsplit(out):
        meta, _, path = record.partition("\t")
        mode, blob, stage = meta.split(" ")
        # An unmerged path has no stage 0; read stage 2 ("ours") so it is still looked at.
        if stage not in ("0", "2"):
            continue
        entries[path] = IndexEntry(mode=mode, blob=blob, path=path)
    return [entries[p] for p in sorted(entries)]


@dataclass(frozen=True)
class BlobHeader:
    oid: str
    type: str
    size: int


class CatFile:
    """A long-running ``git cat-file --batch`` for reading many objects cheaply.

    Objects larger than ``max_size`` are not kept in memory: their content is read from the
    pipe and thrown away in chunks, and ``read`` returns the header with ``None``.
    """

    _CHUNK = 1 << 16

    def __init__(self, root: Path) -> None:
        self._proc = subprocess.Popen(
            ["git", "cat-file", "--batch"],
            cwd=root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=git_env(),
        )

    @property
    def _stdin(self) -> IO[bytes]:
        assert self._proc.stdin is not None
        return self._proc.stdin

    @property
    def _stdout(self) -> IO[bytes]:
        assert self._proc.stdout is not None
        return self._proc.stdout

    def read(self, oid: str, max_size: int | None = None) -> tuple[BlobHeader, bytes | None]:
        self._stdin.write(oid.encode("ascii") + b"\n")
        self._stdin.flush()
        return self._read_reply(oid, max_size)

    def read_optional(
        self, oid: str, max_size: int | None = None
    ) -> tuple[BlobHeader, bytes | None] | None:
        """``read``, but None for an object the store lacks (a partial clone, a damaged one)."""
        try:
            return self.read(oid, max_size)
        except GitError as exc:
            if exc.stderr == f"object {oid} is missing":
                return None
            raise

    def read_many(
        self, oids: Iterable[str], max_size: int | None = None
    ) -> Iterator[tuple[BlobHeader, bytes | None]]:
        """Read objects in order, writing requests ahead of reading replies in batches."""
        batch: list[str] = []
        for oid in oids:
            batch.append(oid)
            if len(batch) >= 256:
                yield from self._read_batch(batch, max_size)
                batch = []
        if batch:
            yield from self._read_batch(batch, max_size)

    def _read_batch(
        self, oids: list[str], max_size: int | None
    ) -> Iterator[tuple[BlobHeader, bytes | None]]:
        self._stdin.write(b"".join(o.encode("ascii") + b"\n" for o in oids))
        self._stdin.flush()
        for oid in oids:
            yield self._read_reply(oid, max_size)

    def _read_reply(self, oid: str, max_size: int | None) -> tuple[BlobHeader, bytes | None]:
        header = self._stdout.readline()
        if not header:
            raise GitError(["cat-file", "--batch"], 1, "git cat-file stopped unexpectedly")
        parts = header.decode("ascii", "replace").split()
        if len(parts) == 2 and parts[1] == "missing":
            raise GitError(["cat-file", "--batch"], 1, f"object {oid} is missing")
        found, kind, size_text = parts[0], parts[1], parts[2]
        size = int(size_text)
        info = BlobHeader(oid=found, type=kind, size=size)
        if max_size is not None and size > max_size:
            remaining = size + 1
            while remaining:
                chunk = self._stdout.read(min(self._CHUNK, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
            return info, None
        data = self._stdout.read(size + 1)
        return info, data[:size]

    def close(self) -> None:
        if self._proc.poll() is None:
            with contextlib.suppress(OSError):
                self._stdin.close()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()

    def __enter__(self) -> CatFile:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


# History scans: streamed output of long-running git commands, repository facts.

ZERO_OID = "0" * 40


def stream_tokens(args: list[str], cwd: Path | str, *, chunk: int = 1 << 16) -> Iterator[bytes]:
    """Run ``git args`` and yield its NUL-separated output token by token, as it arrives.

    Memory stays bounded by the chunk size and the longest token, whatever the output's size.
    Raise GitError if git fails (after the output consumed so far).
    """
    proc = subprocess.Popen(
        ["git", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=git_env(),
    )
    assert proc.stdout is not None and proc.stderr is not None
    try:
        rest = b""
        while True:
            data = proc.stdout.read1(chunk)  # type: ignore[attr-defined]
            if not data:
                break
            parts = (rest + data).split(b"\0")
            rest = parts.pop()
            yield from parts
        if rest:
            yield rest
        stderr = proc.stderr.read()
        code = proc.wait()
        if code != 0:
            raise GitError(args[:1], code, stderr.decode("utf-8", "replace"))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


def common_dir(root: Path) -> Path:
    """The repository's common git folder (shared by all its worktrees)."""
    out = run(["rev-parse", "--git-common-dir"], root).decode("utf-8", "surrogateescape").strip()
    path = Path(out)
    return path if path.is_absolute() else (root / path).resolve()


def shallow_commits(root: Path) -> list[str]:
    """Commits whose parents a shallow clone lacks (empty for a complete repository)."""
    out = run(["rev-parse", "--is-shallow-repository"], root).decode().strip()
    if out != "true":
        return []
    path = run(["rev-parse", "--git-path", "shallow"], root).decode().strip()
    shallow = Path(path) if Path(path).is_absolute() else root / path
    try:
        return sorted(set(shallow.read_text(encoding="ascii").split()))
    except OSError:
        return []


def ref_tips(root: Path) -> list[str]:
    """Commits every ref (branches, tags peeled, remotes, stash) and HEAD point at, sorted."""
    fmt = "%(objecttype) %(objectname) %(*objecttype) %(*objectname)"
    tips: set[str] = set()
    for line in run(["for-each-ref", f"--format={fmt}"], root).decode().splitlines():
        fields = line.split()
        # A tag of a tree or a blob leads to no commit: out of a history scan's reach.
        if len(fields) >= 2 and fields[0] == "commit":
            tips.add(fields[1])
        elif len(fields) == 4 and fields[2] == "commit":
            tips.add(fields[3])
    head = resolve(root, "HEAD")
    if head is not None:
        tips.add(head)
    return sorted(tips)


def resolve(root: Path, rev: str) -> str | None:
    """The commit ``rev`` names, or None when it names none."""
    try:
        out = run(["rev-parse", "--verify", "--quiet", "--end-of-options", rev + "^{commit}"], root)
    except GitError:
        return None
    return out.decode().strip() or None


def is_ancestor(root: Path, older: str, newer: str) -> bool:
    """``git merge-base --is-ancestor``: one cheap walk, without reading every ref. False also
    when either commit, or the history between them, is not in the repository."""
    try:
        run(["merge-base", "--is-ancestor", older, newer], root)
    except GitError:  # exit code 1: not an ancestor
        return False
    return True


def existing_objects(root: Path, oids: Iterable[str]) -> list[str]:
    """Those of ``oids`` the object store still holds (one ``cat-file --batch-check``)."""
    wanted = list(oids)
    if not wanted:
        return []
    out = run(["cat-file", "--batch-check=%(objectname)"], root, input="\n".join(wanted).encode())
    lines = out.decode().splitlines()
    return [oid for oid, line in zip(wanted, lines, strict=True) if not line.endswith("missing")]


def repository_root(path: Path) -> Path:
    """The work tree holding ``path``, or the git folder of a bare repository."""
    root = toplevel(path)
    if root is not None:
        return root
    start = path if path.is_dir() else path.parent
    try:
        bare = run(["rev-parse", "--is-bare-repository"], start).decode().strip() == "true"
        git_dir = run(["rev-parse", "--absolute-git-dir"], start)
    except GitError:
        bare, git_dir = False, b""
    folder = Path(git_dir.decode("utf-8", "surrogateescape").strip()) if git_dir else None
    if bare and folder is not None:
        return folder
    if folder is not None and folder.name == ".git":  # given the .git folder of a work tree
        work = toplevel(folder.parent)
        if work is not None:
            return work
    raise NotARepositoryError(f"{path} is not inside a git repository")


_HUNK = re.compile(rb"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
_C_ESCAPE = re.compile(rb'\\([0-7]{3}|[abtnvfr"\\])')
_C_CHARS = {
    b"a": b"\a",
    b"b": b"\b",
    b"t": b"\t",
    b"n": b"\n",
    b"v": b"\v",
    b"f": b"\f",
    b"r": b"\r",
    b'"': b'"',
    b"\\": b"\\",
}


def unquoted(name: bytes) -> str:
    """A path as git prints it in a diff header: C-quoted when it holds special characters."""
    if len(name) >= 2 and name.startswith(b'"') and name.endswith(b'"'):
        name = _C_ESCAPE.sub(
            lambda m: bytes([int(m.group(1), 8)]) if len(m.group(1)) == 3 else _C_CHARS[m.group(1)],
            name[1:-1],
        )
    return name.decode("utf-8", "surrogateescape")


def added_lines(
    root: Path, revisions: list[str], pathspecs: Iterable[str] = ()
) -> dict[str, set[int]]:
    """Line numbers of the new side that ``git diff REVISIONS`` adds, per path (a renamed file's
    unchanged lines are not added: git's rename detection, as the range scans use)."""
    out = run(
        [
            "-c",
            "core.quotePath=false",
            "diff",
            "--no-color",
            "--no-ext-diff",
            "-M",
            "-U0",
            "--src-prefix=a/",
            "--dst-prefix=b/",
            *revisions,
            "--",
            *pathspecs,
        ],
        root,
    )
    added: dict[str, set[int]] = {}
    path: str | None = None
    for line in out.splitlines():
        if line.startswith(b"+++ "):
            name = unquoted(line[4:])
            path = name[2:] if name.startswith("b/") else None
            continue
        match = _HUNK.match(line)
        if match and path is not None:
            start, count = int(match.group(1)), int(match.group(2) or b"1")
            added.setdefault(path, set()).update(range(start, start + count))
    return added
