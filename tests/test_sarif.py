"""SARIF 2.1.0 output: valid against the OASIS schema, and what code-scanning tabs rely on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import fakes
import jsonschema
import pytest
from conftest import SARIF_SCHEMA, Repo, call_secretsops


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def assert_valid(validator: jsonschema.Draft4Validator, doc: dict[str, Any]) -> None:
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


def sarif_of(repo: Repo, *args: str) -> tuple[int, str, dict[str, Any]]:
    proc = repo.scan("--format", "sarif", *args)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, proc.stdout, json.loads(proc.stdout)


@pytest.fixture
def mixed(tmp_path: Path) -> Repo:
    repo = Repo(tmp_path / "work space" / "d\u00e9p\u00f4t")
    repo.write("src/app.py", f"{fakes.aws_line()}\n{fakes.password_line()}\n")
    repo.write("src/other.py", f"token = '{fakes.github_token()}'\n{fakes.aws_line()}\n")
    repo.write("conf/app settings #1.json", json.dumps({"s": fakes.entra_client_secret()}))
    repo.write("docs/r\u00e9sum\u00e9 100%.md", f"key: {fakes.aws_access_key_id()}\n")
    repo.add()
    repo.commit()
    return repo


def test_sarif_validates_against_the_schema(
    mixed: Repo, validator: jsonschema.Draft4Validator
) -> None:
    code, _, doc = sarif_of(mixed)
    assert code == 1
    assert doc["version"] == "2.1.0"
    assert_valid(validator, doc)
    assert len(doc["runs"]) == 1
    assert len(doc["runs"][0]["results"]) >= 5


def test_empty_sarif_validates(repo: Repo, validator: jsonschema.Draft4Validator) -> None:
    repo.write("a.py", "x = 1\n")
    code, _, doc = sarif_of(repo)
    assert code == 0
    assert doc["runs"][0]["results"] == []
    assert_valid(validator, doc)


def test_staged_sarif_validates(mixed: Repo, validator: jsonschema.Draft4Validator) -> None:
    mixed.git("update-ref", "-d", "HEAD")  # before the first commit: every staged line is new
    proc = call_secretsops("scan", "--staged", "-f", "sarif", cwd=mixed.path)
    assert proc.returncode == 1
    assert_valid(validator, json.loads(proc.stdout))


def test_one_rule_per_detector_and_consistent_rule_index(mixed: Repo) -> None:
    _, _, doc = sarif_of(mixed)
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids)), "duplicate rule ids"
    # Every detector that ran is a rule, ours included, whether or not it fired.
    names = {r["name"] for r in rules}
    assert {"AWSKeyDetector", "EntraClientSecretDetector", "KeywordDetector"} <= names
    assert {"PrivateKeyDetector", "GitHubTokenDetector"} <= names
    for result in run["results"]:
        index = result["ruleIndex"]
        assert rules[index]["id"] == result["ruleId"]
    fired = {r["ruleId"] for r in run["results"]}
    assert len(fired) >= 4


def test_every_result_has_partial_fingerprints_matching_the_json_report(mixed: Repo) -> None:
    _, _, doc = sarif_of(mixed)
    report = json.loads(mixed.scan("--format", "json").stdout)
    json_fps = {(f["path"], f["line"], f["fingerprint"]) for f in report["findings"]}
    sarif_fps = set()
    for result in doc["runs"][0]["results"]:
        partial = result.get("partialFingerprints")
        assert partial and all(isinstance(v, str) and v for v in partial.values())
        location = result["locations"][0]["physicalLocation"]
        path = unquote(location["artifactLocation"]["uri"])
        sarif_fps.add((path, location["region"]["startLine"], next(iter(partial.values()))))
    assert sarif_fps == json_fps


def test_uris_are_relative_and_no_machine_path_appears(mixed: Repo) -> None:
    _, text, doc = sarif_of(mixed, str(mixed.path))
    for needle in (str(mixed.path), str(mixed.path.resolve()), "/tmp/", "file://"):
        assert needle not in text
    expected = {
        "src/app.py",
        "src/other.py",
        "conf/app settings #1.json",
        "docs/r\u00e9sum\u00e9 100%.md",
    }
    seen = set()
    for result in doc["runs"][0]["results"]:
        artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
        uri = artifact["uri"]
        parts = urlsplit(uri)
        assert not parts.scheme and not parts.netloc and not uri.startswith("/"), uri
        assert " " not in uri and "#" not in uri, uri  # a valid URI reference
        assert artifact.get("uriBaseId") == "%SRCROOT%"
        seen.add(unquote(uri))
    assert seen == expected


def test_sarif_has_no_secret_values(mixed: Repo) -> None:
    _, text, _ = sarif_of(mixed)
    report = json.loads(mixed.scan("--format", "json").stdout)
    shown = mixed.scan("--show-secrets").stdout
    values = [line.split("  ")[2] for line in shown.splitlines() if "  " in line]
    assert len(values) == len(report["findings"])
    for value in values:
        assert value not in text


def test_sarif_output_file(mixed: Repo, tmp_path: Path, validator: Any) -> None:
    target = tmp_path / "results.sarif"
    proc = mixed.scan("--format", "sarif", "--output", str(target))
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert_valid(validator, json.loads(target.read_text(encoding="utf-8")))
