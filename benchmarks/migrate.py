"""Time ``migrate plan`` and ``migrate apply`` on a generated repository.

Writes a git repository of ``--files`` files in a few kinds (Python, .env, appsettings.json,
Terraform), each holding one fresh random credential, plus ``--shared`` files sharing one
value; starts the Key Vault emulator in a subprocess; then times, as separate processes of the
installed ``secretsops``: the plan, the apply (every secret written and read back, every file
rewritten), and a second apply (nothing to do: one read per secret, no write). Prints seconds
per phase and per secret. Values are random and never printed.

    python benchmarks/migrate.py [--files 200] [--shared 20]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from secretsops.scan import fingerprint as fp
from secretsops.vault.emulator import EmulatorProcess

BIN = Path(sys.executable).parent / "secretsops"
ALNUM = string.ascii_letters + string.digits


def _value() -> str:
    while True:
        value = "".join(secrets.choice(ALNUM) for _ in range(24))
        if any(c.isdigit() for c in value) and any(c.isupper() for c in value):
            return value


def _file(i: int, value: str) -> tuple[str, str]:
    kind = i % 4
    if kind == 0:
        return f"src/mod{i}.py", f'import os\n\ndb_password_{i} = "{value}"\n'
    if kind == 1:
        return f"env/{i}/.env", f'API_SECRET_{i}="{value}"\n'
    if kind == 2:
        conn = f"Server=tcp:db{i}.example.net;Database=app;User ID=app;Password={value};"
        return f"web{i}/appsettings.json", json.dumps({"ConnectionStrings": {"Db": conn}}) + "\n"
    return f"infra/m{i}.tf", f'resource "x" "y{i}" {{\n  admin_password = "{value}"\n}}\n'


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=b", "-c", "user.email=b@example.com", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def _run(root: Path, *args: str) -> float:
    start = time.perf_counter()
    proc = subprocess.run([str(BIN), *args], cwd=root, capture_output=True, text=True)
    took = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"secretsops {args[:2]} exited {proc.returncode}: {proc.stderr[-300:]}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--shared", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        root.mkdir()
        _git(root, "init", "-q")
        values = [_value() for _ in range(args.files)]
        for i, value in enumerate(values):
            path, text = _file(i, value)
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(text)
        shared = _value()
        for j in range(args.shared):
            (root / f"shared/s{j}.py").parent.mkdir(exist_ok=True)
            (root / f"shared/s{j}.py").write_text(f'import os\n\nshared_password = "{shared}"\n')
        _git(root, "add", ".")
        _git(root, "commit", "-qm", "bench")
        confirm = [a for v in [*values, shared] for a in ("--confirm", fp.fingerprint(v))]
        with EmulatorProcess() as vault:
            url, ca = vault.url, str(vault.ca_file)
            env_args = ["--vault-url", url, "--ca-file", ca]
            plan = _run(
                root, "migrate", "plan", "--vault-url", "https://bench.vault.azure.net", *confirm
            )
            first = _run(root, "migrate", "apply", ".secretsops/plan.json", "--yes", *env_args)
            second = _run(root, "migrate", "apply", ".secretsops/plan.json", "--yes", *env_args)
        n = args.files + 1
        files = args.files + args.shared
        print(f"{n} secrets in {files} files (cpu count {os.cpu_count()})")
        print(f"plan                 {plan:6.2f} s")
        print(f"apply (write all)    {first:6.2f} s   {1000 * first / n:6.1f} ms per secret")
        print(f"apply again (no-op)  {second:6.2f} s   {1000 * second / n:6.1f} ms per secret")


if __name__ == "__main__":
    main()
