"""Helpers shared by command modules: output, colour, size parsing."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import typer

from secretsops.errors import InputError, UsageError

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]?)i?b?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1_000, "m": 1_000_000, "g": 1_000_000_000}


def parse_size(text: str) -> int:
    """``1MB``, ``500k``, ``2000000`` -> bytes."""
    match = _SIZE.match(text)
    if not match:
        raise UsageError(f"invalid size {text!r}: use a number with an optional k, M or G")
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


def use_color(output: Path | None) -> bool:
    if output is not None or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


def emit(text: str, output: Path | None) -> None:
    """Write a report to ``output`` (atomically) or to stdout."""
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from secretsops.baseline import write_atomic

    try:
        write_atomic(output, text)
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from exc


def info(message: str) -> None:
    typer.echo(message, err=True)


def unreadable_error(paths: list[str]) -> InputError:
    """The error for files a scan could not read: the result would be incomplete."""
    more = f" and {len(paths) - 1} more" if len(paths) > 1 else ""
    return InputError(f"cannot read {paths[0]}{more}: the scan is incomplete")


def worker_count(jobs: int) -> int:
    """``--jobs``: 0 is one worker process per core; below 0 is a usage error."""
    import os

    from secretsops.errors import UsageError

    if jobs < 0:
        raise UsageError("--jobs must be 0 (one per core) or more")
    return jobs or (os.cpu_count() or 1)
