"""``secretsops purge``: remove confirmed secrets from every ref of a repository's history."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from secretsops.cli._common import info

if TYPE_CHECKING:
    from secretsops.purge.targets import Target

SHORT = 8  # values shorter than this are likely to occur in unrelated text too


def purge(
    path: Annotated[Path, typer.Argument(help="The repository whose history to purge.")] = Path(
        "."
    ),
    baseline: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--baseline",
            "-b",
            help="Audited baseline: its entries labelled real are purged "
            "(default: .secrets.baseline in the repository).",
        ),
    ] = None,
    journal: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--journal",
            help="Migration journal (.secretsops/journal.json): the secrets `migrate apply` "
            "moved into the vault are purged, markers named by their vault names. With "
            "--baseline: the baseline's confirmed secrets, named from the journal where moved.",
        ),
    ] = None,
    names: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--name",
            metavar="FINGERPRINT=NAME",
            help="Key Vault name for a secret's marker (default: from its type and file).",
        ),
    ] = None,
    output: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--output",
            "-o",
            help="Where to write the purged mirror clone (default: REPO-purged.git next to it).",
        ),
    ] = None,
    in_place: Annotated[
        bool,
        typer.Option("--in-place", help="Rewrite PATH itself; it must be a fresh clone."),
    ] = False,
    bundle: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--bundle", help="Backup of all refs (default: next to the repository)."),
    ] = None,
    report: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--report", help="Where to write the report (default: next to the result)."),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    no_cache: Annotated[
        bool,
        typer.Option(
            "--no-cache",
            help="Verification: read every blob again, not only those the rewrite changed.",
        ),
    ] = False,
    jobs: Annotated[
        int,
        typer.Option("--jobs", "-j", help="Verification scan: worker processes (0: one per core)."),
    ] = 0,
) -> None:
    """Rewrite history so that no ref holds a confirmed secret; verify; print the next steps.

    Exit 0: purged and verified; 1: a purged value is still present (listed); 2: bad input.
    """
    import os
    import signal

    from secretsops.errors import UsageError

    if jobs < 0:
        raise UsageError("--jobs must be 0 (one per core) or more")
    previous: Any = signal.signal(signal.SIGTERM, _interrupt)
    try:
        code = _purge(
            path,
            baseline=baseline,
            journal=journal,
            names=list(names or []),
            output=output,
            in_place=in_place,
            bundle=bundle,
            report=report,
            yes=yes,
            no_cache=no_cache,
            jobs=jobs or (os.cpu_count() or 1),
        )
    finally:
        signal.signal(signal.SIGTERM, previous)
    raise typer.Exit(code)


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM ends the run like Ctrl-C: cleanup blocks (the replacement file) still run."""
    raise KeyboardInterrupt


