"""A sample repository full of fake credentials, generated on the spot.

Nothing credential-shaped is stored in this file: every value is drawn at random when the sample
is written, so secretsops' own repository scans clean. The sample is a small Azure web app with
the usual leaks: a connection string in ``appsettings.json``, an AWS key in code, a password in
``.env`` and pipeline YAML, a GitHub token and an Entra ID client secret.
"""

from __future__ import annotations

import json
import secrets
import string
import subprocess
from pathlib import Path

from secretsops.errors import UsageError
from secretsops.git import git_env

_UPPER_DIGITS = string.ascii_uppercase + string.digits
_ALNUM = string.ascii_letters + string.digits


def _draw(alphabet: str, n: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))


def fake_values() -> dict[str, str]:
    """Freshly drawn credential-shaped values, by kind."""
    import base64

    account_key = base64.b64encode(secrets.token_bytes(64)).decode()
    return {
        "aws_access_key_id": "AKIA" + _draw(_UPPER_DIGITS, 16),
        "github_token": "ghp_" + _draw(_ALNUM, 36),
        "entra_client_secret": _draw(_ALNUM, 3) + "8Q~" + _draw(_ALNUM + "_-.", 34),
        "storage_connection_string": (
            "DefaultEndpointsProtocol=https;AccountName=contosodata;"
            f"AccountKey={account_key};EndpointSuffix=core.windows.net"
        ),
        "sql_password": _draw(_ALNUM, 10) + "!" + _draw(string.digits, 3),
    }


def files(values: dict[str, str]) -> dict[str, str]:
    """Relative path -> content of the sample's files."""
    appsettings = {
        "Logging": {"LogLevel": {"Default": "Information"}},
        "ConnectionStrings": {"Storage": values["storage_connection_string"]},
        "AzureAd": {
            "Instance": "https://login.microsoftonline.com/",
            "ClientSecret": values["entra_client_secret"],
        },
    }
    return {
        "README.md": "# contoso-web\n\nA sample app with leaked credentials (all fake).\n",
        "appsettings.json": json.dumps(appsettings, indent=2) + "\n",
        "src/storage.py": (
            "import boto3\n\n\n"
            "def client():\n"
            f'    return boto3.client("s3", aws_access_key_id="{values["aws_access_key_id"]}")\n'
        ),
        "scripts/release.sh": (
            f"#!/bin/sh\nexport GITHUB_TOKEN={values['github_token']}\ngh release create v1.0.0\n"
        ),
        ".env": f"SQL_SERVER=contoso.database.windows.net\nSQL_PASSWORD={values['sql_password']}\n",
        "src/clean.py": "def add(a: int, b: int) -> int:\n    return a + b\n",
    }


def write_sample(target: Path, *, commit: bool = True) -> list[str]:
    """Write the sample under ``target`` (which must be empty or absent); return its files."""
    if target.exists() and any(target.iterdir()):
        raise UsageError(f"{target} is not empty: choose a new folder for the sample")
    target.mkdir(parents=True, exist_ok=True)
    content = files(fake_values())
    for rel, text in content.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    if commit:
        env = git_env()
        for key, value in {
            "GIT_AUTHOR_NAME": "Sample Author",
            "GIT_AUTHOR_EMAIL": "author@example.com",
            "GIT_COMMITTER_NAME": "Sample Author",
            "GIT_COMMITTER_EMAIL": "author@example.com",
        }.items():
            env.setdefault(key, value)
        for args in (
            ["init", "-q"],
            ["add", "-A"],
            ["-c", "commit.gpgsign=false", "commit", "-q", "-m", "Initial import"],
        ):
            subprocess.run(["git", *args], cwd=target, env=env, check=True, capture_output=True)
    return sorted(content)
