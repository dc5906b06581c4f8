"""History scans read only the lines a blob adds; that must change no result.

On generated repositories (random edits of Python, YAML, INI, .env and Markdown files, with
secrets, allowlist pragmas and ``nextline`` pragmas moving about), every blob's result from
``history_worker`` (new lines only, hits carried over from the previous version) equals
``Engine.scan_text`` on the whole blob, and the history scan's findings equal the union of
whole-blob scans over every (path, blob) the history holds.
"""

from __future__ import annotations

import json
import random
from typing import Any

import fakes
import pytest
from conftest import Repo, call_secretsops

from secretsops.scan.blobs import BlobScanner, Hit, Task
from secretsops.scan.engine import Engine
from secretsops.scan.files import findings_from_raw
from secretsops.sources import decode
from secretsops.sources.history import Change, walk

PRAGMA = "# pragma: allowlist secret"
NEXTLINE = "# pragma: allowlist nextline secret"


def _line(rng: random.Random, kind: str) -> str:
    roll = rng.random()
    if roll < 0.12:
        return fakes.aws_line()
    if roll < 0.2:
        return fakes.password_line() + ("  " + PRAGMA if rng.random() < 0.3 else "")
    if roll < 0.26:
        return NEXTLINE
    if roll < 0.32:
        return f'key_{rng.randint(0, 9)} = "{fakes.entra_client_secret()}"'
    if kind == "yaml":
        return rng.choice(["a: 1", "password: " + fakes.password(), "  - item", "b:", "  c: d"])
    if kind in ("ini", "env"):
        return rng.choice(["[section]", "name = value", "secret = " + fakes.password(), "x=1"])
    return rng.choice(["x = 1", "", "def f():", "    return 2", "# comment", "import os"])


FILES = {"app.py": "py", "conf.yaml": "yaml", "setup.ini": "ini", "prod.env": "env"}
FILES["README.md"] = "md"


def _edit(rng: random.Random, lines: list[str], kind: str) -> list[str]:
    out = list(lines)
    for _ in range(rng.randint(1, 3)):
        op = rng.random()
        at = rng.randint(0, len(out))
        if op < 0.45 or not out:
            out.insert(at, _line(rng, kind))
        elif op < 0.7:
            del out[min(at, len(out) - 1)]
        elif op < 0.85:
            out[min(at, len(out) - 1)] = _line(rng, kind)
        else:
            a, b = sorted(rng.sample(range(len(out)), 2)) if len(out) > 1 else (0, 0)
            out[a], out[b] = out[b], out[a]
    return out


def build(repo: Repo, seed: int, commits: int) -> None:
    rng = random.Random(seed)
    content = {path: [_line(rng, kind) for _ in range(6)] for path, kind in FILES.items()}
    for path, lines in content.items():
        repo.write(path, "\n".join(lines))
    repo.add()
    repo.commit("init")
    for i in range(commits):
        if i == commits // 2:
            repo.git("checkout", "-q", "-b", "branch")
        path = rng.choice(list(FILES))
        content[path] = _edit(rng, content[path], FILES[path])
        repo.write(path, "\n".join(content[path]), newline="\r\n" if i % 7 == 3 else "\n")
        repo.add()
        repo.commit(f"c{i}")
    repo.git("checkout", "-q", "main")


def whole(engine: Engine, path: str, data: bytes) -> set[tuple[str, str, int]]:
    text = decode(data)
    return {
        (f.type, f.fingerprint, f.line)
        for f in findings_from_raw(path, engine.scan_text(path, text))
    }