def _stamp() -> str:
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _purge(
    path: Path,
    *,
    baseline: Path | None,
    journal: Path | None,
    names: list[str],
    output: Path | None,
    in_place: bool,
    bundle: Path | None,
    report: Path | None,
    yes: bool,
    no_cache: bool,
    jobs: int,
) -> int:
    import time

    from secretsops import baseline as baseline_mod
    from secretsops import git
    from secretsops.baseline import write_atomic
    from secretsops.errors import PurgeError, UsageError
    from secretsops.purge import report as report_mod
    from secretsops.purge import rewrite, targets, verify
    from secretsops.scan.engine import config_from_baseline

    if not path.exists():
        raise UsageError(f"path not found: {path}")
    if in_place and output is not None:
        raise UsageError("--in-place and --output exclude each other")
    root = git.repository_root(path.resolve()).resolve()
    rewrite.refuse_shallow(root)
    stem = root.name.removesuffix(".git") if root.name != ".git" else root.parent.name
    parent = root.parent if root.name != ".git" else root.parent.parent
    stamp = _stamp()
    overrides = targets.parse_names(names)
    config = None
    if baseline is not None and journal is not None:
        # The baseline chooses; the journal names those the migration moved to the vault.
        moved = targets.journal_names(journal)
        data = baseline_mod.load(baseline)
        config = config_from_baseline(data.plugins_used, data.filters_used)
        chosen = targets.from_baseline(data, root, overrides, jobs=jobs)
        for target in chosen:
            if target.fingerprint in moved and not any(
                target.fingerprint.startswith(i) for i in overrides
            ):
                target.name = moved[target.fingerprint]
    elif journal is not None:
        chosen, absent = targets.from_journal(journal, root, overrides, jobs=jobs)
        for name in absent:
            info(f"{name}: its value is on no ref of {root}; nothing to remove from history")
    else:
        source_baseline = baseline if baseline is not None else root / ".secrets.baseline"
        data = baseline_mod.load(source_baseline)
        config = config_from_baseline(data.plugins_used, data.filters_used)
        chosen = targets.from_baseline(data, root, overrides, jobs=jobs)
    if in_place:
        reason = rewrite.not_fresh(root)
        if reason is not None:
            raise UsageError(
                f"--in-place needs a fresh clone and {root} is not one: {reason}. Clone it "
                "afresh (git clone --no-local), or leave out --in-place to work on a mirror clone"
            )
    result = root if in_place else (output or parent / f"{stem}-purged.git").resolve()
    if not in_place and result.exists():
        raise UsageError(f"{result} exists: remove it or choose another --output")
    backup = (bundle or _unused(parent, f"{stem}-backup-{stamp}", ".bundle")).resolve()
    report_path = (report or _unused(parent, f"{stem}-purge-{stamp}", ".md")).resolve()
    # Before anything is written: a place that cannot be written fails now, not after the rewrite.
    if not in_place:
        _check_writable(result, "--output")
    _check_writable(backup, "--bundle")
    _check_writable(report_path, "--report")
    if backup.exists():
        raise UsageError(f"{backup} exists: choose another --bundle file")
    if report_path.is_dir():
        raise UsageError(f"--report {report_path} is a folder: give a file name")

    _summary(chosen, root, result, backup, in_place)
    if not yes and not _confirmed(in_place):
        raise UsageError("not confirmed: nothing was changed (pass --yes to run unattended)")

    clock = time.perf_counter()
    refs = rewrite.backup_bundle(root, backup)
    info(f"backup: {backup} ({refs} refs, {time.perf_counter() - clock:.1f} s)")
    clock = time.perf_counter()
    results: list[verify.Verification] = []

    def verified(copy: Path) -> None:
        """Verify the rewritten copy; the mirror is renamed into place only after this, so a
        run interrupted here leaves no unverified copy under the result's name."""
        nonlocal clock
        info(f"rewritten: {result} ({time.perf_counter() - clock:.1f} s); verifying ...")
        clock = time.perf_counter()
        checked = verify.verify(
            copy, chosen, jobs, config=config, seed=None if no_cache or in_place else root
        )
        info(
            f"verified: {checked.commits} commits rescanned ({checked.blobs} blobs, "
            f"{checked.blobs_cached} unchanged ones from the original's cache) in "
            f"{checked.scan_seconds:.1f} s, "
            f"{checked.objects} objects read in {checked.objects_seconds:.1f} s "
            f"({time.perf_counter() - clock:.1f} s)"
        )
        results.append(checked)

    if in_place:
        rewrite.rewrite_in_place(root, chosen)
        verified(root)
    else:
        rewrite.rewrite_mirror(root, result, chosen, check=verified)
    checked = results[0]
    outcome = report_mod.Outcome(
        source=root,
        result=result,
        in_place=in_place,
        bundle=backup,
        refs=refs,
        targets=chosen,
        verification=checked,
        remote_url=report_mod.remote_url(root),
        first_changed=report_mod.first_changed(result),
    )
    text = report_mod.render(outcome)
    typer.echo(text)
    try:
        write_atomic(report_path, text)
    except OSError as exc:
        raise PurgeError(
            f"cannot write the report {report_path} ({exc.strerror or exc.__class__.__name__}); "
            f"it is printed above, and the purged copy is {result}"
        ) from None
    info(f"report: {report_path}")
    if not checked.ok:
        info(
            f"secretsops: verification failed: {len(checked.remaining)} place(s) still hold a "
            "purged secret (listed above); do not push"
        )
        return 1
    return 0


def _check_writable(path: Path, option: str) -> None:
    """UsageError unless ``path`` can be created: its nearest existing folder is a folder that
    this user may write to."""
    import os

    from secretsops.errors import UsageError

    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise UsageError(f"{option} {path}: {folder} is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"{option} {path}: cannot write in {folder}")


def _unused(folder: Path, stem: str, suffix: str) -> Path:
    """``folder/stem+suffix``, or with ``-2``, ``-3``... if a run in the same second made it."""
    path, number = folder / f"{stem}{suffix}", 1
    while path.exists():
        number += 1
        path = folder / f"{stem}-{number}{suffix}"
    return path


def _summary(chosen: list[Target], root: Path, result: Path, backup: Path, in_place: bool) -> None:
    info(f"purge {len(chosen)} confirmed secret(s) from every ref of {root}:")
    for t in chosen:
        short = "  (short: every occurrence anywhere is replaced)" if len(t.secret) < SHORT else ""
        info(f"  {t.marker}  {', '.join(t.types)}  {t.fingerprint}  {', '.join(t.paths)}{short}")
    where = "in place (history rewritten, irreversibly)" if in_place else f"into {result}"
    info(f"rewrite {where}; backup bundle {backup}")


def _confirmed(in_place: bool) -> bool:
    question = (
        "Rewrite this repository's history in place now (a bundle backup is made first)?"
        if in_place
        else "Write the purged copy now (your repository is only read)?"
    )
    try:
        return bool(typer.confirm(question, default=False, err=True))
    except typer.Abort:
        return False
