"""The prefilter changes speed, never results.

Findings with and without the prefilter must be identical on a varied corpus: real text (the
Python standard library, which every machine has) plus generated credential-shaped lines of
every kind, in every file type detect-secrets treats differently.
"""

from __future__ import annotations

import base64
import random
import re
import string
import sysconfig
from pathlib import Path

import config_corpus
import corpus as credential_corpus
import pytest

from secretsops.sample import fake_values
from secretsops.scan.engine import Engine
from secretsops.scan.literals import is_case_insensitive, required_literals
from secretsops.sources import decode

ALNUM = string.ascii_letters + string.digits


def _draw(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def credential_lines(rng: random.Random) -> list[str]:
    """Lines that exercise each built-in and secretsops detector."""
    v = fake_values()
    hexstr = _draw(rng, "0123456789abcdef", 40)
    b64 = _draw(rng, ALNUM + "+/", 44)
    header = base64.urlsafe_b64encode(b'{"alg":"HS256"}').decode().rstrip("=")
    claims = base64.urlsafe_b64encode(b'{"sub":"1234567890"}').decode().rstrip("=")
    jwt_body = f"{header}.{claims}." + _draw(rng, ALNUM, 43)
    return [
        f'aws_access_key_id = "{v["aws_access_key_id"]}"',
        f"token: {v['github_token']}",
        f'client_secret = "{v["entra_client_secret"]}"',
        f'conn = "{v["storage_connection_string"]}"',
        f'password = "{v["sql_password"]}"',
        f"PASSWORD={v['sql_password']}",
        f'db_pass: "{v["sql_password"]}"',
        f'api_key = "{hexstr}"',
        f'blob = "{b64}"',
        f'digest = "{hexstr}"',
        f'jwt = "{jwt_body}"',
        f"url = 'https://admin:{_draw(rng, ALNUM, 12)}@db.example.com/x'",
        f"slack = 'xoxb-{rng.randint(10**9, 10**10)}-{_draw(rng, ALNUM, 24)}'",
        f"stripe = 'sk_live_{_draw(rng, ALNUM, 24)}'",
        f"sendgrid = 'SG.{_draw(rng, ALNUM, 22)}.{_draw(rng, ALNUM, 43)}'",
        f"//registry.npmjs.org/:_authToken={_draw(rng, ALNUM, 36)}",
        f"twilio = 'SK{_draw(rng, '0123456789abcdef', 32)}'",
        "-----BEGIN " + "RSA PRIVATE KEY-----",
        f"host = {rng.randint(11, 99)}.{rng.randint(1, 250)}.{rng.randint(1, 250)}.7",
        f'pwd := "{_draw(rng, ALNUM, 14)}"',
        f'if ("{_draw(rng, ALNUM, 14)}" == my_password) {{}}',
        f"my_secret_key => '{_draw(rng, ALNUM, 20)}';",
        "PaSsWoRd = '" + _draw(rng, ALNUM, 16) + "'",
        f'secret = "{_draw(rng, ALNUM, 8)}"  # pragma: allowlist secret',
        f"apikey = '{_draw(rng, ALNUM, 30)}'  # gitleaks:allow",
    ]


def corpus(rng: random.Random) -> dict[str, str]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    real = sorted(stdlib.glob("*.py"))
    rng.shuffle(real)
    files: dict[str, str] = {}
    for path in real[:20]:
        files[f"stdlib/{path.name}"] = decode(path.read_bytes())
    creds = credential_lines(rng)
    for ext in (".py", ".yaml", ".ini", ".env", ".json", ".js", ".go", ".cs", ".tf", ".md"):
        body = "\n".join(
            rng.choice(creds) if rng.random() < 0.5 else f"x = {rng.randint(0, 9)}"
            for _ in range(60)
        )
        files[f"generated/sample{ext}"] = body + "\n"
    files["generated/config.yaml"] = "\n".join(
        f"key{i}: {line.split('=', 1)[-1].strip()}" for i, line in enumerate(creds)
    )
    # every secretsops detector and precision filter, in realistic files (tests/corpus.py)
    labelled, _ = credential_corpus.build(rng.randint(0, 10**6))
    files.update({f"corpus/{path}": text for path, text in labelled.items()})
    # credentials in configuration files, found from their structure (tests/config_corpus.py)
    configs, _ = config_corpus.build(rng.randint(0, 10**6))
    files.update({f"config/{path}": text for path, text in configs.items()})
    files["generated/settings.ini"] = "[main]\n" + "\n".join(
        f"opt{i} = {line.split('=', 1)[-1].strip()}" for i, line in enumerate(creds)
    )
    return files


def scan_all(engine: Engine, files: dict[str, str]) -> list[tuple[str, int, str, str]]:
    out = []
    for path, text in sorted(files.items()):
        for hit in engine.scan_text(path, text):
            out.append((path, hit.line, hit.type, hit.secret))
    return sorted(out)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_prefilter_loses_nothing(seed: int) -> None:
    files = corpus(random.Random(seed))
    with Engine() as engine:
        engine.use_prefilter = False
        slow = scan_all(engine, files)
        engine.use_prefilter = True
        fast = scan_all(engine, files)
    assert len(slow) > 20  # the generated lines really do produce findings
    assert {t for _, _, t, _ in slow} >= {
        "AWS Access Key",
        "GitHub Token",
        "Entra ID Client Secret",
        "Secret Keyword",
        "Base64 High Entropy String",
        "Hex High Entropy String",
        "JSON Web Token",
        "Private Key",
    }
    assert fast == slow


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"AKIA[0-9A-Z]{16}", {"AKIA"}),
        (r"(?:ghp|gho)_[A-Za-z0-9]{36}", {"ghp_", "gho_"}),
        (r"(?:foo|)bar", {"bar"}),
        (r"(?:foo|)", None),
        (r"x?y*", None),
        (r"(?:ab)+cd", {"abcd", "ababcd"}),
    ],
)
def test_required_literals(pattern: str, expected: set[str] | None) -> None:
    found = required_literals(re.compile(pattern))
    if expected is None:
        assert found is None
    else:
        assert found is not None
        # every way the pattern can match contains one of the literals found
        assert all(any(lit in alternative for lit in found) for alternative in expected)


def test_required_literals_hold_for_matches() -> None:
    """Every match of every detector pattern contains one of its required literals."""
    rng = random.Random(7)
    lines = credential_lines(rng)
    with Engine() as engine:
        checks = engine._prefilter._checks if engine._prefilter else []
        assert checks
        for _plugin, pattern in checks:
            literals = required_literals(pattern)
            if literals is None:
                continue
            fold = is_case_insensitive(pattern)  # scoped (?i:...) flags too
            for line in lines:
                for match in pattern.finditer(line):
                    text = match.group(0)
                    hay = text.casefold() if fold else text
                    needles = {lit.casefold() for lit in literals} if fold else literals
                    assert any(n in hay for n in needles), (pattern.pattern[:40], literals)
