"""GitLab CI: ``variables:`` at the top and in jobs, in the short form (``NAME: value``) and
the expanded form (``NAME: {value: ..., description: ...}``, the name is the key above
``value``), and ``script``/``before_script``/``after_script`` lines.

``$NAME`` and ``${NAME}`` are references to CI/CD variables kept in the project settings.
"""

from __future__ import annotations

from collections.abc import Iterator

import yaml

from secretsops.pipelines.candidates import Candidate, yaml_candidates

SCRIPT_KEYS = ("script", "before_script", "after_script")


def candidates(doc: yaml.Node) -> Iterator[Candidate]:
    yield from yaml_candidates(doc)
