"""``secretsops audit``: label baseline entries real or false positive."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from secretsops.cli._common import info

if TYPE_CHECKING:
    from secretsops.audit import Recovered

_PROMPT = "Is this a real secret? [r]eal, [f]alse positive, [s]kip, [q]uit"
_ANSWERS = {"r": True, "real": True, "f": False, "false": False, "false-positive": False}


def _where(r: Recovered) -> str:
    """``path:line``, and for a history entry the commit that introduced it."""
    from secretsops.audit import commit_of

    where = f"{r.entry.filename}:{r.line_number or r.entry.line_number}"
    commit = commit_of(r.entry)
    return f"{where} (commit {commit[:12]})" if commit else where


def _history_root(folder: Path) -> Path:
    """A history baseline's repository: the one holding it (a bare one too), else the one
    the command runs in (the baseline may be kept outside the repository)."""
    from secretsops import git
    from secretsops.errors import NotARepositoryError

    for place in (folder, Path.cwd()):
        try:
            return git.repository_root(place)
        except NotARepositoryError:
            continue
    return folder


def audit(
    baseline: Annotated[Path, typer.Argument(help="The baseline to label.")] = Path(
        ".secrets.baseline"
    ),
    mark: Annotated[
        Optional[tuple[str, str]],  # noqa: UP045
        typer.Option(
            "--mark",
            metavar="FINGERPRINT LABEL",
            help="Label without prompting: LABEL is real, false-positive or unlabelled.",
        ),
    ] = None,
    list_: Annotated[
        bool, typer.Option("--list", help="List entries with fingerprints and labels.")
    ] = False,
    all_: Annotated[bool, typer.Option("--all", help="Prompt for labelled entries too.")] = False,
) -> None:
    """Label each baseline entry, interactively or with --mark."""
    from secretsops import audit as audit_mod
    from secretsops import baseline as baseline_mod
    from secretsops import git
    from secretsops.errors import UsageError
    from secretsops.scan.engine import Engine, config_from_baseline

    data = baseline_mod.load(baseline)
    # Entries name files relative to the scan root: the repository holding the baseline (it
    # may sit in a subfolder, e.g. ci/), else the baseline's own folder.
    folder = baseline.resolve().parent
    root = git.toplevel(folder) or folder
    if baseline_mod.is_history(data) and git.toplevel(folder) is None:
        root = _history_root(folder)
    before = baseline_mod.parse(data.json())
    with Engine(config_from_baseline(data.plugins_used, data.filters_used)) as engine:
        recovered = audit_mod.recover(data, root, engine)

    if list_:
        for r in recovered:
            label = {True: "real", False: "false-positive", None: "unlabelled"}[r.entry.is_secret]
            ident = r.fingerprint or f"sha1:{r.entry.hashed_secret[:12]} (not found in file)"
            where = _where(r)
            typer.echo(f"{where}  {r.entry.type}  {ident}  {label}")
        raise typer.Exit(0)

    if mark is not None:
        identifier, label = mark
        value = audit_mod.label_value(label)
        hits = audit_mod.matching(recovered, identifier)
        if not hits:
            raise UsageError(f"no baseline entry matches {identifier!r} in {baseline}")
        for r in hits:
            r.entry.is_secret = value
        baseline_mod.save(data, baseline, previous=before)
        info(f"marked {len(hits)} entr{'y' if len(hits) == 1 else 'ies'} {label}")
        raise typer.Exit(0)

    todo = [r for r in recovered if all_ or r.entry.is_secret is None]
    if not todo:
        info("nothing to audit: every entry is labelled")
        raise typer.Exit(0)
    done = 0
    for number, r in enumerate(todo, start=1):
        where = _where(r)
        typer.echo(f"\n[{number}/{len(todo)}] {where}  {r.entry.type}")
        typer.echo(f"    {r.redacted_line or '(the value is no longer in this file)'}")
        if r.fingerprint:
            typer.echo(f"    fingerprint {r.fingerprint}")
        while True:
            try:
                answer = typer.prompt(_PROMPT, default="s", show_default=False).strip().lower()
            except typer.Abort:  # end of input or Ctrl-C: keep the answers given so far
                typer.echo()
                answer = "q"
            if answer in ("q", "quit"):
                break
            if answer in ("s", "skip"):
                break
            if answer in _ANSWERS:
                r.entry.is_secret = _ANSWERS[answer]
                done += 1
                break
            typer.echo("    please answer r, f, s or q")
        if answer in ("q", "quit"):
            break
    baseline_mod.save(data, baseline, previous=before)
    info(f"labelled {done} entr{'y' if done == 1 else 'ies'}; saved {baseline}")
