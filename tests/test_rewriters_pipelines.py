"""Azure Pipelines rewriter: real pipeline YAML in, YAML out, checked by parsing it back."""

from __future__ import annotations

from pathlib import Path

import yaml
from rewriter_files import (
    OPTIONS,
    assert_kept,
    assert_rewritten,
    line_of,
    new_password,
    rewrite,
    sql_connection,
)

from secretsops.migrate.rewriters import _yaml
from secretsops.migrate.rewriters.azure_pipelines import (
    SERVICE_CONNECTION_PLACEHOLDER,
    AzurePipelinesRewriter,
)
from secretsops.migrate.rewriters.base import RewriteOptions, Site


def pipeline(value: str) -> str:
    return f"""# CI for the app
trigger:
- main

variables:
  buildConfiguration: Release  # not a secret
  sqlAdminPassword: {value}

jobs:
- job: build
  pool:
    vmImage: ubuntu-latest
  steps:
  - script: dotnet build -c $(buildConfiguration)
    displayName: Build
  - task: SqlAzureDacpacDeployment@1
    inputs:
      SqlUsername: app
      SqlPassword: $(sqlAdminPassword)
  - bash: |
      ./migrate.sh --user app --password "$SQLADMINPASSWORD"
    displayName: Migrate
- job: lint
  steps:
  - script: echo lint
"""


def job(doc: dict, name: str) -> dict:  # type: ignore[type-arg]
    return next(j for j in doc["jobs"] if j.get("job") == name)


def test_variable_entry_goes_and_every_use_reads_the_vault(tmp_path: Path) -> None:
    value = new_password()
    old = pipeline(value)
    out = rewrite(tmp_path / "repo", "azure-pipelines.yml", old)
    assert out.rewriter.kind == "azure-pipelines"
    assert out.stored() == {value}
    assert out.secret_names() == {"sql-admin-password"}
    doc = yaml.safe_load(out.text)
    assert doc["variables"] == {"buildConfiguration": "Release"}
    build = job(doc, "build")
    vault_step = build["steps"][0]
    assert vault_step["task"] == "AzureKeyVault@2"
    assert vault_step["inputs"] == {
        "azureSubscription": SERVICE_CONNECTION_PLACEHOLDER,
        "KeyVaultName": OPTIONS.vault_name,
        "SecretsFilter": "sql-admin-password",
        "RunAsPreJob": True,
    }
    assert build["steps"][2]["inputs"]["SqlPassword"] == "$(sql-admin-password)"
    # the script read the old variable's implicit environment variable: now mapped explicitly
    assert build["steps"][3]["env"] == {"SQLADMINPASSWORD": "$(sql-admin-password)"}
    # a job that never used the secret gets no vault step
    assert [s.get("task") for s in job(doc, "lint")["steps"]] == [None]
    changed = [line_of(old, "sqlAdminPassword:"), line_of(old, "SqlPassword:")]
    assert_kept(old, out.text, changed)
    assert_rewritten(out, tmp_path / "repo", value)
    assert any("sqlAdminPassword" in note for note in out.result.notes)
    assert out.result.manual == ()


def test_same_value_in_a_step_env_and_a_variable_is_one_secret(tmp_path: Path) -> None:
    value = new_password()
    old = f"""variables:
  dbPassword: '{value}'
steps:
- script: ./deploy.sh
  env:
    DB_PASSWORD: {value}
    REGION: westeurope
"""
    out = rewrite(tmp_path / "repo", "azure-pipelines.yml", old)
    assert len(out.sites) == 1 and len(out.replacements) == 2
    assert out.secret_names() == {"db-password"}
    doc = yaml.safe_load(out.text)
    assert "variables" not in doc
    assert doc["steps"][0]["task"] == "AzureKeyVault@2"
    assert doc["steps"][1]["env"] == {"DB_PASSWORD": "$(db-password)", "REGION": "westeurope"}
    assert_rewritten(out, tmp_path / "repo", value)


