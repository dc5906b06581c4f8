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
from conftest import Repo, assert_clean_error, base_env

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


@pytest.mark.parametrize("backend", ["hyperscan", "ahocorasick"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_prefilter_loses_nothing(seed: int, backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRETSOPS_PREFILTER", backend)
    files = corpus(random.Random(seed))
    with Engine() as engine:
        assert engine.prefilter is not None and engine.prefilter.backend == backend
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


def test_an_unknown_prefilter_back_end_is_a_one_line_error(repo: Repo) -> None:
    repo.write("a.py", 'password = "' + _draw(random.Random(1), ALNUM, 16) + '"\n')
    proc = repo.proc("scan", env={**base_env(), "SECRETSOPS_PREFILTER": "pcre"})
    assert_clean_error(proc)
    assert "SECRETSOPS_PREFILTER" in proc.stderr


def test_a_cached_hyperscan_database_answers_as_a_compiled_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second engine loads the database the first one compiled and saved (a loaded
    database needs its own scratch space); both give the Aho-Corasick answers."""
    pytest.importorskip("hyperscan")
    monkeypatch.setenv("SECRETSOPS_CACHE_DIR", str(tmp_path))
    lines = [line for text in corpus(random.Random(4)).values() for line in text.splitlines()]
    answers = []
    for backend in ("hyperscan", "hyperscan", "ahocorasick"):
        monkeypatch.setenv("SECRETSOPS_PREFILTER", backend)
        with Engine() as engine:
            assert engine.prefilter is not None
            found = engine.prefilter.candidates_of_lines(lines)
            answers.append({i: [type(p).__name__ for p in ps] for i, ps in found.items()})
        if not answers[1:]:
            assert list(tmp_path.glob("hyperscan-*.db"))  # saved by the first engine
    assert answers[0] and answers[0] == answers[1] == answers[2]


def test_the_non_ascii_characters_folded_onto_ascii_are_the_table() -> None:
    """The Hyperscan supersets let an ASCII class accept only these non-ASCII characters:
    asked of Python's own ``re`` for every code point."""
    from secretsops.scan.supersets import _FOLDED_ONTO_ASCII

    ascii_class = re.compile(r"[\x00-\x7f]", re.IGNORECASE)
    found = tuple(chr(c) for c in range(0x80, 0x110000) if ascii_class.fullmatch(chr(c)))
    assert found == _FOLDED_ONTO_ASCII


@pytest.mark.parametrize(
    "pattern",
    [
        r"(?i)secret\s*=\s*(\w{8,})",
        r"(?<![\w.])key[-_]?id\b",
        r"^\s*(['\"])[A-Za-z0-9+/]{12,}\1\s*$",
        r"[^\s\"']{6,}@[^.]+\.example",
        r"(?i:k)[\W\d]+(?:x|\u017f|\u212a)+",
        r"^---",
        r"(?x) a \s+ b # comment",
        r"token(?=\s)|tok$",
    ],
)
def test_a_hyperscan_superset_reports_every_line_the_pattern_searches(pattern: str) -> None:
    hyperscan = pytest.importorskip("hyperscan")
    from secretsops.scan.supersets import superset

    compiled = re.compile(pattern)
    database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    database.compile(expressions=[superset(compiled)], flags=[hyperscan.HS_FLAG_MULTILINE])
    rng = random.Random(pattern)
    pieces = [*"abkxKS _-=.@'\"\t\x1c\xa0", "secret", "token", "tok", "key", "---", "b"]
    pieces += ["example", "A1b2C3d4E5f6G7", "\u017f", "\u212a", "İ", "é", "\u2028", "日本"]
    pieces.append("\ud800")
    pieces += ["SECRET = ", "key_id", "'A1b2C3d4E5f6G7'", "@x.example", "a  b", "k-9x", "token "]
    lines = ["".join(rng.choices(pieces, k=rng.randint(0, 8))) for _ in range(4000)]
    data = ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")
    ends: list[int] = []
    database.scan(data, match_event_handler=lambda _i, _s, end, _f, _c: ends.append(end))
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line.encode("utf-8", "surrogatepass")) + 1)
    reported = {starts.index(end) - 1 for end in ends}
    searched = {i for i, line in enumerate(lines) if compiled.search(line)}
    assert searched, "the generated lines exercise the pattern"
    assert searched <= reported
    assert len(reported) < len(lines)  # and it does rule lines out
