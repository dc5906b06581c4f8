"""GitHub Actions, docker-compose and Kubernetes rewriters: YAML in, YAML out, parsed back."""

from __future__ import annotations

import base64
from pathlib import Path

import yaml
from rewriter_files import (
    OPTIONS,
    assert_kept,
    assert_rewritten,
    b64,
    fakes,
    line_of,
    new_password,
    rewrite,
)

from secretsops.migrate.rewriters.base import Site


def test_github_workflow_reads_a_repository_secret(tmp_path: Path) -> None:
    value = new_password()
    token = fakes.github_token()
    old = f"""name: deploy
on:
  push:
    branches: [main]
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      # deploy with the database password
      - run: ./deploy.sh
        env:
          DB_PASSWORD: "{value}"
          GH_TOKEN: {token}
"""
    out = rewrite(tmp_path / "repo", ".github/workflows/deploy.yml", old)
    assert out.rewriter.kind == "github-actions"
    doc = yaml.safe_load(out.text)
    env = doc["jobs"]["deploy"]["steps"][1]["env"]
    assert env == {
        "DB_PASSWORD": "${{ secrets.DB_PASSWORD }}",
        "GH_TOKEN": "${{ secrets.GH_TOKEN }}",
    }
    assert out.stored() == {value, token}
    notes = " ".join(out.result.notes)
    assert "gh secret set DB_PASSWORD" in notes and OPTIONS.vault_name in notes
    assert "azure/login" in notes
    assert_kept(old, out.text, [line_of(old, "DB_PASSWORD"), line_of(old, "GH_TOKEN")])
    assert_rewritten(out, tmp_path / "repo", value, token)


def test_compose_environment_both_forms(tmp_path: Path) -> None:
    password = new_password()
    url_password = new_password()
    old = f"""services:
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: {password}
      POSTGRES_DB: app
  api:
    image: app/api
    environment:
      - DATABASE_URL=postgres://app:{url_password}@db:5432/app
      - LOG_LEVEL=info
"""
    # The scanner's own sites: both values, the URL's password in a sequence item too.
    out = rewrite(tmp_path / "repo", "docker-compose.yml", old)
    assert {(s.line, s.value) for s in out.sites} >= {
        (line_of(old, "POSTGRES_PASSWORD"), password),
        (line_of(old, "DATABASE_URL"), url_password),
    }
    assert out.rewriter.kind == "docker-compose"
    doc = yaml.safe_load(out.text)
    assert doc["services"]["db"]["environment"] == {
        "POSTGRES_PASSWORD": "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD from Key Vault}",
        "POSTGRES_DB": "app",
    }
    assert doc["services"]["api"]["environment"] == [
        "DATABASE_URL=${DATABASE_URL:?set DATABASE_URL from Key Vault}",
        "LOG_LEVEL=info",
    ]
    # the vault holds the whole setting: the full URL, not only its password
    assert out.stored() == {password, f"postgres://app:{url_password}@db:5432/app"}
    assert any("export DATABASE_URL=" in n for n in out.result.notes)
    changed = [line_of(old, "POSTGRES_PASSWORD"), line_of(old, "DATABASE_URL")]
    assert_kept(old, out.text, changed)
    assert_rewritten(out, tmp_path / "repo", password, url_password)


def test_kubernetes_secret_becomes_a_secret_provider_class(tmp_path: Path) -> None:
    password = new_password()
    token = new_password()
    old = f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 1
---
# database credentials
apiVersion: v1
kind: Secret
metadata:
  name: db-credentials
  namespace: app
type: Opaque
data:
  password: {b64(password)}
stringData:
  api-token: {token}
