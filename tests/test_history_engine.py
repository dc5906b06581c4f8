"""Engine shortcuts that history scans rely on give exactly what the slow paths give.

- ``Prefilter.candidates_of_lines`` (one Aho-Corasick pass over many lines, a per-line memo)
  equals ``Prefilter.candidates`` line by line, on real text, credential-shaped lines, text
  whose case folding changes its length, and in any order and repetition;
- ``BlobScanner.scan_many`` (blobs read in one round trip) equals ``scan`` task by task,
  including when the object store lacks a blob;
- a scanner that remembers the first views it made (by blob and path) gives what a scanner
  that remembers nothing gives; the prefilter's line memo gives the same when it is cleared.
"""

from __future__ import annotations

import random
import sysconfig
from pathlib import Path
from typing import Any

import pytest
from conftest import Repo
from test_prefilter import credential_lines

from secretsops.scan.blobs import BlobScanner, Task
from secretsops.scan.engine import Engine
from secretsops.scan.prefilter import Prefilter

ODD = ["ß", "İ", "ﬁ", "ǰ", "Ω", "\u0130", "\ufeff", "\x0c", "\r", "\t", "é", "ŉ"]


def _lines(rng: random.Random) -> list[str]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    real = sorted(stdlib.glob("*.py"))
    rng.shuffle(real)
    out: list[str] = []
    for path in real[:8]:
        out.extend(path.read_text(encoding="utf-8", errors="replace").splitlines())
    creds = credential_lines(rng)
    for _ in range(3000):
        line = rng.choice(creds)
        if rng.random() < 0.5:
            at = rng.randint(0, len(line))
            line = line[:at] + "".join(rng.choices(ODD, k=rng.randint(1, 3))) + line[at:]
        if rng.random() < 0.2:
            line = line.upper() if rng.random() < 0.5 else line.replace("a", "ß")
        out.append(line)
    out.extend(["", "ß" * 40, "PASSWORD = 'ẞẞẞẞẞẞẞẞ'", "İpassword = 'x'"])
    return [line.rstrip() for line in out]


def _names(plugins: list[Any]) -> list[str]:
    return [type(p).__name__ for p in plugins]


