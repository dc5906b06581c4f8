"""Every detector finds its positives in the labelled corpus, and no negative or ordinary line.

The corpus (``tests/corpus.py``) is generated at test time; the same corpus drives
``benchmarks/quality.py``. Precision filters and checksums are also tested one by one.
"""

from __future__ import annotations

import random
import string
from typing import Any

import config_corpus
import corpus
import pytest

from secretsops.scan import filters as precision
from secretsops.scan.checksums import has_valid_crc32_suffix, with_crc32_suffix
from secretsops.scan.engine import Engine, our_plugin_classes

ALNUM = string.ascii_letters + string.digits
# credential-shaped test values, assembled so this file does not itself look like one
PW = "Kq7m" + "Z2vLp9x"
DER = "MIIE" + "vQIB"
B64V = "QmFz" + "ZTY0"


def scan(files: dict[str, str]) -> set[tuple[str, int, str]]:
    with Engine() as engine:
        return {
            (path, hit.line, hit.type)
            for path, text in files.items()
            for hit in engine.scan_text(path, text)
        }


@pytest.fixture(scope="module", params=[1, 2, 3])
def scanned(request: Any) -> tuple[dict[str, str], list[corpus.Label], set[tuple[str, int, str]]]:
    files, labels = corpus.build(request.param)
    return files, labels, scan(files)


def test_every_positive_is_found_with_its_type(scanned: Any) -> None:
    _files, labels, hits = scanned
    missed = [
        (lab.type, lab.path, lab.line)
        for lab in labels
        if lab.positive and (lab.path, lab.line, lab.type) not in hits
    ]
    assert missed == []


def test_no_negative_and_no_ordinary_line_is_reported(scanned: Any) -> None:
    _files, labels, hits = scanned
    positive = {(lab.path, lab.line) for lab in labels if lab.positive}
    wrong = sorted(h for h in hits if (h[0], h[1]) not in positive)
    assert wrong == []


def test_one_type_per_positive_line(scanned: Any) -> None:
    _files, _labels, hits = scanned
    by_line: dict[tuple[str, int], set[str]] = {}
    for path, line, kind in hits:
        by_line.setdefault((path, line), set()).add(kind)
    assert {k: v for k, v in by_line.items() if len(v) > 1} == {}


def test_the_corpus_covers_every_detector_and_filter() -> None:
    _files, labels = corpus.build(1)
    _config_files, config_labels = config_corpus.build(1)
    with Engine() as engine:
        ours = {engine.plugin_types[c.__name__] for c in our_plugin_classes()}
    types = {t for lab in labels + config_labels if lab.positive for t in lab.type.split("|")}
    assert ours <= types
    notes = {lab.note for lab in labels if not lab.positive}
    # the indirect-reference and coverage filters act on generic detectors inside other cases;
    # the dollar-sign filter on values the reference filter leaves (``$1...``), tested below
    assert set(precision.FILTERS) - notes <= {
        "is_generic_indirect_reference",
        "is_covered_by_specific_detector",
        "is_dollar_prefixed",
    }


# --- checksums -----------------------------------------------------------------------------


def test_github_checksum_raises_confidence() -> None:
    rng = random.Random(5)
    good = with_crc32_suffix("ghp_", "".join(rng.choice(ALNUM) for _ in range(30)))
    bad = good[:-1] + ("A" if good[-1] != "A" else "B")
    assert has_valid_crc32_suffix(good, 4)
    assert not has_valid_crc32_suffix(bad, 4)
    with Engine() as engine:
        found = {
            h.secret: h.confidence.value for h in engine.scan_text("a.env", f"T={good}\nU={bad}\n")
        }
    assert found == {good: "high", bad: "medium"}


def test_npm_checksum_raises_confidence() -> None:
    rng = random.Random(6)
    good = with_crc32_suffix("npm_", "".join(rng.choice(ALNUM) for _ in range(30)))
    bad = good[:-2] + "zz"
    with Engine() as engine:
        found = {
            h.secret: h.confidence.value for h in engine.scan_text("x.txt", f"{good}\n{bad}\n")
        }
    assert found[good] == "high"
    assert found.get(bad, "medium") == "medium"


# --- filters one by one --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "dropped"),
    [
        ("<your-password>", True),
        ("changeme", True),
        ("your-api-key-here", True),
        ("xxxxxxxxxxxx", True),
        ("********", True),
        ("my-example-token", True),
        ("dummy-value-1", True),
        ("password", True),
        ("Kq7#mZ2vLp9x", False),
        ("hunter2Secret!", False),
    ],
)
def test_is_placeholder(value: str, dropped: bool) -> None:
    assert precision.is_placeholder(value) is dropped


