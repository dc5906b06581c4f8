"""Rewriters of the kinds a found secret used to stay in: publish profiles, PowerShell, exported
variable groups, Jupyter notebooks (checked with nbformat) and private key files. Each file is
scanned by the real scanner first (the sites come from its findings), so a kind the scanner
stopped detecting fails here too."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import fakes
import nbformat
import pytest
from rewriter_files import (
    OPTIONS,
    assert_kept,
    assert_rewritten,
    line_of,
    new_password,
    rewrite,
    sql_connection,
)

from secretsops.migrate.rewriters.base import RewriteOptions

PUBXML = """<?xml version="1.0" encoding="utf-8"?>
<Project ToolsVersion="4.0" xmlns="http://schemas.microsoft.com/developer/msbuild/2003">
  <PropertyGroup>
    <WebPublishMethod>MSDeploy</WebPublishMethod>
    <MSDeployServiceURL>app.scm.azurewebsites.net:443</MSDeployServiceURL>
    <UserName>$app</UserName>
    <Password>{value}</Password>
    <_SavePWD>True</_SavePWD>
  </PropertyGroup>
</Project>
"""

PUBLISH_SETTINGS = (
    '<publishData><publishProfile profileName="app - Web Deploy" publishMethod="MSDeploy" '
    'publishUrl="app.scm.azurewebsites.net:443" msdeploySite="app" userName="$app" '
    'userPWD="{value}" destinationAppUrl="https://app.azurewebsites.net"><databases />'
    '</publishProfile><publishProfile profileName="app - FTP" publishMethod="FTP" '
    'publishUrl="ftps://waws.ftp.azurewebsites.windows.net/site/wwwroot" userName="app\\$app" '
    'userPWD="{value}"><databases /></publishProfile></publishData>\n'
)


def test_pubxml_password_becomes_an_msbuild_property(tmp_path: Path) -> None:
    value = new_password()
    old = PUBXML.format(value=value)
    out = rewrite(tmp_path / "repo", "Properties/PublishProfiles/app - Web Deploy.pubxml", old)
    assert out.result.kind == "publish-profile"
    assert out.stored() == {value}
    assert out.secret_names() == {"app-web-deploy-password"}
    env = next(iter(out.references.values())).env_name
    assert f"<Password>$({env})</Password>" in out.text
    assert_kept(old, out.text, [line_of(old, "<Password>")])
    assert_rewritten(out, tmp_path / "repo", value)
    ET.fromstring(out.text.split("?>", 1)[1])  # noqa: S314 - our own output: still well-formed
    assert any(f"$({env})" in n and "AzureKeyVault@2" in n for n in out.result.notes)


def test_publish_settings_password_is_emptied_everywhere(tmp_path: Path) -> None:
    value = new_password()
    old = PUBLISH_SETTINGS.format(value=value)
    out = rewrite(tmp_path / "repo", "app.PublishSettings", old)
    assert out.stored() == {value}
    assert len(out.replacements) == 2  # the Web Deploy and FTP profiles share the password
    root = ET.fromstring(out.text)  # noqa: S314 - our own output
    profiles = root.findall("publishProfile")
    assert [p.get("userPWD") for p in profiles] == ["", ""]
    assert [p.get("userName") for p in profiles] == ["$app", "app\\$app"]
    assert_rewritten(out, tmp_path / "repo", value)


def test_powershell_reads_the_vault_in_each_idiom(tmp_path: Path) -> None:
    secure, plain, header, inline = (new_password() for _ in range(4))
    old = f"""param([string]$ResourceGroup = "rg-app")
