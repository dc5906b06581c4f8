"""Taking a file that moved whole to the vault (a private key) out of the repository: its path
ignored in the root ``.gitignore``, dropped from git's index (``git rm --cached``), then deleted.
Each step is idempotent, so a run stopped between two of them is finished by the next one."""

from __future__ import annotations

import time
from pathlib import Path

from secretsops import git
from secretsops.errors import GitError
from secretsops.migrate import atomic, planner

LOCK_TRIES = 20  # another git (an editor's, a killed run's orphan) may hold index.lock briefly


def ignore(root: Path, path: str) -> bool:
    """Add the path's pattern to ``root/.gitignore`` unless a line already is it; whether the
    file changed. The write is atomic, the file's encoding and line breaks are kept."""
    target = root / ".gitignore"
    pattern = planner.gitignore_pattern(path)
    try:
        content = atomic.read(target)
    except FileNotFoundError:
        atomic.write_bytes(target, f"{pattern}\n".encode())
        return True
    text = content.text
    if pattern in (line.strip() for line in text.splitlines()):
        return False
    newline = "\r\n" if "\r\n" in text else "\n"
    if text and not text.endswith(("\n", "\r")):
        text += newline
    atomic.write_bytes(target, content.encode(f"{text}{pattern}{newline}"))
    return True


def untrack(root: Path, path: str) -> None:
    """``git rm --cached`` of the path (nothing when it is not tracked, or no repository)."""
    if git.toplevel(root) is None:
        return
    for attempt in range(LOCK_TRIES):
        try:
            git.run(["rm", "--cached", "--quiet", "--ignore-unmatch", "--", path], root)
            return
        except GitError as exc:
            if "index.lock" not in str(exc) or attempt == LOCK_TRIES - 1:
                raise
            time.sleep(0.1)
