"""detect-secrets' YAML view of a text, computed on libyaml.

detect-secrets' ``YAMLTransformer`` renders each string (or binary) value of a mapping as
``key: "value"`` on the line PyYAML's reader was on when the value's node began to be composed
(``YAMLFileParser._compose_node_shim`` reads ``loader.line``). That needs PyYAML's pure-Python
loader, which is some 50 to 100 times slower than libyaml: on ansible/ansible's history, the
1,000 versions of its two largest YAML files cost more CPU than everything else together.

This module composes the same node tree with libyaml (``yaml.CSafeLoader``, the same resolver
and constructor), then does the shim's work on it in document order, with the line the shim
would have read:

- PyYAML's scanner inserts a block mapping's KEY token only when it meets the value
  indicator ``:``, and the parser hands the key's scalar to the composer as soon as that token
  exists: no token after the ``:`` is read yet. So when a value's node begins, the reader is
  just past its ``:``, the first character after the key's node that is not a space, a line
  break or a comment. That holds for simple keys (``key: value``) and explicit ones
  (``? key`` / ``: value``) alike;
- each visit of a node (an alias visits its anchor's node again) sets its ``__line__``; each
  mapping visited is wrapped by detect-secrets' own ``_tag_dict_values``, so anchors, aliases,
  merge keys and binary values come out as the shim makes them;
- detect-secrets' own ``YAMLFileParser.__iter__`` then walks the constructed data, and the
  lines are rendered as ``YAMLTransformer.parse_file`` renders them.

- in a flow mapping (``{a: b}``, or ``[a: b]``) the shim takes the line of the innermost
  flow collection's start, or the reader's line a few tokens on: when the mapping lies on one
  line, both are that line.

What this model does not cover is left to detect-secrets' transformer, which is then run as
it is: flow mappings over several lines (the shim tracks their keys differently), keys that are
collections or aliases, a ``:`` not found where it must be, tabs, line breaks other than LF
and CRLF, byte-order marks, directives, characters PyYAML's reader rejects, any error libyaml
reports while composing (PyYAML's loader decides whether the text parses), and a PyYAML
without libyaml. A tree that composes but cannot be constructed (an unknown tag) fails as it
does in the transformer.
``SECRETSOPS_YAML_VIEW=reference`` always runs the transformer.
``tests/test_yaml_view.py`` compares both on generated documents; ``benchmarks/history.py
--reference`` compares a whole history scan's findings with it.
"""

from __future__ import annotations

import base64
import gc
import os
import re
from bisect import bisect_right
from typing import Any

MODES = ("libyaml", "reference")

# Texts whose lines libyaml and PyYAML's reader might count or read differently.
_UNSURE_TEXT = re.compile(r"[\t\x85\u2028\u2029\ufeff]|\r(?!\n)|^%", re.MULTILINE)
# PyYAML's Reader.NON_PRINTABLE: such a character makes its loader fail.
_NON_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
# What may lie between a key's node and its value indicator: spaces, line breaks, comments
# (a ``#`` after a space or at a line's start).
_GAP = re.compile(r"(?:[ \r\n]|(?<![^ \r\n])#[^\n]*)*")
# A block scalar's header as PyYAML's scanner accepts it, from the node's start (its tag and
# anchor, if any): libyaml also takes a comment right after the indicators (``|#``).
_BLOCK_HEADER = re.compile(
    r"(?:[!&][^ \r\n]*[ ]+)*[|>][-+1-9]{0,2}(?:[ ]+(?:#[^\r\n]*)?)?(?:\r?\n|$)"
)


_BLOCK = ("|", ">")  # block scalar styles


class _Unsure(Exception):
    """The text or its tree lies outside what the libyaml model covers."""


def mode() -> str:
    """``$SECRETSOPS_YAML_VIEW``: ``libyaml`` (the default) or ``reference``."""
    name = os.environ.get("SECRETSOPS_YAML_VIEW") or "libyaml"
    if name not in MODES:
        from secretsops.errors import UsageError

        raise UsageError(f"SECRETSOPS_YAML_VIEW must be one of {', '.join(MODES)}: {name!r}")
    return name


