"""One repository, one Dask task: mirror (or open) it, ``scan --history`` it, return findings.

``scan_repository`` runs on a worker, in any process of any machine of the cluster, with only
its arguments and the worker's environment: it never raises (a failure is a result with a
``status``), and what it returns holds no secret value (``Finding.secret`` is emptied before the
result leaves the worker, so neither the network nor a worker spilling memory to disk sees one).
A task can run twice (Dask runs it again when its worker dies): mirrors are built in a new
folder renamed into place and locked while used, the history cache is written atomically, so a
second run finds what the first finished and changes no result.
"""

from __future__ import annotations

import json
import os
import socket
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from secretsops.errors import (
    BaselineError,
    NotARepositoryError,
    SecretsopsError,
    UsageError,
)
from secretsops.org.mirror import RepoFailure, auth_env, local_state, mirror, remote_state
from secretsops.org.repos import RepoSpec
from secretsops.scan.findings import Finding

BASELINE_FILE = ".secrets.baseline"
#: Test hook: a folder where each task start leaves ``<key>.<pid>`` and that holds tasks
#: while a file ``hold`` exists in it (to kill a worker mid-task). Never set by users.
HOLD_VARIABLE = "SECRETSOPS_TEST_ORG_HOLD"
FAILED = ("unreachable", "auth", "shallow", "not-a-repository", "baseline", "error", "worker")


@dataclass(frozen=True)
class TaskOptions:
    cache_dir: str | None = None  # None: the worker's own default cache folder
    max_size: int = 1_000_000
    allow_shallow: bool = False
    use_cache: bool = True
    previous_state: str = ""  # --resume: the tips digest of the last complete scan


@dataclass
class RepoResult:
    key: str
    name: str
    url: str
    status: str  # ok, unchanged, or one of FAILED
    error: str = ""
    state: str = ""
    findings: list[Finding] = field(default_factory=list)
    baselined: int = 0
    commits: int = 0
    seconds: float = 0.0
    stats: dict[str, int] = field(default_factory=dict)
    detectors: dict[str, str] = field(default_factory=dict)
    worker: str = ""

    @property
    def failed(self) -> bool:
        return self.status in FAILED


def worker_cache_dir(given: str | None) -> Path:
    if given:
        return Path(given).expanduser()
    from secretsops.scan.gate import cache_dir

    return cache_dir() / "org"


def _hold(key: str) -> None:
    folder = os.environ.get(HOLD_VARIABLE)
    if not folder:
        return
    Path(folder, f"{key}.{os.getpid()}").touch()
    while Path(folder, "hold").exists():
        time.sleep(0.05)


def scan_repository(spec: RepoSpec, options: TaskOptions) -> RepoResult:
    start = time.monotonic()
    result = RepoResult(
        key=spec.key,
        name=spec.name,
        url=spec.display_url,
        status="ok",
        worker=f"{socket.gethostname()}:{os.getpid()}",
    )
    try:
        _hold(spec.key)
        _scan(spec, options, result)
    except RepoFailure as exc:
        result.status, result.error = exc.kind, str(exc)
    except NotARepositoryError as exc:
        result.status, result.error = "not-a-repository", str(exc)
    except BaselineError as exc:
        result.status, result.error = "baseline", f"{BASELINE_FILE}: {exc}"
    except UsageError as exc:
        shallow = "shallow clone" in str(exc)
        result.status = "shallow" if shallow else "error"
        result.error = (
            "shallow clone: its history is incomplete (fetch it whole, or --allow-shallow)"
            if shallow
            else str(exc)
        )
    except SecretsopsError as exc:
        result.status, result.error = "error", str(exc)
    except Exception as exc:  # a task never raises: one repository never stops the others
        first = (str(exc).strip().splitlines() or [""])[0][:200]
        result.status, result.error = "error", f"{type(exc).__name__}: {first}".rstrip(": ")
    if result.failed:
        result.findings, result.baselined = [], 0
    result.seconds = round(time.monotonic() - start, 3)
    return result


def _scan(spec: RepoSpec, options: TaskOptions, result: RepoResult) -> None:
    from secretsops import git

    if spec.local:
        path = Path(spec.location)
        if not path.exists():
            raise RepoFailure("unreachable", f"{spec.location}: no such folder")
        root = git.repository_root(path).resolve()
        result.state = local_state(root)
        if options.previous_state and options.previous_state == result.state:
            result.status = "unchanged"
            return
        _scan_root(root, options, result)
        return
    cache = worker_cache_dir(options.cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    env = auth_env(spec.auth)
    result.state, head = remote_state(spec.location, env, cache)
    if options.previous_state and options.previous_state == result.state:
        result.status = "unchanged"
        return
    with mirror(spec.location, spec.key, cache, env, head) as root:
        _scan_root(root, options, result)


def _baseline_text(root: Path) -> str | None:
    from secretsops import git
    from secretsops.errors import GitError

    if git.resolve(root, "HEAD") is None:
        return None
    try:
        return git.run(["cat-file", "blob", f"HEAD:{BASELINE_FILE}"], root).decode("utf-8")
    except GitError:
        return None  # no baseline committed
    except UnicodeDecodeError:
        raise BaselineError("not UTF-8") from None


def _scan_root(root: Path, options: TaskOptions, result: RepoResult) -> None:
    from secretsops import baseline as baseline_mod
    from secretsops import git
    from secretsops.scan.engine import EngineConfig, config_from_baseline
    from secretsops.scan.history import HistoryOptions, scan_history

    known = None
    config = EngineConfig()
    text = _baseline_text(root)
    if text is not None:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise BaselineError(f"invalid JSON at line {exc.lineno}") from None
        known = baseline_mod.parse(data)
        config = config_from_baseline(known.plugins_used, known.filters_used)
    opts = HistoryOptions(
        root=root,
        max_size=options.max_size,
        jobs=1,  # Dask runs repositories in parallel; a worker process may not fork a pool
        use_cache=options.use_cache,
        allow_shallow=options.allow_shallow,
    )
    findings, stats, detectors, _ = scan_history(opts, config)
    if known is not None:
        new = baseline_mod.new_findings(findings, known)
        result.baselined = len(findings) - len(new)
        findings = new
    # No value leaves the worker; the baseline hash matched above is not needed past here.
    result.findings = [replace(f, secret="", baseline_hash="", aliases=()) for f in findings]
    result.commits = stats.commits
    if stats.incremental:  # only the commits added since were walked: count them all
        tips = "\n".join(git.ref_tips(root)) + "\n"
        out = git.run(["rev-list", "--count", "--stdin"], root, input=tips.encode())
        result.commits = int(out.decode().strip() or 0)
    summary = stats.scan_stats()
    result.stats = {
        "blobs_total": stats.blobs_total,
        "blobs_scanned": stats.blobs_scanned,
        "files_scanned": summary.files_scanned,
        "lines_scanned": summary.lines_scanned,
        "skipped_binary": summary.skipped_binary,
        "skipped_too_large": summary.skipped_too_large,
        "shallow_commits": stats.shallow_commits,
        "commits_walked": stats.commits,
        "incremental": int(stats.incremental),
    }
    result.detectors = detectors
