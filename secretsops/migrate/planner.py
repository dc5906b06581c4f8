"""Building a migration plan from the confirmed findings present in the working tree.

Confirmed means labelled real in the baseline (``secretsops audit``), or named by fingerprint
with ``--confirm``. Every place in the working tree holding a confirmed value is a site, so one
value found in five places becomes one vault secret with five locations. The rewriters locate
what to replace (``rewriters.base``); sites no rewriter understands become manual steps.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from secretsops import git
from secretsops.baseline import Baseline
from secretsops.errors import GitError, LeakError, UsageError
from secretsops.migrate import atomic, diffs, names
from secretsops.migrate import plan as plan_mod
from secretsops.migrate.rewriters import (
    Reference,
    Replacement,
    RewriteOptions,
    Rewriter,
    Site,
    rewriter_for,
)
from secretsops.migrate.rewriters.base import NameStyle
from secretsops.scan import fingerprint as fp
from secretsops.scan.engine import Engine, EngineConfig, RawSecret, is_baseline_file
from secretsops.sources import DEFAULT_MAX_FILE_SIZE, is_binary, worktree

STATE_DIR = ".secretsops"
MIN_GUARDED = 6  # values this long or longer are checked to be absent from every output
MIN_SEARCHED = 8  # confirmed values this long are also searched as plain text in every file
COPY_TYPE = "Confirmed value"
_ASSIGNED = re.compile(r"""([A-Za-z_][\w.:\-]*)["']?\s*(?::=|=>|=|:)\s*["'`]?\s*$""")


@dataclass
class ScannedFile:
    path: str
    content: atomic.FileText = field(repr=False)
    hits: list[RawSecret] = field(repr=False)  # values expanded (see ``expanded``)
    detected: list[RawSecret] = field(repr=False)  # as detectors reported them, same order


_PEM_BEGIN = re.compile(r"-----BEGIN ([A-Z0-9 ]{1,40})-----")


def expanded(text: str, hit: RawSecret) -> RawSecret:
    """The hit with the value the vault must hold: for a private key, detect-secrets reports
    only the armour's marker (every key would look like the same secret), so the value is the
    whole PEM block from its BEGIN line to the matching END line."""
    if "PRIVATE KEY" not in hit.secret:
        return hit
    line_start, line_end = _line_span(text, hit.line)
    match = _PEM_BEGIN.search(text, line_start, line_end)
    if match is None:
        return hit
    end_marker = f"-----END {match.group(1)}-----"
    end = text.find(end_marker, match.end())
    if end < 0:
        return hit
    return replace(hit, secret=text[match.start() : end + len(end_marker)])


@dataclass(frozen=True)
class Target:
    """Where the plan sends secrets, and the Azure Pipelines options for the rewriters."""

    vault_url: str
    vault_name: str
    local: bool = False
    variable_group: str | None = None
    service_connection: str | None = None

    def options(self) -> RewriteOptions:
        return RewriteOptions(
            vault_name=self.vault_name,
            vault_url=self.vault_url,
            variable_group=self.variable_group,
            service_connection=self.service_connection,
        )


def scan_files(
    root: Path, engine: Engine, paths: Iterable[str] | None = None
) -> dict[str, ScannedFile]:
    """Every text file of the working tree (or just ``paths``) with the engine's hits."""
    if paths is None:
        selection = worktree.select([root])
        wanted: Iterable[str] = selection.files
    else:
        wanted = paths
    out: dict[str, ScannedFile] = {}
    for rel in wanted:
        if rel == STATE_DIR or rel.startswith(STATE_DIR + "/") or is_baseline_file(rel):
            continue
        full = root / rel
        try:
            if full.is_symlink() or not full.is_file():
                continue
            if full.stat().st_size > DEFAULT_MAX_FILE_SIZE:
                continue
            data = full.read_bytes()
        except OSError:
            continue
        if is_binary(data):
            continue
        content = atomic.decode(data)
        detected = engine.scan_text(rel, content.text)
        hits = [expanded(content.text, hit) for hit in detected]
        out[rel] = ScannedFile(rel, content, hits, detected)
    return out


def confirmed_values(
    files: dict[str, ScannedFile], baseline: Baseline | None, confirm: Sequence[str]
) -> tuple[set[str], list[str]]:
    """Values labelled real in the baseline, or whose fingerprint starts with a ``--confirm``;
    and the ``--confirm`` prefixes no finding has (already migrated, or mistyped)."""
    real = set()
    if baseline is not None:
        real = {e.identity for e in baseline.entries if e.is_secret is True}
    prefixes = []
    for ident in confirm:
        ident = ident.strip()
        if len(ident) < 8:
            raise UsageError(f"--confirm {ident!r}: give at least 8 characters of a fingerprint")
        prefixes.append(ident)
    values: set[str] = set()
    matched: set[str] = set()
    for scanned in files.values():
        for found, hit in zip(scanned.detected, scanned.hits, strict=True):
            if (scanned.path, fp.baseline_hash(found.secret), found.type) in real:
                values.add(hit.secret)
            if prefixes:
                digest = fp.fingerprint(found.secret)
                for prefix in prefixes:
                    if digest.startswith(prefix):
                        values.add(hit.secret)
                        matched.add(prefix)
    return values, [p for p in prefixes if p not in matched]


def value_types(hits: Mapping[str, Iterable[RawSecret]], values: set[str]) -> dict[str, str]:
    """Each confirmed value's finding type (where it is first found); ``hits`` by path."""
    types: dict[str, str] = {}
    for path in sorted(hits):
        for hit in sorted(hits[path], key=lambda h: (h.line, h.type)):
            if hit.secret in values:
                types.setdefault(hit.secret, hit.type)
    return types


def sites_in(
    path: str,
    text: str,
    hits: Iterable[RawSecret],
    values: set[str],
    types: dict[str, str],
) -> list[Site]:
    """One site per (line, value) of a confirmed value in the file: where a detector found it,
    and every other copy of it in the text (a detector that missed a copy, in a README or a
    file of no known kind, must not leave the value behind)."""
    seen: dict[tuple[int, str], Site] = {}
    for hit in sorted(hits, key=lambda h: (h.line, h.type)):
        if hit.secret in values and (hit.line, hit.secret) not in seen:
            seen[(hit.line, hit.secret)] = Site(
                path=path,
                line=hit.line,
                value=hit.secret,
                finding_type=hit.type,
                fingerprint=fp.fingerprint(hit.secret),
                structural_path=hit.structural_path,
            )
    for value in values:
        if len(value) < MIN_SEARCHED:
            continue
        at = text.find(value)
        while at >= 0:
            line = text.count("\n", 0, at) + 1
            if (line, value) not in seen:
                seen[(line, value)] = Site(
                    path=path,
                    line=line,
                    value=value,
                    finding_type=types.get(value, COPY_TYPE),
                    fingerprint=fp.fingerprint(value),
                )
            at = text.find(value, at + len(value))
    return [seen[key] for key in sorted(seen)]


def _line_span(text: str, line: int) -> tuple[int, int]:
    start = 0
    for _ in range(line - 1):
        nxt = text.find("\n", start)
        if nxt < 0:
            return len(text), len(text)
        start = nxt + 1
    end = text.find("\n", start)
    return start, len(text) if end < 0 else end


def manual_replacement(text: str, site: Site) -> Replacement:
    """The value's own span on its line, and the key it is assigned to if one is visible."""
    line_start, line_end = _line_span(text, site.line)
    at = text.find(site.value, line_start)
    if at < 0 or at > line_end:
        at = text.find(site.value)
    start, end = (at, at + len(site.value)) if at >= 0 else (line_start, line_end)
    before = text[line_start:start] if line_start <= start else ""
    match = _ASSIGNED.search(before)
    return Replacement(
        site=site,
        start=start,
        end=end,
        stored=site.value,
        name_hint=match.group(1) if match else "",
        name_style=NameStyle.PLAIN,
    )


def _span_lines(text: str, start: int, end: int) -> tuple[int, int]:
    first = text.count("\n", 0, start) + 1
    last = text.count("\n", 0, max(start, end - 1)) + 1
    return first, last


def gitignore_pattern(path: str) -> str:
    """The ``.gitignore`` line that ignores exactly ``path`` (anchored, specials escaped)."""
    escaped = re.sub(r"([\\*?\[\]!#])", r"\\\1", path)
    if escaped.endswith(" "):
        escaped = escaped[:-1] + "\\ "
    return "/" + escaped


def removal_diff(path: str, text: str, secret: str) -> str:
    """The plan's diff of a file that leaves the tree: its lines are not shown (they are the
    secret), the ``.gitignore`` line that keeps a downloaded copy out of git is."""
    count = len(text.splitlines())
    return (
        f"--- a/{path}\n+++ /dev/null\n@@ -1,{count} +0,0 @@\n"
        f"-<{count} line(s) moved to Key Vault secret {secret}>\n"
        f"--- a/.gitignore\n+++ b/.gitignore\n@@ +1 @@\n+{gitignore_pattern(path)}\n"
    )


def content_type(value: str) -> str:
    return "application/x-pem-file" if value.lstrip().startswith("-----BEGIN") else "text/plain"


def repository_name(root: Path) -> str:
    """The origin remote's URL without any user or password in it, else the folder's name."""
    try:
        url = git.run(["config", "--get", "remote.origin.url"], root).decode().strip()
    except (GitError, UnicodeDecodeError):
        url = ""
    if not url:
        return root.name
    if "://" in url:
        parts = urlsplit(url)
        host = parts.hostname or ""
        netloc = host + (f":{parts.port}" if parts.port else "")
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    return url.split("@", 1)[-1]


def line_commit(root: Path, path: str, line: int) -> str | None:
    """The commit that wrote ``line`` of ``path`` (git blame), None if not committed."""
    try:
        out = git.run(["blame", "--porcelain", "-L", f"{line},{line}", "--", path], root)
    except GitError:
        return None
    head = out.split(b" ", 1)[0].decode("ascii", "replace")
    return None if not head or set(head) == {"0"} else head


@dataclass
class _Group:
    stored: str = field(repr=False)
    fingerprint: str
    items: list[tuple[Replacement, bool, str]] = field(default_factory=list)  # (rep, auto, kind)


def build(
    root: Path,
    *,
    target: Target,
    baseline: Baseline | None,
    baseline_path: str | None,
    confirm: Sequence[str] = (),
    overrides: Sequence[str] = (),
    config: EngineConfig | None = None,
) -> plan_mod.Plan:
    root = root.resolve()
    with Engine(config) as engine:
        files = scan_files(root, engine)
    values, unmatched = confirmed_values(files, baseline, confirm)
    all_values = {h.secret for f in files.values() for h in [*f.hits, *f.detected]}

    groups: dict[str, _Group] = {}
    per_file: dict[str, tuple[Rewriter, list[tuple[Replacement, bool]]]] = {}
    types = value_types({p: f.hits for p, f in files.items()}, values)
    for path in sorted(files):
        scanned = files[path]
        sites = sites_in(path, scanned.content.text, scanned.hits, values, types)
        if not sites:
            continue
        text = scanned.content.text
        rewriter = rewriter_for(path, text)
        located = list(rewriter.locate(path, text, sites))
        covered = {(r.site.line, r.site.value) for r in located}
        reps: list[tuple[Replacement, bool]] = [(r, True) for r in located]
        reps += [
            (manual_replacement(text, s), False) for s in sites if (s.line, s.value) not in covered
        ]
        per_file[path] = (rewriter, reps)
        for rep, auto in reps:
            group = groups.get(rep.stored)
            if group is None:
                group = groups[rep.stored] = _Group(rep.stored, fp.fingerprint(rep.stored))
            group.items.append((rep, auto, rewriter.kind if auto else "manual"))

    if not groups:
        if unmatched:
            raise UsageError(f"--confirm {unmatched[0]}: no finding in the working tree has it")
        raise UsageError(
            "no confirmed secret is present in the working tree: label findings real with "
            "`secretsops audit`, or name them with --confirm FINGERPRINT"
        )

    by_fp = {g.fingerprint: g for g in groups.values()}
    override_names = _overrides(overrides, by_fp)
    candidates: dict[str, str] = {}
    for key, group in by_fp.items():
        hint = names.best_hint((r.name_hint, r.name_style) for r, _, _ in group.items)
        if hint is not None:
            candidates[key] = names.from_hint(*hint)
        else:
            first = min(group.items, key=lambda it: (it[0].site.path, it[0].site.line))[0]
            candidates[key] = names.fallback(first.site.finding_type, first.site.path)
    final = names.assign(candidates, override_names)
    refs = {key: Reference(final[key], names.env_name(final[key])) for key in by_fp}

    repository = repository_name(root)
    plan_files: list[plan_mod.File] = []
    location_diffs: dict[tuple[str, int, int], str] = {}
    options = target.options()
    for path, (rewriter, reps) in sorted(per_file.items()):
        scanned = files[path]
        text = scanned.content.text
        file_values = {h.secret for h in scanned.hits} | {r.stored for r, _ in reps}
        redact = diffs.Redactor(file_values)
        chosen = [(r, refs[fp.fingerprint(r.stored)]) for r, auto in reps if auto]
        new_sha = None
        hunk_list: list[diffs.Hunk] = []
        notes: list[str] = []
        manual: list[str] = []
        kind = rewriter.kind
        removal = ""
        if chosen:
            result = rewriter.render(path, text, chosen, options)
            kind = result.kind
            notes = [redact(n) for n in result.notes]
            manual = [redact(m) for m in result.manual]
            if result.remove:
                removal = removal_diff(path, text, chosen[0][1].secret_name)
            elif result.text is not None and result.text != text:
                new_sha = atomic.sha256(scanned.content.encode(result.text))
                hunk_list = diffs.hunks(text, result.text, redact)
            else:
                chosen = []
        automatic = bool(chosen)
        for rep, auto in reps:
            first_line, last_line = _span_lines(text, rep.start, rep.end)
            if auto and automatic and removal:
                location_diffs[(path, rep.start, rep.end)] = removal
            elif auto and automatic:
                touching = [h for h in hunk_list if h.touches(first_line, last_line)]
                location_diffs[(path, rep.start, rep.end)] = diffs.file_diff(path, touching)
            else:
                ref = refs[fp.fingerprint(rep.stored)]
                manual.append(
                    f"{path}:{rep.site.line}: replace the value ({fp.preview(rep.stored)}) with a "
                    f"reference to Key Vault secret {ref.secret_name} (environment variable "
                    f"{ref.env_name})"
                )
        plan_files.append(
            plan_mod.File(
                path=path,
                kind=kind if automatic else "manual",
                sha256=scanned.content.sha256,
                new_sha256=new_sha,
                diff=removal or diffs.file_diff(path, hunk_list),
                notes=notes,
                manual=manual,
                remove=bool(removal),
            )
        )
    automatic_files = {f.path for f in plan_files if f.new_sha256 is not None or f.remove}

    plan_secrets: list[plan_mod.Secret] = []
    for key, group in by_fp.items():
        ref = refs[key]
        locations = sorted(
            (
                plan_mod.Location(
                    path=rep.site.path,
                    line=rep.site.line,
                    kind=kind if (auto and rep.site.path in automatic_files) else "manual",
                    start=rep.start,
                    end=rep.end,
                    finding_type=rep.site.finding_type,
                    finding_fingerprint=rep.site.fingerprint,
                    automatic=auto and rep.site.path in automatic_files,
                    diff=location_diffs.get((rep.site.path, rep.start, rep.end), ""),
                )
                for rep, auto, kind in group.items
            ),
            key=lambda loc: (loc.path, loc.line, loc.start),
        )
        head = locations[0]
        tags = {
            "managed-by": "secretsops",
            "repository": repository[:512],
            "path": head.path[:512],
            "secret-type": head.finding_type[:512],
        }
        commit = line_commit(root, head.path, head.line)
        if commit:
            tags["first-commit"] = commit
        plan_secrets.append(
            plan_mod.Secret(
                name=ref.secret_name,
                env_name=ref.env_name,
                fingerprint=key,
                content_type=content_type(group.stored),
                tags=tags,
                locations=locations,
            )
        )
    plan_secrets.sort(key=lambda s: s.name.lower())

    result_plan = plan_mod.Plan(
        root=str(root),
        repository=repository,
        vault=plan_mod.Vault(url=target.vault_url, name=target.vault_name, local=target.local),
        secrets=plan_secrets,
        files=plan_files,
        created=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        baseline=baseline_path,
        variable_group=target.variable_group,
        service_connection=target.service_connection,
        unmatched=unmatched,
    )
    guard(result_plan.dumps(), all_values | set(groups))
    return result_plan


def _overrides(overrides: Sequence[str], by_fp: dict[str, _Group]) -> dict[str, str]:
    """``--name FINGERPRINT=NAME``: the fingerprint of the stored value or of a detected one."""
    out: dict[str, str] = {}
    for text in overrides:
        ident, name = names.parse_override(text)
        keys = {
            key
            for key, group in by_fp.items()
            if key.startswith(ident)
            or any(r.site.fingerprint.startswith(ident) for r, _, _ in group.items)
        }
        if not keys:
            raise UsageError(f"--name {text!r}: no confirmed secret has that fingerprint")
        if len(keys) > 1:
            raise UsageError(f"--name {text!r}: the fingerprint prefix names several secrets")
        out[keys.pop()] = name
    return out


def guard(text: str, values: Iterable[str]) -> None:
    """Refuse (LeakError) an output that holds any secret value."""
    for value in values:
        if len(value) >= MIN_GUARDED and value in text:
            raise LeakError(
                "internal error: an output would have contained a secret value; nothing written"
            )
