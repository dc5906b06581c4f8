"""YAML with positions: every scalar of every document with its path and character span, so a
rewrite touches only the span it must (PyYAML's composer keeps comments and layout out of the
tree, and we never dump a tree back)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import yaml

from secretsops.migrate.rewriters.base import Site

PathKey = str | int

# List items are addressed by these keys in structural paths ("jobs.build" is the job "build").
_ITEM_NAMES = ("job", "stage", "deployment", "name", "template", "task", "group")


@dataclass(frozen=True)
class Scalar:
    doc: int  # index of the YAML document in the stream
    path: tuple[PathKey, ...]
    node: yaml.ScalarNode
    chain: tuple[yaml.Node, ...]  # containers from the document root down to the parent

    @property
    def start(self) -> int:
        return int(self.node.start_mark.index)

    @property
    def end(self) -> int:
        return int(self.node.end_mark.index)

    @property
    def key(self) -> str | None:
        """The mapping key this scalar is the value of, if any."""
        last = self.path[-1] if self.path else None
        return last if isinstance(last, str) else None


def documents(text: str) -> list[yaml.Node | None]:
    """The composed documents, or an empty list when the text is not YAML."""
    try:
        return list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.YAMLError:
        return []


def parses(text: str) -> bool:
    try:
        list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.YAMLError:
        return False
    return True


def scalars(roots: list[yaml.Node | None]) -> Iterator[Scalar]:
    for doc, root in enumerate(roots):
        if root is not None:
            yield from _walk(doc, root, (), ())


def _walk(
    doc: int, node: yaml.Node, path: tuple[PathKey, ...], chain: tuple[yaml.Node, ...]
) -> Iterator[Scalar]:
    if isinstance(node, yaml.ScalarNode):
        yield Scalar(doc, path, node, chain)
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else "?"
            yield from _walk(doc, value, (*path, str(name)), (*chain, node))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _walk(doc, item, (*path, index), (*chain, node))


def get(node: yaml.Node | None, key: str) -> yaml.Node | None:
    """The value of ``key`` in a mapping node."""
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                found: yaml.Node = v
                return found
    return None


def key_node(node: yaml.Node | None, key: str) -> yaml.ScalarNode | None:
    if isinstance(node, yaml.MappingNode):
        for k, _ in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return k
    return None


def scalar_value(node: yaml.Node | None) -> str | None:
    return str(node.value) if isinstance(node, yaml.ScalarNode) else None


_SEGMENT = re.compile(r'\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\.?([^.\[\]]+)')


def split_structural_path(path: str) -> list[PathKey]:
    """``jobs[0].steps[2].env.SQL_PASSWORD`` -> ["jobs", 0, "steps", 2, "env", ...]; a key
    written ``["a.b"]`` (JSON string) is one key; ``jobs.build`` names a job by its id."""
    import json

    out: list[PathKey] = []
    for match in _SEGMENT.finditer(path):
        index, quoted, plain = match.groups()
        if index is not None:
            out.append(int(index))
        elif quoted is not None:
            out.append(str(json.loads(quoted)))
        elif plain is not None:
            out.append(plain)
    return out


def resolve(root: yaml.Node | None, structural_path: str) -> yaml.Node | None:
    """The node a scanner's structural path names: mapping keys, list indices, list items by
    their ``job``/``stage``/``name``... value, and a ``- name: x / value: y`` variable's value."""
    node = root
    for segment in split_structural_path(structural_path):
        if node is None:
            return None
        if isinstance(node, yaml.SequenceNode):
            node = _item(node, segment)
        elif isinstance(node, yaml.MappingNode) and isinstance(segment, str):
            node = get(node, segment)
        else:
            return None
    if isinstance(node, yaml.MappingNode) and get(node, "value") is not None:
        node = get(node, "value")
    return node


def _item(node: yaml.SequenceNode, segment: PathKey) -> yaml.Node | None:
    if isinstance(segment, int):
        items: list[yaml.Node] = node.value
        return items[segment] if 0 <= segment < len(items) else None
    for item in node.value:
        for name in _ITEM_NAMES:
            if scalar_value(get(item, name)) == segment:
                match: yaml.Node = item
                return match
    return None


