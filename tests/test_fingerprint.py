"""Fingerprints: the same everywhere for the same value, never the value or its plain hash."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import fakes
from conftest import Repo, base_env, git

from secretsops.scan.fingerprint import KEY_ENV


def fingerprints(
    repo: Repo, *, env: dict[str, str] | None = None, process: bool = False
) -> dict[tuple[str, int], str]:
    if process:
        proc = repo.proc("scan", "--format", "json", env=env)
    else:
        proc = repo.scan("--format", "json", env=env)
    assert proc.returncode == 1, proc.stderr
    return {(f["path"], f["line"]): f["fingerprint"] for f in json.loads(proc.stdout)["findings"]}


def keyed_env(label: str) -> dict[str, str]:
    env = base_env()
    env[KEY_ENV] = label
    return env


def fingerprint_in_a_fresh_process(value: str, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from secretsops.scan.fingerprint import fingerprint; "
            "print(fingerprint(sys.stdin.read()))",
        ],
        input=value,
        capture_output=True,
        text=True,
        env=env or base_env(),
        check=True,
    )
    return proc.stdout.strip()


def test_stable_across_processes_and_checkouts_at_different_paths(tmp_path: Path) -> None:
    first = Repo(tmp_path / "one")
    first.write("app/config.py", f"{fakes.aws_line()}\n{fakes.password_line()}\n")
    first.add()
    first.commit()
    second = tmp_path / "elsewhere" / "two with space"
    second.parent.mkdir()
    git(tmp_path, "clone", "-q", str(first.path), str(second))

    a = fingerprints(first, process=True)
    b = fingerprints(Repo(second, init=False), process=True)
    again = fingerprints(first)
    assert a == b == again
    assert len(set(a.values())) == len(a) == 2


def test_fingerprint_matches_the_library_in_another_process(repo: Repo) -> None:
    key = fakes.aws_access_key_id()
    repo.write("a.py", fakes.aws_line(key))
    assert fingerprints(repo)[("a.py", 1)] == fingerprint_in_a_fresh_process(key)


def test_same_value_in_two_files_has_one_fingerprint(repo: Repo) -> None:
    key = fakes.aws_access_key_id()
    repo.write("a.py", fakes.aws_line(key))
    repo.write("b/c.py", "\n" + fakes.aws_line(key))
    fps = fingerprints(repo)
    assert fps[("a.py", 1)] == fps[("b/c.py", 2)]


def test_not_a_plain_hash_of_the_value(repo: Repo) -> None:
    value = "Summer2024!"
    repo.write("a.py", fakes.password_line(value))
    fp = fingerprints(repo)[("a.py", 1)]
    digest = fp.split(":", 1)[-1]
    assert value not in fp
    for algorithm in ("md5", "sha1", "sha256", "sha512", "blake2b", "sha3_256"):
        plain = hashlib.new(algorithm, value.encode()).hexdigest()
        assert digest not in plain and plain[: len(digest)] != digest, algorithm
    # detect-secrets' own hashed_secret (unsalted SHA-1) is kept out of reports too.
    sha1 = hashlib.sha1(value.encode()).hexdigest()  # noqa: S324 - what must not appear
    for fmt in ("json", "sarif", "text"):
        assert sha1 not in repo.scan("--format", fmt).stdout


def test_the_fingerprint_key_changes_fingerprints(repo: Repo) -> None:
    repo.write("a.py", f"{fakes.aws_line()}\n{fakes.password_line()}\n")
    default = fingerprints(repo)
    keyed = fingerprints(repo, env=keyed_env("from-a-pipeline-1"), process=True)
    assert keyed.keys() == default.keys()
    assert all(keyed[k] != default[k] for k in keyed)
    assert fingerprints(repo, env=keyed_env("from-a-pipeline-1")) == keyed  # stable
    other = fingerprints(repo, env=keyed_env("from-a-pipeline-2"))
    assert all(other[k] != keyed[k] for k in keyed)


def test_different_values_differ(repo: Repo) -> None:
    repo.write("a.py", "\n".join(fakes.aws_line() for _ in range(5)))
    fps = fingerprints(repo)
    assert len(fps) == 5
    assert len(set(fps.values())) == 5
