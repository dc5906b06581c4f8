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


def changed_paths(root: Path, specs: Sequence[str] = ()) -> set[str] | None:
    """Paths whose staged content the next commit adds or changes (renames followed, deletions
    left out); None before the first commit, when the whole index is new."""
    if git.resolve(root, "HEAD") is None:
        return None
    out = git.run(
        [
            "diff",
            "--cached",
            "--name-only",
            "-z",
            "-M",
            "--diff-filter=ACMRT",
            "HEAD",
            "--",
            *specs,
        ],
        root,
    )
    return set(git.zsplit(out))


def added_lines(root: Path, paths: Sequence[Path]) -> dict[str, set[int]] | None:
    """Per staged path, the line numbers the next commit adds to it (what gitleaks' pre-commit
    scan reads); None before the first commit, when every line is added."""
    if git.resolve(root, "HEAD") is None:
        return None
    specs = _pathspecs(paths, root) if paths else []
    return git.added_lines(root, ["--cached", "HEAD"], specs)


def items(paths: Sequence[Path], max_size: int) -> tuple[Path, Iterator[Item]]:
    """The root and the staged content of ``paths``; with no paths, of the files the next
    commit adds or changes (a commit hook's files), not the whole index."""
    root = staged_root(paths)
    specs = _pathspecs(paths, root) if paths else []
    changed = None if paths else changed_paths(root)
    entries = [
        e
        for e in git.index_entries(root, specs)
        if e.mode not in (git.GITLINK_MODE, git.SYMLINK_MODE)
        and (changed is None or e.path in changed)
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
