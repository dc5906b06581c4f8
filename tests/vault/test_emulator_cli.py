"""``secretsops vault serve`` as a user runs it: banner, real SDK calls, clean exit on SIGTERM
and Ctrl-C, and exit code 2 with one line (no traceback) for bad input."""

from __future__ import annotations

import os
import queue
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.keyvault.secrets import SecretClient

from secretsops.vault.emulator import Emulator, EmulatorCredential

from .kv_helpers import unique, value

SECRETSOPS = Path(sys.executable).parent / "secretsops"


class Serve:
    """A running ``secretsops vault serve`` and the url and ca file from its banner."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [str(SECRETSOPS), "vault", "serve", "--port", "0", *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        )
        lines: queue.Queue[str] = queue.Queue()
        assert self.proc.stdout is not None
        stdout = self.proc.stdout
        threading.Thread(target=lambda: [lines.put(line) for line in stdout], daemon=True).start()
        self.banner: list[str] = []
        fields: dict[str, str] = {}
        while not self.banner or "Ctrl-C" not in self.banner[-1]:
            line = lines.get(timeout=30)
            self.banner.append(line)
            label, _, rest = line.strip().partition(": ")
            fields[label] = rest.strip()
        self.url, self.ca_file = fields["url"], fields["ca file"]

    def client(self, token: str) -> SecretClient:
        return SecretClient(
            self.url,
            EmulatorCredential(token),
            verify_challenge_resource=False,
            connection_verify=self.ca_file,
        )

    def stop(self, signum: int) -> tuple[int, str]:
        self.proc.send_signal(signum)
        _, stderr = self.proc.communicate(timeout=20)
        return self.proc.returncode, stderr


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SECRETSOPS), "vault", "serve", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _assert_one_line_error(proc: subprocess.CompletedProcess[str], *words: str) -> None:
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    for word in words:
        assert word in lines[0], lines[0]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_serve_until_a_signal(tmp_path: Path, signum: int) -> None:
    data = tmp_path / "vault.db"
    secret, name = value(), unique("cli")
    serve = Serve("--data", str(data))
    try:
        assert serve.url.startswith("https://127.0.0.1:")
        assert Path(serve.ca_file).read_text().startswith("-----BEGIN CERTIFICATE-----")
        assert any(str(data) in line for line in serve.banner)
        with serve.client(value()) as client:
            client.set_secret(name, secret)
            assert client.get_secret(name).value == secret
    finally:
        code, stderr = serve.stop(signum)
    assert code == 0, stderr
    assert "stopped" in stderr and "Traceback" not in stderr
    assert secret not in stderr + "".join(serve.banner)
    assert not Path(serve.ca_file).exists()  # the CA folder goes with the server


def test_serve_with_a_token_refuses_other_tokens() -> None:
    token = value()
    serve = Serve(env={"SECRETSOPS_VAULT_TOKEN": token})
    try:
        assert any("only the --token value" in line for line in serve.banner)
        with serve.client(value()) as wrong, pytest.raises(ClientAuthenticationError):
            wrong.set_secret(unique(), value())
        with serve.client(token) as right:
            assert right.set_secret(unique(), "v").value == "v"
    finally:
        code, _ = serve.stop(signal.SIGTERM)
    assert code == 0


def test_port_in_use() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        _assert_one_line_error(_run("--port", str(busy.getsockname()[1])), "in use")


def test_unopenable_data_file(tmp_path: Path) -> None:
    blocker = tmp_path / "plain-file"
    blocker.write_text("x")
    _assert_one_line_error(_run("--port", "0", "--data", str(blocker / "vault.db")), "vault.db")


def test_data_file_that_is_not_a_database(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(os.urandom(8192))
    _assert_one_line_error(_run("--port", "0", "--data", str(junk)), "junk.db")


def test_database_of_another_program(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE people (name TEXT)")
    _assert_one_line_error(_run("--port", "0", "--data", str(other)), "another program")


def test_damaged_emulator_database(tmp_path: Path) -> None:
    data = tmp_path / "vault.db"
    with Emulator(data=data) as vault, vault.secret_client() as client:
        for _ in range(40):
            client.set_secret(unique("fill"), "x" * 2000)
    with sqlite3.connect(data) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = bytearray(data.read_bytes())
    assert len(raw) > 40_000
    raw[8192:24576] = os.urandom(16384)
    data.write_bytes(bytes(raw))
    _assert_one_line_error(_run("--port", "0", "--data", str(data)), "vault.db")


@pytest.mark.parametrize(
    ("args", "word"),
    [
        (["--retention-days", "5"], "retention"),
        (["--host", "no-such-host.invalid"], "no-such-host.invalid"),
        (["--port", "70000"], "port"),
    ],
)
def test_bad_options(args: list[str], word: str) -> None:
    _assert_one_line_error(_run(*args), word)


def test_data_file_is_private(tmp_path: Path) -> None:
    data = tmp_path / "vault.db"
    with Emulator(data=data) as vault, vault.secret_client() as client:
        client.set_secret(unique(), value())
    assert data.stat().st_mode & 0o077 == 0
