"""Credentials in configuration files (issue #15): every family of ``tests/config_corpus.py`` is
found with its type, and no decoy (placeholder, ``${VAR}``, ``changeme``, Key Vault reference,
empty value) or ordinary line is reported. Each family's positives fail without its rule."""

from __future__ import annotations

import base64
import json
import random
import string
from typing import Any

import config_corpus as cc
import pytest
from conftest import Repo, call_secretsops

from secretsops.scan import filters as precision
from secretsops.scan.engine import Engine

ALNUM = string.ascii_letters + string.digits
#: Types whose lines the keyword detector keeps when it reports the same value (baselines).
KEYWORD_MAY_KEEP = {cc.APP_SECRET, cc.CREDENTIAL_FILE, cc.SQL_PASSWORD}


def scan(files: dict[str, str]) -> dict[tuple[str, int], set[str]]:
    hits: dict[tuple[str, int], set[str]] = {}
    with Engine() as engine:
        for path, text in files.items():
            for hit in engine.scan_text(path, text):
                hits.setdefault((path, hit.line), set()).add(hit.type)
    return hits


def allowed(label: cc.Label) -> set[str]:
    kinds = set(label.type.split("|"))
    return kinds | ({cc.KEYWORD} if kinds & KEYWORD_MAY_KEEP else set())


@pytest.fixture(scope="module", params=[1, 2, 3, 4, 5])
def scanned(request: Any) -> tuple[list[cc.Label], dict[tuple[str, int], set[str]]]:
    files, labels = cc.build(request.param)
    return labels, scan(files)


def test_every_family_is_covered() -> None:
    _files, labels = cc.build(1)
    assert {lab.family for lab in labels if lab.positive} | {"k8s-secret"} == set(cc.FAMILIES)
    decoys = {lab.family for lab in labels if not lab.positive}
    assert len(decoys) >= 20  # nearly every family has its decoys


def test_every_positive_is_found_with_its_type(scanned: Any) -> None:
    labels, hits = scanned
    missed = [
        (lab.family, lab.path, lab.line, lab.type)
        for lab in labels
        if lab.positive and not hits.get((lab.path, lab.line), set()) & allowed(lab)
    ]
    assert missed == []


def test_no_decoy_and_no_ordinary_line_is_reported(scanned: Any) -> None:
    labels, hits = scanned
    positive = {(lab.path, lab.line) for lab in labels if lab.positive}
    decoys = {(lab.path, lab.line): lab.family for lab in labels if not lab.positive}
    wrong = sorted((decoys.get(k, "(ordinary)"), *k) for k in hits if k not in positive)
    assert wrong == []


def test_one_type_per_line(scanned: Any) -> None:
    _labels, hits = scanned
    assert {k: v for k, v in hits.items() if len(v) > 1} == {}


# --- rules one by one ------------------------------------------------------------------------


def _pw(rng: random.Random) -> str:
    return "".join(rng.choice(ALNUM) for _ in range(9)) + "7"


def _weak(rng: random.Random) -> str:
    """A low-entropy password the keyword detector's strength rule lets through."""
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(9))


def types_of(path: str, text: str) -> list[tuple[int, str]]:
    with Engine() as engine:
        return sorted((h.line, h.type) for h in engine.scan_text(path, text))


def test_netrc_password_only_in_netrc_files_or_one_line_entries() -> None:
    pw = _weak(random.Random(1))
    entry = "machine h.corp.io\n  login ci\n  " + cc.PW + " " + pw + "\n"
    assert types_of("home/.netrc", entry) == [(3, cc.CREDENTIAL_FILE)]
    assert types_of("notes/entry.cfg", entry) == []  # a bare "password x" line elsewhere
    one = "machine h.corp.io login ci " + cc.PW + " " + pw + "\n"
    assert types_of("scripts/setup.sh", one) == [(1, cc.CREDENTIAL_FILE)]
    assert types_of("docs/setup.md", one) == []  # documentation shows examples


def test_docker_auth_must_decode_to_user_and_password() -> None:
    rng = random.Random(2)
    good = base64.b64encode(f"ci:{_pw(rng)}".encode()).decode()
    no_colon = base64.b64encode(_pw(rng).encode()).decode()
    placeholder = base64.b64encode(b"ci:changeme").decode()
    text = json.dumps({"auths": {"r": {"auth": good}, "s": {"auth": no_colon}}}, indent=1)
    text += "\n" + json.dumps({"t": {"auth": placeholder}}) + "\n"
    found = types_of("config.json", text)
    assert [t for _, t in found] == [cc.CREDENTIAL_FILE]


def test_filezilla_base64_pass_is_judged_decoded() -> None:
    fake = base64.b64encode(b"<" + cc.PW.encode() + b">").decode()
    real = base64.b64encode(_pw(random.Random(3)).encode()).decode()
    text = f'<Pass encoding="base64">{fake}</Pass>\n<Pass encoding="base64">{real}</Pass>\n'
    assert types_of("sitemanager.xml", text) == [(2, cc.CREDENTIAL_FILE)]