"""
    out = rewrite(tmp_path / "repo", "k8s/secret.yaml", old)
    assert out.rewriter.kind == "kubernetes"
    # the vault holds the plain text the pod will read, not its base64
    assert out.stored() == {password, token}
    docs = list(yaml.safe_load_all(out.text))
    assert docs[0]["kind"] == "Deployment"
    spc = docs[1]
    assert spc["kind"] == "SecretProviderClass"
    assert spc["metadata"] == {"name": "db-credentials-keyvault", "namespace": "app"}
    params = spc["spec"]["parameters"]
    assert params["keyvaultName"] == OPTIONS.vault_name
    objects = yaml.safe_load(params["objects"])["array"]
    assert [yaml.safe_load(o) for o in objects] == [
        {"objectName": "password", "objectType": "secret", "objectAlias": "password"},
        {"objectName": "api-token", "objectType": "secret", "objectAlias": "api-token"},
    ]
    synced = spc["spec"]["secretObjects"][0]
    assert synced["secretName"] == "db-credentials" and synced["type"] == "Opaque"
    assert {d["key"] for d in synced["data"]} == {"password", "api-token"}
    assert "# database credentials" in out.text
    assert any("volume" in n for n in out.result.notes)
    assert_rewritten(out, tmp_path / "repo", password, token, b64(password))


def test_kubernetes_secret_keeps_keys_that_stay(tmp_path: Path) -> None:
    password = new_password()
    old = f"""apiVersion: v1
kind: Secret
metadata:
  name: db
data:
  password: {b64(password)}
  username: {base64.b64encode(b"app").decode()}
"""
    out = rewrite(tmp_path / "repo", "secret.yml", old)
    docs = list(yaml.safe_load_all(out.text))
    assert docs[0]["kind"] == "Secret" and list(docs[0]["data"]) == ["username"]
    assert docs[1]["spec"]["secretObjects"][0]["secretName"] == "db-keyvault"
    assert any("db-keyvault" in m for m in out.result.manual)
    assert_rewritten(out, tmp_path / "repo", password, b64(password))


def test_github_run_script_reads_the_secret_from_its_env(tmp_path: Path) -> None:
    value = new_password()
    old = f"""on: push
jobs:
  linux:
    runs-on: ubuntu-latest
    steps:
      - run: |
          mysql --user=app --password='{value}' < schema.sql
  windows:
    runs-on: windows-latest
    steps:
      - run: Connect-Db -Password "{value}"
        env:
          REGION: westeurope
"""
    sites = [Site(".github/workflows/db.yml", line_of(old, "mysql"), value)]
    out = rewrite(tmp_path / "repo", ".github/workflows/db.yml", old, sites=sites)
    doc = yaml.safe_load(out.text)
    secret = "SECRET"
    linux = doc["jobs"]["linux"]["steps"][0]
    assert linux["run"] == 'mysql --user=app --password="${SECRET}" < schema.sql\n'
    assert linux["env"] == {secret: "${{ secrets.SECRET }}"}
    windows = doc["jobs"]["windows"]["steps"][0]
    assert windows["run"] == "Connect-Db -Password $env:SECRET"
    assert windows["env"] == {"REGION": "westeurope", secret: "${{ secrets.SECRET }}"}
    assert_rewritten(out, tmp_path / "repo", value)


def test_kubernetes_one_line_data_with_other_keys_is_left_to_a_person(tmp_path: Path) -> None:
    value = new_password()
    old = (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n"
        f"data: {{password: {b64(value)}, username: {b64('app-user')}}}\n"
    )
    sites = [Site("secret.yaml", 5, b64(value), "Kubernetes Secret Data")]
    out = rewrite(tmp_path / "repo", "secret.yaml", old, sites=sites)
    assert len(out.replacements) == 1
    assert any("by hand" in m for m in out.result.manual)
    # the value's copy is swept; the file still parses and keeps its other key
    doc = yaml.safe_load(out.text)
    assert doc["data"] == {
        "password": "<moved to Key Vault as password>",
        "username": b64("app-user"),
    }
    assert_rewritten(out, tmp_path / "repo", value, b64(value))
