"""The staged index: what the next commit will contain, read from git's object store."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from secretsops import git
from secretsops.errors import UsageError
from secretsops.sources import SKIP_TOO_LARGE, Item


def staged_root(paths: Sequence[Path]) -> Path:
    """The repository a staged scan reads; every path must exist in it or its index."""
    anchor = paths[0] if paths else Path(".")
    start = anchor if anchor.exists() else anchor.parent
    if not start.exists():
        raise UsageError(f"path not found: {anchor}")
    return git.require_toplevel(start.resolve()).resolve()


def _pathspecs(paths: Sequence[Path], root: Path) -> list[str]:
    specs = []
    for p in paths:
        absolute = p if p.is_absolute() else Path.cwd() / p
        # The working file may be gone (staged, then deleted): resolve the folder only.
        parent = absolute.parent.resolve()
        full = parent / absolute.name
        if full != root and root not in full.parents:
            raise UsageError(f"{p} is outside the repository at {root}")
        rel = full.relative_to(root).as_posix()
        specs.append(":(literal)" + ("." if rel == "." else rel))
    return specs


def items(paths: Sequence[Path], max_size: int) -> tuple[Path, Iterator[Item]]:
    """The root and the staged content of ``paths`` (or of the whole index)."""
    root = staged_root(paths)
    specs = _pathspecs(paths, root) if paths else []
    entries = [
        e
        for e in git.index_entries(root, specs)
        if e.mode not in (git.GITLINK_MODE, git.SYMLINK_MODE)
    ]

    def generate() -> Iterator[Item]:
        if not entries:
            return
        with git.CatFile(root) as cat:
            blobs = cat.read_many((e.blob for e in entries), max_size=max_size)
            for entry, (_, data) in zip(entries, blobs, strict=True):
                if data is None:
                    yield Item(path=entry.path, data=None, skipped=SKIP_TOO_LARGE)
                else:
                    yield Item(path=entry.path, data=data)

    return root, generate()
