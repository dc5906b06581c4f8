"""The incremental history cache: which blobs were scanned, under which detectors.

Stored in ``<git common dir>/secretsops/history-cache``, one file written atomically (a
temporary file and a rename). It holds, for the key of the detector set and settings:

- every blob id scanned (with its path class) and whether it was text, binary or too large;
- for blobs with hits: each hit's type, detector, fingerprint, detect-secrets hash, redacted
  preview, confidence and line numbers. **Never a secret value**, so ``--show-secrets`` cannot
  show values of cached findings: a scan with ``--show-secrets`` does not read the cache;
- after a full ``--history`` scan: the ref tips it covered and its findings (without values),
  so the next scan walks only commits added since.

Anything unreadable, truncated or of another key is discarded with a warning, never fatal.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secretsops.scan.blobs import Hit

MAGIC = b"secretsops-history-cache 1\n"
FILENAME = "history-cache"
KEY_SIZE = 22  # 20-byte blob id + 2-byte path class index
_ENTRY = KEY_SIZE + 1  # + status byte


def cache_key(settings: dict[str, Any], max_size: int) -> str:
    """What a cached result depends on: detectors and settings, versions, our source, limits."""
    from secretsops import __version__
    from secretsops.pipelines import MODULES as pipeline_modules
    from secretsops.scan import (
        aliases,
        blobs,
        engine,
        filters,
        fingerprint,
        literals,
        prefilter,
        views,
    )
    from secretsops.scan.engine import plugin_modules

    digest = hashlib.sha256()
    digest.update(json.dumps(settings, sort_keys=True).encode())
    digest.update(f"{__version__}\0{max_size}\0".encode())
    digest.update(hashlib.sha256(fingerprint._key()).digest())
    import importlib

    modules = [engine, prefilter, views, blobs, literals, fingerprint, filters, aliases]
    modules += [importlib.import_module(m) for m in plugin_modules()]
    modules += [importlib.import_module(f"secretsops.pipelines.{m}") for m in pipeline_modules]
    for module in modules:
        source = getattr(module, "__file__", None)
        if source:
            digest.update(Path(source).read_bytes())
    # The installed distribution's version: the module attribute ``__version__`` is a
    # submodule once detect-secrets' baseline code has imported it, which changed the key.
    from importlib import metadata

    digest.update(metadata.version("detect-secrets").encode())
    return digest.hexdigest()


@dataclass
class Cache:
    key: str
    classes: list[str] = field(default_factory=list)
    seen: dict[bytes, int] = field(default_factory=dict)
    records: dict[bytes, list[Hit]] = field(default_factory=dict)
    history: dict[str, Any] | None = None
    _class_index: dict[str, int] = field(default_factory=dict)

    def class_id(self, name: str) -> int:
        index = self._class_index.get(name)
        if index is None:
            index = len(self.classes)
            self.classes.append(name)
            self._class_index[name] = index
        return index

    def blob_key(self, oid: str, path_class: str) -> bytes:
        return bytes.fromhex(oid) + struct.pack(">H", self.class_id(path_class))


def cache_path(common_dir: Path) -> Path:
    return common_dir / "secretsops" / FILENAME


def load(path: Path, key: str, warn: Callable[[str], None]) -> Cache:
    """The cache at ``path`` if it is intact and of ``key``; else an empty one."""
    fresh = Cache(key=key)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return fresh
    except OSError as exc:
        warn(f"history cache {path} unreadable ({exc.strerror}); scanning without it")
        return fresh
    try:
        cache = _parse(data)
    except (ValueError, KeyError, TypeError, struct.error, UnicodeDecodeError) as exc:
        warn(f"history cache {path} is corrupt ({exc}); discarded, scanning without it")
        return fresh
    if cache.key != key:
        return fresh  # detectors, settings or versions changed: every result may differ
    return cache


def _parse(data: bytes) -> Cache:
    if not data.startswith(MAGIC) or len(data) < len(MAGIC) + 8 + 32:
        raise ValueError("not a secretsops history cache")
    body, digest = data[:-32], data[-32:]
    if hashlib.sha256(body).digest() != digest:
        raise ValueError("checksum mismatch")
    offset = len(MAGIC)
    (size,) = struct.unpack_from(">Q", body, offset)
    offset += 8
    header = json.loads(body[offset : offset + size].decode("utf-8"))
    offset += size
    entries = body[offset:]
    if len(entries) % _ENTRY:
        raise ValueError("truncated blob table")
    cache = Cache(key=str(header["key"]))
    for name in header["classes"]:
        cache.class_id(str(name))
    seen = cache.seen
    for i in range(0, len(entries), _ENTRY):
        seen[entries[i : i + KEY_SIZE]] = entries[i + KEY_SIZE]
    for hexkey, hits in header["records"].items():
        cache.records[bytes.fromhex(hexkey)] = [Hit.from_json(h) for h in hits]
    history = header.get("history")
    cache.history = history if isinstance(history, dict) else None
    return cache


def save(path: Path, cache: Cache) -> None:
    """Write atomically; a failure to write costs only the next scan's speed."""
    header = {
        "key": cache.key,
        "classes": cache.classes,
        "records": {k.hex(): [h.json() for h in hits] for k, hits in cache.records.items()},
        "history": cache.history,
    }
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    table = b"".join(k + bytes((status,)) for k, status in cache.seen.items())
    body = MAGIC + struct.pack(">Q", len(head)) + head + table
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(body)
            handle.write(hashlib.sha256(body).digest())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
