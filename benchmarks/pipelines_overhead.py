"""What the structural pipeline pass costs, in CPU seconds, measured in one engine.

- on ordinary files (the ten standard-library files of ``hook_latency.py``): the engine with and
  without its structural detector, alternating, median of 7; and ``kind_of`` per file (the
  path-first check every scanned file pays);
- on pipeline files (``tests/pipeline_corpus.py``, three copies): with and without.

Usage: ``python benchmarks/pipelines_overhead.py``.
"""

from __future__ import annotations

import statistics
import sys
import sysconfig
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

import pipeline_corpus  # noqa: E402
from hook_latency import STDLIB_FILES  # noqa: E402  (the same ordinary files)

from secretsops.pipelines.structure import kind_of  # noqa: E402
from secretsops.scan.engine import Engine  # noqa: E402


def with_and_without(engine: Engine, texts: list[tuple[str, str]]) -> tuple[float, float]:
    structural = engine._structural
    on: list[float] = []
    off: list[float] = []
    try:
        for _ in range(7):
            for flag, bucket in ((True, on), (False, off)):
                engine._structural = structural if flag else None
                start = time.process_time()
                for path, text in texts:
                    engine.scan_text(path, text)
                bucket.append(time.process_time() - start)
    finally:
        engine._structural = structural
    return statistics.median(on), statistics.median(off)


def main() -> None:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    ordinary = [(name, (stdlib / name).read_text(encoding="utf-8")) for name in STDLIB_FILES]
    files, _ = pipeline_corpus.build(1, copies=3)
    pipelines = list(files.items())
    with Engine() as engine:
        on, off = with_and_without(engine, ordinary)
        lines = sum(text.count("\n") for _, text in ordinary)
        print(
            f"{len(ordinary)} ordinary files, {lines} lines: with the pipeline pass {on:.3f} s, "
            f"without {off:.3f} s (CPU, median of 7)"
        )
        start = time.process_time()
        for _ in range(1000):
            for path, text in ordinary:
                kind_of(path, text)
        per_file = (time.process_time() - start) / (1000 * len(ordinary))
        print(f"kind_of per ordinary file: {per_file * 1e6:.1f} us")
        on, off = with_and_without(engine, pipelines)
        lines = sum(text.count("\n") for _, text in pipelines)
        print(
            f"{len(pipelines)} pipeline files, {lines} lines: with {on:.3f} s, "
            f"without {off:.3f} s (CPU, median of 7)"
        )


if __name__ == "__main__":
    main()
