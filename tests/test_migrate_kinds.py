"""Plan and apply end to end on a generated repository holding every file kind a rewriter
handles (and one no rewriter does): the real SecretClient against the emulator over HTTPS."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import fakes
import nbformat
import pytest
from conftest import Repo
from migrate_support import (
    PLAN,
    appsettings_json,
    assert_files_whole,
    assert_no_value,
    assert_only_manual_left,
    assert_vault_holds,
    connection_string,
    load_plan,
    notebook,
    pipeline_yaml,
    powershell,
    publish_settings,
    pubxml,
    state_files,
    variable_group,
)
from rewriter_files import new_password

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
    "scripts/deploy.ps1": ("powershell", lambda v: f"$password = \"{v}\"\nWrite-Host 'go'\n"),
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
        # everything applied; the INI file is left to a person, so not a success
        assert_only_manual_left(applied.returncode, applied.stderr, ["config/settings.ini"])
        again = repo.run("migrate", "apply", PLAN, "--yes", *args)
        assert_only_manual_left(again.returncode, again.stderr, ["config/settings.ini"])
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


# The kinds a confirmed secret used to stay in: path -> (kind, file around a value)
FIVE: dict[str, tuple[str, Callable[[str], str]]] = {
    "Properties/PublishProfiles/app - Web Deploy.pubxml": ("publish-profile", pubxml),
    "app.PublishSettings": ("publish-profile", publish_settings),
    "scripts/Deploy.psm1": ("powershell", powershell),
    "pipelines/variable-group.json": ("variable-group", variable_group),
    "notebooks/explore.ipynb": ("notebook", notebook),
}


def test_publish_profiles_powershell_groups_notebooks_and_keys_end_to_end(
    tmp_path: Path,
) -> None:
    repo = Repo(tmp_path / "repo")
    values = {path: new_password() for path in FIVE}
    for path, (_, make) in FIVE.items():
        repo.write(path, make(values[path]))
    pem = fakes.private_key_pem() + "\n"
    repo.write("certs/deploy.pem", pem)
    repo.write(".gitignore", "bin/\n")
    repo.add()
    repo.commit("credentials in five kinds, and a key")
    found = json.loads(repo.scan("--format", "json").stdout)["findings"]
    assert {f["path"] for f in found} == {*FIVE, "certs/deploy.pem"}  # the scanner sees them
    confirm = [arg for f in found for arg in ("--confirm", f["fingerprint"])]
    planned = repo.run(
        "migrate", "plan", "--vault-url", "https://myvault.vault.azure.net", *confirm
    )
    assert planned.returncode == 0, planned.stderr
    assert "left to you" not in planned.stdout  # nothing manual
    plan = load_plan(repo.path)
    kinds = {f.path: f.kind for f in plan.files}
    assert kinds == {**{p: k for p, (k, _) in FIVE.items()}, "certs/deploy.pem": "private-key"}
    assert plan.file("certs/deploy.pem").remove
    assert json.loads((repo.path / PLAN).read_text())["manual"] == []

    with Emulator() as vault:
        args = ["--vault-url", vault.url, "--ca-file", vault.ca_file]
        applied = repo.run("migrate", "apply", PLAN, "--yes", *args)
        assert applied.returncode == 0, (applied.stdout, applied.stderr)
        again = repo.run("migrate", "apply", PLAN, "--yes", *args)
        assert again.returncode == 0, again.stderr
        with vault.secret_client() as client:
            assert_vault_holds(client, plan, [*values.values(), pem])
            key = next(s for s in plan.secrets if s.locations[0].path == "certs/deploy.pem")
            assert client.get_secret(key.name).properties.content_type == "application/x-pem-file"

    root = repo.path
    for path in FIVE:
        assert values[path] not in (root / path).read_text(), path
    ET.fromstring((root / "app.PublishSettings").read_text())  # noqa: S314 - our own output
    assert json.loads((root / "pipelines/variable-group.json").read_text())["variables"][
        "dbPassword"
    ] == {"isSecret": True, "value": None}
    nb = nbformat.read(root / "notebooks/explore.ipynb", as_version=4)
    nbformat.validate(nb)
    assert nb.cells[1].outputs == []
    assert "key_vault.get_secret(" in nb.cells[1].source
    # the key left the tree and the index, and is ignored from now on
    assert not (root / "certs/deploy.pem").exists()
    assert repo.git("ls-files", "--", "certs/deploy.pem") == ""
    assert (root / ".gitignore").read_text() == "bin/\n/certs/deploy.pem\n"
    assert repo.git("check-ignore", "certs/deploy.pem").strip() == "certs/deploy.pem"
    report = (root / ".secretsops" / "migration-report.md").read_text()
    assert (
        f"az keyvault secret download --vault-name myvault --name {key.name} "
        "--file certs/deploy.pem" in report
    )
    assert "already removed" in again.stdout
    body = pem.splitlines()[1:-1]
    assert_no_value(
        [*values.values(), *body],
        planned.stdout,
        applied.stdout,
        applied.stderr,
        again.stdout,
        report,
        paths=state_files(root),
    )
    scan = repo.scan("--format", "json")
    assert json.loads(scan.stdout)["findings"] == []


def test_a_value_left_to_a_person_fails_apply_until_it_is_gone(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    value = new_password()
    repo.write("src/settings.py", f'db_password = "{value}"\n')
    repo.write("config/app.ini", f"[db]\npassword = {value}\n")
    repo.add()
    repo.commit("one value, one file no rewriter knows")
    confirm = ["--confirm", fp.fingerprint(value)]
    planned = repo.run(
        "migrate", "plan", "--vault-url", "https://myvault.vault.azure.net", *confirm
    )
    assert planned.returncode == 0, planned.stderr
    head = planned.stdout.splitlines()
    assert head[1].startswith("left to you (1)")  # up front, before the secrets
    assert head[2].startswith("  MANUAL config/app.ini:2: replace the value")
    assert json.loads((repo.path / PLAN).read_text())["manual"][0].startswith("config/app.ini:2:")
    with Emulator() as vault:
        args = ["--vault-url", vault.url, "--ca-file", vault.ca_file]
        applied = repo.run("migrate", "apply", PLAN, "--yes", *args)
        assert_only_manual_left(applied.returncode, applied.stderr, ["config/app.ini"])
        assert "apply incomplete" in applied.stdout
        assert value not in (repo.path / "src/settings.py").read_text()  # the rest applied
        # the person does the step: the next run succeeds (the edited file is no problem)
        (repo.path / "config/app.ini").write_text("[db]\npassword = ${DB_PASSWORD}\n")
        done = repo.run("migrate", "apply", PLAN, "--yes", *args)
        assert done.returncode == 0, (done.stdout, done.stderr)
        # a value nobody tracks does not count: only what git would commit
        (repo.path / "config/app.ini").write_text(f"[db]\npassword = {value}\n")
        repo.git("rm", "--cached", "-q", "config/app.ini")
        (repo.path / ".gitignore").write_text("config/app.ini\n")
        ignored = repo.run("migrate", "apply", PLAN, "--yes", *args)
        assert ignored.returncode == 0, ignored.stderr
    assert_no_value([value], planned.stdout, applied.stdout, applied.stderr, done.stdout)
