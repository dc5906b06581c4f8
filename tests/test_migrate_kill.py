"""``migrate apply`` killed with SIGKILL at moments spread across its run, then run again.

The real process (the installed ``secretsops``) against the emulator over HTTPS with the real
SDK, on a plan of 24 secrets in 17 files of every kind (JSON, YAML, HCL, notebooks, XML,
PowerShell, Python, .env, a private key). A full run is timed first; the kills land at 20
delays spread over that time (one per slot, at a random point of it; a quarter of the slots
before the first vault write, the rest after). After each kill: every
file is the old one or the planned new one and parses; every secret in the vault has one
version holding the right value. After the rerun: every secret is there exactly once, every
file is rewritten (the key removed), and no plaintext value is in the working tree, in
``.secretsops/``, in the child's temporary folder, in files written to the system temporary
folder during the test, or in any captured output.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import fakes
import hcl2
import nbformat
import pytest
import yaml
from conftest import SECRETSOPS, Repo, base_env
from migrate_support import (
    PLAN,
    appsettings_json,
    assert_files_whole,
    assert_vault_holds,
    connection_string,
    notebook,
    pipeline_yaml,
    powershell,
    publish_settings,
    pubxml,
    variable_group,
)
from rewriter_files import new_password

from secretsops.migrate import plan as plan_mod
from secretsops.scan import fingerprint as fp
from secretsops.vault.emulator import Emulator

pytestmark = pytest.mark.slow

KILLS = 20


@dataclass
class Template:
    path: Path
    values: list[str] = field(repr=False)  # every detected value
    candidates: list[str] = field(repr=False)  # what a vault secret may hold
    plan: plan_mod.Plan = field(repr=False)


def _files(v: Iterable[str]) -> dict[str, str]:
    it = iter(v)
    files: dict[str, str] = {}
    for i in range(3):
        files[f"svc{i}/appsettings.json"] = appsettings_json(next(it))
    for i in range(2):
        files[f"infra/db{i}.tf"] = "".join(
            f'resource "azurerm_mssql_server" "db{i}{j}" {{\n  name = "db{i}{j}"\n'
            f'  administrator_login_password = "{next(it)}"\n}}\n\n'
            for j in range(2)
        )
    files["k8s/secret.yaml"] = (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ntype: Opaque\nstringData:\n"
        f'  password: "{next(it)}"\n  token: "{next(it)}"\n'
    )
    files["docker-compose.yml"] = (
        "services:\n  app:\n    image: app:1\n    environment:\n"
        f'      DB_PASSWORD: "{next(it)}"\n      API_SECRET: "{next(it)}"\n'
    )
    files["azure-pipelines.yml"] = pipeline_yaml(next(it))
    files["notebooks/explore.ipynb"] = notebook(next(it))
    files["notebooks/report.ipynb"] = notebook(next(it))
    files[".env"] = f'DB_PASSWORD="{next(it)}"\nAPI_SECRET="{next(it)}"\n'
    files["src/settings.py"] = (
        f'import os\n\ndb_password = "{next(it)}"\napi_secret = "{next(it)}"\n'
    )
    group = json.loads(variable_group(next(it)))
    group["variables"]["apiSecret"] = {"value": next(it)}
    files["pipelines/variable-group.json"] = json.dumps(group, indent=2) + "\n"
    files["Properties/PublishProfiles/web.pubxml"] = pubxml(next(it))
    files["web.PublishSettings"] = publish_settings(next(it))
    files["scripts/deploy.ps1"] = powershell(next(it))
    return files


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    root = tmp_path_factory.mktemp("kill") / "template"
    repo = Repo(root)
    values = [new_password() for _ in range(23)]
    for rel, text in _files(values).items():
        repo.write(rel, text)
    pem = fakes.private_key_pem() + "\n"
    repo.write("certs/deploy.pem", pem)
    repo.add()
    repo.commit("24 credentials in 17 files")
    found = json.loads(repo.scan("--format", "json").stdout)["findings"]
    confirm = sorted({f["fingerprint"] for f in found})
    args = [a for digest in confirm for a in ("--confirm", digest)]
    proc = repo.run("migrate", "plan", "--vault-url", "https://kv-kill.vault.azure.net", *args)
    assert proc.returncode == 0, proc.stderr
    plan, _ = plan_mod.load(root / PLAN)
    assert len(plan.secrets) == 24, [s.name for s in plan.secrets]
    assert len(plan.files) == 17 and plan.manual_steps() == []
    candidates = [*values, *(connection_string(v) for v in values), pem]
    by_fp = {fp.fingerprint(c) for c in candidates}
    assert all(s.fingerprint in by_fp for s in plan.secrets)
    return Template(root, [*values, *pem.splitlines()[1:-1]], candidates, plan)


class Trial:
    """A copy of the template repository (its plan pointed at the copy) and a fresh vault."""

    def __init__(self, template: Template, where: Path) -> None:
        shutil.copytree(template.path, where, symlinks=True)
        plan_path = where / PLAN
        data = json.loads(plan_path.read_text())
        data["root"] = str(where)
        plan_path.write_text(json.dumps(data, indent=2) + "\n")
        self.root = where
        self.plan, _ = plan_mod.load(plan_path)
        self.template = template
        self.tmp = where.parent / f"{where.name}-tmp"  # the child's TMPDIR
        self.tmp.mkdir()
        self.outputs: list[str] = []

    def command(self, vault: Emulator) -> list[str]:
        return [
            str(SECRETSOPS),
            "migrate",
            "apply",
            PLAN,
            "--yes",
            "--vault-url",
            vault.url,
            "--ca-file",
            str(vault.ca_file),
        ]

    def env(self) -> dict[str, str]:
        env = base_env()
        env.update({"TMPDIR": str(self.tmp), "SECRETSOPS_VAULT_RETRIES": "0"})
        return env

    def start(self, vault: Emulator) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.command(vault),
            cwd=self.root,
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def finish(self, proc: subprocess.Popen[str]) -> int:
        out, err = proc.communicate(timeout=120)
        self.outputs += [out, err]
        return proc.returncode

    def run(self, vault: Emulator) -> int:
        return self.finish(self.start(vault))


def _parses(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    name = path.name
    if name.endswith(".ipynb"):
        nbformat.validate(nbformat.reads(text, as_version=4))
    elif name.endswith(".json"):
        json.loads(text)
    elif name.endswith((".yml", ".yaml")):
        list(yaml.safe_load_all(text))
    elif name.endswith(".tf"):
        hcl2.loads(text)
    elif name.endswith((".pubxml", ".PublishSettings")):
        ET.fromstring(text.split("?>", 1)[-1])  # noqa: S314 - files the test wrote
    elif name.endswith(".py"):
        compile(text, name, "exec")


def _kept(plan: plan_mod.Plan) -> plan_mod.Plan:
    """The plan without the files it removes (they have no new version to compare with)."""
    return plan_mod.Plan(**{**plan.__dict__, "files": [f for f in plan.files if not f.remove]})


def _files_whole(trial: Trial) -> dict[str, str]:
    """Every planned file is its old or its planned new self, and parses; the key file is
    there as it was, or gone. Path -> "old" / "new"."""
    for planned in trial.plan.files:
        full = trial.root / planned.path
        if planned.remove:
            if full.exists():
                assert full.read_bytes() == (trial.template.path / planned.path).read_bytes()
        else:
            _parses(full)
    return assert_files_whole(trial.root, _kept(trial.plan))


def _vault_partial(trial: Trial, vault: Emulator) -> int:
    """Each secret in the vault has exactly one version, with the right value; how many."""
    wanted = {s.name: s.fingerprint for s in trial.plan.secrets}
    count = 0
    with vault.secret_client() as client:
        for props in client.list_properties_of_secrets():
            assert props.name in wanted, props.name
            versions = list(client.list_properties_of_secret_versions(props.name))
            assert len(versions) == 1, f"{props.name}: {len(versions)} versions"
            value = client.get_secret(props.name).value
            assert fp.fingerprint(value) == wanted[props.name], props.name
            count += 1
    return count


def _leaks(values: list[str], blobs: Iterable[tuple[str, bytes]]) -> list[str]:
    encoded = [v.encode() for v in values if len(v) >= 8]
    return sorted({where for where, data in blobs for v in encoded if v in data})


def _tree(root: Path, skip: Iterable[Path] = ()) -> Iterable[tuple[str, bytes]]:
    skipped = [s.resolve() for s in skip]
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath).resolve()
        dirnames[:] = [
            d
            for d in dirnames
            if (here / d) not in skipped and not (here == root.resolve() and d == ".git")
        ]
        for name in filenames:
            path = here / name
            try:
                if path.is_symlink() or path.stat().st_size > 5_000_000:
                    continue
                yield str(path), path.read_bytes()
            except OSError:
                continue


def _system_temp(since: float, skip: Path) -> Iterable[tuple[str, bytes]]:
    """Files written to the system temporary folder since ``since`` (others' files too; they
    cannot hold our freshly generated values), outside the test's own folders."""
    skipped = skip.resolve()
    for dirpath, dirnames, filenames in os.walk(tempfile.gettempdir()):
        here = Path(dirpath)
        dirnames[:] = [d for d in dirnames if (here / d).resolve() != skipped]
        for name in filenames:
            path = here / name
            try:
                info = path.lstat()
                if info.st_mtime < since or not path.is_file() or info.st_size > 5_000_000:
                    continue
                yield str(path), path.read_bytes()
            except OSError:
                continue