@pytest.mark.parametrize(
    ("seed", "remembered"), [(1, "views"), (2, "views"), (3, "views"), (4, "digests")]
)
def test_each_blob_scanned_by_new_lines_equals_a_whole_scan(
    repo: Repo, seed: int, remembered: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With ``remembered="digests"`` no whole view is kept: every version is compared with
    the digest of its predecessor's view."""
    from secretsops.git import CatFile
    from secretsops.scan import blobs

    if remembered == "digests":
        monkeypatch.setattr(blobs, "_VIEW_COUNT", 0)
    build(repo, seed, 45)
    records: dict[tuple[str, str], list[Hit]] = {}
    checked = carried = 0
    with Engine() as engine, CatFile(repo.path) as cat:
        scanner = BlobScanner(engine, repo.path, 1_000_000)
        try:
            for item in walk(repo.path, ["--all"]):
                if not isinstance(item, Change) or not item.writes_file:
                    continue
                prev = item.previous
                task = Task(key=b"", oid=item.new, path=item.path, previous=prev)
                if prev is not None:
                    task.previous_hits = records[(prev, item.path)]
                    carried += 1
                outcome = scanner.scan(task)
                records[(item.new, item.path)] = outcome.hits
                got = {(h.type, h.fingerprint, h.line) for h in outcome.hits}
                _, data = cat.read(item.new)
                assert data is not None
                assert got == whole(engine, item.path, data), (seed, item.path, item.new)
                checked += 1
            if remembered == "digests":
                assert not scanner._views and len(scanner._digests) > 40
        finally:
            scanner.close()
    assert checked > 40 and carried > 35
    assert sum(bool(hits) for hits in records.values()) > 10


def test_history_findings_are_the_union_of_whole_blob_scans(repo: Repo) -> None:
    from secretsops.git import CatFile

    build(repo, 7, 40)
    proc = call_secretsops(
        "scan", "--history", "--no-cache", "-j", "1", "-f", "json", cwd=repo.path
    )
    assert proc.returncode == 1, proc.stderr
    report: dict[str, Any] = json.loads(proc.stdout)
    got = {(f["path"], f["type"], f["fingerprint"]) for f in report["findings"]}
    expected: set[tuple[str, str, str]] = set()
    with Engine() as engine, CatFile(repo.path) as cat:
        for item in walk(repo.path, ["--all"]):
            if isinstance(item, Change) and item.writes_file:
                _, data = cat.read(item.new)
                assert data is not None
                expected |= {(item.path, t, fp) for t, fp, _ in whole(engine, item.path, data)}
    assert got == expected
    assert len(got) > 10


def test_first_view_shortcut_matches_detect_secrets(repo: Repo) -> None:
    """``Engine.first_view`` and ``Engine.eager_view`` skip configparser where it must fail;
    same lines as without (plus the YAML sequence items detect-secrets' transformer leaves
    out)."""
    from detect_secrets.transformers import get_transformed_file

    from secretsops.scan.views import _NamedStringIO, _with_sequence_items

    rng = random.Random(5)
    samples = [
        "",
        "\n\n",
        "# c\n; d\n[s]\na = 1\n",
        "  [s]\nk = v\n",
        "x = 1\n[s]\n",
        "\ufeff[s]\nk=v\n",
        "#only comment\n",
        "[]\nk=v\n",
        "[s\nk=v\n",
        "\r\n[s]\r\nk = v\r\n",
        "\x0c[s]\nk=v\n",
        "   \n\t# c\n[sec]]\npassword = hunter2hunter2\n",
        # Lines configparser rejects (or accepts) after a section or the eager `[global]`:
        "[s]\nk = v\nplain words\n",
        "[s]\nk = v\n  indented words continue k\n",
        "k = v\n\tstill k\nnext: 1\n",
        "[s]\n=starts with a delimiter\n",
        ":param x: doc\n",
        "Title\n=====\n",
        "key: value\nother = x\n[t]\nz=1\n",
        "k = v\n\n   \nwords\n",
        "k=v\n\u00a0indented by a no-break space\n",
        "k=v\n\ufeffword\n",
        "k=v\r\nword\rmore: x\n",
        "[s]\nk=v\n[s]\nj=w\n",
        "k = %(missing)s\n",
        "[x\nk=v\nno delimiter\n",
        "# c\n; c\nk = v\n  # indented comment\n",
    ]
    kinds = ["py", "ini", "yaml", "env"]
    for _ in range(200):
        samples.append("\n".join(_line(rng, rng.choice(kinds)) for _ in range(4)))
    for _ in range(100):
        lines = [_line(rng, rng.choice(kinds)) for _ in range(rng.randint(1, 6))]
        if rng.random() < 0.5:
            lines.insert(0, "[section]")
        if rng.random() < 0.3:
            at = rng.randint(0, len(lines))
            lines.insert(at, rng.choice(["  continued", "\tx", "words", "=x", ":x", "a:b"]))
        samples.append("\n".join(lines) + rng.choice(["", "\n"]))
    eager_seen = 0
    with Engine() as engine:
        for path in ("a.py", "b.ini", "c.cfg", "d.env", "e.yaml", "f", "g.txt", "h.rst"):
            for text in samples:
                stream: Any = _NamedStringIO(text, path)
                view = get_transformed_file(stream)
                expected = (
                    _with_sequence_items(view, text) if view else text.splitlines(keepends=True)
                )
                assert engine.first_view(path, text) == expected, (path, text)
                stream = _NamedStringIO(text, path)
                eager = get_transformed_file(stream, use_eager_transformers=True) or None
                assert engine.eager_view(path, text) == eager, (path, text)
                eager_seen += eager is not None
    assert eager_seen > 50  # texts the eager INI view reads are compared too