def test_password_hashes_keep_their_dollar_signs() -> None:
    rng = random.Random(4)
    salt = "".join(rng.choice(cc.CRYPT) for _ in range(8))
    body = "".join(rng.choice(cc.CRYPT) for _ in range(22))
    line = "admin:$apr1$" + salt + "$" + body
    assert types_of("site/.htpasswd", line + "\n") == [(1, cc.HASH)]
    # the reference and dollar filters keep dropping variables for every other detector
    assert precision.is_dollar_prefixed("$1abc")
    assert precision.is_reference("$DB_PASSWORD", "")
    hasher = type("PasswordHashDetector", (), {})()
    assert not precision.is_dollar_prefixed("$apr1$" + salt, hasher)
    assert not precision.is_reference("$apr1$" + salt, line, hasher)
    assert not precision.is_hash_or_digest("a" * 32, "password_hash = 'x'", "", hasher)


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE USER 'u'@'%' IDENTIFIED BY ?;",
        "CREATE USER 'u'@'%' IDENTIFIED BY :pw;",
        "ALTER USER u WITH " + "PASS" + "WORD NULL;",
        "CREATE USER 'u'@'%' IDENTIFIED WITH caching_sha2_password;",
        "CREATE USER 'u'@'%' IDENTIFIED BY '%s';",
        "-- a login is identified by its name",
        "    Load a library identified by 'name'.",
    ],
)
def test_sql_statements_without_a_literal_are_not_reported(statement: str) -> None:
    assert types_of("db/init.sql", statement + "\n") == []


def test_kubernetes_data_is_judged_decoded() -> None:
    rng = random.Random(5)

    def enc(text: str) -> str:
        return base64.b64encode(text.encode()).decode()

    text = (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\ndata:\n"
        f"  username: {enc('svc_' + _pw(rng))}\n"
        f"  db-host: {enc('pg.corp.io')}\n"
        f"  feature: {enc('enabled-flag')}\n"
        f"  {cc.PW}: {enc('harbor')}\n"  # a weak password is still a password
        f"  config: {enc(_pw(rng) + _pw(rng))}\n"  # random text under a neutral name
    )
    assert types_of("k8s/s.yaml", text) == [
        (9, "Kubernetes Secret Data"),
        (10, "Kubernetes Secret Data"),
    ]


def test_storage_key_without_padding_is_reported_as_detect_secrets_does() -> None:
    rng = random.Random(6)
    key = "".join(rng.choice(cc.B64) for _ in range(88))
    line = f'"S": "DefaultEndpointsProtocol=https;AccountName=a;AccountKey={key};"'
    assert types_of("local.settings.json", line + "\n") == [(1, "Azure Storage Account access key")]


def test_a_netrc_password_is_found_in_history(tmp_path: Any) -> None:
    """``scan --history`` reports a ``.netrc`` password that a later commit removed."""
    repo = Repo(tmp_path / "repo")
    pw = _weak(random.Random(7))
    repo.write(".netrc", "machine git.corp.io\n  login ci\n  " + cc.PW + " " + pw + "\n")
    repo.add()
    first = repo.commit("add netrc")
    repo.git("rm", "-q", ".netrc")
    repo.commit("remove netrc")
    proc = call_secretsops(
        "scan", "--history", "--no-cache", "-f", "json", "-j", "1", cwd=repo.path
    )
    assert proc.returncode == 1, proc.stderr
    found = json.loads(proc.stdout)["findings"]
    assert [(f["path"], f["line"], f["type"], f["commit"]) for f in found] == [
        (".netrc", 3, cc.CREDENTIAL_FILE, first)
    ]
    assert pw not in proc.stdout


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_variant_shapes_are_found_too(seed: int) -> None:
    files, labels = cc.variants(seed)
    hits = scan(files)
    missed = [
        (lab.family, lab.path, lab.line)
        for lab in labels
        if lab.positive and not hits.get((lab.path, lab.line), set()) & allowed(lab)
    ]
    positive = {(lab.path, lab.line) for lab in labels if lab.positive}
    assert missed == []
    assert sorted(k for k in hits if k not in positive) == []


def test_sarif_names_a_rule_for_each_new_type(tmp_path: Any) -> None:
    repo = Repo(tmp_path / "repo")
    repo.write(".netrc", "machine h.corp.io login ci " + cc.PW + " " + _weak(random.Random(8)))
    repo.add()
    repo.commit()
    proc = repo.scan("--format", "sarif")
    assert proc.returncode == 1, proc.stderr
    run = json.loads(proc.stdout)["runs"][0]
    rules = {r["id"] for r in run["tool"]["driver"]["rules"]}
    assert {
        "secretsops/credential-file-password",
        "secretsops/application-config-secret",
        "secretsops/password-hash",
        "secretsops/sql-statement-password",
    } <= rules
    assert [r["ruleId"] for r in run["results"]] == ["secretsops/credential-file-password"]
