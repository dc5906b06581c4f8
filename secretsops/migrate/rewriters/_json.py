"""JSON with positions (comments and trailing commas allowed, as .NET configuration files use
them): every value with its character span, so a rewrite replaces one span and leaves the rest
of the file byte for byte (never ``json.dump`` of the whole file)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

PathKey = str | int


@dataclass
class Node:
    start: int
    end: int


@dataclass
class String(Node):
    value: str = ""


@dataclass
class Other(Node):  # numbers, true, false, null
    pass


@dataclass
class Member:
    key: str
    key_start: int
    key_end: int
    value: Node


@dataclass
class Object(Node):
    members: list[Member] = field(default_factory=list)

    def get(self, key: str) -> Node | None:
        for member in self.members:
            if member.key == key:
                return member.value
        return None


@dataclass
class Array(Node):
    items: list[Node] = field(default_factory=list)


class JsonError(ValueError):
    pass


_WS = re.compile(r"(?:\s+|//[^\n]*|/\*.*?\*/)*", re.S)
_STRING = re.compile(r'"(?:[^"\\\x00-\x1f]|\\.)*"')
_OTHER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null")


def parse(text: str) -> Node:
    """The document's root node; ``JsonError`` when the text is not (commented) JSON."""
    parser = _Parser(text)
    at = parser.skip(1 if text.startswith("\ufeff") else 0)
    node, at = parser.value(at)
    if parser.skip(at) != len(text):
        raise JsonError("trailing content")
    return node


def try_parse(text: str) -> Node | None:
    try:
        return parse(text)
    except JsonError:
        return None


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text

    def skip(self, at: int) -> int:
        match = _WS.match(self.text, at)
        return match.end() if match else at

    def value(self, at: int) -> tuple[Node, int]:
        at = self.skip(at)
        char = self.text[at : at + 1]
        if char == "{":
            return self.obj(at)
        if char == "[":
            return self.arr(at)
        if char == '"':
            return self.string(at)
        match = _OTHER.match(self.text, at)
        if not match:
            raise JsonError(f"unexpected character at {at}")
        return Other(at, match.end()), match.end()

    def string(self, at: int) -> tuple[String, int]:
        match = _STRING.match(self.text, at)
        if not match:
            raise JsonError(f"bad string at {at}")
        try:
            value = json.loads(match.group(0))
        except json.JSONDecodeError as exc:
            raise JsonError(str(exc)) from None
        return String(at, match.end(), value), match.end()

    def obj(self, start: int) -> tuple[Object, int]:
        node = Object(start, start)
        at = self.skip(start + 1)
        while self.text[at : at + 1] != "}":
            key, at = self.string(self.skip(at))
            at = self.skip(at)
            if self.text[at : at + 1] != ":":
                raise JsonError(f"expected ':' at {at}")
            value, at = self.value(at + 1)
            node.members.append(Member(key.value, key.start, key.end, value))
            at = self.skip(at)
            if self.text[at : at + 1] == ",":
                at = self.skip(at + 1)
            elif self.text[at : at + 1] != "}":
                raise JsonError(f"expected ',' or '}}' at {at}")
        node.end = at + 1
        return node, at + 1

    def arr(self, start: int) -> tuple[Array, int]:
        node = Array(start, start)
        at = self.skip(start + 1)
        while self.text[at : at + 1] != "]":
            item, at = self.value(at)
            node.items.append(item)
            at = self.skip(at)
            if self.text[at : at + 1] == ",":
                at = self.skip(at + 1)
            elif self.text[at : at + 1] != "]":
                raise JsonError(f"expected ',' or ']' at {at}")
        node.end = at + 1
        return node, at + 1


@dataclass(frozen=True)
class Located:
    path: tuple[PathKey, ...]
    node: String
    chain: tuple[Node, ...]  # containers from the root down to the parent


def strings(root: Node) -> Iterator[Located]:
    yield from _walk(root, (), ())


def _walk(node: Node, path: tuple[PathKey, ...], chain: tuple[Node, ...]) -> Iterator[Located]:
    if isinstance(node, String):
        yield Located(path, node, chain)
    elif isinstance(node, Object):
        for member in node.members:
            yield from _walk(member.value, (*path, member.key), (*chain, node))
    elif isinstance(node, Array):
        for index, item in enumerate(node.items):
            yield from _walk(item, (*path, index), (*chain, node))


def dumps(value: str) -> str:
    """A JSON string literal, keeping non-ASCII characters as they are."""
    return json.dumps(value, ensure_ascii=False)
