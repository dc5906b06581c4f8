"""Jupyter notebooks (``.ipynb``, nbformat 4) with a Python kernel.

- **Code cells:** the Python string literal holding the value (quotes included) becomes
  ``key_vault.get_secret("NAME").value``; the first rewritten cell starts with the client,
  ``SecretClient(vault_url=..., credential=DefaultAzureCredential())`` (packages
  ``azure-keyvault-secrets`` and ``azure-identity``). With no vault URL (the local vault) the
  literal becomes ``os.environ["NAME"]`` instead. The vault holds the literal's whole text.
- **Outputs:** a cell whose saved outputs show a value has its outputs cleared (``[]``) and its
  execution count reset: a notebook's outputs are data, and the value printed once is there in
  clear.

The notebook's JSON is edited in place, cell by cell, in the file's own layout (the rest of the
file stays byte for byte), and stays valid nbformat. Other kernels' cells, and values a Python
literal does not hold (a magic, a shell line), are left to a person.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from secretsops.migrate.rewriters import _json, _text
from secretsops.migrate.rewriters._text import Edit, Lines
from secretsops.migrate.rewriters.base import (
    Reference,
    Replacement,
    RewriteOptions,
    RewriteResult,
    Site,
)
from secretsops.migrate.rewriters.source_code import _name_hint, _python_literals

CLIENT = "key_vault"
_MAGIC = re.compile(r"(?m)^[ \t]*[%!].*$")


@dataclass(frozen=True)
class Cell:
    node: _json.Object
    kind: str
    source: _json.Node | None  # an array of strings, or one string
    pieces: tuple[_json.String, ...]  # the source's strings in order
    outputs: _json.Array | None
    count: _json.Member | None  # execution_count

    @property
    def code(self) -> str:
        return "".join(p.value for p in self.pieces)


def cells(root: _json.Node) -> list[Cell]:
    if not isinstance(root, _json.Object):
        return []
    found = root.get("cells")
    if not isinstance(found, _json.Array):
        return []
    out = []
    for node in found.items:
        if not isinstance(node, _json.Object):
            continue
        kind = node.get("cell_type")
        source = node.get("source")
        pieces: tuple[_json.String, ...] = ()
        if isinstance(source, _json.String):
            pieces = (source,)
        elif isinstance(source, _json.Array):
            pieces = tuple(i for i in source.items if isinstance(i, _json.String))
        outputs = node.get("outputs")
        out.append(
            Cell(
                node,
                kind.value if isinstance(kind, _json.String) else "",
                source,
                pieces,
                outputs if isinstance(outputs, _json.Array) else None,
                next((m for m in node.members if m.key == "execution_count"), None),
            )
        )
    return out


def is_python(root: _json.Node) -> bool:
    if not isinstance(root, _json.Object):
        return False
    meta = root.get("metadata")
    if not isinstance(meta, _json.Object):
        return True
    for key, field in (("kernelspec", "language"), ("language_info", "name")):
        section = meta.get(key)
        if isinstance(section, _json.Object):
            value = section.get(field)
            if isinstance(value, _json.String) and value.value.lower() != "python":
                return False
    return True


def _literals(code: str) -> list[tuple[int, int, str | None]]:
    """Python literals of a cell; magics and shell lines are blanked first (same length)."""
    masked = _MAGIC.sub(lambda m: " " * len(m.group(0)), code)
    return _python_literals(masked) or []


def _code_offsets(cell: Cell, text: str, at: int) -> int | None:
    """The offset in the cell's code of the value found at file offset ``at``."""
    base = 0
    for piece in cell.pieces:
        if piece.start < at < piece.end:
            raw = text[piece.start + 1 : at]
            try:
                return base + len(json.loads(f'"{raw}"'))
            except ValueError:
                return None
        base += len(piece.value)
    return None


def _outputs_hold(cell: Cell, values: Sequence[str]) -> bool:
    if cell.outputs is None:
        return False
    return any(
        any(v and v in located.node.value for v in values)
        for located in _json.strings(cell.outputs)
    )


