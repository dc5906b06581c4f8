"""A real, non-editable install: the wheel ships our plugins and the installed copy uses them."""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import fakes
import pytest
from background import Heavy
from conftest import REPO_ROOT, Repo, base_env, committed

pytestmark = pytest.mark.slow


def _run(args: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=base_env(), capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture(scope="session")
def installed(heavy: Heavy) -> Path:
    """A fresh virtual environment with the wheel and its dependencies installed by pip."""
    heavy.start_packaging()
    code, out = heavy.jobs["install"].result()
    assert code == 0, out[-3000:]
    return Path(heavy.venv / "bin")


@pytest.fixture(scope="session")
def wheel(heavy: Heavy, installed: Path) -> Path:
    """The wheel pip built from a clean copy of the source tree."""
    (built,) = Path(heavy.wheel_dir).glob("secretsops-*.whl")
    return built


def test_wheel_ships_every_module_and_our_plugins(wheel: Path, heavy: Heavy) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    source = Path(heavy.source)
    assert len(list((source / "plugins").glob("*.py"))) >= 3
    for plugin in (source / "plugins").glob("*.py"):
        assert f"secretsops_plugins/{plugin.name}" in names
    for module in (source / "secretsops").rglob("*.py"):
        assert module.relative_to(source).as_posix() in names, module
    assert "secretsops/py.typed" in names
    assert not any(n.startswith(("plugins/", "tests/")) for n in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "secretsops = secretsops.cli:main" in text


def test_pyproject_lists_every_package_folder() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    folders = {
        ".".join(p.parent.relative_to(REPO_ROOT).parts)
        for p in (REPO_ROOT / "secretsops").rglob("__init__.py")
    }
    assert folders <= listed
    package_dirs = config["tool"]["setuptools"]["package-dir"]
    assert [(name, folder) for name, folder in package_dirs.items()] == [
        ("secretsops_plugins", "plugins")
    ]


def test_installed_copy_is_not_the_checkout(installed: Path, tmp_path: Path) -> None:
    proc = _run(
        [
            str(installed / "python"),
            "-c",
            "import secretsops, secretsops_plugins; "
            "print(secretsops.__file__); print(secretsops_plugins.__file__)",
        ],
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    for line in proc.stdout.splitlines():
        assert "site-packages" in line and str(REPO_ROOT) not in line, line


def test_installed_scan_runs_our_plugins(installed: Path, repo: Repo) -> None:
    entra = fakes.entra_client_secret()
    token = fakes.github_token()
    repo.write("appsettings.json", json.dumps({"AzureAd": {"ClientCredential": entra}}))
    repo.write("ci.env", f"GH={token}\n")
    proc = _run([str(installed / "secretsops"), "scan", "--format", "json"], cwd=repo.path)
    assert proc.returncode == 1, proc.stderr
    found: list[dict[str, Any]] = json.loads(proc.stdout)["findings"]
    kinds = {(f["path"], f["type"], f["detector"]) for f in found}
    assert ("appsettings.json", "Entra ID Client Secret", "EntraClientSecretDetector") in kinds
    assert ("ci.env", "GitHub Token", "GitHubTokenDetector") in kinds
    assert entra not in proc.stdout and token not in proc.stdout


def test_installed_baseline_is_portable(installed: Path, repo: Repo) -> None:
    repo.write("a.json", json.dumps({"s": fakes.entra_client_secret()}))
    repo.add()
    repo.commit()  # detect-secrets scans tracked files only
    proc = _run([str(installed / "secretsops"), "baseline", "create"], cwd=repo.path)
    assert proc.returncode == 0, proc.stderr
    text = (repo.path / ".secrets.baseline").read_text()
    data = json.loads(text)
    assert "EntraClientSecretDetector" in {p["name"] for p in data["plugins_used"]}
    # Our plugins are listed with the installed module's path, as detect-secrets' custom
    # plugins are; nothing else names a place on this machine.
    paths = {p["name"]: p["path"] for p in data["plugins_used"] if "path" in p}
    assert "/site-packages/secretsops_plugins/" in paths["EntraClientSecretDetector"]
    assert all(Path(p.removeprefix("file://")).is_file() for p in paths.values())
    assert "AWSKeyDetector" not in paths or "secretsops_plugins" in paths["AWSKeyDetector"]
    assert str(repo.path) not in text
    # The installed detect-secrets (a dependency) loads them from there.
    ds = _run(
        [str(installed / "detect-secrets"), "scan", "--baseline", ".secrets.baseline"],
        cwd=repo.path,
    )
    assert ds.returncode == 0 and "Traceback" not in ds.stderr, ds.stderr
    # The checkout's copy reads what the installed copy wrote.
    assert repo.scan("--baseline", ".secrets.baseline").returncode == 0


def test_installed_org_scan(installed: Path, tmp_path: Path) -> None:
    """``scan org`` from a fresh install: Dask comes with it, and its worker processes import
    the installed copy (one repository scanned in place, the same one mirrored)."""
    token = fakes.github_token()
    repo = committed(tmp_path / "svc", {"ci.env": f"GH={token}\n"})
    (tmp_path / "repos.txt").write_text(f"{repo.path}\n{repo.path.as_uri()}\n")
    proc = _run(
        [str(installed / "secretsops"), "scan", "org", "repos.txt", "--workers", "1",
         "--cache-dir", str(tmp_path / "cache"), "--state", str(tmp_path / "state.json"),
         "--format", "json"],
        cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    report: dict[str, Any] = json.loads(proc.stdout)
    assert [r["status"] for r in report["repositories"]] == ["ok", "ok"]
    assert [(f["path"], f["type"]) for f in report["findings"]] == [
        ("ci.env", "GitHub Token"),
        ("ci.env", "GitHub Token"),
    ]
    assert token not in proc.stdout and "Traceback" not in proc.stderr


def test_installed_module_entry_point(installed: Path, tmp_path: Path) -> None:
    from secretsops import __version__

    proc = _run([str(installed / "python"), "-m", "secretsops", "--version"], cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (0, f"secretsops {__version__}\n"), proc.stderr
    proc = _run([str(installed / "python"), "-m", "secretsops", "scan", "nowhere"], cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


def test_installed_demo_runs_the_readme_job(installed: Path, tmp_path: Path) -> None:
    """The README's first command: the whole flow on a sample, from a non-editable install,
    with only the virtual environment's console script (no activated environment)."""
    proc = _run([str(installed / "secretsops"), "demo", str(tmp_path / "demo")], cwd=tmp_path)
    assert proc.returncode == 0, (proc.stdout[-2000:], proc.stderr[-2000:])
    assert "***REMOVED:" in proc.stdout and "Traceback" not in proc.stderr
