"""The gate's summary: new, baselined and allowlisted findings kept apart, and the verdict."""

from __future__ import annotations

from secretsops.ci.gate import FailOn, GateResult


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def gate_line(result: GateResult, scope: str = "") -> str:
    """``secretsops: 1 new, 2 baselined, 1 allowlisted; fail on new: FAILED (...)``."""
    parts = [
        f"{len(result.new)} new",
        f"{len(result.baselined)} baselined",
        f"{result.allowlisted} allowlisted",
    ]
    if result.below:
        parts.append(f"{result.below} below {result.min_confidence.value} confidence")
    verdict = "FAILED" if result.failed else "passed"
    where = f" ({scope})" if scope else ""
    return f"secretsops: {', '.join(parts)}; fail on {result.fail_on.value}: {verdict}{where}"


def step_summary(result: GateResult, scope: str) -> str:
    """Markdown for a job summary page (GitHub ``GITHUB_STEP_SUMMARY``)."""
    verdict = "failed" if result.failed else "passed"
    lines = [
        f"### secretsops: gate {verdict}",
        "",
        f"Scanned: {scope}. Fails on: `{result.fail_on.value}` findings "
        f"of {result.min_confidence.value} confidence or more.",
        "",
        "| new | baselined | allowlisted | below threshold |",
        "| --- | --- | --- | --- |",
        f"| {len(result.new)} | {len(result.baselined)} | {result.allowlisted} | {result.below} |",
    ]
    shown = [(f, "new") for f in result.new]
    if result.fail_on is FailOn.any:
        shown += [(f, "baselined") for f in result.baselined]
    if shown:
        lines += ["", "| file | line | type | state | preview |", "| --- | --- | --- | --- | --- |"]
        for f, state in shown:
            cells = [f.path, str(f.line), f.type, state, f.preview]
            lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    """Text for one table cell: a line break (a file name may hold one) would end the row."""
    return text.replace("|", "\\|").replace("\r", "\\r").replace("\n", "\\n")