def test_a_literal_in_a_script_becomes_an_env_mapping(tmp_path: Path) -> None:
    value = new_password()
    old = f"""pool:
  vmImage: ubuntu-latest
steps:
- checkout: self
- bash: |
    sqlcmd -S db -U app -P '{value}' -i schema.sql
  displayName: Schema
- pwsh: Invoke-Sqlcmd -Password "{value}"
"""
    line = line_of(old, "sqlcmd")
    site = Site("azure-pipelines.yml", line, value, "Secret Keyword", "fp", "steps[1].bash")
    out = rewrite(tmp_path / "repo", "azure-pipelines.yml", old, sites=[site])
    doc = yaml.safe_load(out.text)
    assert doc["steps"][0]["task"] == "AzureKeyVault@2"
    bash, pwsh = doc["steps"][2], doc["steps"][3]
    assert bash["bash"] == 'sqlcmd -S db -U app -P "${SECRET}" -i schema.sql\n'
    assert bash["env"] == {"SECRET": "$(secret)"}
    assert pwsh["pwsh"] == "Invoke-Sqlcmd -Password $env:SECRET"
    assert pwsh["env"] == {"SECRET": "$(secret)"}
    assert_rewritten(out, tmp_path / "repo", value)


def test_structural_paths_resolve_to_the_scanner_s_node() -> None:
    text = """variables:
- name: apiKey
  value: first
jobs:
- job: build
  steps:
  - script: a
  - script: b
  - script: c
    env:
      SQL_PASSWORD: second
"""
    root = _yaml.documents(text)[0]
    node = _yaml.resolve(root, "jobs.build.steps[2].env.SQL_PASSWORD")
    assert isinstance(node, yaml.ScalarNode) and node.value == "second"
    node = _yaml.resolve(root, "variables.apiKey")
    assert isinstance(node, yaml.ScalarNode) and node.value == "first"
    assert _yaml.resolve(root, "jobs.nope.steps[0]") is None


def test_structural_path_wins_over_the_line(tmp_path: Path) -> None:
    value = new_password()
    old = f"""steps:
- script: ./a.sh
  env:
    A_PASSWORD: {value}
- script: ./b.sh
  env:
    B_PASSWORD: {value}
"""
    site = Site("azure-pipelines.yml", 4, value, "Secret Keyword", "fp", "steps[1].env.B_PASSWORD")
    rewriter = AzurePipelinesRewriter()
    found = rewriter.locate("azure-pipelines.yml", old, [site])
    assert [old[r.start : r.end] for r in found] == [value, value]
    assert found[0].name_hint == "B_PASSWORD" and found[0].start > old.index("B_PASSWORD")


def test_variable_group_instead_of_a_task(tmp_path: Path) -> None:
    value = new_password()
    old = pipeline(value)
    options = RewriteOptions(OPTIONS.vault_name, OPTIONS.vault_url, variable_group="kv-app")
    out = rewrite(tmp_path / "repo", "azure-pipelines.yml", old, options=options)
    doc = yaml.safe_load(out.text)
    assert doc["variables"] == [
        {"group": "kv-app"},
        {"name": "buildConfiguration", "value": "Release"},
    ]
    tasks = [s.get("task") for j in doc["jobs"] for s in j["steps"]]
    assert "AzureKeyVault@2" not in tasks
    assert job(doc, "build")["steps"][1]["inputs"]["SqlPassword"] == "$(sql-admin-password)"
    assert any("kv-app" in note and "Link secrets" in note for note in out.result.notes)
    assert_rewritten(out, tmp_path / "repo", value)


def test_group_joins_a_list_of_variables(tmp_path: Path) -> None:
    value = new_password()
    old = f"""variables:
- name: region
  value: westeurope
- name: storagePassword
  value: {value}
steps:
- script: ./upload.sh $(storagePassword)
"""
    options = RewriteOptions(OPTIONS.vault_name, OPTIONS.vault_url, variable_group="kv-app")
    out = rewrite(tmp_path / "repo", "azure-pipelines.yml", old, options=options)
    doc = yaml.safe_load(out.text)
    assert doc["variables"] == [{"group": "kv-app"}, {"name": "region", "value": "westeurope"}]
    assert doc["steps"][0]["script"] == "./upload.sh $(storage-password)"
    assert_rewritten(out, tmp_path / "repo", value)