def _full_run(template: Template, where: Path) -> tuple[float, float]:
    """An undisturbed run, timed: its whole duration, and when its first vault step was
    journaled (before it: start-up, reading and rescanning the files)."""
    trial = Trial(template, where)
    journal = where / ".secretsops" / "journal.json"
    with Emulator() as vault:
        start = time.monotonic()
        proc = trial.start(vault)
        first = None
        while proc.poll() is None:
            if first is None and journal.exists() and journal.read_text().count('"step"') >= 2:
                first = time.monotonic() - start
            time.sleep(0.005)
        took = time.monotonic() - start
        assert trial.finish(proc) == 0, trial.outputs
        with vault.secret_client() as client:
            assert_vault_holds(client, trial.plan, template.candidates)
    return took, first if first is not None else took / 2


def test_killed_at_random_moments_then_rerun(
    template: Template, tmp_path_factory: pytest.TempPathFactory
) -> None:
    since = time.time() - 1
    base = tmp_path_factory.mktemp("trials")
    # the grep finds what is there: every file of the template holds values before the run
    assert len(_leaks(template.values, _tree(template.path))) == 17
    duration, first = _full_run(template, base / "measure")
    rng = random.Random()
    seed = rng.randrange(2**32)
    rng.seed(seed)
    # a quarter of the kills during start-up and the rescan, the rest while it writes; each at
    # a random point of its own slot
    early = KILLS // 4
    delays = [first * (i + rng.random()) / early for i in range(early)]
    late = KILLS - early
    delays += [first + (duration - first) * (i + rng.random()) / late for i in range(late)]
    killed = 0
    in_vault: list[int] = []
    rewritten: list[int] = []
    outputs: list[str] = []
    slots = [(i, delay, 0) for i, delay in enumerate(delays)]
    landed: list[float] = []
    while slots:
        i, delay, tries = slots.pop(0)
        trial = Trial(template, base / f"t{i}-{tries}")
        context = f"kill {i} at {delay:.3f}s of {duration:.3f}s (seed {seed})"
        with Emulator() as vault:
            proc = trial.start(vault)
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
            code = trial.finish(proc)
            if code == -signal.SIGKILL:
                killed += 1
                landed.append(delay)
            else:
                # the run was quicker than the timed one (a less loaded machine): the slot is
                # tried again a little earlier, so every slot gets its kill
                assert code == 0, (context, trial.outputs)
                if tries < 5:
                    slots.append((i, delay * 0.85, tries + 1))
            states = _files_whole(trial)
            held = _vault_partial(trial, vault)
            if code == -signal.SIGKILL:
                in_vault.append(held)
                rewritten.append(sum(1 for s in states.values() if s == "new"))

            again = trial.run(vault)
            assert again == 0, (context, trial.outputs[-2:])
            with vault.secret_client() as client:
                assert_vault_holds(client, trial.plan, template.candidates)
        for planned in trial.plan.files:
            full = trial.root / planned.path
            if planned.remove:
                assert not full.exists(), context
                assert f"/{planned.path}" in (trial.root / ".gitignore").read_text()
            else:
                _parses(full)
        states = _files_whole(trial)
        assert set(states.values()) == {"new"}, context
        leaked = _leaks(
            template.values,
            [
                *_tree(trial.root),  # the working tree and .secretsops/, not git's history
                *_tree(trial.tmp),
                *(("output", o.encode()) for o in trial.outputs),
            ],
        )
        assert leaked == [], (context, leaked)
        outputs += trial.outputs
        shutil.rmtree(trial.root)
    # the kills landed across the run: before any write, between vault writes, among rewrites
    assert killed == KILLS and len(set(landed)) == KILLS, (killed, landed, duration, seed)
    assert 0 in in_vault and any(0 < n < 24 for n in in_vault), (in_vault, seed)
    print(
        f"full run {duration:.2f}s, first vault step at {first:.2f}s; secrets in the vault "
        f"at each kill: {in_vault}; files rewritten at each kill: {rewritten}; kills at "
        f"{[round(d, 2) for d in landed]} s; seed {seed}"
    )
    leaked = _leaks(template.values, _system_temp(since, skip=base.parent))
    assert leaked == [], leaked