class NotebookRewriter:
    kind = "notebook"

    def handles(self, path: str, text: str) -> bool:
        return PurePosixPath(path).suffix.lower() == ".ipynb"

    def locate(self, path: str, text: str, sites: Sequence[Site]) -> list[Replacement]:
        root = _json.try_parse(text)
        if root is None or not is_python(root):
            return []
        found = cells(root)
        lines = Lines(text)
        out: list[Replacement] = []
        stored_of: dict[str, str] = {}  # detected value -> what its source literal holds
        taken: set[tuple[int, int]] = set()
        output_sites: list[tuple[Site, Cell]] = []
        for site, at in _text.sites_with_extra_occurrences(text, sites, lines):
            cell = next((c for c in found if c.node.start < at < c.node.end), None)
            if cell is None:
                continue
            if cell.outputs is not None and cell.outputs.start < at < cell.outputs.end:
                output_sites.append((site, cell))
                continue
            if cell.kind != "code" or not any(p.start < at < p.end for p in cell.pieces):
                continue
            offset = _code_offsets(cell, text, at)
            if offset is None:
                continue
            code = cell.code
            for start, end, value in _literals(code):
                if start < offset and offset + len(site.value) < end:
                    if value is None or site.value not in value:
                        break
                    if (cell.node.start, start) in taken:
                        break
                    taken.add((cell.node.start, start))
                    stored_of.setdefault(site.value, value)
                    source = cell.source
                    assert source is not None
                    out.append(
                        Replacement(site, source.start, source.end, value, _name_hint(code, start))
                    )
                    break
        seen: set[tuple[int, str]] = set()
        for site, cell in output_sites:
            assert cell.outputs is not None
            if (site.line, site.value) in seen:
                continue
            seen.add((site.line, site.value))
            stored = stored_of.get(site.value, site.value)
            out.append(Replacement(site, cell.outputs.start, cell.outputs.end, stored))
        return out

    def render(
        self,
        path: str,
        text: str,
        chosen: Sequence[tuple[Replacement, Reference]],
        options: RewriteOptions,
    ) -> RewriteResult:
        root = _json.try_parse(text)
        assert root is not None
        found = cells(root)
        values = sorted(
            {v for r, _ in chosen for v in (r.site.value, r.stored)}, key=len, reverse=True
        )
        names = {r.stored: ref for r, ref in chosen}
        use_vault = bool(options.vault_url)
        edits: list[Edit] = []
        prelude_done = False
        imports_os = False
        for cell in found:
            code = cell.code
            imports_os = imports_os or re.search(r"(?m)^import os\s*$", code) is not None
            if cell.kind == "code" and cell.source is not None:
                cell_edits = []
                for start, end, value in _literals(code):
                    if value is not None and value in names:
                        env = names[value]
                        lookup = (
                            f'{CLIENT}.get_secret("{env.secret_name}").value'
                            if use_vault
                            else f'os.environ["{env.env_name}"]'
                        )
                        cell_edits.append(Edit(start, end, lookup))
                if cell_edits:
                    new_code = _text.apply_edits(code, cell_edits)
                    if not prelude_done:
                        new_code = _prelude(options, imports_os) + new_code
                        prelude_done = True
                        imports_os = True
                    edits.append(
                        Edit(cell.source.start, cell.source.end, _source(text, cell, new_code))
                    )
            if _outputs_hold(cell, values):
                assert cell.outputs is not None
                edits.append(Edit(cell.outputs.start, cell.outputs.end, "[]"))
                if cell.count is not None:
                    edits.append(Edit(cell.count.value.start, cell.count.value.end, "null"))
        new_text, leftovers = _text.sweep_leftovers(_text.apply_edits(text, edits), chosen)
        vault = options.vault_name
        if use_vault:
            notes: tuple[str, ...] = (
                f"the notebook reads its secrets from vault '{vault}' with azure-keyvault-secrets: "
                "pip install azure-keyvault-secrets azure-identity, sign in (az login, or a "
                "managed identity) as an identity with Get on the vault's secrets (role Key "
                "Vault Secrets User); cells whose outputs showed a value were cleared: run them "
                "again",
            )
        else:
            notes = tuple(
                f'the notebook reads {ref.env_name} from its environment: export {ref.env_name}="'
                f"$(az keyvault secret show --vault-name {vault} --name {ref.secret_name} "
                '--query value -o tsv)" before starting Jupyter'
                for ref in sorted({ref for _, ref in chosen}, key=lambda r: r.env_name)
            )
        return RewriteResult(kind=self.kind, text=new_text, notes=notes, manual=leftovers)


def _prelude(options: RewriteOptions, imports_os: bool) -> str:
    if not options.vault_url:
        return "" if imports_os else "import os\n\n"
    return (
        "from azure.identity import DefaultAzureCredential\n"
        "from azure.keyvault.secrets import SecretClient\n\n"
        f'{CLIENT} = SecretClient(vault_url="{options.vault_url}", '
        "credential=DefaultAzureCredential())\n\n"
    )


def _source(text: str, cell: Cell, code: str) -> str:
    """The cell's new ``source`` in the layout of the old one (a list of lines, one per row
    at the indentation the file uses, or one string)."""
    assert cell.source is not None
    if isinstance(cell.source, _json.String):
        return _json.dumps(code)
    lines = code.splitlines(keepends=True)
    if not lines:
        return "[]"
    items = [_json.dumps(line) for line in lines]
    first = cell.pieces[0] if cell.pieces else None
    old = text[cell.source.start : cell.source.end]
    if first is None or "\n" not in old:
        return "[" + ", ".join(items) + "]"
    line_start = text.rfind("\n", 0, first.start) + 1
    indent = text[line_start : first.start]
    close_start = text.rfind("\n", 0, cell.source.end - 1) + 1
    close_indent = text[close_start : cell.source.end - 1]
    nl = _text.newline_of(text)
    return "[" + nl + ("," + nl).join(indent + i for i in items) + nl + close_indent + "]"
