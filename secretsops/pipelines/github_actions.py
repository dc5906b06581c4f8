"""GitHub Actions workflows: ``env:`` at workflow, job and step level, ``with:`` inputs,
``services.<id>.credentials`` and ``container.credentials``, and ``run:`` scripts.

Values written as ``${{ secrets.NAME }}`` (or any ``${{ ... }}`` expression) are references.
"""

from __future__ import annotations

from collections.abc import Iterator

import yaml

from secretsops.pipelines.candidates import Candidate, yaml_candidates

SCRIPT_KEYS = ("run",)


def candidates(doc: yaml.Node) -> Iterator[Candidate]:
    yield from yaml_candidates(doc)
