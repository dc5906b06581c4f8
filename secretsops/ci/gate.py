"""Quality gates: which findings count (``--min-confidence``) and which fail (``--fail-on``)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from secretsops.scan.findings import Confidence, Finding


class FailOn(str, enum.Enum):
    """``new``: findings the baseline does not accept; ``any``: baselined ones too; ``none``."""

    new = "new"
    any = "any"
    none = "none"


@dataclass
class GateResult:
    """Findings split for the gate; ``below`` counts those under the confidence threshold."""

    new: list[Finding]
    baselined: list[Finding]
    below: int
    fail_on: FailOn
    min_confidence: Confidence
    allowlisted: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def failing(self) -> list[Finding]:
        if self.fail_on is FailOn.none:
            return []
        if self.fail_on is FailOn.any:
            return [*self.new, *self.baselined]
        return list(self.new)

    @property
    def failed(self) -> bool:
        return bool(self.failing)


def apply_gate(
    new: list[Finding],
    baselined: list[Finding],
    fail_on: FailOn = FailOn.new,
    min_confidence: Confidence = Confidence.LOW,
) -> GateResult:
    """Drop findings under ``min_confidence`` (counted) and decide what fails the gate."""
    rank = min_confidence.rank
    kept_new = [f for f in new if f.confidence.rank >= rank]
    kept_old = [f for f in baselined if f.confidence.rank >= rank]
    below = len(new) - len(kept_new) + len(baselined) - len(kept_old)
    return GateResult(kept_new, kept_old, below, fail_on, min_confidence)
