"""Source-code rewriter: Python, JavaScript/TypeScript, C# and PowerShell literals become
environment lookups; Python output is compiled, the others checked line by line."""

from __future__ import annotations

from pathlib import Path

from rewriter_files import (
    assert_kept,
    assert_rewritten,
    fakes,
    javascript_parses,
    new_password,
    python_compiles,
    rewrite,
    sql_connection,
)

from secretsops.migrate.rewriters import rewriter_for
from secretsops.migrate.rewriters.base import Site


def test_python_literals_become_os_environ_and_os_is_imported(tmp_path: Path) -> None:
    password = new_password()
    conn_password = new_password()
    old = f'''"""Settings."""

from __future__ import annotations

import logging

DB_PASSWORD = "{password}"
CONNECTION = '{sql_connection(conn_password)}'
# DB_PASSWORD = "{password}" (the old one)
log = logging.getLogger(__name__)
'''
    out = rewrite(tmp_path / "repo", "app/settings.py", old, newline="\r\n")
    assert out.rewriter.kind == "source-code"
    lines = out.text.splitlines()
    assert lines[4:6] == ["import os", "import logging"]
    assert 'DB_PASSWORD = os.environ["DB_PASSWORD"]' in lines
    assert 'CONNECTION = os.environ["CONNECTION"]' in lines
    # the whole literal moves: the vault holds the full connection string
    assert out.stored() == {password, sql_connection(conn_password)}
    # the copy in a comment is not code: a placeholder, and a line for a person to check
    assert '# DB_PASSWORD = "<moved to Key Vault as db-password>" (the old one)' in lines
    assert len(out.result.manual) == 1
    python_compiles(out.text, tmp_path)
    assert_kept(old.replace("\n", "\r\n"), out.text, [7, 8, 9])
    assert_rewritten(out, tmp_path / "repo", password, conn_password)


def test_python_file_that_already_imports_os(tmp_path: Path) -> None:
    token = fakes.github_token()
    old = f'import os\n\nHEADERS = {{"Authorization": "token {token}", "X": os.sep}}\n'
    out = rewrite(tmp_path / "repo", "client.py", old)
    assert (
        out.text
        == 'import os\n\nHEADERS = {"Authorization": os.environ["AUTHORIZATION"], "X": os.sep}\n'
    )
    assert out.stored() == {f"token {token}"}
    python_compiles(out.text, tmp_path)
    assert_rewritten(out, tmp_path / "repo", token)


def test_two_secrets_on_one_line_of_javascript(tmp_path: Path) -> None:
    key_id = fakes.aws_access_key_id()
    password = new_password()
    old = f"""// client setup
const config = {{ accessKeyId: '{key_id}', password: "{password}" }};
module.exports = config;
"""
    out = rewrite(tmp_path / "repo", "src/config.js", old)
    assert len(out.replacements) == 2
    line = out.text.splitlines()[1]
    assert line.startswith("const config = { accessKeyId: process.env.")
    assert "password: process.env.PASSWORD }" in line
    javascript_parses(out.text, tmp_path)
    assert_kept(old, out.text, [2])
    assert_rewritten(out, tmp_path / "repo", key_id, password)


def test_typescript_template_literal_is_left_to_a_person(tmp_path: Path) -> None:
    password = new_password()
    old = f"const url = `postgres://app:{password}@${{host}}/db`;\nconst apiKey = '{password}';\n"
    out = rewrite(tmp_path / "repo", "src/db.ts", old)
    # the plain literal is rewritten; the template (not one constant) is not located...
    assert [r.start for r in out.replacements] == [old.index(f"'{password}'")]
    assert "const apiKey = process.env.API_KEY;" in out.text
    # ...and the copy inside it is swept to a placeholder, listed for a person
    assert "<moved to Key Vault as api-key>" in out.text.splitlines()[0]
    assert out.result.manual and "line 1" in out.result.manual[0]
    assert any("string | undefined" in n for n in out.result.notes)
    assert_rewritten(out, tmp_path / "repo", password)


def test_csharp_const_becomes_static_readonly(tmp_path: Path) -> None:
    password = new_password()
    old = f"""namespace App;

public static class Secrets
{{
    private const string DbPassword = "{password}";
    public static string Verbatim() => @"Server=db;Password={password};";
}}
"""
    out = rewrite(tmp_path / "repo", "src/Secrets.cs", old)
    lines = out.text.splitlines()
    assert lines[4] == (
        "    private static readonly string DbPassword = "
        'System.Environment.GetEnvironmentVariable("DB_PASSWORD");'
    )
    assert "System.Environment.GetEnvironmentVariable(" in lines[5]
    assert_kept(old, out.text, [5, 6])
    assert_rewritten(out, tmp_path / "repo", password)


def test_docstrings_and_here_strings_are_prose_not_values(tmp_path: Path) -> None:
    value = new_password()
    text = f'def connect():\n    """Log in with password = "{value}"."""\n    return 1\n'
    site = Site("db.py", 2, value, "Secret Keyword")
    assert rewriter_for("db.py", text).locate("db.py", text, [site]) == []
    script = f'$body = @"\npassword = "{value}"\n"@\n'
    site = Site("run.ps1", 2, value, "Secret Keyword")
    assert rewriter_for("run.ps1", script).locate("run.ps1", script, [site]) == []
