"""Detection quality: precision, recall and F1 of secretsops, detect-secrets and gitleaks.

All three scan the same labelled corpus (``tests/corpus.py``, generated at run time) in one
run. Matching rule: a tool finds a labelled positive when it reports the right file and line
(peers' own types differ from ours, so the type of a peer's hit is the label's type, by line).
A report on any other line is a false positive, attributed to the type the line imitates
(negatives are labelled with it) or to "(ordinary line)". Tools:

- secretsops: ``secretsops scan <dir> --format json`` (working-tree scan of the corpus folder);
- detect-secrets 1.5.0 with default settings: ``detect-secrets scan --all-files`` in the folder;
- gitleaks 8: ``gitleaks dir <dir> --report-format json`` with its default rules.

Usage: ``python benchmarks/quality.py [--seed N] [--json] [--pipelines] [--config]``.

A second section scores the same three tools on pipeline definitions
(``tests/pipeline_corpus.py``: Azure Pipelines, GitHub Actions, GitLab CI, variable-group, build
and release definition exports), by line, per construct; ``--pipelines`` prints only that
section (as JSON with ``--json``).

A third section scores them on credentials in configuration files (``tests/config_corpus.py``,
issue #15: ``.netrc``, URLs of every scheme, ``.pgpass``, ``.my.cnf``, ``.npmrc``, Docker auth,
``.pypirc``, FileZilla, WinSCP, PHP, Laravel, Django/Flask, Rails, Spring, Java properties,
Tomcat, ``web.config``, password hashes, ``CREATE USER``, Azure shapes, Kubernetes ``data``), by
line, one row per family, over 3 corpora drawn from consecutive seeds; then the same on
``config_corpus.variants`` (other shapes of each family, written after the rules, never tuned
against them: how the rules generalise). ``--config`` prints only those two sections.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

import config_corpus  # noqa: E402
import corpus  # noqa: E402
import pipeline_corpus  # noqa: E402

BIN = Path(sys.executable).parent


def run_secretsops(root: Path) -> set[tuple[str, int, str]]:
    proc = subprocess.run(
        [str(BIN / "secretsops"), "scan", str(root), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
        cwd=root,
    )
    if proc.returncode not in (0, 1):
        raise SystemExit(f"secretsops failed: {proc.stderr[-500:]}")
    return {(f["path"], int(f["line"]), f["type"]) for f in json.loads(proc.stdout)["findings"]}


def run_detect_secrets(root: Path) -> set[tuple[str, int, str]]:
    proc = subprocess.run(
        [str(BIN / "detect-secrets"), "scan", "--all-files"],
        capture_output=True,
        text=True,
        check=False,
        cwd=root,
    )
    if proc.returncode != 0:
        raise SystemExit(f"detect-secrets failed: {proc.stderr[-500:]}")
    out = set()
    for path, items in json.loads(proc.stdout)["results"].items():
        for item in items:
            out.add((path.replace(os.sep, "/"), int(item["line_number"]), item["type"]))
    return out


def run_gitleaks(root: Path) -> set[tuple[str, int, str]]:
    gitleaks = shutil.which("gitleaks", path=str(BIN)) or shutil.which("gitleaks")
    if gitleaks is None:
        raise SystemExit("gitleaks not found")
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "r.json"
        subprocess.run(
            [
                gitleaks,
                "dir",
                str(root),
                "--report-format",
                "json",
                "--report-path",
                str(report),
                "--no-banner",
                "--log-level",
                "error",
                "--exit-code",
                "0",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        data = json.loads(report.read_text() or "[]")
    out = set()
    for item in data:
        path = os.path.relpath(item["File"], root).replace(os.sep, "/")
        out.add((path, int(item["StartLine"]), item["RuleID"]))
    return out


def score(
    labels: list[corpus.Label], hits: set[tuple[str, int, str]]
) -> dict[str, dict[str, float]]:
    by_line = {(lab.path, lab.line): lab for lab in labels}
    reported = {(p, n) for p, n, _ in hits}
    tp: dict[str, int] = defaultdict(int)
    fn: dict[str, int] = defaultdict(int)
    fp: dict[str, int] = defaultdict(int)
    for lab in labels:
        if lab.positive:
            if (lab.path, lab.line) in reported:
                tp[lab.type] += 1
            else:
                fn[lab.type] += 1
    for key in reported:
        lab = by_line.get(key)
        if lab is None:
            fp["(ordinary line)"] += 1
        elif not lab.positive:
            fp[lab.type] += 1
    rows: dict[str, dict[str, float]] = {}
    for kind in sorted(set(tp) | set(fn) | set(fp)):
        rows[kind] = _prf(tp[kind], fp[kind], fn[kind])
    rows["OVERALL"] = _prf(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    return rows


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": p, "recall": r, "f1": f}


Results = dict[str, dict[str, dict[str, float]]]


def scored(files: dict[str, str], labels: list[corpus.Label], folder: str) -> Results:
    """Write the corpus to a temporary folder, run the three tools, score each."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / folder
        for rel, text in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return {
            "secretsops": score(labels, run_secretsops(root)),
            "detect-secrets": score(labels, run_detect_secrets(root)),
            "gitleaks": score(labels, run_gitleaks(root)),
        }