@pytest.mark.parametrize(
    ("value", "line", "dropped"),
    [
        ("$(DbPassword)", "password: $(DbPassword)", True),
        ("$[variables.pw]", "pw: $[variables.pw]", True),
        ("${{ secrets.X }}", "x: ${{ secrets.X }}", True),
        ("${DB_PASSWORD}", "DB_PASSWORD=${DB_PASSWORD}", True),
        ("%DB_PASSWORD%", "set PASSWORD=%DB_PASSWORD%", True),
        ("{{ .Values.pw }}", "pw: {{ .Values.pw }}", True),
        ("@Microsoft.KeyVault(SecretUri=x)", '"S": "@Microsoft.KeyVault(SecretUri=x)"', True),
        ("DB_PASSWORD", 'password = os.environ["DB_PASSWORD"]', True),
        ("GITHUB_TOKEN", "const t = process.env.GITHUB_TOKEN;", True),
        ("DB_PWD", 'var p = Environment.GetEnvironmentVariable("DB_PWD");', True),
        ("process.env.DB_PASSWORD;", "const password = process.env.DB_PASSWORD;", True),
        ('os.environ.get("DB_PASSWORD")', 'password = os.environ.get("DB_PASSWORD")', True),
        ("$env:DB_PASSWORD", "$password = $env:DB_PASSWORD", True),
        (PW, 'password = os.environ.get("DB_PASSWORD", "' + PW + '")', False),
        (PW, 'password = "' + PW + '"', False),
    ],
)
def test_is_reference(value: str, line: str, dropped: bool) -> None:
    assert precision.is_reference(value, line) is dropped


def test_is_name_of_a_secret() -> None:
    keyword = _named("KeywordDetector")
    line = "gitHubBotAccountSecret: BotAccount-dotnet-bot"
    assert precision.is_name_of_a_secret("BotAccount-dotnet-bot", line, keyword)
    assert not precision.is_name_of_a_secret(
        "Lantern-harbor", "db_password: Lantern-harbor", keyword
    )
    assert not precision.is_name_of_a_secret("xKqvBnMzLpRt", "api_token: xKqvBnMzLpRt", keyword)
    assert not precision.is_name_of_a_secret("BotAccount-dotnet-bot", line, None)


def test_is_guid_drops_ids_but_keeps_guid_passwords() -> None:
    guid = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
    assert precision.is_guid(guid, f'"TenantId": "{guid}"')
    assert precision.is_guid(guid, f"client_id = '{guid}'")
    assert not precision.is_guid(guid, f'"Password": "{guid}"')
    assert not precision.is_guid(guid, f"API_KEY={guid}")
    assert not precision.is_guid(PW, "x = '" + PW + "'")


def test_is_hash_or_digest() -> None:
    sha = "0123456789abcdef0123456789abcdef01234567"
    assert precision.is_hash_or_digest(sha, f"commit: {sha}")
    assert precision.is_hash_or_digest(sha, f"- uses: actions/checkout@{sha}")
    assert precision.is_hash_or_digest("abc", '"integrity": "sha512-abc"')
    assert precision.is_hash_or_digest("Zm9v", "x: Zm9v", "web/pnpm-lock.yaml")
    assert not precision.is_hash_or_digest(sha, f"GITHUB_LEGACY_TOKEN={sha}")


def test_is_public_material() -> None:
    assert precision.is_public_material("AAAAB3Nza", "ssh-rsa AAAAB3Nza user@host")
    assert precision.is_public_material("MIIBIjAN", 'public_key = "MIIBIjAN"')
    assert not precision.is_public_material(DER, 'private_key = "' + DER + '"')


def test_is_documented_example() -> None:
    assert precision.is_documented_example("AKIA" + "IOSFODNN7" + "EXAMPLE", "")
    assert precision.is_documented_example("k", "AccountName=devstoreaccount1;AccountKey=k")
    assert not precision.is_documented_example("AKIA" + "Q3RT5YH6UJ7IK8OL", "")


class _Plugin:
    """Stands for a detect-secrets plugin: the filters look only at its class name."""


def _named(name: str) -> Any:
    return type(name, (_Plugin,), {})()


def test_generic_filters_leave_specific_detectors_alone() -> None:
    line = 'url = build("https://a:' + PW + '@h")'
    generic, specific = _named("KeywordDetector"), _named("BasicAuthDetector")
    assert not precision.is_generic_indirect_reference(PW, line, specific)
    assert precision.is_generic_indirect_reference("get_pw", "pw = get_pw()", generic)
    entropy = _named("Base64HighEntropyString")
    assert precision.is_unnamed_entropy(B64V, 'ICON = "' + B64V + '"', entropy)
    assert not precision.is_unnamed_entropy(B64V, 'api_key = "' + B64V + '"', entropy)
    assert not precision.is_unnamed_entropy(B64V, 'ICON = "' + B64V + '"', specific)


