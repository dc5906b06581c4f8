"""What every rewriter shares: which rewriter a file gets, what happens to a file no rewriter
understands, the text plumbing (CRLF, edits), and the scanner's structural paths."""

from __future__ import annotations

from pathlib import Path

import fakes
import pytest
import yaml
from rewriter_files import OPTIONS, assert_rewritten, new_password, rewrite, sites_in

from secretsops.migrate.rewriters import REWRITERS, ManualRewriter, _json, _text, rewriter_for
from secretsops.migrate.rewriters.base import Reference, Replacement, Site


@pytest.mark.parametrize(
    ("path", "text", "kind"),
    [
        ("azure-pipelines.yml", "steps:\n- script: echo\n", "azure-pipelines"),
        (
            "ci/build.yml",
            "trigger:\n- main\npool:\n  vmImage: x\nsteps:\n- bash: b\n",
            "azure-pipelines",
        ),
        (".github/workflows/ci.yml", "on: push\njobs: {}\n", "github-actions"),
        ("deploy/docker-compose.prod.yml", "services: {}\n", "docker-compose"),
        ("k8s/db.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\n", "kubernetes"),
        (".env", "A=1\n", "dotenv"),
        (".env.production", "A=1\n", "dotenv"),
        ("src/appsettings.Development.json", "{}", "appsettings"),
        ("settings.json", '[{"name": "A", "value": "b", "slotSetting": false}]', "appsettings"),
        ("infra/main.parameters.json", '{"parameters": {"a": {"value": 1}}}', "arm-parameters"),
        ("infra/main.bicep", "param a string\n", "bicep"),
        ("infra/main.bicepparam", "using 'main.bicep'\n", "bicep"),
        ("infra/main.tf", "", "terraform"),
        ("prod.tfvars", "", "terraform"),
        ("app.py", "", "source-code"),
        ("web/app.ts", "", "source-code"),
        ("Program.cs", "", "source-code"),
        ("deploy.ps1", "", "powershell"),
        ("Modules/Deploy.psm1", "", "powershell"),
        ("Properties/PublishProfiles/app - Web Deploy.pubxml", "<Project/>", "publish-profile"),
        ("app.PublishSettings", "<publishData/>", "publish-profile"),
        ("notebooks/explore.ipynb", '{"cells": []}', "notebook"),
        (
            "pipelines/group.json",
            '{"name": "g", "variables": {"a": {"value": "b"}}}',
            "variable-group",
        ),
        ("vars.json", '{"a": {"value": "b", "isSecret": false}}', "variable-group"),
        (
            "azuredeploy.json",
            '{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/'
            'deploymentTemplate.json#", "variables": {"a": {"value": "b"}}}',
            "manual",
        ),
        ("certs/key.pem", fakes.private_key_pem() + "\n", "private-key"),
        ("id_rsa", fakes.private_key_pem(), "private-key"),
        ("certs/notes.txt", "see below\n" + fakes.private_key_pem(), "manual"),
        ("config/app.ini", "[db]\n", "manual"),
        (".gitlab-ci.yml", "stages: [build]\nbuild:\n  script:\n  - make\n", "manual"),
        ("k8s/deployment.yaml", "apiVersion: apps/v1\nkind: Deployment\n", "manual"),
        ("azuredeploy.json", '{"resources": [], "parameters": {}}', "manual"),
    ],
)
def test_each_file_gets_its_rewriter(path: str, text: str, kind: str) -> None:
    assert rewriter_for(path, text).kind == kind


def test_every_rewriter_is_registered_once() -> None:
    kinds = [r.kind for r in REWRITERS]
    assert len(kinds) == len(set(kinds)) == 16
    assert "manual" not in kinds


def test_a_file_no_rewriter_understands_changes_nothing(tmp_path: Path) -> None:
    value = new_password()
    out = rewrite(tmp_path / "repo", "config/app.ini", f"[db]\npassword = {value}\n")
    assert isinstance(out.rewriter, ManualRewriter)
    assert out.sites and out.replacements == []  # the planner lists each site as manual
    assert out.result.text is None


def test_sites_a_rewriter_cannot_place_are_left_out(tmp_path: Path) -> None:
    value = new_password()
    # an f-string is not one constant: nothing to replace with a lookup
    text = f'host = "db"\nurl = f"postgres://app:{value}@{{host}}/db"\n'
    site = Site("app.py", 2, value, "Basic Auth Credentials")
    assert rewriter_for("app.py", text).locate("app.py", text, [site]) == []
    # a pipeline file that is not valid YAML
    broken = f"steps:\n- script: run --password {value}\n  env: [\n"
    site = Site("azure-pipelines.yml", 2, value, "Secret Keyword")
    rewriter = rewriter_for("azure-pipelines.yml", broken)
    assert rewriter.locate("azure-pipelines.yml", broken, [site]) == []


def test_two_sites_of_one_value_each_keep_their_own_line(tmp_path: Path) -> None:
    """When the planner sends a site per line, each site gets the replacement on its line."""
    value = new_password()
    text = f"A_PASSWORD={value}\nB_PASSWORD={value}\n"
    sites = [Site(".env", 1, value), Site(".env", 2, value)]
    found = rewriter_for(".env", text).locate(".env", text, sites)
    assert sorted((r.site.line, text[: r.start].count("\n") + 1) for r in found) == [
        (1, 1),
        (2, 2),
    ]


