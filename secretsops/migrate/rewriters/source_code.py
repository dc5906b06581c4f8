"""Source code in Python, JavaScript/TypeScript and C#: the string literal holding
the secret (quotes included) becomes an environment-variable lookup; the vault holds the whole
literal's text (a full connection string when the secret was part of one)."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Sequence
from pathlib import PurePosixPath

from secretsops.migrate.rewriters import _lexer, _text
from secretsops.migrate.rewriters._text import Edit, Lines
from secretsops.migrate.rewriters.base import (
    Reference,
    Replacement,
    RewriteOptions,
    RewriteResult,
    Site,
)

_LANGUAGES = {
    ".py": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".ts": "javascript",
    ".tsx": "javascript",
    ".mts": "javascript",
    ".cts": "javascript",
    ".cs": "csharp",
}
_LEXERS = {
    "javascript": _lexer.JAVASCRIPT,
    "csharp": _lexer.CSHARP,
}
_NAME_BEFORE = re.compile(r"([A-Za-z_$][\w$]*)[\"'\]]?\s*(?::=|=|:)\s*(?:const\s+)?$")


def language_of(path: str) -> str | None:
    return _LANGUAGES.get(PurePosixPath(path).suffix.lower())


def lookup(language: str, env: str, csharp_qualified: bool = False) -> str:
    if language == "python":
        return f'os.environ["{env}"]'
    if language == "javascript":
        return f"process.env.{env}"
    if language == "csharp":
        return (
            "System." if csharp_qualified else ""
        ) + f'Environment.GetEnvironmentVariable("{env}")'
    raise ValueError(language)


class SourceCodeRewriter:
    kind = "source-code"

    def handles(self, path: str, text: str) -> bool:
        return language_of(path) is not None

    def locate(self, path: str, text: str, sites: Sequence[Site]) -> list[Replacement]:
        language = language_of(path)
        if language is None:
            return []
        found = _python_literals(text) if language == "python" else None
        if found is None and language != "python":
            found = [
                (lit.start, lit.end, lit.value)
                for lit in _lexer.literals(text, _LEXERS[language])
                if not lit.template
            ]
        if found is None:
            return []
        lines = Lines(text)
        out: list[Replacement] = []
        taken: set[int] = set()
        for site, at in _text.sites_with_extra_occurrences(text, sites, lines):
            for start, end, value in found:
                if start < at and at + len(site.value) < end:
                    if value is not None and site.value in value and start not in taken:
                        taken.add(start)
                        out.append(
                            Replacement(site, start, end, value, name_hint=_name_hint(text, start))
                        )
                    break
        return out

    def render(
        self,
        path: str,
        text: str,
        chosen: Sequence[tuple[Replacement, Reference]],
        options: RewriteOptions,
    ) -> RewriteResult:
        language = language_of(path) or "python"
        qualified = language == "csharp" and not re.search(r"(?m)^\s*using\s+System\s*;", text)
        edits = [
            Edit(r.start, r.end, lookup(language, ref.env_name, qualified)) for r, ref in chosen
        ]
        lines = Lines(text)
        if language == "csharp":
            edits.extend(_const_to_readonly(text, lines, [r for r, _ in chosen]))
        if language == "python" and not _imports_os(text):
            edits.append(_import_os(text, lines))
        new_text, leftovers = _text.sweep_leftovers(_text.apply_edits(text, edits), chosen)
        envs = sorted({(ref.env_name, ref.secret_name) for _, ref in chosen})
        notes = [
            f"the program now reads {env} from its environment: on Azure App Service set the "
            f"app setting {env} = @Microsoft.KeyVault(VaultName={options.vault_name};"
            f'SecretName={secret}); locally: export {env}="$(az keyvault secret show '
            f'--vault-name {options.vault_name} --name {secret} --query value -o tsv)"'
            for env, secret in envs
        ]
        if language == "javascript" and PurePosixPath(path).suffix.lower() in (".ts", ".tsx"):
            notes.append(
                "TypeScript types process.env values as string | undefined: check for a "
                "missing value where a string is required"
            )
        return RewriteResult(kind=self.kind, text=new_text, notes=tuple(notes), manual=leftovers)


def _python_literals(text: str) -> list[tuple[int, int, str | None]] | None:
    """(start, end, value) of each plain Python string token; bytes and f-strings have no
    single value and are left out (a person rewrites them)."""
    lines = Lines(text)
    out: list[tuple[int, int, str | None]] = []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return None
    docstrings = _statement_strings(text)
    for token in tokens:
        if token.type != tokenize.STRING or token.start[0] in docstrings:
            continue
        prefix = token.string[: len(token.string) - len(token.string.lstrip("rRbBuUfF"))]
        if set(prefix.lower()) & {"b", "f"}:
            continue
        try:
            value = ast.literal_eval(token.string)
        except (ValueError, SyntaxError):
            continue
        start = lines.start(token.start[0]) + token.start[1]
        end = lines.start(token.end[0]) + token.end[1]
        out.append((start, end, value if isinstance(value, str) else None))
    return out


def _statement_strings(text: str) -> set[int]:
    """First lines of strings that stand alone as statements (docstrings): prose, not a value
    a lookup could replace."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return set()
    return {
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    }


def _name_hint(text: str, start: int) -> str:
    head = text[text.rfind("\n", 0, start) + 1 : start]
    match = _NAME_BEFORE.search(head)
    return match.group(1).lstrip("$") if match else ""


def _imports_os(text: str) -> bool:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return bool(re.search(r"(?m)^import os\s*$", text))
    return any(
        isinstance(node, ast.Import)
        and any(a.name == "os" and a.asname is None for a in node.names)
        for node in tree.body
    )


def _import_os(text: str, lines: Lines) -> Edit:
    """``import os`` before the first import (after ``from __future__`` ones), else after the
    module docstring, else at the top (after a shebang or encoding line)."""
    nl = _text.newline_of(text)
    line = 1
    try:
        tree = ast.parse(text)
    except SyntaxError:
        tree = None
    if tree is not None:
        after = 0
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.module == "__future__":
                after = node.end_lineno or node.lineno
                continue
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                line = node.lineno
                break
            if (
                node is tree.body[0]
                and isinstance(node, ast.Expr)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                after = node.end_lineno or node.lineno
                continue
            line = after + 1
            break
        else:
            line = after + 1
        line = max(line, after + 1)
    while line <= len(lines) and re.match(r"#!|#.*coding[:=]", lines.content(line)) and line == 1:
        line += 1
    at = lines.start(line) if line <= len(lines) else len(text)
    prefix = "" if at == 0 or text[at - 1] == "\n" else nl
    return Edit(at, at, f"{prefix}import os{nl}")


def _const_to_readonly(text: str, lines: Lines, chosen: Sequence[Replacement]) -> list[Edit]:
    """A C# ``const`` cannot hold a method call: ``const`` becomes ``static readonly``."""
    edits = []
    for replacement in chosen:
        line = lines.line_of(replacement.start)
        head = text[lines.start(line) : replacement.start]
        match = re.search(r"\bconst\b", head)
        if match:
            at = lines.start(line) + match.start()
            edits.append(Edit(at, at + len("const"), "static readonly"))
    return edits