# deploy
$SqlPassword = ConvertTo-SecureString '{secure}' -AsPlainText -Force
Invoke-Sqlcmd -ServerInstance "db" -Username sqladmin -Password "{plain}"
$headers = @{{ "api-key" = "{header}" }}
$conn = "Server=$server;Password={inline};"
Write-Host "done"
"""
    out = rewrite(tmp_path / "repo", "deploy/deploy.ps1", old)
    assert out.result.kind == "powershell"
    names = {stored: ref.secret_name for stored, ref in out.references.items()}
    assert names[secure] == "sql-password"
    assert names[plain] == "password"
    assert names[header] == "api-key"
    lines = out.text.splitlines()
    kv = "Get-AzKeyVaultSecret -VaultName 'kv-app-prod'"
    assert lines[2] == f"$SqlPassword = ({kv} -Name 'sql-password').SecretValue"
    assert lines[3].endswith(f"-Password ({kv} -Name 'password' -AsPlainText)")
    assert lines[4] == f"$headers = @{{ \"api-key\" = ({kv} -Name 'api-key' -AsPlainText) }}"
    # inside an expandable string only the value becomes a subexpression
    conn = names[inline]
    assert lines[5] == f"$conn = \"Server=$server;Password=$({kv} -Name '{conn}' -AsPlainText);\""
    assert_kept(old, out.text, [3, 4, 5, 6])
    assert_rewritten(out, tmp_path / "repo", secure, plain, header, inline)
    assert any("Connect-AzAccount" in n for n in out.result.notes)


def test_powershell_here_strings_stay_with_a_person(tmp_path: Path) -> None:
    value = new_password()
    old = f'$body = @"\npassword = "{value}"\n"@\n'
    out = rewrite(tmp_path / "repo", "run.psm1", old)
    assert out.replacements == []


def _group(value: str, other: str) -> str:
    return (
        json.dumps(
            {
                "id": 4,
                "name": "app-prod",
                "type": "Vsts",
                "variables": {
                    "dbUser": {"value": "app"},
                    "dbPassword": {"value": value},
                    "apiToken": {"isSecret": False, "value": other},
                    "linked": {"isSecret": True, "value": None},
                },
            },
            indent=2,
        )
        + "\n"
    )


def test_variable_group_export_marks_the_variables_secret(tmp_path: Path) -> None:
    value, other = new_password(), sql_connection(new_password())
    old = _group(value, other)
    out = rewrite(tmp_path / "repo", "pipelines/variable-group.json", old)
    assert out.result.kind == "variable-group"
    assert value in out.stored()
    data = json.loads(out.text)
    variables = data["variables"]
    assert variables["dbPassword"] == {"isSecret": True, "value": None}
    assert variables["dbUser"] == {"value": "app"}
    assert variables["linked"] == {"isSecret": True, "value": None}
    if other in out.stored():  # the connection string's password was found too
        assert variables["apiToken"] == {"isSecret": True, "value": None}
    assert_rewritten(out, tmp_path / "repo", value)
    assert any("Link secrets from an Azure key vault" in n for n in out.result.notes)


def test_variable_groups_linked_to_key_vault_are_not_exports_of_values(tmp_path: Path) -> None:
    from secretsops.migrate.rewriters import _json
    from secretsops.migrate.rewriters.variable_group import variables

    text = json.dumps({"value": [{"type": "AzureKeyVault", "variables": {"x": {"value": "abc"}}}]})
    root = _json.parse(text)
    assert list(variables(root)) == []


def _notebook(source_value: str, output_value: str) -> str:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Explore"),
        nbformat.v4.new_code_cell("%pip install requests\nimport requests"),
        nbformat.v4.new_code_cell(
            f'api_password = "{source_value}"\nprint("using", api_password)\napi_password',
            execution_count=2,
            outputs=[
                nbformat.v4.new_output("stream", name="stdout", text=f"using {output_value}\n"),
                nbformat.v4.new_output(
                    "execute_result", data={"text/plain": f"'{output_value}'"}, execution_count=2
                ),
            ],
        ),
        nbformat.v4.new_code_cell(
            "print(1)",
            execution_count=3,
            outputs=[nbformat.v4.new_output("stream", name="stdout", text="1\n")],
        ),
    ]
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i}"
    return nbformat.writes(nb) + "\n"


@pytest.mark.parametrize("vault_url", [OPTIONS.vault_url, ""])
def test_notebook_source_reads_the_vault_and_outputs_are_cleared(
    tmp_path: Path, vault_url: str
) -> None:
    value = new_password()
    old = _notebook(value, value)
    options = RewriteOptions(vault_name=OPTIONS.vault_name, vault_url=vault_url)
    out = rewrite(tmp_path / "repo", "notebooks/explore.ipynb", old, options=options)
    assert out.result.kind == "notebook"
    assert out.stored() == {value}
    nb = nbformat.reads(out.text, as_version=4)
    nbformat.validate(nb)
    cell = nb.cells[2]
    if vault_url:
        assert 'key_vault.get_secret("api-password").value' in cell.source
        assert f'SecretClient(vault_url="{vault_url}"' in cell.source
        assert cell.source.startswith("from azure.identity import DefaultAzureCredential\n")
    else:
        assert cell.source.startswith("import os\n")
        assert 'api_password = os.environ["API_PASSWORD"]' in cell.source
    compile(cell.source, "cell", "exec")
    assert cell.outputs == [] and cell.execution_count is None
    assert nb.cells[3].outputs[0]["text"] == "1\n"  # a cell without the value keeps its output
    assert nb.cells[1].source == "%pip install requests\nimport requests"
    assert_rewritten(out, tmp_path / "repo", value)


def test_a_value_only_in_outputs_clears_them(tmp_path: Path) -> None:
    shown = fakes.github_token()
    old = _notebook(new_password(), shown)
    out = rewrite(tmp_path / "repo", "nb.ipynb", old)
    assert shown in out.stored()
    nb = nbformat.reads(out.text, as_version=4)
    nbformat.validate(nb)
    assert nb.cells[2].outputs == []
    assert_rewritten(out, tmp_path / "repo", shown)


def test_other_kernels_stay_with_a_person(tmp_path: Path) -> None:
    value = new_password()
    nb = json.loads(_notebook(value, value))
    nb["metadata"]["kernelspec"]["language"] = "R"
    nb["metadata"]["language_info"]["name"] = "R"
    out = rewrite(tmp_path / "repo", "r.ipynb", json.dumps(nb, indent=1) + "\n")
    assert out.replacements == []


def test_private_key_file_moves_whole_and_leaves_the_tree(tmp_path: Path) -> None:
    pem = fakes.private_key_pem() + "\n"
    out = rewrite(tmp_path / "repo", "certs/deploy.pem", pem)
    assert out.result.kind == "private-key"
    assert out.result.remove and out.result.text is None
    assert out.stored() == {pem}
    name = next(iter(out.references.values())).secret_name
    assert any(
        f"az keyvault secret download --vault-name kv-app-prod --name {name} "
        "--file certs/deploy.pem" in n
        for n in out.result.notes
    )
    assert not any("certificate import" in n for n in out.result.notes)


def test_a_certificate_with_its_key_is_named_a_certificate(tmp_path: Path) -> None:
    cert = fakes.private_key_pem().replace(fakes.PEM_KIND, "CERTIFICATE")
    pem = cert + "\n" + fakes.private_key_pem() + "\n"
    out = rewrite(tmp_path / "repo", "tls/site.pem", pem)
    assert out.result.remove and out.stored() == {pem}
    assert any("az keyvault certificate import" in n for n in out.result.notes)