def line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def column(text: str, index: int) -> int:
    return index - line_start(text, index)


def dash_column(text: str, item: yaml.Node) -> int:
    """The column of the ``-`` that opens a block sequence item."""
    start = int(item.start_mark.index)
    head = text[line_start(text, start) : start]
    at = head.rfind("-")
    return at if at != -1 else column(text, start)


def after_node(text: str, node: yaml.Node) -> int:
    """The offset of the line after the node's last content (where new lines of its parent go):
    block collections and block scalars end at the next token, so back off trailing blank
    lines and comments to the end of the last content line."""
    end = int(node.end_mark.index)
    last = _last_content_end(node)
    end = min(end, last) if last is not None else end
    # end of that line
    nl = text.find("\n", end if end == 0 or text[end - 1] != "\n" else end - 1)
    if end > 0 and text[end - 1] == "\n":
        return end
    return len(text) if nl == -1 else nl + 1


def _last_content_end(node: yaml.Node) -> int | None:
    if isinstance(node, yaml.MappingNode) and node.value:
        return _last_content_end(node.value[-1][1])
    if isinstance(node, yaml.SequenceNode) and node.value:
        return _last_content_end(node.value[-1])
    if isinstance(node, yaml.ScalarNode):
        end = int(node.end_mark.index)
        return end
    return int(node.end_mark.index)


def quoted_if_needed(value: str) -> str:
    """A plain scalar when YAML reads it back unchanged, else single-quoted."""
    try:
        if yaml.safe_load("k: " + value) == {"k": value}:
            return value
    except yaml.YAMLError:
        pass
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class Hit:
    """A site's value inside a YAML scalar: the span to replace and the scalar around it."""

    site_index: int
    start: int
    end: int
    scalar: Scalar


def hits(text: str, roots: list[yaml.Node | None], sites: Sequence[Site]) -> list[Hit]:
    """Every offset of each site's value that lies inside a scalar: offsets on the site's own
    line first (for every site), then the value's other offsets, each span claimed once."""
    from secretsops.migrate.rewriters._text import Lines, sites_with_extra_occurrences

    found = list(scalars(roots))
    index_of = {id(site): i for i, site in enumerate(sites)}
    out: list[Hit] = []
    taken: set[tuple[int, int]] = set()
    for site, at in sites_with_extra_occurrences(text, sites, Lines(text)):
        span = (at, at + len(site.value))
        if span in taken:
            continue
        for scalar in found:
            if scalar.start <= span[0] and span[1] <= scalar.end:
                taken.add(span)
                out.append(Hit(index_of[id(site)], span[0], span[1], scalar))
                break
    return out


def env_insertion(
    text: str, step: yaml.MappingNode, entries: dict[str, str]
) -> tuple[int, str] | str | None:
    """Where and what to insert so that a CI step's ``env:`` maps each key to its value: lines
    appended to a block ``env:`` mapping (keys it has are kept), or a new ``env:`` after the
    step's last line. A one-line manual instruction when the ``env:`` is in a form we do not
    edit; None when nothing is missing."""
    nl = "\r\n" if "\r\n" in text else "\n"
    env = get(step, "env")
    if isinstance(env, yaml.MappingNode) and env.value and not env.flow_style:
        have = {k.value for k, _ in env.value if isinstance(k, yaml.ScalarNode)}
        col = column(text, int(env.value[0][0].start_mark.index))
        at = after_node(text, env)
        lines = [f"{' ' * col}{k}: {v}" for k, v in entries.items() if k not in have]
    elif env is None:
        col = column(text, int(step.start_mark.index))
        at = after_node(text, step)
        lines = [f"{' ' * col}env:"] + [f"{' ' * (col + 2)}{k}: {v}" for k, v in entries.items()]
    else:
        return f"line {step.start_mark.line + 1}: add to this step's env: " + ", ".join(
            f"{k}: {v}" for k, v in entries.items()
        )
    if not lines:
        return None
    prefix = "" if at == 0 or text[at - 1] == "\n" else nl
    return at, prefix + nl.join(lines) + nl