def heading(name: str, files: dict[str, str], labels: list[corpus.Label], seed: int) -> str:
    positives = sum(lab.positive for lab in labels)
    return (
        f"{name}: {len(files)} files, {positives} positives, {len(labels) - positives} "
        f"labelled negatives, {sum(t.count(chr(10)) for t in files.values())} lines; seed {seed}"
    )


def detectors_section(seed: int) -> tuple[Results, str]:
    files, labels = corpus.build(seed)
    return scored(files, labels, "corpus"), heading("corpus", files, labels, seed)


def pipelines_section(seed: int, copies: int = 3) -> tuple[Results, str]:
    files, labels = pipeline_corpus.build(seed, copies=copies)
    # Scored by line like the detectors' corpus: positives per construct.
    converted = [
        corpus.Label(lab.path, lab.line, lab.construct, lab.positive, "") for lab in labels
    ]
    return scored(files, converted, "pipelines"), heading("pipelines", files, converted, seed)


def config_section(seed: int, copies: int = 3, build: Any = None) -> tuple[Results, str]:
    build = build or config_corpus.build
    files: dict[str, str] = {}
    labels: list[corpus.Label] = []
    for k in range(copies):
        some, marks = build(seed + k)
        prefix = f"copy{k}/"
        files.update({prefix + p: t for p, t in some.items()})
        # Scored by line, one row per family.
        labels += [
            corpus.Label(prefix + lab.path, lab.line, lab.family, lab.positive, lab.note)
            for lab in marks
        ]
    name = "config files" if build is config_corpus.build else "config files, variant shapes"
    return scored(files, labels, "config"), heading(name, files, labels, seed)


def variants_section(seed: int) -> tuple[Results, str]:
    """Other shapes of the families, written after the rules (``config_corpus.variants``)."""
    return config_section(seed, build=config_corpus.variants)


def print_table(results: Results) -> None:
    tools = list(results)
    print(f"{'type':40}" + "".join(f"{t:>24}" for t in tools))
    print(f"{'':40}" + "".join(f"{'P    R    F1  (fp/fn)':>24}" for _ in tools))
    kinds = [*sorted({k for r in results.values() for k in r} - {"OVERALL"}), "OVERALL"]
    for kind in kinds:
        cells = []
        for t in tools:
            row = results[t].get(kind)
            if row is None:
                cells.append(f"{'-':>24}")
            else:
                cells.append(
                    f"{row['precision']:.2f} {row['recall']:.2f} {row['f1']:.2f} "
                    f"({int(row['fp'])}/{int(row['fn'])})".rjust(24)
                )
        print(f"{kind[:40]:40}" + "".join(cells))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--pipelines", action="store_true", help="only the pipelines section")
    parser.add_argument("--config", action="store_true", help="only the config-files section")
    args = parser.parse_args()
    sections = [detectors_section, pipelines_section, config_section, variants_section]
    if args.pipelines or args.config:
        sections = [pipelines_section] if args.pipelines else []
        sections += [config_section, variants_section] if args.config else []
    for number, section in enumerate(sections):
        results, head = section(args.seed)
        if args.json:
            print(json.dumps(results, indent=2))
            return 0
        if number:
            print()
        print(head)
        print_table(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
