"""Composed YAML (and JSON) nodes with positions, walked with their structural paths.

PyYAML's ``compose`` keeps every node's start and end mark (0-based line and column); the
libyaml-backed ``CSafeLoader`` does it about ten times faster when it is available. JSON is
read the same way (a JSON document is a YAML flow document), so exports get positions too.

A structural path names a scalar from the document root: mapping keys joined by ``.``,
sequence items as ``[index]``; a key that holds ``.``, ``[``, ``]``, ``"``, whitespace or is
empty is written ``["key"]`` (JSON string escaping). ``docs/pipelines.md`` has the grammar.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

PathPart = str | int
_PLAIN_KEY = re.compile(r"[^.\[\]\"\s]+")


class StructureError(Exception):
    """The text is not well-formed YAML or JSON; the message is the parser's one-line reason."""


def compose_documents(text: str) -> list[yaml.Node]:
    """Every document of ``text`` as a node tree (empty documents left out)."""
    try:
        return [node for node in yaml.compose_all(text, Loader=_Loader) if node is not None]
    except yaml.YAMLError as exc:
        raise StructureError(_reason(exc)) from None
    except (ValueError, RecursionError) as exc:  # pragma: no cover - pathological input
        raise StructureError(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None


def _reason(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.MarkedYAMLError):
        problem = exc.problem or exc.context or "malformed"
        mark = exc.problem_mark or exc.context_mark
        if mark is not None:
            return f"{problem} at line {mark.line + 1}, column {mark.column + 1}"
        return str(problem)
    first = str(exc).strip().splitlines()
    return first[0] if first else "malformed YAML"


def format_path(parts: tuple[PathPart, ...]) -> str:
    """``("jobs", "build", "steps", 2, "env", "X")`` -> ``jobs.build.steps[2].env.X``."""
    out: list[str] = []
    for part in parts:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif _PLAIN_KEY.fullmatch(part):
            out.append(f".{part}" if out else part)
        else:
            out.append(f"[{json.dumps(part)}]")
    return "".join(out)


def scalar_text(node: yaml.Node | None) -> str | None:
    """A scalar node's string value (as written, never resolved to a number or boolean)."""
    if isinstance(node, yaml.ScalarNode):
        return str(node.value)
    return None


def is_null(node: yaml.Node | None) -> bool:
    return node is None or (
        isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"
    )


def is_plain_string(node: yaml.Node | None) -> bool:
    """A scalar that resolves to a string (not a number, boolean or null)."""
    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:str"


def mapping(node: yaml.Node | None) -> dict[str, yaml.Node]:
    """A mapping node's entries with scalar keys (last one wins, as YAML loaders do)."""
    out: dict[str, yaml.Node] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            text = scalar_text(key)
            if text is not None:
                out[text] = value
    return out


@dataclass(frozen=True)
class Entry:
    """One scalar value in the tree: its path, the key it sits under, and its parent."""

    parts: tuple[PathPart, ...]
    node: yaml.ScalarNode
    parent: yaml.Node | None

    @property
    def key(self) -> str | None:
        last = self.parts[-1] if self.parts else None
        return last if isinstance(last, str) else None

    @property
    def path(self) -> str:
        return format_path(self.parts)


#: Values walked in one document at most: aliases can make a small file a huge tree (a
#: "billion laughs" document); beyond this the file is reported as not parsed.
MAX_VALUES = 200_000


def walk(node: yaml.Node, parts: tuple[PathPart, ...] = ()) -> Iterator[Entry]:
    """Every scalar value below ``node`` (mapping keys are not values), depth first."""
    budget = MAX_VALUES
    stack: list[tuple[yaml.Node, tuple[PathPart, ...], yaml.Node | None, frozenset[int]]] = [
        (node, parts, None, frozenset())
    ]
    while stack:
        current, here, parent, seen = stack.pop()
        budget -= 1
        if budget < 0:
            raise StructureError(f"more than {MAX_VALUES} values (aliases expanded)")
        if isinstance(current, yaml.ScalarNode):
            yield Entry(here, current, parent)
            continue
        if id(current) in seen:  # an alias cycle
            continue
        inner = seen | {id(current)}
        children: list[tuple[yaml.Node, tuple[PathPart, ...], yaml.Node | None, frozenset[int]]]
        if isinstance(current, yaml.MappingNode):
            children = []
            for key, value in current.value:
                text = scalar_text(key)
                if text is not None:
                    children.append((value, (*here, text), current, inner))
        elif isinstance(current, yaml.SequenceNode):
            children = [(v, (*here, i), current, inner) for i, v in enumerate(current.value)]
        else:  # pragma: no cover - compose yields only these three kinds
            continue
        stack.extend(reversed(children))


def walk_nodes(
    node: yaml.Node, parts: tuple[PathPart, ...] = ()
) -> Iterator[tuple[tuple[PathPart, ...], yaml.Node]]:
    """Every collection node below ``node`` (itself included), with its path."""
    budget = MAX_VALUES
    stack: list[tuple[yaml.Node, tuple[PathPart, ...], frozenset[int]]] = [
        (node, parts, frozenset())
    ]
    while stack:
        current, here, seen = stack.pop()
        budget -= 1
        if budget < 0:
            raise StructureError(f"more than {MAX_VALUES} values (aliases expanded)")
        if isinstance(current, yaml.ScalarNode) or id(current) in seen:
            continue
        yield here, current
        inner = seen | {id(current)}
        if isinstance(current, yaml.MappingNode):
            for key, value in reversed(current.value):
                text = scalar_text(key)
                if text is not None:
                    stack.append((value, (*here, text), inner))
        elif isinstance(current, yaml.SequenceNode):
            for i in range(len(current.value) - 1, -1, -1):
                stack.append((current.value[i], (*here, i), inner))
