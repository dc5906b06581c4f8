"""What to purge: the confirmed secrets of an audited baseline, with their values recovered.

A baseline holds hashes, never values. Each confirmed entry (``is_secret: true``) is recovered
the way ``audit`` recovers it: a history entry from the file as the commit that introduced it
wrote it, another from the file on disk. Entries that cannot be recovered that way (the file
changed since) are looked for in a full history scan. Entries are matched by type and
detect-secrets' hash, values are grouped by fingerprint: one target per distinct value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from secretsops.baseline import Baseline, Entry
from secretsops.errors import InputError, UsageError
from secretsops.scan import fingerprint as fp

if TYPE_CHECKING:
    from secretsops.scan.engine import EngineConfig
    from secretsops.scan.findings import Finding

MAX_NAME = 127
PRIVATE_KEY_TYPE = "Private Key"
MARKER_PREFIX = "***REMOVED:"


@dataclass
class Target:
    """One secret value to remove from history, and the Key Vault name its marker names."""

    fingerprint: str
    name: str
    types: list[str]
    paths: list[str]
    commits: list[str]
    secret: str = field(repr=False)

    @property
    def marker(self) -> str:
        return f"{MARKER_PREFIX}{self.name}***"

    @property
    def is_private_key(self) -> bool:
        return PRIVATE_KEY_TYPE in self.types

    @property
    def is_whole_key(self) -> bool:
        """A private key recovered whole (``key_blocks``), not only its armour line."""
        return self.is_private_key and ("-----END " in self.secret or "Private-MAC:" in self.secret)


def plain_name(text: str) -> str:
    """``Secret Keyword`` -> ``secret-keyword``; ``app.settings`` -> ``app-settings``."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", text.strip())
    words = re.sub(r"[^0-9A-Za-z]+", "-", words).lower()
    return re.sub(r"-{2,}", "-", words).strip("-")[:MAX_NAME].strip("-")


def parse_names(pairs: Iterable[str]) -> dict[str, str]:
    """``--name FINGERPRINT=NAME`` options -> {identifier: name}; UsageError when malformed
    (the migrator's rule, ``secretsops.migrate.names.parse_override``)."""
    from secretsops.migrate.names import parse_override

    return dict(parse_override(text) for text in pairs)


@dataclass
class _Found:
    entry: Entry
    secret: str = field(repr=False)
    commit: str | None
    text: str | None = field(default=None, repr=False)  # the file's text, for private keys


def key_blocks(text: str, armour: str) -> list[str]:
    """Every whole private key in ``text`` whose armour detect-secrets reports as ``armour``
    (``BEGIN`` and the kind of key, or PuTTY's ``User-Key-File`` header), as written: from its
    first line to its ``-----END ...-----`` (PuTTY: its ``Private-MAC:`` line), line breaks
    included, also inside a string on one line (``\\n`` escapes in JSON)."""
    if armour.startswith("BEGIN "):
        begin = f"-----{armour}-----"
        end = f"-----END {armour.removeprefix('BEGIN ')}-----"
        blocks: list[str] = []
        start = text.find(begin)
        while start >= 0:
            stop = text.find(end, start + len(begin))
            if stop < 0:
                break
            blocks.append(text[start : stop + len(end)])
            start = text.find(begin, stop + len(end))
        return blocks
    if armour.startswith("PuTTY-User-Key-File-"):
        block = re.compile(re.escape(armour) + r":.*?Private-MAC: *[0-9A-Fa-f]+", re.DOTALL)
        return [m.group(0) for m in block.finditer(text)]
    return []


def _whole_keys(found: list[_Found]) -> list[_Found]:
    """Private keys as their whole blocks. detect-secrets' value for a key is its armour line,
    the same for every key of a kind: purging it would purge every key of that kind, those
    labelled false positives too. A confirmed entry stands for the keys of its kind in its
    file as the entry's commit (or the disk) has it; without their text, the armour stays."""
    out: list[_Found] = []
    for item in found:
        blocks = key_blocks(item.text, item.secret) if item.text is not None else []
        if item.entry.type != PRIVATE_KEY_TYPE or not blocks:
            out.append(item)
            continue
        out.extend(_Found(item.entry, block, item.commit) for block in blocks)
    return out


def confirmed(baseline: Baseline) -> list[Entry]:
    """Entries a person labelled real (``secretsops audit``)."""
    return [e for e in baseline.entries if e.is_secret is True]