def test_the_pipeline_scanner_s_structural_paths_lead_the_rewrite(tmp_path: Path) -> None:
    value = new_password()
    old = f"""jobs:
- job: build
  pool:
    vmImage: ubuntu-latest
  steps:
  - script: sqlcmd -S db -U app -P {value} -i schema.sql
"""
    folder = tmp_path / "repo"
    (folder).mkdir()
    (folder / "azure-pipelines.yml").write_text(old)
    sites = sites_in(folder, "azure-pipelines.yml")
    assert [s.structural_path for s in sites] == ["jobs[0].steps[0].script"]
    out = rewrite(folder, "azure-pipelines.yml", old, sites=sites)
    step = yaml.safe_load(out.text)["jobs"][0]["steps"][1]
    env = next(iter(out.references.values())).env_name
    assert step["script"] == "sqlcmd -S db -U app -P ${" + env + "} -i schema.sql"
    assert step["env"] == {env: f"$({next(iter(out.secret_names()))})"}
    assert_rewritten(out, folder, value)


def test_lines_and_edits_keep_crlf() -> None:
    text = "a: 1\r\nb: 2\r\nc: 3"
    lines = _text.Lines(text)
    assert len(lines) == 3
    assert [lines.content(i) for i in (1, 2, 3)] == ["a: 1", "b: 2", "c: 3"]
    assert lines.line_of(text.index("b")) == 2
    assert _text.newline_of(text) == "\r\n"
    edits = [_text.Edit(text.index("2"), text.index("2") + 1, "x"), _text.Edit(0, 0, "# top\r\n")]
    assert _text.apply_edits(text, edits) == "# top\r\na: 1\r\nb: x\r\nc: 3"
    with pytest.raises(ValueError, match="overlapping"):
        _text.apply_edits(text, [_text.Edit(0, 3, ""), _text.Edit(2, 4, "")])


def test_leftover_values_are_swept_and_named_without_the_value() -> None:
    value = new_password()
    text = f"# was {value}\nkey: other\n"
    site = Site("f.yml", 2, value)
    chosen = [(Replacement(site, 0, 0, value), Reference("db-password", "DB_PASSWORD"))]
    new, manual = _text.sweep_leftovers(text, chosen)
    assert new == "# was <moved to Key Vault as db-password>\nkey: other\n"
    assert manual and "line 1" in manual[0] and value not in manual[0]


def test_json_positions_with_comments_and_trailing_commas() -> None:
    text = '{\n  // note\n  "a": {"b": "c\\"d", "n": [1, true, null,],},\n}\n'
    root = _json.parse(text)
    found = {
        loc.path: (loc.node.value, text[loc.node.start : loc.node.end])
        for loc in _json.strings(root)
    }
    assert found == {("a", "b"): ('c"d', '"c\\"d"')}
    with pytest.raises(_json.JsonError):
        _json.parse('{"a": }')
    assert _json.try_parse("not json") is None


def test_notes_never_hold_a_value_for_any_kind(tmp_path: Path) -> None:
    value = new_password()
    files = {
        "azure-pipelines.yml": f"steps:\n- script: ./x\n  env:\n    DB_PASSWORD: {value}\n",
        ".github/workflows/ci.yml": (
            "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n    - run: ./x\n"
            f"      env:\n        DB_PASSWORD: {value}\n"
        ),
        "docker-compose.yml": f"services:\n  a:\n    environment:\n      DB_PASSWORD: {value}\n",
        ".env": f"DB_PASSWORD={value}\n",
        "appsettings.json": f'{{"Db": {{"Password": "{value}"}}}}\n',
        "main.tf": f'resource "a" "b" {{\n  password = "{value}"\n}}\n',
        "app.py": f'DB_PASSWORD = "{value}"\n',
    }
    for index, (rel, content) in enumerate(files.items()):
        out = rewrite(tmp_path / f"r{index}", rel, content)
        assert out.replacements, rel
        assert out.result.notes, rel
        assert_rewritten(out, tmp_path / f"r{index}", value)
        assert OPTIONS.vault_name in " ".join(out.result.notes) or rel == ".github/workflows/ci.yml"


@pytest.mark.parametrize(
    ("lang", "source", "expected"),
    [
        # (decoded value of each plain literal, or None for a template); comments open nothing
        (
            "JAVASCRIPT",
            "// don't\nconst a = 'x\\'y'; /* it's */ const b = `t ${c}`; const d = `e`;",
            ["x'y", None, "e"],
        ),
        (
            "CSHARP",
            'var a = @"C:\\dir ""q"""; var b = $"v {x}"; // "no"\nvar c = "t\\"u";',
            ['C:\\dir "q"', None, 't"u'],
        ),
        (
            "POWERSHELL",
            "# it's\n$a = 'it''s'; $b = \"x`\"y\"; $c = \"$d\"; <# 'no' #>",
            ["it's", 'x"y', None],
        ),
        ("BICEP", "// it's\nparam a string = 'x\\'y'\nvar b = 'p${q}'", ["x'y", None]),
        ("HCL", '# "no"\n// "no"\na = "x\\"y"\nb = "p${q}"', ['x"y', None]),
    ],
)
def test_string_literals_per_language(lang: str, source: str, expected: list[str | None]) -> None:
    from secretsops.migrate.rewriters import _lexer

    found = _lexer.literals(source, getattr(_lexer, lang))
    assert [None if lit.template else lit.value for lit in found] == expected
    for lit in found:  # spans cover the literal, quotes (and prefix) included
        assert source[lit.end - 1] in "'\"`"
