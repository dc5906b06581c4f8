"""The candidate gate (``secretsops.scan.gate``) skips only files that cannot yield a finding.

Compared with the engine on a varied corpus (the prefilter's, plus files with one credential
line among plain code and every view detect-secrets makes: YAML, INI, pipelines, exports),
whole files and chosen lines; and in the real process: a commit hook run over a clean change
never imports detect-secrets once the gate is cached, and still finds what a change adds.
"""

from __future__ import annotations

import base64
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Repo, base_env
from test_prefilter import corpus, credential_lines

from secretsops.scan.engine import Engine, EngineConfig
from secretsops.scan.files import findings_from_raw
from secretsops.scan.gate import YAML_EXTENSIONS, Gate, cache_key

EXTENSIONS = (".py", ".yaml", ".yml", ".YML", ".ini", ".cfg", ".env", ".json", ".js", ".tf", "")


def _plain_code(rng: random.Random, n: int) -> list[str]:
    return [
        rng.choice(
            [
                f"import mod{rng.randint(0, 9)}",
                f"    value_{rng.randint(0, 99)} = compute({rng.randint(0, 9)})",
                "def handler(event):",
                "    return None",
                f"# comment {rng.randint(0, 999)}",
                "",
            ]
        )
        for _ in range(n)
    ]


def gate_corpus(seed: int) -> dict[str, str]:
    rng = random.Random(seed)
    files = corpus(rng)
    creds = credential_lines(rng)
    for i in range(40):
        lines = _plain_code(rng, 30)
        if i % 2:
            lines.insert(rng.randrange(len(lines)), rng.choice(creds))
        ext = EXTENSIONS[i % len(EXTENSIONS)]
        files[f"mixed/f{i}{ext}"] = "\n".join(lines) + "\n"
    for i in range(6):
        # No quote and no keyword on these lines, so no raw line has a candidate: only the
        # INI view (which quotes values) finds the key.
        value = base64.b64encode(rng.randbytes(32)).decode()
        files[f"views/settings{i}.ini"] = f"[main]\nauth = {value}\n"
        files[f"views/settings{i}"] = f"[main]\nname = x\nsig = {value}\n"
        files[f"views/config{i}.yaml"] = f"main:\n  auth: {value}\n"
        files[f"views/code{i}.py"] = f"import os\nauth = {value}\n"
    cred = rng.choice(creds)
    files["azure-pipelines.yml"] = f"steps:\n- script: echo hi\n  env:\n    X: {cred}\n"
    files["export/group.json"] = (
        '{"variables": {"Password": {"value": "' + "Zq" * 9 + '", "isSecret": false}}}\n'
    )
    files["mixed/crlf.py"] = "import os\r\n" + cred + "\r\nx = 1\r\n"
    files["mixed/formfeed.py"] = "import os\n\x0c" + cred + "\nx = 1\n"
    return files


