"""``scan --ci`` from start to verdict: what to scan before the scan, what to print after it."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from secretsops import git
from secretsops.ci.gate import GateResult
from secretsops.ci.platform import AZURE, GITHUB, LOCAL, PRE_COMMIT, Scope, scope_from_env
from secretsops.ci.shallow import commit_parents, ensure_range, fetch_origin, recent_depth
from secretsops.errors import GitError, UsageError
from secretsops.scan.engine import EngineConfig
from secretsops.scan.findings import Finding

DEFAULT_BASELINE = ".secrets.baseline"


@dataclass
class CiPlan:
    """What ``scan --ci`` scans: ``since``..HEAD, ``range``, or (both None) the working tree."""

    platform: str
    root: Path
    since: str | None
    range: str | None
    baseline: Path | None
    scope: str
    env: dict[str, str]
    mainline: str | None = None  # a commit whose history is not the change's own
    mainline_name: str = ""  # the branch it is the tip of (origin/main)
    baseline_edited: bool = False  # the change edits the baseline it is checked against

    def own(self, findings: list[Finding]) -> list[Finding]:
        """Findings introduced by commits that ``mainline`` does not hold (all without one)."""
        if self.mainline is None:
            return findings
        theirs: dict[str, bool] = {}
        kept = []
        for f in findings:
            if f.commit is not None and f.commit not in theirs:
                theirs[f.commit] = git.is_ancestor(self.root, f.commit, self.mainline)
            if f.commit is None or not theirs[f.commit]:
                kept.append(f)
        if len(kept) < len(findings):
            _say(
                f"secretsops: {len(findings) - len(kept)} finding(s) left out: their commits "
                f"are on {self.mainline_name} ({self.mainline[:12]}), brought in by a rebase "
                "or a merge, not added by this change"
            )
        return kept

    def allowlisted(self, config: EngineConfig, max_size: int) -> int:
        """How many findings inline allowlist comments suppressed in what is scanned."""
        from secretsops.ci.allowlisted import count_allowlisted

        base, head = self.since, "HEAD"
        if self.range is not None:
            separator = "..." if "..." in self.range else ".."
            left, _, right = self.range.partition(separator)
            base, head = left or "HEAD", right or "HEAD"
        return count_allowlisted(self.root, base, config, max_size, head)


def _say(message: str) -> None:
    import typer

    typer.echo(message, err=True)


def plan_ci(
    paths: list[Path],
    *,
    since: str | None,
    commit_range: str | None,
    baseline: Path | None,
    staged: bool,
    history: bool,
    fmt: str,
    output: Path | None,
    env: Mapping[str, str] | None = None,
) -> CiPlan:
    """Read the platform, make the range whole in a shallow clone, find the baseline."""
    environ = dict(os.environ if env is None else env)
    if staged or history:
        raise UsageError("--ci scans what a change adds: it excludes --staged and --history")
    if fmt != "text" and output is None:
        raise UsageError(
            f"--ci prints annotations on stdout: write the {fmt} report with --output FILE"
        )
    if len(paths) > 1:
        raise UsageError("--ci scans one repository: give at most one path")
    anchor = paths[0] if paths else Path(".")
    if not anchor.exists():
        raise UsageError(f"path not found: {anchor}")
    root = git.repository_root(anchor.resolve()).resolve()
    scope = scope_from_env(environ)
    platform = scope.platform
    mainline = None
    if commit_range is not None:
        described = f"--range {commit_range}"
    elif since is not None:
        ensure_range(root, since, None, platform, _say)
        described = f"{since}..HEAD"
    elif scope.base is not None and scope.head != "HEAD":
        commit_range = f"{scope.base}..{scope.head}"
        described = f"{scope.reason}: {scope.base[:12]}..{scope.head[:12]}"
    elif scope.base is not None:
        scope, since = _resolved(root, scope)
        described = f"{scope.reason}: {_short(scope, since)}..HEAD" if since else scope.reason
        mainline = _mainline(root, scope) if since else None
    elif platform == LOCAL:
        raise UsageError(
            "--ci found neither Azure Pipelines (TF_BUILD) nor GitHub Actions (GITHUB_ACTIONS): "
            "give --since REV (or --range A..B) to say what the change adds"
        )
    else:
        described = scope.reason
    if baseline is None and (root / DEFAULT_BASELINE).is_file():
        baseline = root / DEFAULT_BASELINE
        _say(f"secretsops: using the committed baseline {DEFAULT_BASELINE}")
    name = {AZURE: "Azure Pipelines", GITHUB: "GitHub Actions", PRE_COMMIT: "pre-push"}.get(
        platform, "CI"
    )
    _say(f"secretsops: {name}: scanning {described}")
    plan = CiPlan(platform, root, since, commit_range, baseline, described, environ, mainline)
    plan.mainline_name = f"origin/{scope.mainline}" if scope.mainline else ""
    plan.baseline_edited = _edits_baseline(plan)
    return plan


def _edits_baseline(plan: CiPlan) -> bool:
    """Whether the commits scanned change the baseline file (inside the repository)."""
    if plan.baseline is None or (plan.since is None and plan.range is None):
        return False
    try:
        rel = plan.baseline.resolve().relative_to(plan.root).as_posix()
    except ValueError:  # a baseline outside the repository: not the change's to edit
        return False
    base, head = plan.since, "HEAD"
    if plan.range is not None:
        left, _, right = plan.range.partition("..")
        base, head = left or "HEAD", right.lstrip(".") or "HEAD"
    try:
        git.run(["diff", "--quiet", "--no-ext-diff", f"{base}...{head}", "--", rel], plan.root)
    except GitError:  # exit code 1: the file differs
        return True
    return False


def _mainline(root: Path, scope: Scope) -> str | None:
    """The default branch's tip, fetched (its recent history) when missing; None without it."""
    if scope.mainline is None:
        return None
    name = f"origin/{scope.mainline}"
    if git.resolve(root, name) is None:
        refspec = f"+refs/heads/{scope.mainline}:refs/remotes/{name}"
        failure = fetch_origin(root, [*recent_depth(root), "origin", refspec])
        if failure is not None:
            _say(
                f"secretsops: warning: cannot fetch {scope.mainline} ({failure}): findings "
                "in its commits that a rebase or a merge brought in are reported too"
            )
    return git.resolve(root, name)


