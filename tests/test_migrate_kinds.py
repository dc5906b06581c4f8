"""Plan and apply end to end on a generated repository holding every file kind a rewriter
handles (and one no rewriter does): the real SecretClient against the emulator over HTTPS."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import fakes
import pytest
from conftest import Repo
from migrate_support import (
    PLAN,
    appsettings_json,
    assert_files_whole,
    assert_no_value,
    assert_vault_holds,
    connection_string,
    load_plan,
    pipeline_yaml,
    state_files,
)

from secretsops.scan import fingerprint as fp
from secretsops.vault.emulator import Emulator

ARM_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#"

# path -> (the rewriter kind expected in the plan, the file's text around a value)
KINDS: dict[str, tuple[str, Callable[[str], str]]] = {
    "azure-pipelines.yml": ("azure-pipelines", pipeline_yaml),
    ".github/workflows/deploy.yml": (
        "github-actions",
        lambda v: (
            "name: deploy\non: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n"
            f'    steps:\n      - run: ./deploy.sh\n        env:\n          DB_PASSWORD: "{v}"\n'
        ),
    ),
    "appsettings.Production.json": ("appsettings", appsettings_json),
    "azuredeploy.parameters.json": (
        "arm-parameters",
        lambda v: (
            json.dumps(
                {
                    "$schema": ARM_SCHEMA,
                    "contentVersion": "1.0.0.0",
                    "parameters": {"adminPassword": {"value": v}},
                },
                indent=2,
            )
            + "\n"
        ),
    ),
    "infra/main.bicepparam": (
        "bicep",
        lambda v: f"using './main.bicep'\nparam adminPassword = '{v}'\n",
    ),
    "infra/main.tf": (
        "terraform",
        lambda v: (
            'resource "azurerm_mssql_server" "db" {\n  name = "db"\n'
            f'  administrator_login_password = "{v}"\n}}\n'
        ),
    ),
    ".env.production": ("dotenv", lambda v: f'API_SECRET="{v}"\n'),
    "docker-compose.yml": (
        "docker-compose",
        lambda v: (
            f'services:\n  app:\n    image: app:1\n    environment:\n      DB_PASSWORD: "{v}"\n'
        ),
    ),
    "k8s/secret.yaml": (
        "kubernetes",
        lambda v: (
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ntype: Opaque\n"
            f'stringData:\n  password: "{v}"\n'
        ),
    ),
    "src/settings.py": ("source-code", lambda v: f'import os\n\ndb_password = "{v}"\n'),
    "web/config.js": (
        "source-code",
        lambda v: f'const dbPassword = "{v}";\nmodule.exports = {{ dbPassword }};\n',
    ),
    "web/client.ts": ("source-code", lambda v: f'export const apiPassword = "{v}";\n'),
    "src/Settings.cs": (
        "source-code",
        lambda v: f'class Settings {{\n    public static string Password = "{v}";\n}}\n',
    ),
    "scripts/deploy.ps1": ("source-code", lambda v: f"$password = \"{v}\"\nWrite-Host 'go'\n"),
    "config/settings.ini": ("manual", lambda v: f"[db]\npassword = {v}\n"),
}


@pytest.fixture
def repo_of_every_kind(tmp_path: Path) -> tuple[Repo, dict[str, str]]:
    repo = Repo(tmp_path / "repo")
    values = {path: fakes.password() for path in KINDS}
    for path, (_, make) in KINDS.items():
        repo.write(path, make(values[path]))
    repo.add()
    repo.commit("one credential per file kind")
    return repo, values


def test_every_rewriter_end_to_end(repo_of_every_kind: tuple[Repo, dict[str, str]]) -> None:
    repo, values = repo_of_every_kind
    candidates = [*values.values(), *(connection_string(v) for v in values.values())]
    confirm = [arg for v in values.values() for arg in ("--confirm", fp.fingerprint(v))]
    planned = repo.run(
        "migrate", "plan", "--vault-url", "https://myvault.vault.azure.net", *confirm
    )
    assert planned.returncode == 0, planned.stderr
    plan = load_plan(repo.path)
    assert len(plan.secrets) == len(KINDS)
    kinds = {f.path: f.kind for f in plan.files}
    assert kinds == {path: kind for path, (kind, _) in KINDS.items()}

    with Emulator() as vault:
        args = ["--vault-url", vault.url, "--ca-file", vault.ca_file]
        applied = repo.run("migrate", "apply", PLAN, "--yes", *args)
        assert applied.returncode == 0, (applied.stdout, applied.stderr)
        again = repo.run("migrate", "apply", PLAN, "--yes", *args)
        assert again.returncode == 0, again.stderr
        with vault.secret_client() as client:
            assert_vault_holds(client, plan, candidates)

    states = assert_files_whole(repo.path, plan)
    for path, (kind, _) in KINDS.items():
        text = (repo.path / path).read_text()
        if kind == "manual":
            assert states[path] == "old"
            assert values[path] in text
        else:
            assert states[path] == "new", path
            assert values[path] not in text, path
    assert "already rewritten" in again.stdout
    report = (repo.path / ".secretsops" / "migration-report.md").read_text()
    assert_no_value(
        candidates,
        planned.stdout,
        planned.stderr,
        applied.stdout,
        applied.stderr,
        again.stdout,
        again.stderr,
        report,
        paths=state_files(repo.path),
    )
    # a rescan finds no migrated value any more, only the one left to a person
    scan = repo.scan("--format", "json")
    found = {f["fingerprint"]: f["path"] for f in json.loads(scan.stdout)["findings"]}
    still = {found[d] for d in (fp.fingerprint(v) for v in values.values()) if d in found}
    assert still == {"config/settings.ini"}
