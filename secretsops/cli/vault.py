"""``secretsops vault serve``: run the local Key Vault emulator until Ctrl-C or SIGTERM."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Annotated, Optional

import typer


def _banner(url: str, ca_file: str, data: Path | None, token: str | None) -> None:
    """What ``EmulatorProcess`` reads back: keep the ``url:`` and ``ca file:`` lines."""
    from secretsops.vault.emulator.process import CA_LABEL, URL_LABEL

    storage = f"{data} (SQLite)" if data is not None else "in memory (gone when stopped)"
    accepted = "only the --token value" if token is not None else "any bearer token"
    lines = [
        "secretsops Key Vault emulator (secrets API, api-version 2026-04-01 and older)",
        f"  {URL_LABEL:<9} {url}",
        f"  {CA_LABEL:<9} {ca_file}",
        f"  {'data:':<9} {storage}",
        f"  {'auth:':<9} {accepted}",
        "Use SecretClient(url, credential, verify_challenge_resource=False, "
        "connection_verify=<ca file>). Stop with Ctrl-C.",
    ]
    typer.echo("\n".join(lines))
    sys.stdout.flush()


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


app = typer.Typer(help="A local Azure Key Vault emulator for secrets.", no_args_is_help=True)


@app.command("serve")
def serve(
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (keep it on loopback).")
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", help="Port to listen on; 0 picks a free one.")
    ] = 8443,
    data: Annotated[
        Optional[Path],  # noqa: UP045 - typer needs Optional at run time on 3.10
        typer.Option(
            "--data",
            dir_okay=False,
            help="SQLite file that keeps the secrets across restarts (default: in memory).",
        ),
    ] = None,
    token: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--token",
            envvar="SECRETSOPS_VAULT_TOKEN",
            show_envvar=True,
            help="Accept only this bearer token (default: any well-formed token).",
        ),
    ] = None,
    purge_protection: Annotated[
        bool, typer.Option("--purge-protection", help="Refuse purges, as a protected vault does.")
    ] = False,
    retention_days: Annotated[
        int, typer.Option("--retention-days", help="Days deleted secrets stay recoverable (7-90).")
    ] = 90,
) -> None:
    """Serve the Key Vault secrets API over HTTPS with a fresh self-signed CA."""
    from secretsops.vault.emulator import Emulator

    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    # SIGINT too, explicitly: a process started in the background of a non-interactive shell
    # inherits SIGINT ignored, and Python then never raises KeyboardInterrupt (Ctrl-C, kill -INT).
    previous = signal.signal(signal.SIGTERM, _on_signal)
    previous_int = signal.signal(signal.SIGINT, _on_signal)
    try:
        emulator = Emulator(
            host=host,
            port=port,
            data=data,
            token=token,
            purge_protection=purge_protection,
            retention_days=retention_days,
        ).start()
        try:
            _banner(emulator.url, str(emulator.ca_file), data, token)
            if not _is_loopback(host):
                typer.echo(
                    f"secretsops: warning: {host} is not a loopback address; the emulator has "
                    "no access control beyond --token and keeps values in clear",
                    err=True,
                )
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            emulator.stop()
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)
    typer.echo("secretsops: vault emulator stopped", err=True)
