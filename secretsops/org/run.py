"""The client side of ``scan org``: one Dask task per repository, results as they come.

Without ``--scheduler`` a ``LocalCluster`` is started in this process (worker processes, one
thread each: a history scan is CPU-bound Python); with ``--scheduler tcp://host:8786`` the
same tasks go to an existing cluster, whatever machines its workers run on. Dask runs a task
again on another worker when its worker dies; each repository's result is taken once, from its
future, so none is lost or counted twice.
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from secretsops.errors import UsageError
from secretsops.org.repos import RepoSpec
from secretsops.org.state import State
from secretsops.org.task import RepoResult, TaskOptions, scan_repository
from secretsops.progress import Progress


@dataclass
class OrgRun:
    results: list[RepoResult]
    seconds: float
    workers: int
    scheduler: str


@contextlib.contextmanager
def dask_client(scheduler: str | None, workers: int) -> Iterator[Any]:
    from distributed import Client, LocalCluster

    if scheduler is None:
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # the HTTP server (health, metrics) on a free port
            silence_logs=logging.ERROR,
        )
        try:
            with Client(cluster) as client:
                yield client
        finally:
            cluster.close()
        return
    try:
        # How long to try: Dask's distributed.comm.timeouts.connect (30 s; the environment
        # variable DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT sets it).
        client = Client(scheduler)
    except (OSError, TimeoutError, ValueError) as exc:
        detail = " ".join(str(exc).split())[:160] or type(exc).__name__
        raise UsageError(f"cannot reach the Dask scheduler at {scheduler}: {detail}") from None
    try:
        yield client
    finally:
        client.close()


def run_org(
    specs: list[RepoSpec],
    options: TaskOptions,
    state: State,
    *,
    scheduler: str | None,
    workers: int,
    resume: bool,
    progress: Progress,
    on_result: Callable[[RepoResult], None] = lambda result: None,
    warn: Callable[[str], None] = lambda message: None,
) -> OrgRun:
    from distributed import as_completed

    start = time.monotonic()
    results: dict[str, RepoResult] = {}
    found = 0
    with dask_client(scheduler, workers) as client:
        n_workers = len(client.scheduler_info().get("workers", {}))
        address = str(client.scheduler.address)
        if not n_workers:
            warn(f"the Dask scheduler at {address} has no workers yet: tasks wait for one")
        run_id = uuid.uuid4().hex[:8]
        futures = {}
        for spec in specs:
            task = options
            if resume:
                task = replace(options, previous_state=state.previous(spec.key))
            future = client.submit(
                scan_repository,
                spec,
                task,
                key=f"secretsops-scan-{spec.key}-{run_id}",
                pure=False,
                priority=spec.size,  # the largest first, so that none is left to run alone
            )
            futures[future.key] = (future, spec)
        progress.update(0, len(specs), final_total=True, force=True, note="0 findings")
        try:
            for future in as_completed([f for f, _ in futures.values()]):
                spec = futures[future.key][1]
                result = _result_of(future, spec)
                if result.status == "unchanged":
                    result = state.restored(result)
                results[spec.key] = result
                state.record(result)
                found += len(result.findings)
                on_result(result)
                progress.update(
                    len(results), len(specs), final_total=True, note=f"{found} findings"
                )
        finally:
            progress.close()
            state.save()
    ordered = [results[s.key] for s in specs if s.key in results]
    return OrgRun(ordered, time.monotonic() - start, n_workers, address if scheduler else "local")


def _result_of(future: Any, spec: RepoSpec) -> RepoResult:
    try:
        result = future.result()
    except Exception as exc:  # KilledWorker (a task that killed workers), a lost scheduler
        detail = " ".join(str(exc).split())[:200]
        return RepoResult(
            key=spec.key,
            name=spec.name,
            url=spec.display_url,
            status="worker",
            error=f"{type(exc).__name__}: {detail}".rstrip(": "),
        )
    if not isinstance(result, RepoResult):
        raise TypeError(f"task for {spec.name} returned {type(result).__name__}")
    return result
