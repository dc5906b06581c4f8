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
- in a flow mapping (``{a: b}``, or ``[a: b]``) the shim takes the line of the innermost
  flow collection's start, or the reader's line a few tokens on: when the mapping lies on one
  line, both are that line;
- each visit of a scalar (an alias visits its anchor's node again) sets its ``__line__``; each
  mapping visited is wrapped as ``_tag_dict_values`` wraps it, its string and binary values
  tagged with their lines at that moment (a collection's own line is never read);
- ``_Builder`` then does what ``construct_document`` and ``YAMLFileParser.__iter__`` do with
  the wrapped tree, without building the tagged values' three-key mappings: keys and other
  scalars are built by the loader's own constructors, mappings become dicts filled in the
  constructor's order (duplicate and colliding keys, ``<<`` merges flattened as
  ``flatten_mapping`` does), and the values are walked breadth first, as ``__iter__`` walks
  them; the lines are rendered as ``YAMLTransformer.parse_file`` renders them.

What this model does not cover is left to detect-secrets' transformer, which is then run as
it is: flow mappings over several lines (the shim tracks their keys differently), keys that are
collections or aliases, a string alias in a sequence, a ``:`` not found where it must be,
``!!set``, ``!!omap`` and ``!!pairs``, a merge of anything but mappings, the tagged values'
own key names in the document, tabs, line breaks other than LF and CRLF, byte-order marks,
directives, characters PyYAML's reader rejects, any error libyaml reports while composing
(PyYAML's loader decides whether the text parses), and a PyYAML without libyaml. A tree that
composes but cannot be constructed (an unknown tag such as Ansible's ``!vault``, ``!!float``
on a word) fails as it does in the transformer.
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
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from yaml import MappingNode, ScalarNode, SequenceNode

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

    if not getattr(yaml, "__with_libyaml__", False):
        return None
    if _UNSURE_TEXT.search(text) or _NON_PRINTABLE.search(text):
        return None
    with _gc_paused():
        return _fast_view(text)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic collection meanwhile: a tree of tens of thousands of nodes is made at once,
    and collections would cost more than parsing."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _fast_view(text: str) -> list[str] | None:
    """``fast_view`` once the text is known to be one the model may read."""
    import yaml
    from detect_secrets.transformers.exceptions import ParsingError

    try:
        kept = _take_composed(text)
        loader = kept[0] if kept is not None else yaml.CSafeLoader(text)
        try:
            node = kept[1] if kept is not None else loader.get_single_node()
            items: list[_Item] = []
            if node is not None:
                root = _Tagger(text).visit(node, 0)
                try:
                    items = _Builder(loader, text).items(root)
                except (yaml.YAMLError, *CONSTRUCT_ERRORS):
                    raise ParsingError from None
        finally:
            loader.dispose()
        items.sort(key=_line_of)
    except ParsingError:
        raise
    except Exception:  # libyaml's errors, and anything unforeseen: the transformer decides
        return None
    return _render(items)


#: One of detect-secrets' ``YAMLValue``: (key, value, line number, the line's text).
_Item = tuple[Any, Any, int, str]


def _line_of(item: _Item) -> int:
    return item[2]


#: The last text ``aliases_explode`` composed, with its loader and tree, for ``fast_view``.
_COMPOSED: list[tuple[str, Any, Any]] = []


def _take_composed(text: str) -> tuple[Any, Any] | None:
    """The loader and tree ``aliases_explode`` kept for ``text`` (once), else None."""
    if not _COMPOSED:
        return None
    kept, loader, node = _COMPOSED.pop()
    if len(kept) == len(text) and kept == text:
        return loader, node
    loader.dispose()
    return None


def aliases_explode(text: str, limit: int) -> bool | None:
    """Whether walking the one document of ``text`` with its aliases expanded visits more
    than ``limit`` values (``yaml_nodes.walk``'s count: each node once per path to it, the
    values of keys that are collections left out), counted on the libyaml tree with each
    node's count computed once. None where that tree does not answer (several documents, a
    composer error, an alias cycle, a PyYAML without libyaml): then walk the documents.
    The tree is kept for a ``fast_view`` of the same text that comes next."""
    import yaml

    if not getattr(yaml, "__with_libyaml__", False):
        return None
    while _COMPOSED:
        _COMPOSED.pop()[1].dispose()
    loader = yaml.CSafeLoader(text)
    try:
        with _gc_paused():
            node = loader.get_single_node()
            total = 0 if node is None else _expanded(node, {}, set())
    except Exception:  # composer errors, a cycle, nesting past the recursion limit
        loader.dispose()
        return None
    _COMPOSED.append((text, loader, node))
    return total > limit


class _Cycle(Exception):
    """An alias inside its own anchor's node."""


def _expanded(node: Any, counts: dict[int, int], path: set[int]) -> int:
    kind = type(node)
    if kind is ScalarNode:
        return 1
    key = id(node)
    known = counts.get(key)
    if known is not None:
        return known
    if key in path:
        raise _Cycle
    path.add(key)
    total = 1
    if kind is MappingNode:
        for name, value in node.value:
            if type(name) is ScalarNode:
                total += _expanded(value, counts, path)
    else:
        for item in node.value:
            total += _expanded(item, counts, path)
    path.discard(key)
    counts[key] = total
    return total


def _render(items: list[_Item]) -> list[str]:
    """``YAMLTransformer.parse_file``'s lines from the parser's sorted values."""
    from detect_secrets.transformers.yaml import _yaml_comment_regex

    comment_of = _yaml_comment_regex()
    seen: set[Any] = set()
    lines: list[str] = []
    for item in items:
        if item in seen:  # an alias's value met again
            continue
        seen.add(item)
        key, value, number, line = item
        while len(lines) < number - 1:
            lines.append("")
        if isinstance(value, bytes):  # !!binary: rendered base64-encoded
            value = base64.b64encode(value).decode()
        found = comment_of.search(line.strip()) if "#" in line else None  # it needs a ``#``
        comment = found.group(0) if found else ""
        escaped = value.replace('"', '\\"')
        lines.append(f'{key}: "{escaped}"{comment}')
    return lines


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
        seen = self._seen
        if id(node) in seen:  # an alias: its anchor's node, composed again
            if type(node) is not ScalarNode:
                # A collection's own line is never read (only string values are tagged).
                return _wrapped(node) if node.tag.endswith(":map") else node
            if line is None:  # a string's line is read again if its mapping is wrapped again
                raise _Unsure
            node.__line__ = line + 1  # type: ignore[attr-defined]
            return node
        seen.add(id(node))
        if type(node) is ScalarNode:
            self._scalar(node, line)
            if node.tag.endswith(":map"):  # a scalar tagged as a mapping: the constructor fails
                raise _Unsure
            return node
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


_STR = "tag:yaml.org,2002:str"
_BINARY = "tag:yaml.org,2002:binary"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"
#: Scalar tags whose data PyYAML's safe constructor builds here, node by node.
_SCALARS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("null", "bool", "int", "float", "binary", "timestamp", "str")
)
#: Keys of detect-secrets' tagged values: a mapping of the document using them would be
#: taken for one.
_TAGGED_KEYS = frozenset({"__value__", "__line__", "__original_key__"})


class _Tagged:
    """A string (or binary) value as ``_tag_dict_values`` tags it: its key's text (its
    ``__original_key__``, a string whatever the key's tag), its node and the line the shim
    gave it when the mapping was wrapped."""

    __slots__ = ("data", "key", "line", "node")

    def __init__(self, key: str, node: Any, line: int) -> None:
        self.key = key
        self.node = node
        self.line = line
        self.data: tuple[Any, Any] | None = None  # (key, value), once built


class _Wrapped:
    """What ``_tag_dict_values`` returns for a mapping: its pairs, string values tagged."""

    __slots__ = ("pairs",)
    tag = _MAP

    def __init__(self, pairs: list[tuple[Any, Any]]) -> None:
        self.pairs = pairs


def _wrapped(node: Any) -> _Wrapped:
    """detect-secrets' ``_tag_dict_values``, once every value it tags has a known line."""
    if node.tag != _MAP:
        raise _Unsure
    pairs: list[tuple[Any, Any]] = []
    for key, value in node.value:
        tag = value.tag
        if tag.endswith((":str", ":binary")):
            line = getattr(value, "__line__", None)
            if line is None or tag not in (_STR, _BINARY):
                raise _Unsure
            pairs.append((key, _Tagged(key.value, value, line)))
        else:
            pairs.append((key, value))
    return _Wrapped(pairs)


class _Builder:
    """``construct_document`` on the wrapped tree, then ``YAMLFileParser.__iter__``'s walk,
    without building the tagged values' mappings: the same values, in the same order.

    Keys and non-string scalars are built by the loader's own constructors (the same
    objects, the same errors); mappings are Python dicts filled as ``construct_mapping``
    fills them, merge keys (``<<``) flattened as ``flatten_mapping`` does."""

    def __init__(self, loader: Any, text: str) -> None:
        self._loader = loader
        self._lines = text.splitlines()
        self._built: dict[int, Any] = {}

    def items(self, root: Any) -> list[_Item]:
        from collections import deque

        found: list[_Item] = []
        lines = self._lines
        queue = deque([self._build(root)])
        while queue:
            item = queue.popleft()
            if not item:
                continue
            kind = type(item)
            if kind is _Tagged:
                assert item.data is not None
                key, value = item.data
                found.append((key, value, item.line, lines[item.line - 1]))
            elif kind is dict:
                queue.extend(item.values())
            elif kind is list:
                if "__line__" in item:  # the walk would take the list for a tagged value
                    raise _Unsure
                queue.extend(item)
            elif kind is str and "__line__" in item:
                raise _Unsure
        return found

    def _build(self, obj: Any) -> Any:
        kind = type(obj)
        if kind is _Wrapped:
            done = self._built.get(id(obj))
            if done is not None:
                return done
            data: dict[Any, Any] = {}
            self._built[id(obj)] = data
            for key, value in self._flat(obj):
                name = self._scalar(key)
                if name.__class__ is str and name in _TAGGED_KEYS:
                    raise _Unsure
                if type(value) is _Tagged:
                    self._tag(value)
                    data[name] = value
                else:
                    data[name] = self._build(value)
            return data
        if kind is _Tagged:  # a tagged value in a sequence (a merged list's item)
            raise _Unsure
        if obj.tag in _SCALARS and kind is ScalarNode:
            return self._scalar(obj)
        if obj.tag == _SEQ and kind is SequenceNode:
            done = self._built.get(id(obj))
            if done is not None:
                return done
            items: list[Any] = []
            self._built[id(obj)] = items
            items.extend(self._build(item) for item in obj.value)
            return items
        from detect_secrets.transformers.exceptions import ParsingError
        from yaml import SafeLoader

        if obj.tag in SafeLoader.yaml_constructors:
            raise _Unsure  # ``!!set``, ``!!omap``, ``!!pairs``, a tag on the wrong node kind
        raise ParsingError  # a tag no safe loader knows (``!vault``): construct_undefined

    def _scalar(self, node: Any) -> Any:
        if node.tag == _STR:
            return node.value
        if node.tag not in _SCALARS or type(node) is not ScalarNode:
            raise _Unsure
        return self._loader.construct_object(node)

    def _tag(self, tagged: _Tagged) -> None:
        """The tagged value's data: its key's text and ``__value__``, built by its tag."""
        if tagged.data is not None:
            return
        node = tagged.node
        value = node.value if node.tag == _STR else self._loader.construct_object(node)
        tagged.data = (tagged.key, value)

    def _flat(self, mapping: _Wrapped) -> list[tuple[Any, Any]]:
        """``SafeConstructor.flatten_mapping``: merged pairs first, later merges first."""
        merged: list[tuple[Any, Any]] = []
        own: list[tuple[Any, Any]] = []
        for key, value in mapping.pairs:
            if key.tag != _MERGE:
                if key.tag == "tag:yaml.org,2002:value":
                    raise _Unsure
                own.append((key, value))
            elif type(value) is _Wrapped:
                merged.extend(self._flat(value))
            elif type(value) is SequenceNode:
                groups = []
                for item in value.value:
                    if type(item) is not _Wrapped:
                        raise _Unsure
                    groups.append(self._flat(item))
                for group in reversed(groups):
                    merged.extend(group)
            else:
                raise _Unsure
        return merged + own
