"""Azure DevOps exports: variable groups (``az pipelines variable-group list``, the REST
``distributedtask/variablegroups`` response, ``variable-group variable list``), build definitions
(``variables``, full ``variableGroups``) and release definitions (``variables`` and each of
``environments[].variables``), as JSON.

A variable is ``{"value": ..., "isSecret": ..., ...}`` under its name in a ``variables`` map.

- a secret variable's value comes back as ``null``: nothing to report (it is stored by Azure
  DevOps, not in the file);
- a plaintext variable (``isSecret`` false or absent) is a finding when its name is a
  credential's, or when its value is one (a connection string's password or key, a password in a
  URL, or a long random token);
- a secret variable whose value is present in the export is a finding (the export holds it);
- references (``$(name)``...) are never findings, and variable groups linked to Key Vault
  (``"type": "AzureKeyVault"``) hold names of vault secrets, so they are passed over.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator

import yaml

from secretsops.pipelines import rules
from secretsops.pipelines.candidates import (
    CONNECTION_STRING,
    PLAINTEXT_VARIABLE,
    SECRET_IN_EXPORT,
    Candidate,
)
from secretsops.pipelines.yaml_nodes import (
    PathPart,
    is_null,
    is_plain_string,
    mapping,
    scalar_text,
    walk_nodes,
)

KEY_VAULT_GROUP = "azurekeyvault"


def candidates(doc: yaml.Node) -> Iterator[Candidate]:
    for parts, node in walk_nodes(doc):
        if not isinstance(node, yaml.MappingNode):
            continue
        entries = mapping(node)
        kind = (scalar_text(entries.get("type")) or "").casefold()
        variables = entries.get("variables")
        if isinstance(variables, yaml.MappingNode):
            if kind == KEY_VAULT_GROUP:
                continue
            yield from _variables(variables, (*parts, "variables"))
        elif not parts and _is_variable_map(node):
            # ``az pipelines variable-group variable list``: the map alone.
            yield from _variables(node, ())


def _is_variable_map(node: yaml.MappingNode) -> bool:
    values = list(mapping(node).values())
    return bool(values) and all(
        isinstance(v, yaml.MappingNode) and ("value" in mapping(v) or "isSecret" in mapping(v))
        for v in values
    )


def _variables(node: yaml.MappingNode, parts: tuple[PathPart, ...]) -> Iterator[Candidate]:
    for name, variable in mapping(node).items():
        fields = mapping(variable)
        value = fields.get("value")
        if not isinstance(value, yaml.ScalarNode) or is_null(value):
            continue
        if not is_plain_string(value):
            continue
        secret_flag = (scalar_text(fields.get("isSecret")) or "").casefold() == "true"
        text = str(value.value)
        here = (*parts, name, "value")
        if secret_flag:
            if _plain_literal(text):
                yield Candidate(here, value, None, SECRET_IN_EXPORT, text)
            continue
        yield from _plaintext(here, value, name, text)


def _plain_literal(text: str) -> bool:
    return bool(text.strip()) and not rules.is_reference(text) and rules.is_literal_credential(text)


def _plaintext(
    here: tuple[PathPart, ...], value: yaml.ScalarNode, name: str, text: str
) -> Iterator[Candidate]:
    if ";" in text and "=" in text:
        found = list(rules.connection_string_secrets(text))
        for offset, secret in found:
            yield Candidate(here, value, offset, CONNECTION_STRING, secret)
        if found:
            return
    if rules.is_credential_name(name) and rules.is_literal_credential(text, name):
        yield Candidate(here, value, None, PLAINTEXT_VARIABLE, text)
        return
    for hit in rules.script_secrets(text):
        yield Candidate(here, value, hit.offset, hit.rule, hit.secret)
        return
    if looks_random(text) and not rules.is_reference(text):
        yield Candidate(here, value, None, PLAINTEXT_VARIABLE, text)


_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_-.~")


def looks_random(value: str) -> bool:
    """A long random token: 20+ token characters mixing upper case, lower case and digits, with
    at least 3.5 bits of entropy per character (words, GUIDs and hex ids do not qualify)."""
    if len(value) < 20 or len(value) > 1000 or not set(value) <= _TOKEN_CHARS:
        return False
    if not (
        any(c.isupper() for c in value)
        and any(c.islower() for c in value)
        and any(c.isdigit() for c in value)
    ):
        return False
    counts = Counter(value)
    entropy = -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())
    return entropy >= 3.5