#: What PyYAML's constructors raise besides ``YAMLError`` on a tree they cannot build: an
#: explicit tag on a value it does not fit (``!!float abc``, ``!!timestamp x``, ``!!binary``
#: of bad base64), or nesting deeper than the interpreter's recursion limit.
CONSTRUCT_ERRORS = (ValueError, TypeError, OverflowError, RecursionError)


def yaml_view(file: Any, transformer: Any) -> list[str]:
    """``transformer.parse_file(file)`` (detect-secrets' ``YAMLTransformer``): the same lines,
    or the same ``ParsingError``; ``file`` is a named text stream at its start.

    A tree the constructor cannot build (``CONSTRUCT_ERRORS``) is detect-secrets'
    ``ParsingError`` here too: the YAML view fails and the file is read as plain lines, where
    detect-secrets' scan would stop with a traceback."""
    from detect_secrets.transformers.exceptions import ParsingError

    if mode() == "libyaml":
        lines = fast_view(file.getvalue())
        if lines is not None:
            return lines
    try:
        result: list[str] = transformer.parse_file(file)
    except CONSTRUCT_ERRORS:
        raise ParsingError from None
    return result


def fast_view(text: str) -> list[str] | None:
    """The YAML view of ``text`` computed on libyaml, or None where the model does not apply
    (then detect-secrets' transformer must be run). Raises detect-secrets' ``ParsingError``
    where the transformer would: the tree composes but cannot be constructed (a tag no safe
    loader knows, such as Ansible's ``!vault``)."""
    import yaml
    from detect_secrets.transformers.exceptions import ParsingError

    if not getattr(yaml, "__with_libyaml__", False):
        return None
    if _UNSURE_TEXT.search(text) or _NON_PRINTABLE.search(text):
        return None
    collecting = gc.isenabled()
    gc.disable()  # tens of thousands of nodes at once: collections would cost more than parsing
    try:
        loader = yaml.CSafeLoader(text)
        try:
            node = loader.get_single_node()
            data = None
            if node is not None:
                node = _Tagger(text).visit(node, 0)
                try:
                    data = loader.construct_document(node)
                except (yaml.YAMLError, *CONSTRUCT_ERRORS):
                    raise ParsingError from None
        finally:
            loader.dispose()
        items = sorted(_parser(text, data), key=lambda item: item.line_number)
    except ParsingError:
        raise
    except Exception:  # libyaml's errors, and anything unforeseen: the transformer decides
        return None
    finally:
        if collecting:
            gc.enable()
    return _render(items)


def _render(items: list[Any]) -> list[str]:
    """``YAMLTransformer.parse_file``'s lines from the parser's sorted values."""
    from detect_secrets.transformers.yaml import _yaml_comment_regex

    comment_of = _yaml_comment_regex()
    seen: set[Any] = set()
    lines: list[str] = []
    for item in items:
        if item in seen:  # an alias's value met again
            continue
        seen.add(item)
        while len(lines) < item.line_number - 1:
            lines.append("")
        value = item.value
        if isinstance(value, bytes):  # !!binary: rendered base64-encoded
            value = base64.b64encode(value).decode()
        found = comment_of.search(item.line.strip())
        comment = found.group(0) if found else ""
        escaped = value.replace('"', '\\"')
        lines.append(f'{item.key}: "{escaped}"{comment}')
    return lines


def _parser_class() -> type[Any]:
    from detect_secrets.transformers.yaml import YAMLFileParser

    class Parser(YAMLFileParser):
        """detect-secrets' parser with its data composed by libyaml: ``__iter__`` is its own."""

        def __init__(self, text: str, data: Any) -> None:
            self.content = text
            self._data = data

        def json(self) -> Any:
            return self._data

    return Parser


