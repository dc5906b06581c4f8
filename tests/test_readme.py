"""The README opens with the two commands, and CI runs exactly the README's test command."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```bash\n(.+?)\n```", text, flags=re.DOTALL)


def test_readme_starts_with_install_and_test_commands() -> None:
    first, second = readme_commands()[:2]
    assert "pip install" in first and "secretsops demo" in first
    assert "pytest" in second


def test_ci_runs_exactly_the_readme_test_command() -> None:
    test_command = readme_commands()[1].strip()
    ci_lines = [
        line.strip()
        for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert test_command in ci_lines