def test_named_service_connection_and_crlf(tmp_path: Path) -> None:
    value = new_password()
    old = pipeline(value)
    options = RewriteOptions(OPTIONS.vault_name, OPTIONS.vault_url, service_connection="arm-prod")
    out = rewrite(tmp_path / "repo", "azure-pipelines.yml", old, newline="\r\n", options=options)
    assert "\r\n" in out.text
    doc = yaml.safe_load(out.text)
    assert job(doc, "build")["steps"][0]["inputs"]["azureSubscription"] == "arm-prod"
    assert not any(SERVICE_CONNECTION_PLACEHOLDER in n for n in out.result.notes)
    assert_rewritten(out, tmp_path / "repo", value)


def test_an_existing_vault_step_gets_the_new_name(tmp_path: Path) -> None:
    value = new_password()
    old = f"""steps:
- task: AzureKeyVault@2
  inputs:
    azureSubscription: arm-prod
    KeyVaultName: {OPTIONS.vault_name}
    SecretsFilter: older-secret
    RunAsPreJob: true
- script: ./run.sh
  env:
    API_TOKEN: {value}
"""
    out = rewrite(tmp_path / "repo", "azure-pipelines.yml", old)
    doc = yaml.safe_load(out.text)
    assert len(doc["steps"]) == 2
    assert doc["steps"][0]["inputs"]["SecretsFilter"] == "older-secret,api-token"
    assert_rewritten(out, tmp_path / "repo", value)


def test_compile_time_uses_are_listed_for_a_person(tmp_path: Path) -> None:
    value = new_password()
    old = f"""variables:
  dbPassword: {value}
steps:
- script: echo ${{{{ variables.dbPassword }}}}
"""
    out = rewrite(tmp_path / "repo", "azure-pipelines.yml", old)
    assert any("template or runtime expression" in m for m in out.result.manual)
    assert_rewritten(out, tmp_path / "repo", value)


def test_value_in_a_comment_is_replaced_by_a_placeholder(tmp_path: Path) -> None:
    value = new_password()
    old = f"""steps:
# old password was {value}
- script: ./run.sh
  env:
    DB_PASSWORD: {value}
"""
    out = rewrite(tmp_path / "repo", "azure-pipelines.yml", old)
    assert "# old password was <moved to Key Vault as db-password>" in out.text
    assert out.result.manual and "line 2" in out.result.manual[0]
    assert_rewritten(out, tmp_path / "repo", value)


def test_windows_pool_cli_task_and_no_final_newline(tmp_path: Path) -> None:
    value = new_password()
    old = f"""jobs:
- job: win
  pool:
    vmImage: windows-latest
  steps:
  - script: |
      sqlcmd -P {value} -S db

    displayName: Schema
- job: cli
  steps:
  - task: AzureCLI@2
    inputs:
      scriptType: pscore
      inlineScript: Connect-Db -Password '{value}'"""
    site = Site("azure-pipelines.yml", 7, value, "Pipeline Variable Secret")
    out = rewrite(tmp_path / "repo", "azure-pipelines.yml", old, sites=[site])
    doc = yaml.safe_load(out.text)
    win, cli = doc["jobs"][0]["steps"], doc["jobs"][1]["steps"]
    assert win[1] == {
        "script": "sqlcmd -P %SECRET% -S db\n",
        "displayName": "Schema",
        "env": {"SECRET": "$(secret)"},
    }
    assert cli[1]["inputs"]["inlineScript"] == "Connect-Db -Password $env:SECRET"
    assert cli[1]["env"] == {"SECRET": "$(secret)"}
    assert [s.get("task") for s in (win[0], cli[0])] == ["AzureKeyVault@2"] * 2
    assert not out.text.endswith("\n")
    assert_rewritten(out, tmp_path / "repo", value)


def test_a_variable_holding_a_connection_string_moves_whole(tmp_path: Path) -> None:
    value = new_password()
    connection = sql_connection(value)
    old = f"""variables:
  sqlConnection: "{connection}"
steps:
- script: ./migrate.sh "$(sqlConnection)"
"""
    out = rewrite(tmp_path / "repo", "azure-pipelines.yml", old)
    assert out.stored() == {connection}
    doc = yaml.safe_load(out.text)
    assert "variables" not in doc
    assert doc["steps"][1]["script"] == './migrate.sh "$(sql-connection)"'
    assert_rewritten(out, tmp_path / "repo", value)
