"""Count findings an inline allowlist comment suppressed, for the gate's summary.

A line marked ``pragma: allowlist secret`` (detect-secrets; ``pragma: allowlist nextline
secret`` marks the next line) or ``gitleaks:allow`` is never reported. To show how many such
exceptions a change carries, the files holding a marker are scanned twice, as they are and with
the markers taken out; what only the second scan finds, on a line the change adds, was
allowlisted. Values stay in memory; only the count leaves this module.
"""

from __future__ import annotations

import re
from pathlib import Path

from secretsops import git
from secretsops.errors import GitError
from secretsops.scan.engine import Engine, EngineConfig

MARKER = re.compile(r"pragma: ?allowlist[ -](?:nextline[ -])?secret|gitleaks:allow", re.IGNORECASE)
_GREP = ["-e", "allowlist", "-e", "gitleaks:allow"]


def added_lines(root: Path, base: str, head: str = "HEAD") -> dict[str, set[int]]:
    """Line numbers at ``head`` that ``base...head`` adds, per path."""
    return git.added_lines(root, [f"{base}...{head}"])


def marked_files(root: Path, paths: list[str] | None, head: str = "HEAD") -> list[str]:
    """Files at ``head`` that mention an allowlist marker (``git grep``)."""
    if paths is not None and not paths:
        return []
    try:
        out = git.run(
            ["grep", "-l", "-I", "-i", "--full-name", *_GREP, head, "--", *(paths or [])], root
        )
    except GitError:  # git grep exits 1 when nothing matches
        return []
    prefix = f"{head}:"
    return [
        line[len(prefix) :] if line.startswith(prefix) else line
        for line in out.decode("utf-8", "surrogateescape").splitlines()
    ]


def count_allowlisted(
    root: Path,
    base: str | None,
    config: EngineConfig,
    max_size: int = 1_000_000,
    head: str = "HEAD",
) -> int:
    """Findings suppressed by inline markers: on lines ``base...head`` adds, or (no base) all."""
    added = added_lines(root, base, head) if base is not None else None
    files = marked_files(root, sorted(added) if added is not None else None, head)
    if not files:
        return 0
    count = 0
    with Engine(config) as engine:
        for path in files:
            try:
                data = git.run(["cat-file", "blob", f"{head}:{path}"], root)
            except GitError:  # a file git cannot show holds nothing to count
                continue
            if len(data) > max_size:
                continue
            text = data.decode("utf-8", "replace")
            if not MARKER.search(text):
                continue
            plain = MARKER.sub("", text)
            seen = {(s.line, s.type, s.secret) for s in engine.scan_text(path, text)}
            for s in engine.scan_text(path, plain):
                if (s.line, s.type, s.secret) in seen:
                    continue
                if added is None or s.line in added.get(path, set()):
                    count += 1
    return count