def from_baseline(
    baseline: Baseline,
    root: Path,
    names: Mapping[str, str] | None = None,
    *,
    jobs: int = 1,
) -> list[Target]:
    """The confirmed entries of ``baseline`` as targets, values recovered from ``root``.

    UsageError when nothing is confirmed; InputError (naming entries, never values) when a
    confirmed entry's value is nowhere in the repository's history or files.
    """
    from secretsops import audit
    from secretsops.scan.engine import Engine, config_from_baseline

    wanted = confirmed(baseline)
    if not wanted:
        raise UsageError(
            "no entry of the baseline is labelled real: run `secretsops audit` first "
            "(only confirmed secrets are purged)"
        )
    subset = Baseline(entries=wanted, plugins_used=baseline.plugins_used)
    config = config_from_baseline(baseline.plugins_used, baseline.filters_used)
    found: list[_Found] = []
    missing: list[Entry] = []
    with Engine(config) as engine:
        for r in audit.recover(subset, root, engine):
            if r.secret is None:
                missing.append(r.entry)
            else:
                found.append(_Found(r.entry, r.secret, audit.commit_of(r.entry), r.text))
    if missing:
        found.extend(_from_history(missing, root, config, jobs))
    return _grouped(_whole_keys(found), names or {})


def _from_history(
    entries: list[Entry], root: Path, config: EngineConfig, jobs: int
) -> list[_Found]:
    """Values of entries the quick recovery missed, from a full history scan (no cache)."""
    from secretsops import audit, git
    from secretsops.scan.history import HistoryOptions, scan_history

    findings: list[Finding] = []
    if git.ref_tips(root):
        findings, _, _, _ = scan_history(
            HistoryOptions(root=root, jobs=jobs, use_cache=False, max_size=10_000_000), config
        )
    by_place: dict[tuple[str, str, str], tuple[str, str | None]] = {}
    by_value: dict[tuple[str, str], tuple[str, str | None]] = {}
    for f in findings:
        if not f.secret:
            continue
        by_place.setdefault((f.path, f.type, f.baseline_hash), (f.secret, f.commit))
        by_value.setdefault((f.type, f.baseline_hash), (f.secret, f.commit))
    out: list[_Found] = []
    lost: list[Entry] = []
    for entry in entries:
        hit = by_place.get(entry.identity) or by_value.get((entry.type, entry.hashed_secret))
        if hit is None:
            lost.append(entry)
        else:
            key = entry.type == PRIVATE_KEY_TYPE
            text = audit.file_text(root, entry.filename, hit[1]) if key else None
            out.append(_Found(entry, hit[0], hit[1], text))
    if lost:
        shown = ", ".join(f"{e.filename} ({e.type}, sha1 {e.hashed_secret[:12]})" for e in lost[:3])
        more = f" and {len(lost) - 3} more" if len(lost) > 3 else ""
        raise InputError(
            f"cannot recover the value of {len(lost)} confirmed entr"
            f"{'y' if len(lost) == 1 else 'ies'} from the history of {root}: {shown}{more}"
        )
    return out


def _grouped(found: list[_Found], names: Mapping[str, str]) -> list[Target]:
    by_fp: dict[str, list[_Found]] = {}
    for item in found:
        by_fp.setdefault(fp.fingerprint(item.secret), []).append(item)
    used: dict[str, str] = {}
    targets: list[Target] = []
    ordered = sorted(
        by_fp.items(), key=lambda kv: min((f.entry.filename, f.entry.type) for f in kv[1])
    )
    for fingerprint, items in ordered:
        items.sort(key=lambda f: (f.entry.filename, f.entry.line_number, f.entry.type))
        first = items[0].entry
        name = _override(names, fingerprint, [f.entry for f in items])
        if name is None:
            name = _unique(_derived(first), used, fingerprint)
        elif name.lower() in used and used[name.lower()] != fingerprint:
            raise UsageError(f"--name gives {name!r} to two different secrets")
        used[name.lower()] = fingerprint
        targets.append(
            Target(
                fingerprint=fingerprint,
                name=name,
                types=sorted({f.entry.type for f in items}),
                paths=sorted({f.entry.filename for f in items}),
                commits=sorted({f.commit for f in items if f.commit}),
                secret=items[0].secret,
            )
        )
    unknown = [
        ident for ident in names if not any(_names_target(ident, t.fingerprint) for t in targets)
    ]
    unknown = [i for i in unknown if not any(_matches_entry(i, f.entry) for f in found)]
    if unknown:
        raise UsageError(f"--name {unknown[0]!r}: no confirmed secret has this fingerprint")
    return targets


def _names_target(ident: str, fingerprint: str) -> bool:
    return fingerprint.startswith(ident)


