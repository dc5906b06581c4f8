"""Carrying out a plan: vault first, read back, then files; every step journaled.

1. Each planned file is read and compared with the plan: unchanged (its sha256 is the plan's),
   already rewritten (it is the planned result: a previous run got there), or changed (neither:
   never touched, reported).
2. Each secret's value is read again from an unchanged file: the file is rescanned, the
   rewriter's ``locate`` runs on the current text, and the stored value's fingerprint must be
   the plan's. Values stay in memory.
3. For each secret: if the vault's current version already holds the value, nothing is written
   (no new version, so a rerun is free); otherwise ``set_secret`` with tags and content type.
   Then it is read back and compared. A 403 or an unreachable vault stops the vault phase.
4. A file is rewritten only when every secret it references is verified in the vault and the
   rewriter, run again, produces exactly the planned bytes; the write is atomic.
"""

from __future__ import annotations

import glob
from dataclasses import dataclass, field
from pathlib import Path

from secretsops import git
from secretsops.errors import GitError, NameSoftDeleted, VaultError
from secretsops.migrate import atomic, journal, planner, removal
from secretsops.migrate.journal import Journal
from secretsops.migrate.plan import Location, Plan, Secret
from secretsops.migrate.rewriters import (
    Reference,
    Replacement,
    RewriteOptions,
    rewriter_for,
)
from secretsops.migrate.targets import VaultClient
from secretsops.scan import fingerprint as fp
from secretsops.scan.engine import Engine, EngineConfig, RawSecret

UNCHANGED, REWRITTEN, CHANGED, MISSING = "unchanged", "rewritten", "changed", "missing"
REMOVED = "removed"  # a file the plan removes is gone: done (the index and .gitignore are checked)


@dataclass
class FileState:
    path: str
    state: str  # UNCHANGED (as planned), REWRITTEN (already the planned result), CHANGED, MISSING
    content: atomic.FileText | None = field(default=None, repr=False)
    replacements: list[Replacement] = field(default_factory=list, repr=False)


@dataclass
class Outcome:
    """What a run did; statuses are words for the summary and the report, never values."""

    dry_run: bool
    secrets: dict[str, str] = field(default_factory=dict)  # name -> status
    files: dict[str, str] = field(default_factory=dict)  # path -> status
    problems: list[str] = field(default_factory=list)
    fatal: VaultError | None = None
    leftovers: list[str] = field(default_factory=list)  # path:line still holding a value

    @property
    def exit_code(self) -> int:
        if self.fatal is not None:
            return self.fatal.exit_code
        return 1 if self.problems else 0


def _located(
    plan: Plan,
    path: str,
    content: atomic.FileText,
    hits: list[RawSecret],
    values: set[str],
    types: dict[str, str],
) -> list[Replacement]:
    """The replacements the rewriter finds today for the plan's sites in this file."""
    planned = {
        (loc.line, loc.finding_fingerprint)
        for s in plan.secrets
        for loc in s.locations
        if loc.path == path
    }
    text = content.text
    sites = [
        site
        for site in planner.sites_in(path, text, hits, values, types)
        if (site.line, site.fingerprint) in planned
    ]
    rewriter = rewriter_for(path, text)
    located = list(rewriter.locate(path, text, sites))
    covered = {(r.site.line, r.site.value) for r in located}
    manual = [
        planner.manual_replacement(text, s) for s in sites if (s.line, s.value) not in covered
    ]
    return located + manual


def file_states(root: Path, plan: Plan, config: EngineConfig | None) -> dict[str, FileState]:
    """Each planned file against the plan; unchanged ones with today's replacements.

    Values are taken from detector hits at planned lines (the file is byte for byte as planned,
    so the lines are the plan's), then every planned copy is found again as in the plan.
    """
    states: dict[str, FileState] = {}
    hits: dict[str, list[RawSecret]] = {}
    with Engine(config) as engine:
        for planned in plan.files:
            full = root / planned.path
            try:
                content = atomic.read(full)
            except FileNotFoundError:
                gone = REMOVED if planned.remove else MISSING
                states[planned.path] = FileState(planned.path, gone)
                continue
            if content.sha256 == planned.sha256:
                states[planned.path] = FileState(planned.path, UNCHANGED, content)
                hits[planned.path] = [
                    planner.expanded(content.text, hit)
                    for hit in engine.scan_text(planned.path, content.text)
                ]
            elif planned.new_sha256 is not None and content.sha256 == planned.new_sha256:
                states[planned.path] = FileState(planned.path, REWRITTEN, content)
            else:
                states[planned.path] = FileState(planned.path, CHANGED, content)
    wanted = {loc.finding_fingerprint for s in plan.secrets for loc in s.locations}
    lines = {(loc.path, loc.line) for s in plan.secrets for loc in s.locations}
    values = {
        hit.secret
        for path, found in hits.items()
        for hit in found
        if (path, hit.line) in lines and fp.fingerprint(hit.secret) in wanted
    }
    types = planner.value_types(hits, values)
    for path, found in hits.items():
        state = states[path]
        assert state.content is not None
        state.replacements = _located(plan, path, state.content, found, values, types)
    return states


