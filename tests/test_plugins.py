"""Our detectors in ``plugins/``: what they match, and that they are active in every scan."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import fakes
import pytest
from conftest import Repo

ENTRA = "Entra ID Client Secret"


def findings(repo: Repo, *args: str) -> list[dict[str, Any]]:
    proc = repo.scan("--format", "json", *args)
    assert proc.returncode in (0, 1), proc.stderr
    found: list[dict[str, Any]] = json.loads(proc.stdout)["findings"]
    return found


@pytest.mark.parametrize("tail", [31, 32, 33, 34])
def test_entra_secret_lengths_that_match(repo: Repo, tail: int) -> None:
    repo.write("a.txt", f"secret: {fakes.entra_client_secret(tail)}\n")
    assert [f["line"] for f in findings(repo) if f["type"] == ENTRA] == [1]


@pytest.mark.parametrize("tail", [25, 30, 35, 40])
def test_entra_secret_lengths_that_do_not_match(repo: Repo, tail: int) -> None:
    repo.write("a.txt", f"secret: {fakes.entra_client_secret(tail)}\n")
    assert [f for f in findings(repo) if f["type"] == ENTRA] == []


@pytest.mark.parametrize(
    "template",
    [
        'value = "{}"',
        "value = '{}'",
        "ClientSecret={}",
        "  client_secret: {}",
        '<add key="AzureAd:Secret" value="{}" />',
        "az login --service-principal -p {} --tenant t",
        'call("{}", x)',
    ],
)
def test_entra_secret_in_common_settings(repo: Repo, template: str) -> None:
    value = fakes.entra_client_secret()
    repo.write("settings.txt", template.format(value))
    assert ENTRA in {f["type"] for f in findings(repo)}


def test_entra_secret_inside_a_longer_word_is_not_matched(repo: Repo) -> None:
    value = fakes.entra_client_secret(32)
    repo.write("a.txt", f"xyz{value}\n{value}xyz\n")
    assert [f for f in findings(repo) if f["type"] == ENTRA] == []


def test_two_github_tokens_in_one_file_are_two_secrets(repo: Repo) -> None:
    first, second = fakes.github_token(), fakes.github_token()
    repo.write("ci.env", f"GH_ONE={first}\nGH_TWO={second}\n")
    gh = [f for f in findings(repo) if f["type"] == "GitHub Token"]
    assert [f["line"] for f in gh] == [1, 2]
    assert gh[0]["fingerprint"] != gh[1]["fingerprint"]
    shown = repo.scan("--show-secrets").stdout
    assert f"ci.env:1  GitHub Token  {first}" in shown
    assert f"ci.env:2  GitHub Token  {second}" in shown


def test_a_baselined_github_token_does_not_hide_a_new_one(repo: Repo) -> None:
    repo.write("ci.env", f"GH_ONE={fakes.github_token()}\n")
    assert repo.run("baseline", "create").returncode == 0
    assert repo.scan("--baseline", ".secrets.baseline").returncode == 0
    with (repo.path / "ci.env").open("a") as handle:
        handle.write(f"GH_TWO={fakes.github_token()}\n")
    proc = repo.scan("--baseline", ".secrets.baseline")
    assert proc.returncode == 1
    assert "ci.env:2  GitHub Token" in proc.stdout


def test_our_detectors_are_listed_with_their_module_path_in_baselines(repo: Repo) -> None:
    """As detect-secrets lists custom plugins: ``file://`` to the module (detect-secrets cannot
    load a plugin it does not ship without one); its own plugins have no path."""
    repo.write("a.py", "x = 1\n")
    assert repo.run("baseline", "create").returncode == 0
    data = json.loads((repo.path / ".secrets.baseline").read_text())
    names = [p["name"] for p in data["plugins_used"]]
    assert "EntraClientSecretDetector" in names
    assert names.count("GitHubTokenDetector") == 1
    import secretsops_plugins

    folder = Path(secretsops_plugins.__file__).resolve().parent.as_uri()
    by_name = {p["name"]: p for p in data["plugins_used"]}
    assert by_name["EntraClientSecretDetector"]["path"] == f"{folder}/azure.py"
    assert by_name["GitHubTokenDetector"]["path"] == f"{folder}/github.py"
    assert "path" not in by_name["Base64HighEntropyString"]


@pytest.mark.parametrize("prefix", ["glpat-", "gldt-", "glcbt-", "glcbt-1a_", "glrt-"])
def test_gitlab_tokens_are_reported_whole_and_apart(repo: Repo, prefix: str) -> None:
    """detect-secrets' own pattern captured only the prefix (or nothing, for glcbt-)."""
    first = prefix + fakes._pick(fakes.ALNUM, 24)
    second = prefix + fakes._pick(fakes.ALNUM, 24)
    repo.write("ci.env", f"TOKEN_A={first}\nTOKEN_B={second}\n")
    found = [f for f in findings(repo) if f["type"] == "GitLab Token"]
    assert [f["line"] for f in found] == [1, 2]
    assert found[0]["fingerprint"] != found[1]["fingerprint"]
    assert found[0]["preview"].startswith(prefix[:4])