class _Tagger:
    """The shim's work on a libyaml tree: ``visit`` is one ``compose_node`` call."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._breaks = [m.start() for m in re.finditer("\n", text)]
        self._seen: set[int] = set()

    def _value_line(self, key: Any) -> int | None:
        """The 0-based line PyYAML's reader is on when the value after ``key`` begins (None:
        a line the model does not know; ``visit`` gives up if it is ever needed)."""
        end: int = key.end_mark.index
        line: int
        if self._text[end : end + 1] == ":":  # ``key:``, most keys
            at, line = end, key.end_mark.line
        else:
            gap = _GAP.match(self._text, end)
            at = gap.end() if gap is not None else -1
            if at < 0 or self._text[at : at + 1] != ":":
                raise _Unsure
            line = bisect_right(self._breaks, at)
        if key.start_mark.line == line:
            return line  # a simple key: the reader has just passed its ``:``
        # An explicit key (``? key`` / ``: value``). A plain key's scanner stops at a comment
        # line between the two, a multi-line one on its last line, a block scalar after its
        # breaks; a key on one line with nothing but spaces and breaks before the ``:`` leaves
        # the reader just past it, as a simple key does.
        if (
            key.style in _BLOCK
            or key.start_mark.line != key.end_mark.line
            or "#" in self._text[end:at]
        ):
            return None
        return line

    def _scalar(self, node: Any, line: int | None) -> None:
        """A scalar's first visit."""
        if node.style in _BLOCK and not _BLOCK_HEADER.match(self._text, node.start_mark.index):
            raise _Unsure
        node.__line__ = None if line is None else line + 1

    def visit(self, node: Any, line: int | None) -> Any:
        """What the shim returns for ``node`` composed with the reader on ``line`` (None: a
        line the model does not know, which only a first visit of a key or a sequence item
        may have: no wrapping reads it before a later visit sets it)."""
        from yaml import MappingNode, ScalarNode, SequenceNode

        seen = self._seen
        if id(node) in seen:  # an alias: its anchor's node, composed again
            if line is None:
                raise _Unsure
            node.__line__ = line + 1
            return _wrapped(node) if node.tag.endswith(":map") else node
        seen.add(id(node))
        if type(node) is ScalarNode:
            self._scalar(node, line)
            return _wrapped(node) if node.tag.endswith(":map") else node
        if type(node) is MappingNode:
            flow: int | None = None
            if node.flow_style and node.value:
                # The shim reads a flow mapping's values on the line of its ``{`` (or ``[``)
                # or where the reader is, a few tokens on: one line when all of it is.
                if node.start_mark.line != node.end_mark.line:
                    raise _Unsure
                flow = node.start_mark.line
            pairs = []
            for key, value in node.value:
                if type(key) is not ScalarNode or id(key) in seen or key.tag.endswith(":map"):
                    raise _Unsure
                seen.add(id(key))
                self._scalar(key, None)
                here = self._value_line(key) if flow is None else flow
                if type(value) is ScalarNode and id(value) not in seen:
                    seen.add(id(value))  # the usual value, visited here
                    self._scalar(value, here)
                    if value.tag.endswith(":map"):
                        raise _Unsure
                    pairs.append((key, value))
                else:
                    pairs.append((key, self.visit(value, here)))
            node.value = pairs
        elif type(node) is SequenceNode:
            node.value = [self.visit(item, None) for item in node.value]
        else:
            raise _Unsure
        node.__line__ = None if line is None else line + 1
        if node.tag.endswith(":map"):
            return _wrapped(node)
        return node


def _wrapped(node: Any) -> Any:
    """detect-secrets' ``_tag_dict_values``, once every value it tags has a known line."""
    from detect_secrets.transformers.yaml import _tag_dict_values

    for _, value in node.value:
        if value.tag.endswith((":str", ":binary")) and getattr(value, "__line__", None) is None:
            raise _Unsure
    return _tag_dict_values(node)


_PARSER: list[type[Any]] = []


def _parser(text: str, data: Any) -> Any:
    """A ``YAMLFileParser`` over ``data`` (the class is built on first use: detect-secrets is
    imported only when a YAML file is read)."""
    if not _PARSER:
        _PARSER.append(_parser_class())
    return _PARSER[0](text, data)