def values_of(plan: Plan, states: dict[str, FileState]) -> dict[str, str]:
    """Secret fingerprint -> value, read from the files that are as planned."""
    wanted = {s.fingerprint for s in plan.secrets}
    out: dict[str, str] = {}
    for state in states.values():
        for rep in state.replacements:
            digest = fp.fingerprint(rep.stored)
            if digest in wanted:
                out.setdefault(digest, rep.stored)
    return out


class Applier:
    def __init__(
        self,
        plan: Plan,
        root: Path,
        *,
        config: EngineConfig | None = None,
        journal: Journal | None = None,
        recover_deleted: bool = False,
        overwrite: bool = False,
    ) -> None:
        self.plan = plan
        self.root = root
        self.config = config
        self.journal = journal
        self.recover_deleted = recover_deleted
        self.overwrite = overwrite

    def _record(self, step: str, **details: str | int | list[str]) -> None:
        if self.journal is not None:
            self.journal.record(step, **details)

    def run(self, vault: VaultClient | None) -> Outcome:
        """Apply the plan; ``vault`` None is a dry run (nothing written anywhere)."""
        outcome = Outcome(dry_run=vault is None)
        if vault is not None:
            self._remove_stale_temporaries()
        self._record(journal.RUN_STARTED)
        states = file_states(self.root, self.plan, self.config)
        values = values_of(self.plan, states)
        manual_only = {f.path for f in self.plan.files if f.new_sha256 is None and not f.remove}
        for path, state in sorted(states.items()):
            if path in manual_only and state.state in (CHANGED, MISSING):
                # a person did (or is doing) the manual step: what counts is whether a value
                # is still there, checked at the end
                outcome.files[path] = "edited since the plan"
                continue
            if state.state in (CHANGED, MISSING):
                outcome.files[path] = state.state
                outcome.problems.append(
                    f"{path} {'is gone' if state.state == MISSING else 'changed'} since the "
                    "plan was made: not touched (make a new plan)"
                )
                self._record(journal.FILE_CHANGED, path=path)

        verified: set[str] = set()
        for secret in self.plan.secrets:
            if outcome.fatal is not None:
                outcome.secrets[secret.name] = "not attempted"
                continue
            try:
                status = self._secret(secret, values.get(secret.fingerprint), vault)
            except NameSoftDeleted as exc:
                outcome.secrets[secret.name] = "name held by a soft-deleted secret"
                outcome.problems.append(str(exc))
                self._record(journal.VAULT_FAILED, secret=secret.name, reason="soft-deleted")
                continue
            except VaultError as exc:
                outcome.secrets[secret.name] = "failed"
                outcome.fatal = exc
                self._record(journal.VAULT_FAILED, secret=secret.name, reason=type(exc).__name__)
                continue
            outcome.secrets[secret.name] = status
            if status in ("written", "unchanged", "would write", "would check"):
                verified.add(secret.name)
            else:
                outcome.problems.append(f"secret {secret.name}: {status}")

        for planned in self.plan.files:
            state = states[planned.path]
            if state.state in (CHANGED, MISSING):
                continue
            if planned.remove:
                outcome.files[planned.path] = self._remove(planned.path, state, verified, outcome)
                continue
            if planned.new_sha256 is None:
                outcome.files[planned.path] = "manual steps"
                continue
            if state.state == REWRITTEN:
                outcome.files[planned.path] = "already rewritten"
                if self.journal is not None and planned.path not in self.journal.rewritten():
                    self._record(journal.FILE_ALREADY, path=planned.path)
                continue
            outcome.files[planned.path] = self._file(planned.path, state, verified, outcome)
        if not outcome.dry_run and outcome.fatal is None:  # a fatal error already says why
            self._leftovers(states, outcome)
        self._record(journal.RUN_FINISHED, problems=len(outcome.problems), left=outcome.leftovers)
        return outcome

    def _leftovers(self, states: dict[str, FileState], outcome: Outcome) -> None:
        """Never a success while a confirmed value is still in a file git tracks (or would
        add): each such location is a problem, with the step that removes it."""
        known: dict[str, str] = {}  # fingerprint -> value (detected and stored), in memory
        for state in states.values():
            for rep in state.replacements:
                for value in (rep.site.value, rep.stored):
                    known.setdefault(fp.fingerprint(value), value)
        tracked = _tracked(self.root)
        steps = {f.path: f.manual for f in self.plan.files}
        unknown: dict[str, list[tuple[Secret, Location]]] = {}
        reported: set[tuple[str, int]] = set()
        current: dict[str, str | None] = {}
        done = ("rewritten", "already rewritten", "removed", "already removed")
        waiting = {  # automatic files not done: a problem above already says why
            f.path
            for f in self.plan.files
            if (f.new_sha256 is not None or f.remove) and outcome.files.get(f.path) not in done
        }
        for secret in self.plan.secrets:
            for loc in secret.locations:
                if loc.path in waiting or (tracked is not None and loc.path not in tracked):
                    continue
                if loc.path not in current:
                    try:
                        current[loc.path] = atomic.read(self.root / loc.path).text
                    except OSError:
                        current[loc.path] = None
                text = current[loc.path]
                if text is None:
                    continue
                values = [
                    known[d] for d in (loc.finding_fingerprint, secret.fingerprint) if d in known
                ]
                if not values:
                    unknown.setdefault(loc.path, []).append((secret, loc))
                elif any(v in text for v in values):
                    self._leftover(loc, secret, steps, reported, outcome)
        if unknown:
            with Engine(self.config) as engine:
                for path, pairs in unknown.items():
                    text = current[path]
                    assert text is not None
                    found = set()
                    for hit in engine.scan_text(path, text):
                        found.add(fp.fingerprint(hit.secret))
                        found.add(fp.fingerprint(planner.expanded(text, hit).secret))
                    for secret, loc in pairs:
                        if {loc.finding_fingerprint, secret.fingerprint} & found:
                            self._leftover(loc, secret, steps, reported, outcome)

    @staticmethod
    def _leftover(
        loc: Location,
        secret: Secret,
        steps: dict[str, list[str]],
        reported: set[tuple[str, int]],
        outcome: Outcome,
    ) -> None:
        if (loc.path, loc.line) in reported:
            return
        reported.add((loc.path, loc.line))
        step = next(
            (m for m in steps.get(loc.path, []) if m.startswith(f"{loc.path}:{loc.line}:")), ""
        )
        how = (
            step.split(": ", 1)[1]
            if step
            else (f"replace it with a reference to Key Vault secret {secret.name}")
        )
        outcome.problems.append(
            f"{loc.path}:{loc.line}: the value of Key Vault secret {secret.name} is still in "
            f"this file: {how}"
        )
        outcome.leftovers.append(f"{loc.path}:{loc.line}")

    def _remove_stale_temporaries(self) -> None:
        """Temporary files a crash mid-write left next to planned files (never holding a
        value: they held the rewritten text)."""
        for planned in self.plan.files:
            full = self.root / planned.path
            for stale in full.parent.glob(f".{glob.escape(full.name)}.*{atomic.TEMP_SUFFIX}"):
                stale.unlink(missing_ok=True)

    def _secret(self, secret: Secret, value: str | None, vault: VaultClient | None) -> str:
        if vault is None:
            return "would write" if value is not None else "would check"
        current = vault.current(secret.name)
        if value is None:
            if current is not None and fp.fingerprint(current.value) == secret.fingerprint:
                self._record(
                    journal.VAULT_VERIFIED,
                    secret=secret.name,
                    fingerprint=secret.fingerprint,
                    version=current.version,
                    **_held(secret),
                )
                return "unchanged"
            return "value not found: every file holding it changed since the plan"
        status = "unchanged"
        taken = current is not None and fp.fingerprint(current.value) != secret.fingerprint
        if taken and not self.overwrite:
            return (
                "the vault already holds another value under this name: files not "
                "rewritten (plan another name with --name, or apply with --overwrite to "
                "add a new version)"
            )
        if current is None or fp.fingerprint(current.value) != secret.fingerprint:
            try:
                version = vault.set(secret.name, value, secret.content_type, secret.tags)
            except NameSoftDeleted:
                if not self.recover_deleted:
                    raise
                vault.recover(secret.name)
                self._record(journal.VAULT_RECOVERED, secret=secret.name)
                current = vault.current(secret.name)
                version = ""
                if current is None or fp.fingerprint(current.value) != secret.fingerprint:
                    version = vault.set(secret.name, value, secret.content_type, secret.tags)
            if version:
                status = "written"
                self._record(
                    journal.VAULT_WRITTEN,
                    secret=secret.name,
                    fingerprint=secret.fingerprint,
                    version=version,
                )
        else:
            self._record(
                journal.VAULT_UNCHANGED,
                secret=secret.name,
                fingerprint=secret.fingerprint,
                version=current.version,
            )
        back = vault.current(secret.name)
        if back is None or fp.fingerprint(back.value) != secret.fingerprint:
            return "read back does not match: files not rewritten"
        self._record(
            journal.VAULT_VERIFIED,
            secret=secret.name,
            fingerprint=secret.fingerprint,
            version=back.version,
            **_held(secret),
        )
        return status

    def _file(self, path: str, state: FileState, verified: set[str], outcome: Outcome) -> str:
        by_fp = {s.fingerprint: s for s in self.plan.secrets}
        needed = {
            s.name
            for s in self.plan.secrets
            for loc in s.locations
            if loc.path == path and loc.automatic
        }
        missing = sorted(needed - verified)
        if missing:
            if outcome.fatal is None:  # a fatal vault error already says why, in one line
                outcome.problems.append(
                    f"{path} not rewritten: secret {missing[0]} is not verified in the vault"
                )
            return "waiting for the vault"
        assert state.content is not None
        text = state.content.text
        planned_spans = {
            (loc.start, loc.end)
            for s in self.plan.secrets
            for loc in s.locations
            if loc.path == path and loc.automatic
        }
        chosen: list[tuple[Replacement, Reference]] = []
        for rep in state.replacements:
            secret = by_fp.get(fp.fingerprint(rep.stored))
            if secret is not None and (rep.start, rep.end) in planned_spans:
                chosen.append((rep, Reference(secret.name, secret.env_name)))
        planned = self.plan.file(path)
        result = rewriter_for(path, text).render(path, text, chosen, self._options())
        new = None if result.text is None else state.content.encode(result.text)
        if new is None or atomic.sha256(new) != planned.new_sha256:
            outcome.problems.append(
                f"{path} not rewritten: the rewriter's output today differs from the plan "
                "(make a new plan)"
            )
            return "rewrite differs from the plan"
        if outcome.dry_run:
            return "would rewrite"
        full = self.root / path
        if atomic.sha256(full.read_bytes()) != planned.sha256:  # changed while we worked
            outcome.problems.append(f"{path} changed during the run: not touched")
            self._record(journal.FILE_CHANGED, path=path)
            return CHANGED
        atomic.write_bytes(full, new)
        self._record(journal.FILE_REWRITTEN, path=path, sha256=planned.new_sha256)
        return "rewritten"

    def _remove(self, path: str, state: FileState, verified: set[str], outcome: Outcome) -> str:
        """A file moved whole to the vault: ignored, dropped from the index, deleted, in that
        order (a crash anywhere leaves the file in place or gone, and a rerun finishes the
        rest); only once its secret is verified in the vault."""
        needed = {s.name for s in self.plan.secrets for loc in s.locations if loc.path == path}
        missing = sorted(needed - verified)
        if missing and state.state != REMOVED:
            if outcome.fatal is None:
                outcome.problems.append(
                    f"{path} not removed: secret {missing[0]} is not verified in the vault"
                )
            return "waiting for the vault"
        if outcome.dry_run:
            return "would remove" if state.state != REMOVED else "already removed"
        full = self.root / path
        if (
            state.state == UNCHANGED
            and atomic.sha256(full.read_bytes()) != self.plan.file(path).sha256
        ):
            outcome.problems.append(f"{path} changed during the run: not touched")
            self._record(journal.FILE_CHANGED, path=path)
            return CHANGED
        try:
            removal.ignore(self.root, path)
            removal.untrack(self.root, path)
        except (OSError, GitError) as exc:
            outcome.problems.append(f"{path} not removed: {exc}")
            return "not removed"
        if state.state == REMOVED:
            if self.journal is not None and path not in self.journal.rewritten():
                self._record(journal.FILE_REMOVED, path=path)
            return "already removed"
        full.unlink(missing_ok=True)
        atomic.sync_folder(full.parent)
        self._record(journal.FILE_REMOVED, path=path)
        return "removed"

    def _options(self) -> RewriteOptions:
        return planner.Target(
            vault_url=self.plan.vault.url,
            vault_name=self.plan.vault.name,
            local=self.plan.vault.local,
            variable_group=self.plan.variable_group,
            service_connection=self.plan.service_connection,
        ).options()


def _held(secret: Secret) -> dict[str, list[str]]:
    """The journal's ``holds``: fingerprints of detected values the vault secret contains that
    differ from its own (an account key inside a stored connection string), so ``purge
    --journal`` names the key's marker after the vault secret that holds it."""
    inner = sorted({loc.finding_fingerprint for loc in secret.locations} - {secret.fingerprint})
    return {"holds": inner} if inner else {}


def _tracked(root: Path) -> set[str] | None:
    """Files git tracks or would add (untracked, not ignored); None outside a repository."""
    try:
        out = git.run(["ls-files", "-z", "--cached", "--others", "--exclude-standard"], root)
    except GitError:
        return None
    return {p for p in out.decode("utf-8", "surrogateescape").split("\0") if p}
