"""Realistic files per rewriter kind, their secrets generated at test time (``fakes``), and the
planner's part of a rewrite played out for tests: scan, build sites from the findings, locate,
group by stored value, name, render."""

from __future__ import annotations

import base64
import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import fakes

from secretsops.migrate.rewriters import Rewriter, rewriter_for
from secretsops.migrate.rewriters.base import (
    NameStyle,
    Reference,
    Replacement,
    RewriteOptions,
    RewriteResult,
    Site,
)
from secretsops.scan.files import scan_paths
from secretsops.scan.filters import is_placeholder

VAULT = "kv-app-prod"
OPTIONS = RewriteOptions(vault_name=VAULT, vault_url=f"https://{VAULT}.vault.azure.net")


def new_password() -> str:
    """``fakes.password()``, drawn again when the scanner's placeholder filter would drop it
    (``xxXX`` inside a random value reads as a placeholder): tests must not flake on a draw."""
    while True:
        value = fakes.password()
        if not is_placeholder(value):
            return value


def b64(value: str) -> str:
    return base64.b64encode(value.encode()).decode()


def sql_connection(password: str) -> str:
    return (
        "Server=tcp:sql-app.database.windows.net,1433;Database=app;User ID=app;"
        f"Password={password};Encrypt=True;"
    )


def vault_name(hint: str, style: NameStyle) -> str:
    """The planner's naming, as simply as tests need it."""
    if style is NameStyle.DOTNET:
        return re.sub(r"[^0-9A-Za-z-]", "-", hint.replace(":", "--"))
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1-\2", hint)
    return re.sub(r"-+", "-", re.sub(r"[^0-9A-Za-z]", "-", spaced)).strip("-").lower()


def sites_in(folder: Path, rel: str) -> list[Site]:
    """Sites built from the scanner's findings in one file, as the planner builds them."""
    result, _, _ = scan_paths([folder])
    return [
        Site(
            path=f.path,
            line=f.line,
            value=f.secret,
            finding_type=f.type,
            fingerprint=f.fingerprint,
            structural_path=f.structural_path,
        )
        for f in result.findings
        if f.path == rel
    ]


def findings_of(folder: Path) -> list[tuple[str, str]]:
    """(path, value) of every finding under the folder."""
    result, _, _ = scan_paths([folder])
    return [(f.path, f.secret) for f in result.findings]


@dataclass
class Outcome:
    rewriter: Rewriter
    sites: list[Site]
    replacements: list[Replacement]
    references: dict[str, Reference]  # stored value -> reference
    result: RewriteResult
    old: str
    rel: str

    @property
    def text(self) -> str:
        assert self.result.text is not None, self.result.manual
        return self.result.text

    def stored(self) -> set[str]:
        return {r.stored for r in self.replacements}

    def secret_names(self) -> set[str]:
        return {ref.secret_name for ref in self.references.values()}


def rewrite(
    folder: Path,
    rel: str,
    content: str,
    *,
    newline: str = "\n",
    options: RewriteOptions = OPTIONS,
    sites: Sequence[Site] | None = None,
) -> Outcome:
    """Write the file, scan it, locate, name one secret per stored value, render."""
    path = folder / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.replace("\n", newline).encode())
    text = path.read_bytes().decode()
    found = list(sites) if sites is not None else sites_in(folder, rel)
    rewriter = rewriter_for(rel, text)
    replacements = rewriter.locate(rel, text, found)
    references: dict[str, Reference] = {}
    chosen = []
    for replacement in replacements:
        if replacement.stored not in references:
            hint = replacement.name_hint or "secret"
            name = vault_name(hint, replacement.name_style)
            if name in {r.secret_name for r in references.values()}:
                name = f"{name}-{len(references) + 1}"
            env = re.sub(r"[^A-Z0-9]", "_", name.upper())
            references[replacement.stored] = Reference(secret_name=name, env_name=env)
        chosen.append((replacement, references[replacement.stored]))
    result = rewriter.render(rel, text, chosen, options)
    return Outcome(rewriter, found, replacements, references, result, text, rel)


def assert_rewritten(outcome: Outcome, folder: Path, *values: str) -> None:
    """The invariants every rewrite keeps: values gone from the text, the notes and the manual
    steps; the scanner finds none of them in the new file; line endings kept."""
    text = outcome.text
    for value in values:
        assert value not in text
        for line in (*outcome.result.notes, *outcome.result.manual):
            assert value not in line
    clean = folder.parent / (folder.name + "-after")
    target = clean / outcome.rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(text.encode())
    leaked = [(p, v) for p, v in findings_of(clean) if any(x in v or v in x for x in values)]
    assert leaked == [], [p for p, _ in leaked]
    if "\r\n" in outcome.old:
        assert text.count("\n") == text.count("\r\n"), "CRLF file gained LF-only lines"
    assert text.endswith("\n") == outcome.old.endswith("\n")


def assert_kept(old: str, new: str, changed: Sequence[int]) -> None:
    """Every line of ``old`` outside ``changed`` (1-based) is in ``new``, byte for byte and in
    the same order."""
    kept = [line for i, line in enumerate(old.splitlines(True), 1) if i not in changed]
    lines = new.splitlines(True)
    at = 0
    for line in kept:
        while at < len(lines) and lines[at] != line:
            at += 1
        assert at < len(lines), f"line lost or changed: {line!r}"
        at += 1


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def python_compiles(source: str, tmp: Path) -> None:
    script = tmp / "compiled_check.py"
    script.write_text(source)
    proc = subprocess.run(
        [sys.executable, "-m", "py_compile", str(script)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr


def javascript_parses(source: str, tmp: Path) -> bool:
    """``node --check`` on the source; False when node is not installed (then only the
    line-by-line assertions of the test speak)."""
    import shutil

    node = shutil.which("node")
    if node is None:
        return False
    script = tmp / "syntax_check.js"
    script.write_text(source)
    proc = subprocess.run([node, "--check", str(script)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return True


__all__ = ["OPTIONS", "VAULT", "Outcome", "fakes", "new_password"]