# --- language awareness of the password detector ----------------------------------------------


@pytest.mark.parametrize(
    ("path", "line", "found"),
    [
        ("a.py", 'password = "' + PW + '"', True),
        ("a.py", "password = " + PW, False),
        ("a.js", "const password = " + PW + ";", False),
        ("a.yaml", "password: " + PW, True),
        (".env", "DB_PASSWORD=" + PW, True),
        ("a.ini", "[db]\npassword = " + PW, True),
        ("a.properties", "db.password=" + PW, True),
        ("a.py", 'password_file = "/run/secrets/pw"', False),
        ("a.py", 'token_url = "https://login/x"', False),
    ],
)
def test_password_detector_knows_the_language(path: str, line: str, found: bool) -> None:
    hits = scan({path: line + "\n"})
    assert any(kind == "Secret Keyword" for _, _, kind in hits) is found


def test_documentation_and_example_hosts() -> None:
    plugin = _named("KeywordDetector")
    assert precision.is_generic_in_documentation("x", "docs/config.rst", plugin)
    assert not precision.is_generic_in_documentation("x", "app/config.py", plugin)
    assert not precision.is_generic_in_documentation(
        "x", "docs/config.rst", _named("AWSKeyDetector")
    )
    assert precision.is_placeholder("password123")
    hits = scan(
        {
            "a.py": 'u = "https://user:' + PW + '@example.com/x"\n'
            'v = "https://user:[secure]@db.internal/x"\n'
            'w = "https://user:' + PW + '@db.internal/x"\n'
        }
    )
    assert {(line, kind) for _, line, kind in hits} == {(3, "Basic Auth Credentials")}


# --- made-up values in tests ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("tests/test_auth.py", True),
        ("test/hooks.ts", True),
        ("src/client.spec.ts", True),
        ("pkg/client_test.go", True),
        ("testdata/urls.json", True),
        ("App.Tests/ClientTests.cs", True),
        ("src/test/java/AppTest.java", True),
        ("app/settings.py", False),
        ("src/attestation.py", False),
        ("contest/entry.py", False),
    ],
)
def test_is_test_path(path: str, expected: bool) -> None:
    assert precision.is_test_path(path) is expected


@pytest.mark.parametrize(
    ("value", "path", "detector", "dropped"),
    [
        ("CircleOfLife", "tests/test_auth.py", "KeywordDetector", True),
        ("FooBarBazToken", "tests/test_headers.py", "KeywordDetector", True),
        ("pass%5B%7F", "tests/models/whatwg.json", "BasicAuthDetector", True),
        ("foo(b%5Dc", "tests/models/whatwg.json", "BasicAuthDetector", True),
        ("%3A%40c", "tests/models/whatwg.json", "BasicAuthDetector", True),
        ("old-password", "test/hooks.ts", "BasicAuthDetector", True),
        ("testMasterKey", "tests/utils.py", "AzureTemplateParameterDetector", True),
        ("s00pers3cret", "test/module/typings/esm/index.ts", "KeywordDetector", True),
        ("P@ssw0rd1", "tests/test_login.py", "KeywordDetector", True),
        ("s00pers3cret", "src/client.ts", "KeywordDetector", False),  # outside tests: reported
        # real-looking values stay reported in tests
        (PW, "tests/test_auth.py", "KeywordDetector", False),
        ("Summer2024!", "tests/test_auth.py", "KeywordDetector", False),
        ("xKqvBnMzLpRt", "tests/test_auth.py", "KeywordDetector", False),
        ("Tr0ub4dor&3", "tests/test_auth.py", "BasicAuthDetector", False),
        # made-up words outside tests, and detectors of a fixed format, are left alone
        ("CircleOfLife", "app/settings.py", "KeywordDetector", False),
        ("bar", "src/app.py", "BasicAuthDetector", False),
        ("CircleOfLife", "tests/test_auth.py", "AWSKeyDetector", False),
    ],
)
def test_is_test_fixture_value(value: str, path: str, detector: str, dropped: bool) -> None:
    assert precision.is_test_fixture_value(value, path, _named(detector)) is dropped


def test_documentation_host_however_the_url_ends() -> None:
    hits = scan(
        {
            "a.py": 'u = "https://user:' + PW + '@example.com"\n'
            "v = 'https://user:" + PW + "@db.example.org'\n"
            'w = "https://user:' + PW + '@example.com.evil.io"\n'
        }
    )
    assert {(line, kind) for _, line, kind in hits} == {(3, "Basic Auth Credentials")}


def test_committed_detector_docs_match_the_code() -> None:
    from pathlib import Path

    from secretsops.docs_detectors import render

    committed = (Path(__file__).parent.parent / "docs" / "detectors.md").read_text()
    assert committed.startswith(render())
