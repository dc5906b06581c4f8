"""``.env`` files and docker-compose files. Neither can read Key Vault, so the value moves out
into the environment at run time: a ``.env`` entry is emptied (the shell's variable wins over
it), a compose value becomes ``${NAME:?...}``, which fails fast when the variable is unset."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePosixPath

import yaml

from secretsops.migrate.rewriters import _text, _yaml
from secretsops.migrate.rewriters._text import Edit, Lines
from secretsops.migrate.rewriters.base import (
    Reference,
    Replacement,
    RewriteOptions,
    RewriteResult,
    Site,
)

_ENTRY = re.compile(
    r"^[ \t]*(?:export[ \t]+)?(?P<key>[A-Za-z_][A-Za-z0-9_.\-]*)[ \t]*=[ \t]*"
    r"(?P<value>\"(?:[^\"\\]|\\.)*\"|'[^']*'|[^#\r\n]*?)[ \t]*(?:[ \t]#.*)?$"
)
_COMPOSE_NAME = re.compile(r"(?i)^(?:docker-)?compose(?:[.\-][\w.\-]*)?\.ya?ml$")


def fetch_command(env: str, secret: str, vault: str) -> str:
    return (
        f'export {env}="$(az keyvault secret show --vault-name {vault} --name {secret} '
        '--query value -o tsv)"'
    )


class DotenvRewriter:
    kind = "dotenv"

    def handles(self, path: str, text: str) -> bool:
        name = PurePosixPath(path).name.lower()
        return name == ".env" or name.startswith(".env.") or name.endswith(".env")

    def locate(self, path: str, text: str, sites: Sequence[Site]) -> list[Replacement]:
        lines = Lines(text)
        out: list[Replacement] = []
        taken: set[int] = set()
        for site, at in _text.sites_with_extra_occurrences(text, sites, lines):
            line = lines.line_of(at)
            start = lines.start(line)
            match = _ENTRY.match(lines.content(line))
            if match is None or start + match.start("value") in taken:
                continue
            v_start, v_end = start + match.start("value"), start + match.end("value")
            if not (v_start <= at and at + len(site.value) <= v_end):
                continue
            raw = match.group("value")
            stored = raw[1:-1] if raw[:1] in ("'", '"') and len(raw) >= 2 else raw
            taken.add(v_start)
            out.append(Replacement(site, v_start, v_end, stored, name_hint=match.group("key")))
        return out

    def render(
        self,
        path: str,
        text: str,
        chosen: Sequence[tuple[Replacement, Reference]],
        options: RewriteOptions,
    ) -> RewriteResult:
        lines = Lines(text)
        edits: list[Edit] = []
        notes: list[str] = []
        for replacement, reference in chosen:
            line = lines.content(lines.line_of(replacement.start))
            match = _ENTRY.match(line)
            key = match.group("key") if match else reference.env_name
            # a shell that sources the file runs `export KEY=`: that would wipe the value set
            # from the vault, so an exported entry keeps it instead
            exported = re.match(r"\s*export\s", line) is not None
            edits.append(
                Edit(replacement.start, replacement.end, f'"${{{key}}}"' if exported else "")
            )
            state = f'keeps "${{{key}}}"' if exported else "is now empty"
            note = (
                f"{key} {state} in {path}: set it in the environment before running, "
                + fetch_command(key, reference.secret_name, options.vault_name)
            )
            if note not in notes:
                notes.append(note)
        notes.append(
            "variables already in the environment win over .env entries (docker compose, "
            "python-dotenv and Node's dotenv all keep them); keep real .env files out of git"
        )
        new_text, leftovers = _text.sweep_leftovers(_text.apply_edits(text, edits), chosen)
        return RewriteResult(kind=self.kind, text=new_text, notes=tuple(notes), manual=leftovers)


class ComposeRewriter:
    kind = "docker-compose"

    def handles(self, path: str, text: str) -> bool:
        return bool(_COMPOSE_NAME.match(PurePosixPath(path).name))

    def locate(self, path: str, text: str, sites: Sequence[Site]) -> list[Replacement]:
        roots = _yaml.documents(text)
        hits = _yaml.hits(text, roots, sites)
        out: list[Replacement] = []
        for hit in hits:
            site = sites[hit.site_index]
            entry = _environment_entry(text, hit.scalar)
            if entry is not None:
                key, start, end, stored = entry
                if start <= hit.start and hit.end <= end:
                    out.append(Replacement(site, start, end, stored, name_hint=key))
                    continue
            out.append(
                Replacement(site, hit.start, hit.end, site.value, name_hint=hit.scalar.key or "")
            )
        return out

    def render(
        self,
        path: str,
        text: str,
        chosen: Sequence[tuple[Replacement, Reference]],
        options: RewriteOptions,
    ) -> RewriteResult:
        roots = _yaml.documents(text)
        found = list(_yaml.scalars(roots))
        edits: list[Edit] = []
        notes: list[str] = []
        for replacement, reference in chosen:
            env = replacement.name_hint if _is_env_name(replacement.name_hint) else ""
            env = env or reference.env_name
            new = "${" + env + ":?set " + env + " from Key Vault}"
            scalar = next(
                (s for s in found if s.start <= replacement.start and replacement.end <= s.end),
                None,
            )
            if (
                scalar is not None
                and scalar.node.style is None
                and (scalar.start, scalar.end) == (replacement.start, replacement.end)
            ):
                new = _yaml.quoted_if_needed(new)
            edits.append(Edit(replacement.start, replacement.end, new))
            note = (
                f"{env} must be set when compose runs (it stops otherwise): "
                + fetch_command(env, reference.secret_name, options.vault_name)
                + ", or put it in a git-ignored .env next to the compose file"
            )
            if note not in notes:
                notes.append(note)
        new_text = _text.apply_edits(text, edits)
        if not _yaml.parses(new_text):
            return RewriteResult(
                kind=self.kind,
                text=None,
                manual=tuple(
                    f"line {r.site.line}: use ${{{ref.env_name}}} and set it from Key Vault"
                    for r, ref in chosen
                ),
            )
        new_text, leftovers = _text.sweep_leftovers(new_text, chosen)
        return RewriteResult(kind=self.kind, text=new_text, notes=tuple(notes), manual=leftovers)


def _is_env_name(name: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name))


def _environment_entry(text: str, scalar: _yaml.Scalar) -> tuple[str, int, int, str] | None:
    """(variable, value start, value end, value) when the scalar is a service's environment entry:
    ``KEY: value`` or ``- KEY=value``."""
    path = scalar.path
    if len(path) >= 2 and path[-2] == "environment" and isinstance(path[-1], str):
        return path[-1], scalar.start, scalar.end, str(scalar.node.value)
    if len(path) >= 2 and path[-2] == "environment" and isinstance(path[-1], int):
        source = text[scalar.start : scalar.end]
        quote = source[:1] if source[:1] in ("'", '"') else ""
        body = source[len(quote) : len(source) - len(quote)]
        key, sep, _ = body.partition("=")
        if not sep or not isinstance(scalar.node, yaml.ScalarNode):
            return None
        start = scalar.start + len(quote) + len(key) + 1
        value = str(scalar.node.value).partition("=")[2]
        return key.strip(), start, scalar.end - len(quote), value
    return None
