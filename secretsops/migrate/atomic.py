"""Files read and written the way the migrator needs: exact bytes, atomic replacement.

A rewritten file is written to a temporary file in its own folder, flushed to disk, given the
original's mode bits, and renamed over the original: a reader (or a crash) sees either the old
file or the new one, never half of either. Text keeps its encoding: a UTF-8 byte-order mark is
put back, and a file that was not UTF-8 is written back as Latin-1, as it was decoded.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

_BOM = b"\xef\xbb\xbf"
TEMP_SUFFIX = ".secretsops-tmp"


@dataclass(frozen=True)
class FileText:
    """A file's text, how to encode it back, and the sha256 of its bytes."""

    text: str = field(repr=False)
    encoding: str
    bom: bool
    sha256: str

    def encode(self, text: str) -> bytes:
        return (_BOM if self.bom else b"") + text.encode(self.encoding)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode(data: bytes) -> FileText:
    digest = sha256(data)
    bom = data.startswith(_BOM)
    body = data[3:] if bom else data
    try:
        return FileText(body.decode("utf-8"), "utf-8", bom, digest)
    except UnicodeDecodeError:
        return FileText(body.decode("latin-1"), "latin-1", bom, digest)


def read(path: Path) -> FileText:
    return decode(path.read_bytes())


def write_bytes(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically, keeping its mode bits."""
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    sync_folder(path.parent)


def write_text(path: Path, text: str) -> None:
    """Atomically write a text file of ours (UTF-8, ``\\n``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes(path, text.encode("utf-8"))


def sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