@pytest.fixture(scope="module")
def gate_and_engine(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    with pytest.MonkeyPatch.context() as mp, Engine() as engine:
        mp.setenv("SECRETSOPS_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        Gate.save(EngineConfig(), engine)
        gate = Gate.load(EngineConfig())
        assert gate is not None
        yield gate, engine


@pytest.mark.parametrize("seed", [1, 2])
def test_a_file_the_gate_passes_has_no_finding(gate_and_engine, seed: int) -> None:  # type: ignore[no-untyped-def]
    gate, engine = gate_and_engine
    files = gate_corpus(seed)
    clean = dirty = 0
    for path, text in sorted(files.items()):
        found = engine.scan_text(path, text)
        if gate.clean(path, text):
            clean += 1
            assert found == [], path
        else:
            dirty += 1
    # Neither side is empty: the gate skips plain files and keeps the rest.
    assert clean >= 10
    views = [p for p in files if p.startswith("views/settings")]
    assert all(engine.scan_text(p, files[p]) for p in views)  # found only through the view
    assert dirty >= 20


@pytest.mark.parametrize("seed", [3, 4])
def test_lines_the_gate_passes_hold_no_finding(gate_and_engine, seed: int) -> None:  # type: ignore[no-untyped-def]
    """A commit hook without a baseline reports findings on added lines only: the gate over
    those lines must never skip a file that has one there."""
    gate, engine = gate_and_engine
    rng = random.Random(seed)
    skipped = 0
    for path, text in sorted(gate_corpus(seed).items()):
        findings = findings_from_raw(path, engine.scan_text(path, text))
        count = len(text.splitlines())
        for _ in range(6):
            numbers = {rng.randint(1, max(count, 1)) for _ in range(rng.randint(1, 4))}
            if gate.clean(path, text, numbers):
                skipped += 1
                assert not [f for f in findings if f.line in numbers], (path, numbers)
    assert skipped >= 50


def test_yaml_extensions_are_detect_secrets_yaml_file_types() -> None:
    from detect_secrets.util.filetype import FileType, determine_file_type

    candidates = [
        ".yaml", ".yml", ".eyaml", ".YAML", ".Yml", ".json", ".ini", ".cfg", ".conf", ".py",
        ".toml", ".properties", ".tf", ".env", ".txt", "", ".xml", ".cnf", ".example",
    ]  # fmt: skip
    for ext in candidates:
        assert (ext in YAML_EXTENSIONS) == (determine_file_type(f"a{ext}") is FileType.YAML), ext


def test_the_cache_key_follows_configuration_and_detectors(tmp_path: Path) -> None:
    plain = cache_key(EngineConfig())
    assert cache_key(EngineConfig()) == plain
    limits = EngineConfig(plugin_options={"Base64HighEntropyString": {"limit": 3.0}})
    assert cache_key(limits) != plain
    assert cache_key(EngineConfig(disabled_plugins=frozenset({"KeywordDetector"}))) != plain


def test_an_unreadable_cache_entry_is_no_gate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECRETSOPS_CACHE_DIR", str(tmp_path))
    assert Gate.load(EngineConfig()) is None
    (tmp_path / f"gate-{cache_key(EngineConfig())}.json").write_text("{not json", encoding="utf-8")
    assert Gate.load(EngineConfig()) is None


def _hook(repo: Repo, cache: Path, *files: str) -> subprocess.CompletedProcess[str]:
    env = {**base_env(), "SECRETSOPS_CACHE_DIR": str(cache)}
    return subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "secretsops", "scan", "--staged", *files],
        cwd=repo.path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_clean_commit_never_starts_detect_secrets(repo: Repo, tmp_path: Path) -> None:
    from secretsops.sample import fake_values

    cache = tmp_path / "cache"
    repo.write("app.py", "\n".join(_plain_code(random.Random(5), 40)) + "\n")
    repo.add("app.py")
    repo.commit("base")
    with (repo.path / "app.py").open("a", encoding="utf-8") as out:
        out.write("def added():\n    return 2\n")
    repo.add("app.py")

    first = _hook(repo, cache, "app.py")  # builds the engine, records the gate
    assert first.returncode == 0, first.stderr[-2000:]
    assert "detect_secrets" in first.stderr
    assert list(cache.glob("gate-*.json"))
    second = _hook(repo, cache)
    assert second.returncode == 0, second.stderr[-2000:]
    assert "detect_secrets" not in second.stderr
    assert "1 file scanned" in second.stdout

    key = fake_values()["aws_access_key_id"]
    with (repo.path / "app.py").open("a", encoding="utf-8") as out:
        out.write(f'aws_key = "{key}"\n')
    repo.add("app.py")
    third = _hook(repo, cache, "app.py")
    assert third.returncode == 1
    assert "AWS Access Key" in third.stdout
    assert "detect_secrets" in third.stderr


def test_gated_json_report_names_the_same_detectors(repo: Repo, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    repo.write("app.py", "import os\n")
    repo.add("app.py")
    repo.commit("base")
    repo.write("app.py", "import os\nimport sys\n")
    repo.add("app.py")
    env = {**base_env(), "SECRETSOPS_CACHE_DIR": str(cache)}
    cmd = [sys.executable, "-m", "secretsops", "scan", "--staged", "-f", "sarif"]
    built = subprocess.run(cmd, cwd=repo.path, env=env, capture_output=True, text=True, check=True)
    gated = subprocess.run(cmd, cwd=repo.path, env=env, capture_output=True, text=True, check=True)
    rules = [json.loads(p.stdout)["runs"][0]["tool"]["driver"]["rules"] for p in (built, gated)]
    assert rules[0] == rules[1]
    assert len(rules[0]) > 20
