"""Values of a pipeline document that the rules call credentials, before positions are found.

Every format module turns a composed document into ``Candidate`` records: the scalar node, the
path to it, the secret (the whole scalar or a part of it) and its offset in the scalar's value.
``secretsops.pipelines.structure`` then finds the exact line and column in the file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import yaml

from secretsops.pipelines import rules
from secretsops.pipelines.yaml_nodes import Entry, PathPart, is_plain_string, mapping, walk

#: Rule names, as reports and docs show them.
NAMED_LITERAL = "literal under a credential name"
PLAINTEXT_VARIABLE = "plaintext variable carrying a credential"
SECRET_IN_EXPORT = "secret variable's value in an export"  # noqa: S105 - a rule name
CONNECTION_STRING = "password or key in a connection string"


@dataclass(frozen=True)
class Candidate:
    parts: tuple[PathPart, ...]
    node: yaml.ScalarNode
    offset: int | None  # where the secret starts in the scalar's value; None: the whole value
    rule: str
    secret: str = field(repr=False)


NameOf = Callable[[Entry], str | None]


def key_name(entry: Entry) -> str | None:
    """The name a value is assigned to: its key, or for ``value``/``default`` entries of a
    ``{name: X, value: Y}`` item (Azure Pipelines list-form variables, template parameters) the
    item's ``name``, or for ``{value: Y, ...}``/``{default: Y, ...}`` under a key (GitLab's
    expanded variables, DevOps exports, GitHub workflow inputs) that key."""
    key = entry.key
    if key in ("value", "default"):
        named = mapping(entry.parent).get("name")
        if isinstance(named, yaml.ScalarNode):
            return str(named.value)
        if len(entry.parts) >= 2 and isinstance(entry.parts[-2], str):
            return entry.parts[-2]  # GitLab ``NAME: {value: ...}``, GitHub inputs' ``default``
    return key


def yaml_candidates(
    doc: yaml.Node,
    *,
    name_of: NameOf = key_name,
    skip: Callable[[Entry], bool] = lambda entry: False,
) -> Iterator[Candidate]:
    """The rules every YAML pipeline format shares, over every scalar of ``doc``."""
    for entry in walk(doc):
        if skip(entry):
            continue
        yield from entry_candidates(entry, name_of(entry))


def entry_candidates(entry: Entry, name: str | None) -> Iterator[Candidate]:
    node = entry.node
    value = str(node.value)
    found: set[str] = set()
    if name is not None and is_plain_string(node) and rules.is_credential_name(name):
        if ";" in value and "=" in value:
            for offset, secret in rules.connection_string_secrets(value):
                found.add(secret)
                yield Candidate(entry.parts, node, offset, CONNECTION_STRING, secret)
        elif rules.is_literal_credential(value, name):
            found.add(value)
            yield Candidate(entry.parts, node, None, NAMED_LITERAL, value)
    if not is_plain_string(node):
        return
    if ";" in value and "=" in value:
        for offset, secret in rules.connection_string_secrets(value):
            if secret not in found:
                found.add(secret)
                yield Candidate(entry.parts, node, offset, CONNECTION_STRING, secret)
    if any(c.isspace() for c in value.strip()) or "://" in value:
        for hit in rules.script_secrets(value):
            if hit.secret not in found:
                found.add(hit.secret)
                yield Candidate(entry.parts, node, hit.offset, hit.rule, hit.secret)
