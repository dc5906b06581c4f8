"""Azure Pipelines YAML: ``variables:`` (mapping and list forms, at pipeline, stage and job
level), template ``parameters:`` defaults, task ``inputs:``, step ``env:`` and inline scripts.

The list form ``- name: sqlAdminPassword`` / ``value: ...`` and a parameter's ``default:`` take
their name from the item's ``name``. The inputs of an ``AzureKeyVault@N`` task name secrets in a
vault (``SecretsFilter``) and hold none, so they are passed over; the variables that task
creates are read through ``$(name)`` macros, which are references.
"""

from __future__ import annotations

from collections.abc import Iterator

import yaml

from secretsops.pipelines.candidates import Candidate, key_name, yaml_candidates
from secretsops.pipelines.yaml_nodes import Entry, mapping, scalar_text

#: Keys whose value is an inline script (for the docs; every string is checked for arguments).
SCRIPT_KEYS = ("script", "bash", "powershell", "pwsh", "inlineScript", "Inline", "arguments")


def candidates(doc: yaml.Node) -> Iterator[Candidate]:
    vault_inputs = _key_vault_task_inputs(doc)

    def skip(entry: Entry) -> bool:
        return entry.parent is not None and id(entry.parent) in vault_inputs

    yield from yaml_candidates(doc, name_of=key_name, skip=skip)


def _key_vault_task_inputs(doc: yaml.Node) -> set[int]:
    """ids of the ``inputs`` mappings of ``AzureKeyVault@N`` steps."""
    from secretsops.pipelines.yaml_nodes import walk_nodes

    out: set[int] = set()
    for _, node in walk_nodes(doc):
        if not isinstance(node, yaml.MappingNode):
            continue
        entries = mapping(node)
        task = scalar_text(entries.get("task"))
        if task and task.casefold().startswith("azurekeyvault@"):
            inputs = entries.get("inputs")
            if inputs is not None:
                out.add(id(inputs))
    return out
