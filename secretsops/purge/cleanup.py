"""State of a guided cleanup (``secretsops cleanup``): which stages are done, so a rerun resumes.

Kept in ``.secretsops/cleanup/state.json`` of the repository (``.secretsops/`` is ignored by
git), next to the history baseline the run audits. Names, paths, counts and times only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from secretsops.errors import InputError

STAGES = ("scan", "audit", "plan", "apply", "commit", "purge")
FORMAT = "secretsops-cleanup-state"


@dataclass
class State:
    """Done stages and what each left behind (a count, a path, why it was skipped)."""

    path: Path
    stages: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, folder: Path) -> State:
        path = folder / "state.json"
        if not path.exists():
            return cls(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise InputError(
                f"cannot read {path}: {exc.__class__.__name__}; pass --restart to start over"
            ) from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise InputError(f"{path} is not a cleanup state file; pass --restart to start over")
        stages = data.get("stages")
        return cls(path, dict(stages) if isinstance(stages, dict) else {})

    def done(self, stage: str) -> dict[str, Any] | None:
        return self.stages.get(stage)

    def mark(self, stage: str, **details: Any) -> None:
        when = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.stages[stage] = {"at": when, **details}
        self.save()

    def forget(self, *stages: str) -> None:
        for stage in stages:
            self.stages.pop(stage, None)
        self.save()

    def save(self) -> None:
        from secretsops.baseline import write_atomic

        data = {"format": FORMAT, "stages": self.stages}
        write_atomic(self.path, json.dumps(data, indent=2) + "\n")
