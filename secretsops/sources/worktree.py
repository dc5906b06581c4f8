"""The working tree: files git tracks plus untracked files it does not ignore, or a plain folder."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from secretsops import git
from secretsops.errors import InputError, UsageError
from secretsops.sources import SKIP_TOO_LARGE, SKIP_UNREADABLE, Item


@dataclass(frozen=True)
class Selection:
    """Where a scan is rooted and which files (relative to the root) it reads."""

    root: Path
    files: list[str]
    is_git: bool


def _relative(path: Path, root: Path) -> str:
    return path.resolve().relative_to(root.resolve()).as_posix()


def select(paths: Sequence[Path]) -> Selection:
    """Resolve command-line paths to a root and the files to scan.

    A directory inside a repository means its tracked and unignored untracked files; a plain
    directory means every regular file below it (``.git`` folders excepted); a file argument
    means that file, whatever git thinks of it.
    """
    if not paths:
        paths = [Path(".")]
    for p in paths:
        if not p.exists():
            raise UsageError(f"path not found: {p}")
        # A path named on the command line must be readable; files met while walking a
        # folder that cannot be read are skipped and counted instead.
        if not os.access(p, os.R_OK | (os.X_OK if p.is_dir() else 0)):
            raise InputError(f"cannot read {p}: permission denied")
    root = git.toplevel(paths[0].resolve())
    if root is not None:
        root = root.resolve()
        files: set[str] = set()
        dirs: list[str] = []
        for p in paths:
            resolved = p.resolve()
            if resolved != root and root not in resolved.parents:
                raise UsageError(f"{p} is outside the repository at {root}")
            if resolved.is_dir():
                rel = _relative(resolved, root)
                dirs.append(":(literal)" + ("" if rel == "." else rel))
            else:
                files.add(_relative(resolved, root))
        if dirs:
            files.update(git.listed_files(root, [d if d != ":(literal)" else "." for d in dirs]))
        return Selection(root=root, files=sorted(files), is_git=True)

    dir_args = [p.resolve() for p in paths if p.is_dir()]
    cwd = Path.cwd().resolve()
    if len(dir_args) == 1 and len(paths) == 1:
        base = dir_args[0]
    elif all(p.resolve() == cwd or cwd in p.resolve().parents for p in paths):
        # Files named from the current folder keep the paths a scan of that folder reports,
        # so they match a baseline created there.
        base = cwd
    else:
        base = Path(os.path.commonpath([str(p.resolve()) for p in paths]))
        if base.is_file():
            base = base.parent
    files = set()
    for p in paths:
        resolved = p.resolve()
        if resolved.is_dir():
            for dirpath, dirnames, filenames in os.walk(resolved):
                dirnames[:] = sorted(d for d in dirnames if d != ".git")
                for name in filenames:
                    full = Path(dirpath) / name
                    if full.is_file() and not full.is_symlink():
                        files.add(_relative(full, base))
        else:
            files.add(_relative(resolved, base))
    return Selection(root=base, files=sorted(files), is_git=False)


def items(selection: Selection, max_size: int) -> Iterator[Item]:
    """Each selected file's bytes, or the reason it was not read."""
    for rel in selection.files:
        full = selection.root / rel
        try:
            if full.is_symlink() or not full.is_file():
                # A tracked file deleted from the work tree, a symlink, or a submodule.
                continue
            if full.stat().st_size > max_size:
                yield Item(path=rel, data=None, skipped=SKIP_TOO_LARGE)
                continue
            data = full.read_bytes()
        except OSError:
            yield Item(path=rel, data=None, skipped=SKIP_UNREADABLE)
            continue
        yield Item(path=rel, data=data)
