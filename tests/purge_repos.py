"""Repositories with secrets all over their history, for the purge and history-baseline tests.

Values are generated when the test runs (tests/fakes.py); nothing credential-shaped is
committed here.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import fakes
from conftest import Repo, base_env, call_secretsops, git


@dataclass
class History:
    """A repository and the values its history holds."""

    repo: Repo
    purged: dict[str, str] = field(default_factory=dict)  # role -> value, labelled real
    kept: dict[str, str] = field(default_factory=dict)  # role -> value, labelled false positive
    clean_subjects: list[str] = field(default_factory=list)  # commits whose tree holds none

    @property
    def path(self) -> Path:
        return self.repo.path


def build(path: Path) -> History:
    """Secrets on several branches and tags, in a deleted file, a renamed file, a commit
    message and a stash; one value labelled a false positive; a branch that never held any."""
    repo = Repo(path)
    purged = {
        "password": fakes.password(),
        "aws": fakes.aws_access_key_id(),
        "github": fakes.github_token(),
        "entra": fakes.entra_client_secret(),
    }
    kept = {"fixture": fakes.password()}
    h = History(repo=repo, purged=purged, kept=kept)

    repo.write("README.md", "# demo\n\nNothing to see.\n")
    repo.add()
    repo.commit("c01 readme")
    h.clean_subjects.append("c01")
    repo.git("tag", "v0")

    # A branch that never holds a secret: its trees must come out identical.
    repo.git("checkout", "-q", "-b", "docs")
    repo.write("docs/guide.md", "How to run it.\n")
    repo.add()
    repo.commit("c02 docs guide")
    h.clean_subjects.append("c02")
    repo.git("checkout", "-q", "main")

    repo.write("app.py", f"{fakes.password_line(purged['password'])}\nprint('hello')\n")
    repo.write("tests/test_app.py", f"{fakes.password_line(kept['fixture'], 'db_password')}\n")
    repo.add()
    repo.commit("c03 app")

    repo.write("config/settings.yaml", f"aws:\n  access_key_id: {purged['aws']}\n  region: eu\n")
    repo.add()
    repo.commit("c04 settings")

    # A file that is added and then deleted.
    repo.write(".env", f"AZURE_CLIENT_SECRET={purged['entra']}\n")
    repo.add()
    repo.commit("c05 env")
    repo.git("rm", "-q", ".env")
    repo.commit("c06 remove env")

    # A renamed file: the value travels to a new path.
    (h.path / "src").mkdir()
    repo.git("mv", "app.py", "src/app.py")
    repo.commit("c07 move app")
    repo.git("tag", "-a", "v1", "-m", "release one")

    # Another branch and a tag on it, and a commit message that quotes a token.
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("tools/deploy.sh", f"#!/bin/sh\nexport GITHUB_TOKEN={purged['github']}\n")
    repo.add()
    repo.commit(f"c08 deploy script (token {purged['github']})")
    repo.git("tag", "feature-tip")
    repo.git("checkout", "-q", "main")

    repo.write("CHANGELOG.md", "- first release\n")
    repo.add()
    repo.commit("c09 changelog")

    # A stash that holds a value too.
    repo.write("README.md", f"# demo\n\n{fakes.aws_line(purged['aws'])}\n")
    repo.git("stash", "-q")
    return h


def long_history(path: Path, commits: int = 1500) -> Repo:
    """A repository big enough that a purge takes a while (built with fast-import): a password
    in the first commit's app.py, then ``commits - 1`` commits without one."""
    repo = Repo(path)
    value = fakes.password()
    stream = []
    for n in range(commits):
        content = f"{fakes.password_line(value)}\ncounter = {n}\n" if n == 0 else f"n = {n}\n"
        data = content.encode()
        name = "app.py" if n == 0 else f"f{n % 50}.py"
        message = f"c{n:04}"
        stream.append(
            f"commit refs/heads/main\ncommitter t <t@example.com> {1_600_000_000 + n} +0000\n"
            f"data {len(message)}\n{message}\n"
            f"M 100644 inline {name}\ndata {len(data)}\n"
        )
        stream.append(content)
    subprocess.run(
        ["git", "fast-import", "--quiet"],
        cwd=repo.path,
        input="".join(stream).encode(),
        env=base_env(),
        check=True,
    )
    repo.git("reset", "-q", "--hard")
    return repo


def run(h: History, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return call_secretsops(*args, cwd=h.path, env=base_env())


def audited_baseline(h: History) -> Path:
    """``baseline create --history``, then the purged values marked real and the rest not."""
    proc = run(h, "baseline", "create", "--history", "--baseline", h.path.parent / "hist.baseline")
    assert proc.returncode == 0, proc.stderr
    baseline = h.path.parent / "hist.baseline"
    listed = run(h, "audit", baseline, "--list")
    assert listed.returncode == 0, listed.stderr
    from secretsops.scan.fingerprint import fingerprint

    real = {fingerprint(v) for v in h.purged.values()}
    fake = {fingerprint(v) for v in h.kept.values()}
    assert real | fake <= {line.split()[-2] for line in listed.stdout.splitlines()}, listed.stdout
    for fp in sorted(real):
        assert run(h, "audit", baseline, "--mark", fp, "real").returncode == 0
    for fp in sorted(fake):
        assert run(h, "audit", baseline, "--mark", fp, "false-positive").returncode == 0
    data = json.loads(baseline.read_text())
    assert data["scope"] == "history"
    return baseline


def refs(path: Path) -> dict[str, str]:
    out = subprocess.run(
        ["git", "for-each-ref", "--format=%(refname) %(objectname)"],
        cwd=path,
        env=base_env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return dict(line.split(" ", 1) for line in out.splitlines() if line)


def all_object_bytes(path: Path) -> bytes:
    """Every object in the store, as git prints it (``cat-file --batch-all-objects``)."""
    return subprocess.run(
        ["git", "cat-file", "--batch-all-objects", "--batch"],
        cwd=path,
        env=base_env(),
        capture_output=True,
        check=True,
    ).stdout


def reachable_blobs(path: Path) -> dict[str, bytes]:
    """oid -> content of every blob reachable from any ref."""
    listing = git(path, "rev-list", "--all", "--objects")
    oids = [line.split(" ", 1)[0] for line in listing.splitlines()]
    checked = subprocess.run(
        ["git", "cat-file", "--batch-check=%(objectname) %(objecttype)"],
        cwd=path,
        env=base_env(),
        input="\n".join(oids) + "\n",
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    blobs = [line.split()[0] for line in checked.splitlines() if line.endswith(" blob")]
    out: dict[str, bytes] = {}
    for oid in blobs:
        out[oid] = subprocess.run(
            ["git", "cat-file", "blob", oid], cwd=path, env=base_env(), capture_output=True
        ).stdout
    return out


def commit_trees(path: Path) -> dict[str, str]:
    """First word of the subject (``c01``...) -> tree id, for every commit of every ref."""
    out = git(path, "log", "--all", "--format=%T %s")
    trees: dict[str, str] = {}
    for line in out.splitlines():
        tree, _, subject = line.partition(" ")
        trees[subject.split(" ", 1)[0]] = tree
    return trees