def _matches_entry(ident: str, entry: Entry) -> bool:
    return entry.hashed_secret.startswith(ident)


def _override(names: Mapping[str, str], fingerprint: str, entries: list[Entry]) -> str | None:
    for ident, name in names.items():
        if _names_target(ident, fingerprint) or any(_matches_entry(ident, e) for e in entries):
            return name
    return None


def _derived(entry: Entry) -> str:
    """A name from the finding's type and file: ``secret-keyword-settings``."""
    stem = plain_name(entry.filename.rsplit("/", 1)[-1].split(".", 1)[0])
    kind = re.sub(r"[^0-9a-z]+", "-", entry.type.lower()).strip("-")  # "GitHub Token": one word
    return plain_name(f"{kind} {stem}") or kind or "secret"


def _unique(base: str, used: Mapping[str, str], fingerprint: str) -> str:
    name, number = base, 1
    while name.lower() in used and used[name.lower()] != fingerprint:
        number += 1
        suffix = f"-{number}"
        name = base[: MAX_NAME - len(suffix)] + suffix
    return name


def journal_secrets(path: Path) -> dict[str, str]:
    """Key Vault name -> fingerprint of every secret a migration verified in the vault."""
    return {name: held[0] for name, held in _journal_verified(path).items()}


def journal_names(path: Path) -> dict[str, str]:
    """Fingerprint -> Key Vault name, for every value a verified vault secret holds: its own,
    and the detected values inside it (an account key of a stored connection string)."""
    out: dict[str, str] = {}
    for name, held in sorted(_journal_verified(path).items()):
        for fingerprint in held:
            out.setdefault(fingerprint, name)
    return out


def _journal_verified(path: Path) -> dict[str, list[str]]:
    """Key Vault name -> [its value's fingerprint, then those of detected values it holds]."""
    import json

    from secretsops.migrate import journal

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"journal not found: {path}") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"cannot read journal {path}: {exc.__class__.__name__}") from None
    if not isinstance(data, dict) or data.get("format") != journal.FORMAT:
        raise InputError(f"{path} is not a secretsops migration journal")
    out: dict[str, list[str]] = {}
    plans = data.get("plans")
    for plan in plans.values() if isinstance(plans, dict) else []:
        steps = plan.get("steps") if isinstance(plan, dict) else None
        for step in steps if isinstance(steps, list) else []:
            if isinstance(step, dict) and step.get("step") == journal.VAULT_VERIFIED:
                name, fingerprint = step.get("secret"), step.get("fingerprint")
                holds = step.get("holds")
                inner = [h for h in holds if isinstance(h, str)] if isinstance(holds, list) else []
                if isinstance(name, str) and isinstance(fingerprint, str):
                    out[name] = [fingerprint, *inner]
    if not out:
        raise UsageError(f"{path} records no secret verified in a vault: run `migrate apply` first")
    return out


def from_journal(
    path: Path, root: Path, names: Mapping[str, str] | None = None, *, jobs: int = 1
) -> tuple[list[Target], list[str]]:
    """The secrets a migration moved into the vault, as targets named by their vault names;
    and the names of those whose value is on no ref (nothing to remove from history).

    Values are found by fingerprint in a full history scan (no cache), in memory only.
    """
    from secretsops import git
    from secretsops.scan.history import HistoryOptions, scan_history

    secrets = _journal_verified(path)
    by_fp = journal_names(path)
    findings: list[Finding] = []
    if git.ref_tips(root):
        findings, _, _, _ = scan_history(
            HistoryOptions(root=root, jobs=jobs, use_cache=False, max_size=10_000_000)
        )
    found: dict[str, list[Finding]] = {}
    for f in findings:
        if f.fingerprint in by_fp and f.secret:
            found.setdefault(f.fingerprint, []).append(f)
    overrides = dict(names or {})
    targets: list[Target] = []
    for fingerprint, items in sorted(found.items(), key=lambda kv: (by_fp[kv[0]], kv[0])):
        name = next(
            (n for ident, n in overrides.items() if fingerprint.startswith(ident)),
            by_fp[fingerprint],
        )
        targets.append(
            Target(
                fingerprint=fingerprint,
                name=name,
                types=sorted({f.type for f in items}),
                paths=sorted({f.path for f in items}),
                commits=sorted({f.commit for f in items if f.commit}),
                secret=items[0].secret,
            )
        )
    absent = sorted(name for name, held in secrets.items() if not any(h in found for h in held))
    if not targets:
        raise UsageError(
            f"none of the {len(secrets)} secret(s) in {path} is in the history of {root}: "
            "nothing to purge"
        )
    return targets, absent
