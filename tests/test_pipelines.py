"""Structure-aware scanning of pipeline definitions, through the real ``secretsops scan``.

The files are generated at test time (``tests/pipeline_corpus.py``): every construct of the
issue, positive and negative, in Azure Pipelines, GitHub Actions, GitLab CI and DevOps exports.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import fakes
import pipeline_corpus
import pytest
from conftest import SARIF_SCHEMA, Repo, assert_absent, call_secretsops

from secretsops.pipelines import rules
from secretsops.pipelines.structure import kind_of, scan_structure
from secretsops.pipelines.yaml_nodes import format_path
from secretsops.scan.engine import Engine


def _write_corpus(repo: Repo, seed: int) -> tuple[dict[str, str], list[pipeline_corpus.Label]]:
    files, labels = pipeline_corpus.build(seed)
    for rel, text in files.items():
        repo.write(rel, text)
    return files, labels


def _json(proc: Any) -> dict[str, Any]:
    assert proc.returncode in (0, 1), proc.stderr
    data: dict[str, Any] = json.loads(proc.stdout)
    return data


def _check_against_labels(
    files: dict[str, str], labels: list[pipeline_corpus.Label], findings: list[dict[str, Any]]
) -> None:
    at = {(f["path"], f["line"]): f for f in findings}
    for lab in labels:
        found = at.get((lab.path, lab.line))
        if not lab.positive:
            assert found is None, (lab.construct, lab.path, lab.line, found)
            continue
        assert found is not None, (lab.construct, lab.path, lab.line)
        assert found["structural_path"] == lab.structural_path, (lab.construct, found)
        line = files[lab.path].split("\n")[lab.line - 1]
        assert lab.secret is not None
        assert line[found["column"] - 1 :].startswith(lab.secret), (lab.construct, found)
    labelled = {(lab.path, lab.line) for lab in labels}
    assert set(at) <= labelled, sorted(set(at) - labelled)


@pytest.mark.parametrize("seed", [1, 2])
def test_every_construct_in_the_working_tree(repo: Repo, seed: int) -> None:
    files, labels = _write_corpus(repo, seed)
    report = _json(repo.scan("-f", "json"))
    _check_against_labels(files, labels, report["findings"])
    constructs = {lab.construct for lab in labels if lab.positive}
    assert len(constructs) >= 25 and sum(lab.positive for lab in labels) >= 30
    for lab in labels:
        if lab.secret:
            assert_absent(lab.secret, json.dumps(report))


def test_staged_scan_reads_the_index(repo: Repo) -> None:
    files, labels = _write_corpus(repo, 3)
    repo.add()
    # The working tree no longer holds the secrets; the index still does.
    for rel in files:
        repo.write(rel, "trigger:\n  - main\n" if rel.endswith(".yml") else "{}")
    report = _json(repo.scan("--staged", "-f", "json"))
    _check_against_labels(files, labels, report["findings"])
    assert _json(repo.scan("-f", "json"))["findings"] == []


def _azure_file(value: str, where: str) -> str:
    if where == "variables":
        return (
            f"trigger:\n  - main\nvariables:\n  sqlAdminPassword: '{value}'\n"
            "steps:\n  - script: make\n"
        )
    return (
        "trigger:\n  - main\nsteps:\n  - script: make\n  - script: ./deploy.sh\n    env:\n"
        f"      SQL_PASSWORD: {value}\n"
    )


def test_history_finds_a_pipeline_secret_removed_since(repo: Repo) -> None:
    value = pipeline_corpus.Draw(random.Random(4)).password()
    repo.write("azure-pipelines.yml", _azure_file(value, "variables"))
    repo.add()
    first = repo.commit("add pipeline")
    repo.write("azure-pipelines.yml", _azure_file(value, "env"))
    repo.add()
    repo.commit("move it to a step")
    repo.write("azure-pipelines.yml", _azure_file("$(sql-password)", "env"))
    repo.add()
    repo.commit("use a reference")
    for extra in (["--no-cache"], [], []):  # uncached, cold cache, warm cache
        report = _json(repo.scan("--history", "-j", "1", "-f", "json", *extra))
        found = [f for f in report["findings"] if f["path"] == "azure-pipelines.yml"]
        assert len(found) == 1, found
        assert found[0]["commit"] == first
        assert found[0]["structural_path"] == "variables.sqlAdminPassword"
        assert found[0]["line"] == 4 and found[0]["column"] == 22
        assert found[0]["occurrences"] == 2 and found[0]["present_at_head"] is False
        assert found[0]["type"] == "Secret Keyword"  # the line detector's type is kept
        assert_absent(value, json.dumps(report))
    assert _json(repo.scan("-f", "json"))["findings"] == []


def _pipeline_versions(rng: random.Random) -> list[str]:
    d = pipeline_corpus.Draw(rng)
    out = []
    for _ in range(14):
        value = rng.choice([d.password(), "$(db-password)", d.password()])
        lines = ["trigger:", "  - main", "variables:"]
        if rng.random() < 0.5:
            lines.append(f"  dbPassword: {value}")
        else:
            lines += ["  - name: dbPassword", f"    value: {value}"]
        lines += ["steps:", "  - script: |"]
        if rng.random() < 0.6:
            lines.append(f"      docker login -u me -p {d.password()} contoso.azurecr.io")
        lines.append("      make")
        if rng.random() < 0.5:
            lines += ["    env:", f"      API_TOKEN: {d.password()}"]
        if rng.random() < 0.3:
            lines = ["trigger: [main", *lines]  # malformed for a version
        out.append("\n".join(lines) + "\n")
    return out


def test_history_blob_results_equal_whole_file_scans(repo: Repo) -> None:
    """Pipeline blobs are scanned whole: the worker's result is scan_text's, with paths."""
    from secretsops.git import CatFile
    from secretsops.scan.blobs import BlobScanner, Hit, Task
    from secretsops.scan.files import findings_from_raw
    from secretsops.sources import decode
    from secretsops.sources.history import Change, walk

    rng = random.Random(11)
    for text in _pipeline_versions(rng):
        repo.write("azure-pipelines.yml", text)
        repo.write("conf.yaml", f"a: {rng.randint(0, 9)}\npassword: {fakes.password()}\n")
        repo.add()
        repo.commit()
    records: dict[tuple[str, str], list[Hit]] = {}
    checked = 0
    with Engine() as engine, CatFile(repo.path) as cat:
        scanner = BlobScanner(engine, repo.path, 1_000_000)
        try:
            for item in walk(repo.path, ["--all"]):
                if not isinstance(item, Change) or not item.writes_file:
                    continue
                task = Task(key=b"", oid=item.new, path=item.path, previous=item.previous)
                if item.previous is not None:
                    task.previous_hits = records[(item.previous, item.path)]
                outcome = scanner.scan(task)
                records[(item.new, item.path)] = outcome.hits
                _, data = cat.read(item.new)
                assert data is not None
                whole = findings_from_raw(item.path, engine.scan_text(item.path, decode(data)))
                expected = {(f.type, f.fingerprint, f.line, f.structural_path) for f in whole}
                got = {(h.type, h.fingerprint, h.line, h.structural_path) for h in outcome.hits}
                assert got == expected, (item.path, item.new)
                checked += item.path == "azure-pipelines.yml"
        finally:
            scanner.close()
    assert checked == 14
    assert any(h.structural_path for hits in records.values() for h in hits)


def test_malformed_files_are_reported_and_the_scan_goes_on(repo: Repo) -> None:
    value = pipeline_corpus.Draw(random.Random(5)).password()
    repo.write("azure-pipelines.yml", _azure_file(value, "variables"))
    repo.write(".github/workflows/broken.yml", "on: [push\njobs:\n  a: {\n")
    repo.write("devops/groups.json", '[{"variables": {"x": {"isSecret": false, "value": "a"}}')
    proc = repo.scan()
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "azure-pipelines.yml:4" in proc.stdout
    lines = proc.stdout.splitlines()
    broken = [x for x in lines if x.startswith(".github/workflows/broken.yml: skipped")]
    assert len(broken) == 1 and "line" in broken[0], proc.stdout
    assert any(x.startswith("devops/groups.json: skipped") for x in lines), proc.stdout
    assert "2 pipeline files not parsed" in lines[-1]
    report = _json(repo.scan("-f", "json"))
    skipped = {s["path"]: s["reason"] for s in report["summary"]["skipped_malformed"]}
    assert set(skipped) == {".github/workflows/broken.yml", "devops/groups.json"}
    assert all(reason and "\n" not in reason for reason in skipped.values())


def test_a_specific_detector_and_the_structure_make_one_finding(repo: Repo) -> None:
    token = fakes.github_token()
    repo.write(
        ".github/workflows/release.yml",
        "on: push\njobs:\n  release:\n    runs-on: ubuntu-latest\n    steps:\n"
        f"      - run: ./release.sh\n        env:\n          GH_PAT: {token}\n",
    )
    report = _json(repo.scan("-f", "json"))
    on_line = [f for f in report["findings"] if f["line"] == 8]
    assert len(on_line) == 1, on_line
    assert on_line[0]["type"] == "GitHub Token"
    assert on_line[0]["structural_path"] == "jobs.release.steps[0].env.GH_PAT"
    assert on_line[0]["column"] == 19


def test_sarif_and_text_show_the_structural_path(repo: Repo) -> None:
    import jsonschema

    value = pipeline_corpus.Draw(random.Random(6)).password()
    repo.write("azure-pipelines.yml", _azure_file(value, "env"))
    proc = repo.scan()
    assert "at steps[1].env.SQL_PASSWORD" in proc.stdout
    sarif = json.loads(repo.scan("-f", "sarif").stdout)
    jsonschema.validate(sarif, json.loads(SARIF_SCHEMA.read_text()))
    result = sarif["runs"][0]["results"][0]
    location = result["locations"][0]
    assert location["logicalLocations"][0]["fullyQualifiedName"] == "steps[1].env.SQL_PASSWORD"
    assert location["physicalLocation"]["region"] == {"startLine": 7, "startColumn": 21}
    assert result["properties"]["structural_path"] == "steps[1].env.SQL_PASSWORD"
    assert_absent(value, proc.stdout, json.dumps(sarif))


def test_baseline_audit_and_allowlist_work_with_pipeline_findings(repo: Repo) -> None:
    _files, labels = _write_corpus(repo, 7)
    repo.write(
        "azure-pipelines-extra.yml",
        "trigger: none\nvariables:\n"
        f"  deployPassword: {pipeline_corpus.Draw(random.Random(1)).password()}"
        "  # pragma: allowlist secret\n",
    )
    assert _json(repo.scan("-f", "json"))["summary"]["findings"] > 0
    assert not [
        f
        for f in _json(repo.scan("-f", "json"))["findings"]
        if f["path"] == "azure-pipelines-extra.yml"
    ]
    created = repo.run("baseline", "create")
    assert created.returncode == 0, created.stderr
    baseline = json.loads((repo.path / ".secrets.baseline").read_text())
    entries = [e for rs in baseline["results"].values() for e in rs]
    ours = [e for e in entries if e["type"] == "Pipeline Variable Secret"]
    assert len(ours) >= 8
    assert repo.scan("--baseline", ".secrets.baseline").returncode == 0
    listed = repo.run("audit", "--list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.count("so1:") >= len(entries)
    # detect-secrets' own audit recovers each value from its line through our plugin.
    from detect_secrets.audit.common import get_raw_secret_from_file
    from detect_secrets.core.potential_secret import PotentialSecret

    from secretsops.scan.engine import register_our_plugins

    register_our_plugins()
    by_secret = {lab.secret for lab in labels if lab.secret}
    import os

    cwd = os.getcwd()
    os.chdir(repo.path)
    try:
        with Engine():
            for filename, results in baseline["results"].items():
                for entry in results:
                    if entry["type"] != "Pipeline Variable Secret":
                        continue
                    secret = PotentialSecret.load_secret_from_dict({**entry, "filename": filename})
                    value = get_raw_secret_from_file(secret)
                    assert value in by_secret
    finally:
        os.chdir(cwd)


def test_kind_of_reads_the_path_first() -> None:
    workflow = "on: push\njobs:\n  a:\n    runs-on: x\n"
    assert kind_of("azure-pipelines.yml", "") == "azure-pipelines"
    assert kind_of("ci/azure-pipelines.release.yaml", "") == "azure-pipelines"
    assert kind_of(".azure-pipelines/templates/build.yml", "") == "azure-pipelines"
    assert kind_of(".github/workflows/ci.yml", "") == "github-actions"
    assert kind_of(".github/workflows/nested/ci.yml", "") is None
    assert kind_of(".gitlab-ci.yml", "") == "gitlab-ci"
    assert kind_of("deploy/pipeline.yml", "stages:\n- stage: a\n") == "azure-pipelines"
    assert kind_of("deploy/workflow.yml", workflow) == "github-actions"
    assert kind_of("docker-compose.yml", "services:\n  db:\n    image: x\n") is None
    assert kind_of("app.py", "jobs:\n") is None
    assert kind_of("groups.json", '{"variables": {"a": {"isSecret": false}}}') == "devops-export"
    assert kind_of("package.json", '{"name": "x", "variables": {}}') is None


def test_a_non_pipeline_yaml_has_no_structural_findings(repo: Repo) -> None:
    repo.write("config/app.yaml", f"database:\n  password: {fakes.password()}\n")
    findings = _json(repo.scan("-f", "json"))["findings"]
    assert findings and all("structural_path" not in f for f in findings)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("sqlAdminPassword", True),
        ("SQL_PASSWORD", True),
        ("apiKey", True),
        ("storage_account_key", True),
        ("AZURE_DEVOPS_EXT_PAT", True),
        ("sasToken", True),
        ("ConnectionStrings__Default", True),
        ("clientSecret", True),
        ("db_pwd", True),
        ("secretName", False),
        ("passwordFile", False),
        ("tokenUrl", False),
        ("KeyVaultName", False),
        ("SecretsFilter", False),
        ("cacheKey", False),
        ("publicKey", False),
        ("buildConfiguration", False),
        ("persist-credentials", True),
        ("DB_PASS", True),
        ("PASS_COLOR", False),  # a short credential word counts only last (flood-tested)
        ("PARTIAL_PASS_COLOR", False),
    ],
)
def test_credential_names(name: str, expected: bool) -> None:
    assert rules.is_credential_name(name) is expected


@pytest.mark.parametrize(
    ("script", "found"),
    [
        ("docker login -u me -p {v} reg.io", True),
        ("docker login -u me --password-stdin", False),
        ("az login --service-principal -u id --password={v} --tenant t", True),
        ("Connect-X -Password '{v}'", True),
        ("$s = ConvertTo-SecureString '{v}' -AsPlainText -Force", True),
        ("$s = ConvertTo-SecureString $plain", False),
        ("git clone https://me:{v}@dev.azure.com/o/p/_git/r", True),
        ("git clone https://me:$(System.AccessToken)@dev.azure.com/o/p/_git/r", False),
        ("curl --user admin:{v} https://x", True),
        ("sqlcmd -S s -U sa -P {v}", True),
        ("mysql -h db -P 3306 -u root", False),
        ("docker run -p 8080:80 web", False),
        ("mkdir -p out/{v}", False),
        ("docker login -u me -p $(acrPassword)", False),
        ("docker login -u me -p ${{ secrets.ACR }}", False),
        ("Connect-X -Password $env:DB_PASSWORD", False),
    ],
)
def test_script_arguments(script: str, found: bool) -> None:
    value = pipeline_corpus.Draw(random.Random(script)).password()
    hits = list(rules.script_secrets(script.format(v=value)))
    assert bool(hits) is found, hits
    if found:
        text = script.format(v=value)
        assert [(h.secret, text[h.offset : h.offset + len(h.secret)]) for h in hits] == [
            (value, value)
        ]


def test_structural_path_grammar() -> None:
    assert format_path(("jobs", "build", "steps", 2, "env", "X")) == "jobs.build.steps[2].env.X"
    assert format_path(("variables", "system.debug", "value")) == 'variables["system.debug"].value'
    assert format_path((0, "variables", "a b")) == '[0].variables["a b"]'
    assert format_path(()) == ""


def test_key_vault_linked_groups_and_secret_references_are_not_findings() -> None:
    value = pipeline_corpus.Draw(random.Random(8)).password()
    groups = [
        {
            "id": 1,
            "name": "kv",
            "type": "AzureKeyVault",
            "providerData": {"vault": "kv-contoso"},
            "variables": {"dbPassword": {"isSecret": True, "value": value}},
        },
        {
            "id": 2,
            "name": "plain",
            "type": "Vsts",
            "variables": {
                "dbPassword": {"isSecret": True, "value": "$(db-password)"},
                "apiKey": {"isSecret": True, "value": None},
                "adminPassword": {"isSecret": True, "value": value},
            },
        },
    ]
    result = scan_structure("groups.json", json.dumps(groups, indent=2))
    assert result is not None and result.error is None
    assert [(h.path, h.secret) for h in result.hits] == [
        ("[1].variables.adminPassword.value", value)
    ]


def test_aliases_and_multiple_documents_are_walked() -> None:
    d = pipeline_corpus.Draw(random.Random(9))
    a, b = d.password(), d.password()
    text = (
        "trigger: none\nvariables:\n  base: &common\n    dbPassword: "
        f"{a}\n  copy: *common\n---\nsteps:\n  - script: make\n    env:\n      API_TOKEN: {b}\n"
    )
    result = scan_structure("azure-pipelines.yml", text)
    assert result is not None
    got = {(h.path, h.line, h.column) for h in result.hits}
    assert ("variables.base.dbPassword", 4, 17) in got
    assert ("steps[0].env.API_TOKEN", 10, 18) in got


def test_detect_secrets_only_sees_the_plugin_through_the_engine(tmp_path: Path) -> None:
    """Line by line the structural plugin reports nothing: no double findings elsewhere."""
    proc = call_secretsops("scan", str(tmp_path), "-f", "json", cwd=tmp_path)
    assert proc.returncode == 0
    from secretsops_plugins.pipelines import PipelineVariableDetector

    plugin = PipelineVariableDetector()
    assert plugin.analyze_line("x.yml", "password: Harbor2024!", 1) == set()
    found = plugin.analyze_line("x.yml", "password: Harbor2024!", 1, enable_eager_search=True)
    assert {s.secret_value for s in found} >= {"Harbor2024!"}


@pytest.mark.parametrize(
    ("value", "name", "expected"),
    [
        ("serviceEndpoint", "credentialsOption", False),  # an option of a task (flood-tested)
        ("AzureResourceManagerEndpoint", "registryCredentials", False),
        ("BotAccount-dotnet-bot", "gitHubBotAccountSecret", False),  # a secret's name
        ("{YOUR_TOKEN}", "token", False),
        ("<password>", "dbPassword", False),
        ("true", "useSecrets", False),
        ("./secrets/admin.txt", "adminPassword", False),
        ("https://login.contoso.com/token", "tokenEndpoint", False),
        ("12345678", "pin", False),
        ("passed", "PASS", False),  # a bare PASS may hold a word (a test outcome, flood-tested)
    ],
)
def test_values_that_are_not_credentials(value: str, name: str, expected: bool) -> None:
    assert rules.is_literal_credential(value, name) is expected


def test_values_that_are_credentials() -> None:
    d = pipeline_corpus.Draw(random.Random(12))
    assert rules.is_literal_credential(d.password(), "sqlAdminPassword")
    assert rules.is_literal_credential(d.token(), "apiToken")
    rng = random.Random(3)
    letters = "".join(rng.choice("bcdfghjklmnpqrstvwxzBCDFGHJKLMNPQRSTVWXZ") for _ in range(16))
    assert rules.is_literal_credential(letters, "apiToken")  # random letters are not words
    assert rules.is_literal_credential("Lanternlantern", "dbPassword")  # a password may be words


def test_a_token_in_a_block_script_is_one_finding_at_its_own_line(repo: Repo) -> None:
    """detect-secrets' YAML view puts a block scalar on its key's line; the finding is moved to
    the line and column the token really has, and merged with the structural one."""
    token = fakes.github_token()
    repo.write(
        "azure-pipelines.yml",
        "trigger: none\nsteps:\n  - script: |\n      echo start\n"
        f"      git clone https://x:{token}@github.com/o/r\n",
    )
    findings = _json(repo.scan("-f", "json"))["findings"]
    assert [(f["type"], f["line"], f["column"], f["structural_path"]) for f in findings] == [
        ("GitHub Token", 5, 27, "steps[0].script")
    ]


def test_variable_list_export_is_a_map_of_variables(repo: Repo) -> None:
    """``az pipelines variable-group variable list`` prints the variables map alone."""
    value = pipeline_corpus.Draw(random.Random(13)).password()
    variables = {
        "DbPassword": {"isSecret": None, "value": value},
        "ApiKey": {"isSecret": True, "value": None},
        "Region": {"isSecret": None, "value": "westeurope"},
    }
    repo.write("exports/app-settings-variables.json", json.dumps(variables, indent=2))
    findings = _json(repo.scan("-f", "json"))["findings"]
    assert [(f["line"], f["column"], f["structural_path"]) for f in findings] == [
        (4, 15, "DbPassword.value")
    ]


def test_a_dollar_inside_a_password_is_not_a_reference() -> None:
    assert rules.is_literal_credential("Pa$sword2024", "dbPassword")
    assert not rules.is_literal_credential("$DB_PASSWORD", "dbPassword")
    assert not rules.is_literal_credential("pre$(suffix)", "dbPassword")
    assert [h.secret for h in rules.script_secrets("docker login -u me -p Pa$sword2024 r")] == [
        "Pa$sword2024"
    ]


def test_a_workflow_input_default_is_named_by_its_input() -> None:
    value = pipeline_corpus.Draw(random.Random(14)).password()
    text = (
        "on:\n  workflow_dispatch:\n    inputs:\n      dbPassword:\n        required: false\n"
        f"        default: {value}\njobs:\n  a:\n    runs-on: ubuntu-latest\n"
    )
    result = scan_structure(".github/workflows/manual.yml", text)
    assert result is not None
    assert [(h.path, h.line, h.column) for h in result.hits] == [
        ("on.workflow_dispatch.inputs.dbPassword.default", 6, 18)
    ]


def test_an_alias_bomb_is_reported_not_expanded() -> None:
    """Nine levels of nine aliases name 387 million values: the structural pass stops at its
    budget and reports the file as not parsed. (detect-secrets' own YAML transformer, which the
    line scan uses, does expand such a file: that is not tested through the CLI here.)"""
    lines = ["trigger: none", "variables:", "  l0: &l0 [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 10):
        refs = ", ".join([f"*l{level - 1}"] * 9)
        lines.append(f"  l{level}: &l{level} [{refs}]")
    result = scan_structure("azure-pipelines.yml", "\n".join(lines) + "\n")
    assert result is not None and result.hits == []
    assert result.error is not None and "aliases" in result.error


def test_an_alias_bomb_does_not_hang_a_scan(repo: Repo) -> None:
    """The engine reads a YAML file whose aliases explode as plain lines (detect-secrets' YAML
    transformer would expand them), and the pipeline pass reports it as not parsed."""
    lines = ["trigger: none", "variables:", "  l0: &l0 [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 10):
        refs = ", ".join([f"*l{level - 1}"] * 9)
        lines.append(f"  l{level}: &l{level} [{refs}]")
    lines.append(f"  dbPassword: {pipeline_corpus.Draw(random.Random(15)).password()}")
    repo.write("azure-pipelines.yml", "\n".join(lines))
    report = _json(repo.scan("-f", "json"))
    (skipped,) = report["summary"]["skipped_malformed"]
    assert skipped["path"] == "azure-pipelines.yml" and "aliases" in skipped["reason"]
    assert [f["line"] for f in report["findings"]] == [13]  # the line detectors still read it
