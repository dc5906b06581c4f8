"""Key Vault emulator throughput through the real ``azure-keyvault-secrets`` SecretClient.

Starts an emulator (by default as a subprocess running ``secretsops vault serve``, so server and
client each have their own interpreter and core), then times, per run:

- ``set_secret`` (a new version of one of a few secrets), and
- ``get_secret`` (the latest version, the SDK's ``GET /secrets/{name}/``),

with one sync client whose connection is kept alive, and, for comparison, ``get_secret`` with a
``Connection: close`` header, so every call pays a new TCP connection and TLS handshake. With
``--clients N`` the gets also run from N threads, each with its own client. Prints the median,
min and max operations per second over the runs. Values are random; nothing is printed of them.

    python benchmarks/emulator.py [--runs 5] [--ops 1000] [--clients 4] [--thread]
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import threading
import time
from collections.abc import Callable

from azure.keyvault.secrets import SecretClient

from secretsops.vault.emulator import Emulator, EmulatorProcess, RunningEmulator

NAMES = [f"bench-{i}" for i in range(10)]


def _rate(ops: int, call: Callable[[int], object]) -> float:
    start = time.perf_counter()
    for i in range(ops):
        call(i)
    return ops / (time.perf_counter() - start)


def _parallel_rate(vault: RunningEmulator, clients: int, ops: int) -> float:
    """Gets per second from ``clients`` threads, each with its own kept-alive client."""
    sdk_clients = [vault.secret_client() for _ in range(clients)]
    for client in sdk_clients:
        client.get_secret(NAMES[0])  # challenge and connection before the clock starts
    barrier = threading.Barrier(clients + 1)

    def work(client: SecretClient) -> None:
        barrier.wait()
        for i in range(ops):
            client.get_secret(NAMES[i % len(NAMES)])

    threads = [threading.Thread(target=work, args=(c,)) for c in sdk_clients]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    for client in sdk_clients:
        client.close()
    return clients * ops / elapsed


def _summary(label: str, rates: list[float]) -> str:
    return (
        f"{label:<44} median {statistics.median(rates):8.0f} ops/s"
        f"   (min {min(rates):.0f}, max {max(rates):.0f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--ops", type=int, default=1000, help="operations per run")
    parser.add_argument("--clients", type=int, default=4, help="threads for the parallel gets")
    parser.add_argument("--thread", action="store_true", help="serve from a thread, not a process")
    args = parser.parse_args()

    vault: RunningEmulator = Emulator() if args.thread else EmulatorProcess()
    with vault, vault.secret_client() as client:
        for name in NAMES:
            client.set_secret(name, secrets.token_urlsafe(32))
        client.get_secret(NAMES[0])  # warm up: challenge, token, connection pool

        sets, gets, closes, parallel = [], [], [], []
        values = [secrets.token_urlsafe(32) for _ in range(args.ops)]
        for _ in range(args.runs):
            sets.append(_rate(args.ops, lambda i: client.set_secret(NAMES[i % 10], values[i])))
            gets.append(_rate(args.ops, lambda i: client.get_secret(NAMES[i % 10])))
            closes.append(
                _rate(
                    args.ops // 5,
                    lambda i: client.get_secret(NAMES[i % 10], headers={"Connection": "close"}),
                )
            )
            if args.clients > 1:
                parallel.append(_parallel_rate(vault, args.clients, args.ops // args.clients))

    mode = "thread of this process" if args.thread else "subprocess (secretsops vault serve)"
    print(f"emulator in a {mode}; {args.runs} runs of {args.ops} operations; sync SecretClient")
    print(_summary("set_secret, one client, keep-alive", sets))
    print(_summary("get_secret, one client, keep-alive", gets))
    print(_summary("get_secret, one client, new connection each", closes))
    if parallel:
        print(_summary(f"get_secret, {args.clients} clients in threads, keep-alive", parallel))
    ratio = statistics.median(gets) / statistics.median(closes)
    print(f"keep-alive speed-up for get_secret: {ratio:.1f}x")


if __name__ == "__main__":
    main()
