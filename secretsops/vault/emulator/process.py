"""An emulator in a subprocess: ``python -m secretsops vault serve`` on a free port.

The child prints a banner whose ``url:`` and ``ca file:`` lines are read back here; the token,
if any, travels in ``SECRETSOPS_VAULT_TOKEN`` rather than on the command line. :meth:`stop`
sends SIGTERM, which ``serve`` answers by shutting down cleanly with exit code 0.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO

from secretsops.errors import UsageError, VaultError
from secretsops.vault.emulator.base import RunningEmulator
from secretsops.vault.emulator.settings import DEFAULT_HOST, MAX_RETENTION_DAYS, EmulatorSettings

URL_LABEL = "url:"
CA_LABEL = "ca file:"
TOKEN_ENV = "SECRETSOPS_VAULT_TOKEN"  # noqa: S105 - a variable name, not a token


def banner_value(line: str, label: str) -> str | None:
    """The value of a ``label value`` banner line, or None if the line is another one."""
    stripped = line.strip()
    return stripped[len(label) :].strip() if stripped.startswith(label) else None


class EmulatorProcess(RunningEmulator):
    """A Key Vault emulator in a child process; the same API as :class:`Emulator`."""

    def __init__(
        self,
        *,
        host: str = DEFAULT_HOST,
        port: int = 0,
        data: str | Path | None = None,
        token: str | None = None,
        purge_protection: bool = False,
        retention_days: int = MAX_RETENTION_DAYS,
        python: str = sys.executable,
        env: Mapping[str, str] | None = None,
        startup_timeout: float = 30.0,
    ) -> None:
        super().__init__(
            EmulatorSettings(
                host=host,
                port=port,
                data=None if data is None else Path(data),
                token=token,
                purge_protection=purge_protection,
                retention_days=retention_days,
            )
        )
        self._python = python
        self._env = env
        self._timeout = startup_timeout
        self._proc: subprocess.Popen[str] | None = None
        self._url: str | None = None
        self._ca_file: Path | None = None
        self._stdout: queue.Queue[str | None] = queue.Queue()
        self._stderr: list[str] = []
        self._readers: list[threading.Thread] = []
        self.returncode: int | None = None

    def command(self) -> list[str]:
        s = self.settings
        cmd = [self._python, "-m", "secretsops", "vault", "serve", "--host", s.host]
        cmd += ["--port", str(s.port), "--retention-days", str(s.retention_days)]
        if s.data is not None:
            cmd += ["--data", str(s.data)]
        if s.purge_protection:
            cmd.append("--purge-protection")
        return cmd

    def _environment(self) -> dict[str, str]:
        env = dict(os.environ if self._env is None else self._env)
        env.pop(TOKEN_ENV, None)
        if self.settings.token is not None:
            env[TOKEN_ENV] = self.settings.token
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def _read(self, stream: IO[str], sink: queue.Queue[str | None] | list[str]) -> None:
        for line in stream:
            if isinstance(sink, list):
                sink.append(line.rstrip("\n"))
            else:
                sink.put(line)
        if not isinstance(sink, list):
            sink.put(None)

    def start(self) -> EmulatorProcess:
        if self._proc is not None:
            raise UsageError("the emulator process is already running")
        proc = subprocess.Popen(
            self.command(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self._environment(),
        )
        self._proc = proc
        assert proc.stdout is not None and proc.stderr is not None
        sinks: list[tuple[IO[str], queue.Queue[str | None] | list[str]]] = [
            (proc.stdout, self._stdout),
            (proc.stderr, self._stderr),
        ]
        for stream, sink in sinks:
            reader = threading.Thread(target=self._read, args=(stream, sink), daemon=True)
            reader.start()
            self._readers.append(reader)
        try:
            self._await_banner()
        except BaseException:
            self.stop()
            raise
        return self

    def _await_banner(self) -> None:
        deadline = time.monotonic() + self._timeout
        while self._url is None or self._ca_file is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise VaultError(f"the emulator process did not start in {self._timeout:g} s")
            try:
                line = self._stdout.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                assert self._proc is not None
                self._proc.wait()
                for reader in self._readers:
                    reader.join(timeout=5)
                last = self._stderr[-1] if self._stderr else "no message"
                raise VaultError(
                    f"the emulator process exited with code {self._proc.returncode}: {last}"
                )
            url = banner_value(line, URL_LABEL)
            ca_file = banner_value(line, CA_LABEL)
            self._url = url or self._url
            self._ca_file = Path(ca_file) if ca_file else self._ca_file

    def stop(self, timeout: float = 15.0) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for reader in self._readers:
            reader.join(timeout=5)
        self.returncode = proc.returncode

    @property
    def pid(self) -> int:
        if self._proc is None:
            raise UsageError("the emulator process is not running")
        return self._proc.pid

    @property
    def stderr_lines(self) -> list[str]:
        """What the child wrote to stderr so far (never secret values)."""
        return list(self._stderr)

    @property
    def url(self) -> str:
        if self._url is None:
            raise UsageError("the emulator process is not running: call start() first")
        return self._url

    @property
    def ca_file(self) -> Path:
        if self._ca_file is None:
            raise UsageError("the emulator process is not running: call start() first")
        return self._ca_file