@pytest.fixture(params=["hyperscan", "ahocorasick"])
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each prefilter back-end in turn, as ``$SECRETSOPS_PREFILTER`` chooses it."""
    name: str = request.param
    monkeypatch.setenv("SECRETSOPS_PREFILTER", name)
    return name


def test_candidates_of_lines_equals_candidates_per_line(backend: str) -> None:
    rng = random.Random(11)
    lines = _lines(rng)
    with Engine() as engine:
        prefilter = engine._prefilter
        assert isinstance(prefilter, Prefilter)
        assert prefilter.backend == backend
        expected = {i: _names(prefilter.candidates(line)) for i, line in enumerate(lines)}
        expected = {i: names for i, names in expected.items() if names}
        assert len(expected) > 500  # the corpus does exercise the plugins
        for _ in range(3):  # the memo is warm on later rounds
            got = prefilter.candidates_of_lines(lines)
            assert {i: _names(p) for i, p in got.items()} == expected
        for _ in range(40):
            chunk = rng.sample(lines, rng.randint(0, 300))
            got = prefilter.candidates_of_lines(chunk)
            want = {i: _names(prefilter.candidates(line)) for i, line in enumerate(chunk)}
            assert {i: _names(p) for i, p in got.items()} == {i: n for i, n in want.items() if n}


def test_scan_many_equals_scan(tmp_path: Path) -> None:
    repo = Repo(tmp_path)
    rng = random.Random(3)
    creds = credential_lines(rng)
    oids: list[str] = []
    for i in range(12):
        body = "\n".join(rng.choice(creds) if rng.random() < 0.4 else f"x = {i}" for _ in range(9))
        repo.write("app.py", body + "\n")
        repo.add()
        repo.commit(f"c{i}")
        oids.append(repo.git("rev-parse", "HEAD:app.py").strip())
    missing = "0123456789abcdef0123456789abcdef01234567"
    with Engine() as engine:
        tasks = [Task(key=bytes([i]), oid=oid, path="app.py") for i, oid in enumerate(oids)]
        tasks.insert(5, Task(key=b"m", oid=missing, path="app.py"))
        tasks.append(Task(key=b"p", oid=oids[-1], path="app.py", previous=oids[-2]))
        one = BlobScanner(engine, tmp_path, 1_000_000)
        many = BlobScanner(engine, tmp_path, 1_000_000)
        try:
            expected = [one.scan(t) for t in tasks]
            assert expected[5].status != expected[0].status  # the missing blob is counted
            assert any(o.hits for o in expected)
            assert many.scan_many(tasks) == expected
            assert many.scan_many(tasks[:3]) == expected[:3]  # the reader still works
        finally:
            one.close()
            many.close()


def test_remembered_views_equal_fresh_views(tmp_path: Path) -> None:
    """A scanner remembers the first views it made, by blob and path: one blob at a YAML and a
    Python path has two views, and every outcome equals that of a scanner that remembers
    nothing (each version compared with its predecessor, whose view is remembered)."""
    repo = Repo(tmp_path)
    rng = random.Random(5)
    creds = credential_lines(rng)
    history: list[Task] = []
    previous: dict[str, str] = {}
    for i in range(10):
        lines = [rng.choice(creds) if rng.random() < 0.4 else f"k{i}: v{rng.randint(0, 3)}"]
        lines += [f"key_{n}: value" for n in range(rng.randint(1, 4))]
        body = "\n".join(lines) + "\n"
        for path in ("conf.yaml", "conf.py"):  # the same blob at both paths
            repo.write(path, body)
        repo.add()
        repo.commit(f"c{i}")
        for path in ("conf.yaml", "conf.py"):
            oid = repo.git("rev-parse", f"HEAD:{path}").strip()
            history.append(Task(key=f"{path}{i}".encode(), oid=oid, path=path))
            history[-1].previous = previous.get(path)
            previous[path] = oid
    with Engine() as engine:
        warm = BlobScanner(engine, tmp_path, 1_000_000)
        try:
            got = []
            for task in history:
                task.previous_hits = got[-2].hits if task.previous else ()
                got.append(warm.scan(task))
            assert (history[-1].oid, "conf.yaml") in warm._views
            assert (history[-1].oid, "conf.py") in warm._views
            assert any(o.hits for o in got)
            for task, outcome in zip(history, got, strict=True):
                cold = BlobScanner(engine, tmp_path, 1_000_000)
                try:
                    assert cold.scan(task) == outcome, task.path
                finally:
                    cold.close()
        finally:
            warm.close()
        yaml_views = [v for (_, p), (v, _, _) in warm._views.items() if p == "conf.yaml"]
        py_views = [v for (_, p), (v, _, _) in warm._views.items() if p == "conf.py"]
        assert yaml_views and py_views and yaml_views != py_views  # two views of each blob


def test_candidates_of_lines_with_a_small_memo(monkeypatch: Any, backend: str) -> None:
    """The line memo is cleared when full, also between the lines of one call."""
    import secretsops.scan.prefilter as prefilter

    monkeypatch.setattr(prefilter, "_MEMO_LINES", 64)
    rng = random.Random(12)
    lines = _lines(rng)
    with Engine() as engine:
        prefilter = engine._prefilter
        assert isinstance(prefilter, Prefilter)
        assert prefilter.backend == backend
        for _ in range(30):
            chunk = rng.sample(lines, rng.randint(0, 200)) * rng.randint(1, 2)
            got = prefilter.candidates_of_lines(chunk)
            want = {i: _names(prefilter.candidates(line)) for i, line in enumerate(chunk)}
            assert {i: _names(p) for i, p in got.items()} == {i: n for i, n in want.items() if n}
            assert len(prefilter._memo) <= max(64, len(set(chunk)))


def _compare_every_line(view: list[str], old_view: list[str]) -> list[int]:
    known = set(zip([None, *old_view], old_view, strict=False))
    return [
        n for n, pair in enumerate(zip([None, *view], view, strict=False), 1) if pair not in known
    ]


def test_compare_looks_up_only_the_changed_middle() -> None:
    """``_compare`` skips the lines both versions start and end with; the lines it returns
    are exactly those whose (previous, line) pair the old view lacks."""
    from secretsops.scan.blobs import _common_head, _common_tail, _compare

    rng = random.Random(8)
    words = ["a", "b", "c", "", "x = 1", "a"]
    checked = 0
    for _ in range(3000):
        old = [rng.choice(words) for _ in range(rng.randint(0, 12))]
        new = list(old)
        for _ in range(rng.randint(0, 3)):
            at = rng.randint(0, len(new))
            roll = rng.random()
            if roll < 0.4:
                new.insert(at, rng.choice(words))
            elif roll < 0.7 and new:
                del new[min(at, len(new) - 1)]
            elif new:
                new[min(at, len(new) - 1)] = rng.choice(words)
        if rng.random() < 0.1:
            new = rng.choice([[], list(old), old + old, old[::-1]])
        numbers, _ = _compare(new, old, ())
        assert numbers == _compare_every_line(new, old), (old, new)
        head = _common_head(new, old)
        assert new[:head] == old[:head]
        assert head == min(len(new), len(old)) or new[head] != old[head]
        tail = _common_tail(new, old, min(len(new), len(old)))
        assert tail <= len(new)
        if tail:
            assert new[len(new) - tail :] == old[len(old) - tail :]
        checked += bool(numbers)
    assert checked > 1000


def test_single_character_literals_charge_every_line_holding_them() -> None:
    """``_charge_singles`` marks exactly the lines holding each one-character literal, also
    at a line's first and last character and on empty lines."""
    from secretsops.scan.prefilter import _charge_singles, _starts

    rng = random.Random(9)
    singles = [(".", frozenset({1})), (":", frozenset({2, 3})), ("'", frozenset({4}))]
    for _ in range(500):
        lines = ["".join(rng.choices(".:'ab ", k=rng.randint(0, 4))) for _ in range(30)]
        ids: dict[int, set[int]] = {}
        _charge_singles(singles, "\n".join(lines), _starts(lines), ids)
        want: dict[int, set[int]] = {}
        for i, line in enumerate(lines):
            for char, found in singles:
                if char in line:
                    want.setdefault(i, set()).update(found)
        assert ids == want, lines


def test_carried_lines_stay_one_per_line_across_versions() -> None:
    """A hit on a (previous, line) pair the file holds several times is carried once per line:
    its line list stays the lines that hold it, version after version (it once grew k-fold per
    version, to gigabytes on ansible/ansible's history)."""
    from secretsops.scan.blobs import Hit, _compare

    line = "token = " + "q" * 3
    view = ["[a]", line, "[a]", line, "[a]", line, "tail 0"]
    hit = Hit(
        type="T",
        plugin="P",
        fingerprint="f",
        baseline_hash="h",
        preview="p",
        confidence="high",
        line=2,
        lines1=(2, 4, 6),
    )
    for version in range(1, 12):
        new = [*view[:-1], f"tail {version}"]
        numbers, carried = _compare(new, view, (hit,))
        assert numbers == [len(new)]  # only the changed last line is read
        (carried_hit, lines), *_ = carried.values()
        assert carried_hit is hit and sorted(lines) == [2, 4, 6], version
        hit.lines1 = tuple(sorted(lines))
        view = new
