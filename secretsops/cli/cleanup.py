"""``secretsops cleanup``: the one-time cleanup of a repository, guided, stage by stage.

history scan -> audit -> migrate plan -> migrate apply -> commit -> purge (verify, report).
Each stage runs the same secretsops command a person would type (a child process, so its own
prompts and messages reach the terminal unchanged) and is recorded when it ends; a rerun skips
what is done. ``--yes`` takes the defaults: every unlabelled finding is treated as real, the
plan is applied, the rewritten files are committed, history is purged.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from secretsops.cli._common import info

if TYPE_CHECKING:
    from secretsops.purge.cleanup import State

NOT_IN_WORKTREE = "no confirmed secret is present in the working tree"


@dataclass
class VaultChoice:
    url: str | None
    credential: str | None
    ca_file: Path | None
    token: str | None

    def plan_args(self) -> list[str]:
        return ["--vault-url", self.url] if self.url else ["--vault", "local"]

    def apply_args(self) -> list[str]:
        out: list[str] = []
        if self.credential:
            out += ["--credential", self.credential]
        if self.ca_file is not None:
            out += ["--ca-file", str(self.ca_file)]
        if self.token:
            out += ["--token", self.token]
        return out

    @property
    def label(self) -> str:
        return self.url or "the local vault (.secretsops/)"


def cleanup(
    path: Annotated[Path, typer.Argument(help="The repository to clean up.")] = Path("."),
    vault_url: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--vault-url", help="Key Vault to move secrets into (default: local vault)."),
    ] = None,
    credential: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--credential", help="For `migrate apply`: default, cli, emulator, ..."),
    ] = None,
    ca_file: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--ca-file", help="For `migrate apply`: CA of a running emulator."),
    ] = None,
    token: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--token", help="For `migrate apply`: the emulator's token."),
    ] = None,
    output: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--output", "-o", help="Purged mirror (default: REPO-purged.git next to it)."),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="No prompts: take every default (see help).")
    ] = False,
    restart: Annotated[
        bool, typer.Option("--restart", help="Forget the stages done and start over.")
    ] = False,
) -> None:
    """Guided cleanup: scan history, audit, migrate to Key Vault, purge, verify, report.

    Resumable: a rerun continues after the last stage done. Exit 0: done and verified;
    1: stopped before the end (audit unfinished, a vault or verification problem); 2: bad input.
    """
    from secretsops import git
    from secretsops.errors import UsageError
    from secretsops.migrate.local_vault import ensure_state_dir
    from secretsops.purge.cleanup import State
    from secretsops.purge.rewrite import refuse_shallow

    if not path.exists():
        raise UsageError(f"path not found: {path}")
    root = git.repository_root(path.resolve()).resolve()
    if git.toplevel(root) is None:
        raise UsageError(
            f"{root} is a bare repository: cleanup migrates files, so it needs a clone with a "
            "working tree (for history only: baseline create --history, audit, purge)"
        )
    refuse_shallow(root)
    state_dir = root / ".secretsops"
    ensure_state_dir(state_dir)
    folder = state_dir / "cleanup"
    folder.mkdir(exist_ok=True)
    if restart:
        # Not read first: --restart is also the way out of a state file that cannot be read.
        state = State(folder / "state.json")
        state.save()
    else:
        state = State.load(folder)
    vault = VaultChoice(vault_url, credential, ca_file, token)
    flow = _Flow(root, folder, state, vault, yes, output)
    raise typer.Exit(flow.run())


class _Flow:
    def __init__(
        self,
        root: Path,
        folder: Path,
        state: State,
        vault: VaultChoice,
        yes: bool,
        output: Path | None,
    ) -> None:
        self.root = root
        self.state = state
        self.vault = vault
        self.yes = yes
        self.baseline = folder / "history.baseline"
        stem = root.name
        self.result = (output or root.parent / f"{stem}-purged.git").resolve()
        self.report = folder / "purge-report.md"
        self.plan = root / ".secretsops" / "plan.json"
        self.journal = root / ".secretsops" / "journal.json"
        self.interrupted = False

    # Plumbing ------------------------------------------------------------------------------

    def secretsops(
        self, *args: str | Path, capture: bool = False
    ) -> subprocess.CompletedProcess[str]:
        """A secretsops command as a person would run it, here, in a child process.

        Interrupted (Ctrl-C, SIGTERM), the child is let end on its own terms, so its cleanup
        runs (purge removes its half-written copy and its replacement file); it is not killed.
        """
        import signal

        # -I: the repository's own folders are not on the child's import path.
        cmd = [sys.executable, "-I", "-m", "secretsops", *(str(a) for a in args)]
        pipe = subprocess.PIPE if capture else None
        sys.stdout.flush()
        sys.stderr.flush()
        proc = subprocess.Popen(cmd, cwd=self.root, text=True, stdout=pipe, stderr=pipe)
        previous = signal.signal(signal.SIGTERM, _terminated(proc))
        try:
            stdout, stderr = proc.communicate()
        except KeyboardInterrupt as stop:
            _let_end(proc, told=isinstance(stop, _Terminated))
            if proc.returncode != 0:
                raise
            # It had finished its work: the stage is recorded, then the run stops.
            self.interrupted = True
            stdout = stderr = ""
        finally:
            signal.signal(signal.SIGTERM, previous)
        return subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)

    def heading(self, number: int, title: str) -> None:
        typer.echo(f"\n== {number}/6 {title}")

    def ask(self, question: str) -> bool:
        if self.yes:
            return True
        try:
            return bool(typer.confirm(question, default=True))
        except typer.Abort:
            return False

    def skip_if_done(self, stage: str) -> bool:
        done = self.state.done(stage)
        if done is None:
            return False
        note = done.get("note", "done")
        typer.echo(f"   {note} (recorded {done['at']}; --restart to redo)")
        return True

    # Stages --------------------------------------------------------------------------------

    def run(self) -> int:
        stages = (
            ("history scan", self.scan),
            ("audit", self.audit),
            ("migrate plan", self.plan_stage),
            ("migrate apply", self.apply),
            ("commit the rewritten files", self.commit),
            ("purge history, verify, report", self.purge),
        )
        for number, (title, stage) in enumerate(stages, start=1):
            self.heading(number, title)
            code = stage()
            if self.interrupted:
                raise KeyboardInterrupt
            if code is not None:
                return code
        typer.echo(
            f"\ncleanup complete. Purged mirror: {self.result}\nReport and next steps: "
            f"{self.report}\nRead it, then run its force-push commands."
        )
        return 0

    def scan(self) -> int | None:
        if self.skip_if_done("scan"):
            return None
        proc = self.secretsops(
            "baseline", "create", "--history", self.root, "-b", self.baseline, "--force"
        )
        if proc.returncode != 0:
            return 2
        from secretsops import baseline as baseline_mod

        count = len(baseline_mod.load(self.baseline).entries)
        self.state.mark("scan", note=f"{count} finding(s) in history -> {self.baseline}")
        return None

    def audit(self) -> int | None:
        from secretsops import baseline as baseline_mod

        data = baseline_mod.load(self.baseline)
        open_entries = [e for e in data.entries if e.is_secret is None]
        if open_entries and self.yes:
            before = baseline_mod.parse(data.json())
            for entry in open_entries:
                entry.is_secret = True
            baseline_mod.save(data, self.baseline, previous=before)
            typer.echo(f"   --yes: {len(open_entries)} unlabelled finding(s) treated as real")
        elif open_entries:
            typer.echo(
                f"   {len(open_entries)} finding(s) to label; values stay redacted "
                "(q saves and stops: rerun `secretsops cleanup` to continue)"
            )
            self.secretsops("audit", self.baseline)
            data = baseline_mod.load(self.baseline)
            left = sum(1 for e in data.entries if e.is_secret is None)
            if left:
                info(f"secretsops: audit unfinished: {left} unlabelled; rerun to continue")
                return 1
        data = baseline_mod.load(self.baseline)
        real = sum(1 for e in data.entries if e.is_secret is True)
        typer.echo(f"   {real} confirmed, {len(data.entries) - real} false positive(s)")
        if real == 0:
            typer.echo("   nothing confirmed: nothing to migrate or purge")
            return 0
        return None

    def plan_stage(self) -> int | None:
        if self.skip_if_done("plan"):
            return None
        proc = self.secretsops(
            "migrate",
            "plan",
            self.root,
            *self.vault.plan_args(),
            "--baseline",
            self.baseline,
            capture=True,
        )
        if proc.returncode != 0 and NOT_IN_WORKTREE in proc.stderr:
            self.state.mark(
                "plan", note="no confirmed secret left in the files: nothing to migrate"
            )
            self.state.mark("apply", note="skipped: nothing to migrate")
            self.state.mark("commit", note="skipped: nothing to migrate")
            typer.echo("   no confirmed secret left in the files: nothing to migrate")
            return None
        sys.stdout.write(proc.stdout)
        sys.stderr.write(proc.stderr)
        if proc.returncode != 0:
            return 2
        self.state.mark("plan", note=f"plan written: {self.plan}")
        return None

    def apply(self) -> int | None:
        if self.skip_if_done("apply"):
            return None
        if not self.ask(f"   Write the secrets to {self.vault.label} and rewrite the files?"):
            info("secretsops: stopped before migrate apply; rerun to continue")
            return 1
        proc = self.secretsops("migrate", "apply", self.plan, "--yes", *self.vault.apply_args())
        left = _left_to_a_person(self.journal) if proc.returncode == 1 else None
        if left:
            # everything else was applied; the purge takes these values out of every commit,
            # the working tree's files stay the person's to edit (the report says how)
            typer.echo(
                f"   {len(left)} place(s) left to you (manual steps in the report): "
                + ", ".join(left)
            )
            self.state.mark("apply", note=f"applied, {len(left)} manual step(s) left")
            return None
        if proc.returncode != 0:
            info("secretsops: migrate apply did not complete; fix the cause and rerun (it resumes)")
            return 1
        self.state.mark("apply", note=f"applied; journal {self.journal}")
        return None

    def commit(self) -> int | None:
        from secretsops import git

        if self.skip_if_done("commit"):
            return None
        paths = sorted(_rewritten(self.journal))
        if any(s.get("step") == "file-removed" for s in _journal_steps(self.journal)):
            paths.append(".gitignore")  # the removed key's path is ignored from now on
        changed = (
            git.run(["status", "--porcelain", "-z", "--", *paths], self.root) if paths else b""
        )
        if not changed:
            self.state.mark("commit", note="nothing to commit")
            typer.echo("   nothing to commit")
            return None
        typer.echo("   rewritten: " + ", ".join(paths))
        if not self.ask(
            "   Commit the rewritten files (they now read the secrets from the vault)?"
        ):
            info("secretsops: stopped before the commit; commit the files yourself, then rerun")
            return 1
        message = "Read secrets from Key Vault (secretsops migrate)"
        git.run(["add", "--", *paths], self.root)
        git.run(["commit", "-q", "-m", message, "--", *paths], self.root)
        head = git.run(["rev-parse", "--short", "HEAD"], self.root).decode().strip()
        self.state.mark("commit", note=f"committed as {head}")
        typer.echo(f"   committed as {head}")
        return None

    def purge(self) -> int | None:
        if self.skip_if_done("purge"):
            return None
        if not self.ask(f"   Rewrite every ref into {self.result} (the repository is only read)?"):
            info("secretsops: stopped before the purge; rerun to continue")
            return 1
        args: list[str | Path] = ["purge", self.root, "-b", self.baseline, "--yes"]
        args += ["-o", self.result, "--report", self.report]
        if _verified(self.journal):
            args += ["--journal", self.journal]  # markers take the vault names
        proc = self.secretsops(*args)
        if proc.returncode != 0:
            return proc.returncode
        self.state.mark("purge", note=f"purged into {self.result}; report {self.report}")
        return None


GRACE = 3.0  # seconds an interrupted child has to end by itself before it is asked to


class _Terminated(KeyboardInterrupt):
    """SIGTERM, already passed on to the child."""


def _terminated(proc: subprocess.Popen[str]) -> Callable[[int, object], None]:
    """A SIGTERM handler: the child is told too, then this process stops as on Ctrl-C."""
    import signal

    def handler(signum: int, frame: object) -> None:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        raise _Terminated

    return handler


def _let_end(proc: subprocess.Popen[str], *, told: bool) -> None:
    """Wait for an interrupted child to end, after sending it SIGINT, unless it was ``told``
    already or a Ctrl-C at the terminal reached it as well (a second signal would cut its
    cleanup short): then only if it is still running after a moment."""
    import signal

    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        if not told and not _terminal_interrupts_us():
            proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=GRACE)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    finally:
        signal.signal(signal.SIGINT, previous)


def _terminal_interrupts_us() -> bool:
    """Whether this process (and so its child) is in the foreground of the terminal it reads:
    a Ctrl-C there is sent to both."""
    import os

    try:
        return os.tcgetpgrp(sys.stdin.fileno()) == os.getpgrp()
    except (OSError, ValueError, AttributeError):
        return False


def _journal_steps(journal: Path) -> list[dict[str, object]]:
    import json

    try:
        data = json.loads(journal.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    plans = data.get("plans") if isinstance(data, dict) else None
    out: list[dict[str, object]] = []
    for plan in plans.values() if isinstance(plans, dict) else []:
        steps = plan.get("steps") if isinstance(plan, dict) else None
        if isinstance(steps, list):
            out.extend(s for s in steps if isinstance(s, dict))
    return out


def _rewritten(journal: Path) -> set[str]:
    return {
        str(s["path"])
        for s in _journal_steps(journal)
        if s.get("step") in ("file-rewritten", "file-already-rewritten", "file-removed")
        and "path" in s
    }


def _left_to_a_person(journal: Path) -> list[str] | None:
    """The places (path:line) the last apply left with a value, when those were its only
    problems; None when it had others (or no finished run)."""
    finished = [s for s in _journal_steps(journal) if s.get("step") == "run-finished"]
    if not finished:
        return None
    last = finished[-1]
    left = last.get("left")
    if not isinstance(left, list) or not left or last.get("problems") != len(left):
        return None
    return [str(x) for x in left]


def _verified(journal: Path) -> dict[str, str]:
    """Vault name -> fingerprint of the secrets the migration verified."""
    if not journal.exists():
        return {}
    from secretsops.errors import SecretsopsError
    from secretsops.purge.targets import journal_secrets

    try:
        return journal_secrets(journal)
    except SecretsopsError:
        return {}
