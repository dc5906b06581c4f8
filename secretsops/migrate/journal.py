"""The apply journal, ``.secretsops/journal.json``: every step of every run, without values.

Steps are appended and the file is rewritten atomically after each one, so a run killed at any
moment leaves a journal that names everything done before it. ``apply`` reads it back to
resume: a secret already verified in the vault is only checked again, a file already rewritten
is left alone. Entries hold names, fingerprints, versions, paths and hashes.

For the fault tests only: when ``SECRETSOPS_TEST_KILL_AFTER_STEP=N`` is set, the process sends
itself SIGKILL right after journaling its N-th step (counted from the start of the run), which
is how a test kills apply at an exact point, e.g. between the vault write and the file rewrite.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from secretsops.errors import InputError, UsageError
from secretsops.migrate import atomic

KILL_ENV = "SECRETSOPS_TEST_KILL_AFTER_STEP"
FORMAT = "secretsops-migration-journal"

# Step names.
VAULT_WRITTEN = "vault-written"  # set_secret returned a new version
VAULT_UNCHANGED = "vault-unchanged"  # the current version already held the value
VAULT_VERIFIED = "vault-verified"  # read back, fingerprint matches
VAULT_RECOVERED = "vault-recovered"  # a soft-deleted secret of that name was recovered
VAULT_FAILED = "vault-failed"
FILE_REWRITTEN = "file-rewritten"
FILE_ALREADY = "file-already-rewritten"
FILE_REMOVED = "file-removed"  # a file that moved whole to the vault left the tree
FILE_CHANGED = "file-changed"  # differs from the plan: not touched
RUN_STARTED = "run-started"
RUN_FINISHED = "run-finished"


@dataclass
class Journal:
    path: Path
    plan_id: str
    data: dict[str, Any] = field(default_factory=dict)
    _count: int = 0

    @classmethod
    def open(cls, path: Path, plan_id: str) -> Journal:
        data: dict[str, Any] = {"format": FORMAT, "plans": {}}
        if path.exists():
            try:
                loaded = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise InputError(
                    f"cannot read journal {path}: {exc.__class__.__name__}; move it away to "
                    "start over"
                ) from None
            if not isinstance(loaded, dict) or loaded.get("format") != FORMAT:
                raise InputError(f"{path} is not a secretsops migration journal")
            data = loaded
        data.setdefault("plans", {}).setdefault(plan_id, {"steps": []})
        return cls(path, plan_id, data)

    @property
    def steps(self) -> list[dict[str, Any]]:
        steps: list[dict[str, Any]] = self.data["plans"][self.plan_id]["steps"]
        return steps

    def record(self, step: str, **details: Any) -> None:
        entry = {"at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "step": step}
        entry.update(details)
        self.steps.append(entry)
        atomic.write_text(self.path, _dumps(self.data))
        self._count += 1
        kill_after = os.environ.get(KILL_ENV)
        if kill_after and kill_after.isdigit() and self._count == int(kill_after):
            os.kill(os.getpid(), signal.SIGKILL)

    def rewritten(self) -> set[str]:
        done = (FILE_REWRITTEN, FILE_ALREADY, FILE_REMOVED)
        return {s["path"] for s in self.steps if s["step"] in done}


def _dumps(data: dict[str, Any]) -> str:
    """The journal as JSON with one step per line: readable, and quick to rewrite whole."""
    plans = []
    for plan_id, body in data["plans"].items():
        steps = ",\n".join("      " + json.dumps(step) for step in body["steps"])
        plans.append(f'    {json.dumps(plan_id)}: {{"steps": [\n{steps}\n    ]}}')
    return (
        f'{{\n  "format": {json.dumps(data["format"])},\n  "plans": {{\n'
        + ",\n".join(plans)
        + "\n  }\n}\n"
    )


@contextlib.contextmanager
def exclusive(state: Path) -> Iterator[None]:
    """Hold ``.secretsops/apply.lock`` for the run: two applies never interleave their steps."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield
        return
    state.mkdir(parents=True, exist_ok=True)
    fd = os.open(state / "apply.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise UsageError(
                f"another secretsops migrate apply is running on {state.parent}; wait for it"
            ) from None
        yield
    finally:
        os.close(fd)
