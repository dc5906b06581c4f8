"""Check the emulator's responses against the official Key Vault secrets OpenAPI document.

Each answered request is matched to its operation by method and path template (the SDK's
empty-version form ``/secrets/{name}/`` matches ``{secret-version}`` as an empty segment), then
its body is validated with ``jsonschema`` against the operation's success schema or, for errors,
``KeyVaultError``. Validation runs twice: against the schemas as published, and against a strict
copy that also rejects properties the schema does not define, so a stray field shows up.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema

from secretsops.vault.emulator import Exchange

SPECS = Path(__file__).resolve().parents[1] / "specs"
SECRETS_SPEC = SPECS / "secrets.json"


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    pattern: re.Pattern[str]
    literal_segments: int
    responses: dict[str, Any]


def _strict(definitions: dict[str, Any]) -> dict[str, Any]:
    strict = copy.deepcopy(definitions)
    for schema in strict.values():
        if schema.get("type") == "object" and "properties" in schema:
            schema.setdefault("additionalProperties", False)
    return strict


class SecretsSpec:
    """The operations and schemas of ``secrets.json``."""

    def __init__(self, path: Path = SECRETS_SPEC) -> None:
        self.document = json.loads(path.read_text(encoding="utf-8"))
        self.definitions: dict[str, Any] = self.document["definitions"]
        self._strict = _strict(self.definitions)
        self.operations: list[Operation] = []
        for template, methods in self.document["paths"].items():
            regex = re.sub(
                r"\{([^}]+)\}",
                lambda m: "[^/]*" if m.group(1) == "secret-version" else "[^/]+",
                template,
            )
            literals = sum(1 for part in template.split("/") if part and "{" not in part)
            for method, operation in methods.items():
                self.operations.append(
                    Operation(
                        operation["operationId"],
                        method.upper(),
                        re.compile(regex),
                        literals,
                        operation["responses"],
                    )
                )
        self.operations.sort(key=lambda op: -op.literal_segments)

    @property
    def operation_ids(self) -> set[str]:
        return {op.operation_id for op in self.operations}

    def operation(self, method: str, path: str) -> Operation | None:
        for op in self.operations:
            if op.method == method and op.pattern.fullmatch(path):
                return op
        return None

    def validate(self, body: Any, definition: str) -> None:
        """Raise ``jsonschema.ValidationError`` unless ``body`` is a valid ``definition``."""
        for definitions in (self.definitions, self._strict):
            schema = {"$ref": f"#/definitions/{definition}", "definitions": definitions}
            jsonschema.Draft4Validator(schema).validate(body)

    def check(self, exchange: Exchange) -> str | None:
        """Validate one answered request; returns the operationId of a successful one."""
        op = self.operation(exchange.method, exchange.path)
        where = f"{exchange.method} {exchange.path} -> {exchange.status}"
        if 200 <= exchange.status < 300:
            assert op is not None, f"success on a path the spec does not have: {where}"
            response = op.responses.get(str(exchange.status))
            assert response is not None, f"{where}: status not in the spec for {op.operation_id}"
            schema = response.get("schema")
            if schema is None:
                assert exchange.body == b"", f"{where}: the spec has no body here"
            else:
                definition = schema["$ref"].rsplit("/", 1)[-1]
                self.validate(json.loads(exchange.body), definition)
            return op.operation_id
        self.validate(json.loads(exchange.body), "KeyVaultError")
        return None