def _resolved(root: Path, scope: Scope) -> tuple[Scope, str | None]:
    """The scope's base commit, made whole; the fallback's when the base is gone."""
    scope = _merge_base_parent(root, scope)
    if (
        scope.base is not None
        and scope.fallback is not None
        and git.resolve(root, scope.base) is None
        and fetch_origin(root, [*recent_depth(root), "origin", scope.fetch or scope.base])
        is not None
    ):
        _say(
            f"secretsops: warning: {scope.base[:12]} is gone from origin (a force push?): "
            f"scanning {scope.fallback.reason} instead"
        )
        scope = scope.fallback
    if scope.base is None:
        return scope, None
    since = ensure_range(root, scope.base, scope.fetch, scope.platform, _say)
    head = git.resolve(root, "HEAD")
    if since == head:
        _say(f"secretsops: warning: HEAD is the base {since[:12]}: the change adds nothing here")
    return scope, since


def _self_accepted(plan: CiPlan, count: int) -> str:
    """A warning: the change accepts what it adds in a baseline it edits itself."""
    from secretsops.ci.annotations import warning_command

    text = (
        f"this change edits the baseline it is checked against, and {count} finding(s) it "
        "adds are accepted by it: review the baseline change"
    )
    rel = plan.baseline.resolve().relative_to(plan.root).as_posix() if plan.baseline else ""
    return warning_command(plan.platform, plan.root, rel, plan.env, text)


def _merge_base_parent(root: Path, scope: Scope) -> Scope:
    """A pull request built as the merge of its head: the merge's first parent as the base.

    That parent is the base branch's tip the merge was made on; the payload's base commit can
    be older (the tip when the pull request was opened or last pushed to), and the range from
    it would also list the base branch's commits in between (other people's secrets).
    """
    if scope.merged is None:
        return scope
    parents = commit_parents(root, "HEAD")
    if len(parents) != 2 or parents[1] != scope.merged:
        return scope
    return dataclasses.replace(scope, base=parents[0], fetch=parents[0], mainline=None)


def _short(scope: Scope, commit: str) -> str:
    return scope.base if scope.base and scope.base != commit else commit[:12]


def ci_output(plan: CiPlan, result: GateResult) -> str:
    """Annotations for what the gate counts, then the one-line summary."""
    from secretsops.ci.annotations import log_commands
    from secretsops.reports.gate import gate_line, step_summary

    failing = {id(f) for f in result.failing}
    items = [(f, "error" if id(f) in failing else "warning", "new") for f in result.new]
    items += [
        (f, "error" if id(f) in failing else "warning", "baselined")
        for f in result.baselined
        if id(f) in failing
    ]
    lines = log_commands(plan.platform, plan.root, items, plan.env)
    if plan.platform in (LOCAL, PRE_COMMIT):
        lines = [f"{f.path}:{f.line}  {f.type}  {f.preview}  ({state})" for f, _, state in items]
    if plan.baseline_edited and result.baselined and plan.baseline is not None:
        lines.append(_self_accepted(plan, len(result.baselined)))
    lines.append(gate_line(result, plan.scope))
    summary_file = plan.env.get("GITHUB_STEP_SUMMARY")
    if plan.platform == GITHUB and summary_file:
        try:
            with open(summary_file, "a", encoding="utf-8") as handle:
                handle.write(step_summary(result, plan.scope))
        except OSError as exc:
            _say(f"secretsops: warning: cannot write GITHUB_STEP_SUMMARY: {exc.strerror}")
    return "\n".join(lines) + "\n"
