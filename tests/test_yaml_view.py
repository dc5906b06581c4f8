"""detect-secrets' YAML view computed on libyaml (``secretsops.scan.yaml_view``) against
detect-secrets' own ``YAMLTransformer``: the same lines, or the same ``ParsingError``, on
hand-written documents and on thousands of generated and mutated ones; and the fast path must
really answer (a model that always gave up would pass the equality and gain nothing)."""

from __future__ import annotations

import io
import random
import string
from pathlib import Path

import pytest
import yaml
from conftest import Repo, assert_clean_error, base_env
from detect_secrets.transformers.exceptions import ParsingError
from detect_secrets.transformers.yaml import YAMLTransformer

from secretsops.scan.engine import Engine
from secretsops.scan.yaml_view import CONSTRUCT_ERRORS, fast_view

ALNUM = string.ascii_letters + string.digits


class _Named(io.StringIO):
    def __init__(self, text: str, name: str) -> None:
        super().__init__(text)
        self.name = name


def reference(text: str) -> list[str] | str:
    """What detect-secrets' transformer makes of ``text``: its lines, or ``"error"`` (its
    ``ParsingError``, or a constructor's failure, which secretsops treats alike)."""
    try:
        lines: list[str] = YAMLTransformer().parse_file(_Named(text, "x.yaml"))
    except (ParsingError, *CONSTRUCT_ERRORS):
        return "error"
    return lines


def fast(text: str) -> list[str] | str | None:
    try:
        return fast_view(text)
    except ParsingError:
        return "error"


def token(rng: random.Random, n: int = 24) -> str:
    return "".join(rng.choice(ALNUM) for _ in range(n))


def credential(rng: random.Random) -> str:
    """A credential-shaped value (drawn here: the repository holds none)."""
    kind = rng.randrange(3)
    if kind == 0:
        return "AKIA" + "".join(
            rng.choice(string.ascii_uppercase + string.digits) for _ in range(16)
        )
    if kind == 1:
        return "ghp_" + token(rng, 36)
    return "".join(rng.choice(ALNUM + "+/") for _ in range(40))


def hand_written(rng: random.Random) -> dict[str, str]:
    """Documents for each construct the model covers (all answered by the fast path)."""
    t = [credential(rng) for _ in range(8)]
    long_key = "k" * 140
    return {
        "simple": f"password: {t[0]}\nname: app\nport: 5432\n",
        "nested": f"db:\n  user: admin\n  pass: '{t[1]}'\n  opts:\n    ssl: true\n",
        "value on next line": f"secret:\n  {t[2]}\nother: x\n",
        "multi-line plain": f"token: {t[0]}\n  {t[1]}\n  {t[2]}\nnext: 1\n",
        "quoted multi-line": f'key: "{t[3]}\n  continued \\" quote"\n',
        "single quotes": f"key: 'it''s {t[4]}'\n",
        "escapes": f'key: "\\x41\\u00e9\\t{t[5]}"\n',
        "literal block": f"cert: |\n  {t[0]}\n  {t[1]}\n\nafter: y\n",
        "folded block": f"note: >-\n  {t[2]}\n  {t[3]}\n",
        "comments": f"a: {t[0]}  # trailing comment\n# full line\nb: '{t[1]}' #c\n",
        "hash in value": f"url: http://x/#frag{t[2]}\n",
        "explicit key": f"? {long_key}\n: {t[3]}\n? short\n: '{t[4]}'\n",
        "explicit key, blank gap": f"? key\n\n  \n: {t[5]}\n? 'quoted'\n: {t[6]}\n",
        "explicit key, comment gap, mapping value": f"? key\n# between\n:\n  inner: {t[5]}\n",
        "space before colon": f"key   : {t[6]}\n",
        "quoted key": f"\"quoted key\": {t[7]}\n'k2': v\n",
        "sequence of mappings": f"- name: a\n  pass: {t[0]}\n- name: b\n  pass: {t[1]}\n",
        "sequence values": f"items:\n  - {t[2]}\n  - {t[3]}\nk: v\n",
        "flow sequence": f"args: [--password, {t[4]}]\nk: v\n",
        "empty flow mapping": f"a: {{}}\nb: {t[5]}\n",
        "flow mapping": f"a: {{b: {t[0]}, c: d}}\ne: {t[1]}\n",
        "flow mapping in sequence": f"- {{name: x, pass: {t[2]}}}\n- {{name: y}}\n",
        "nested flow mappings": f"a: {{b: {{c: {t[3]}}}, d: '{t[4]}'}}  # note\nz: 1\n",
        "pair in flow sequence": f"a: [b: {t[5]}, c]\n",
        "flow mapping, odd entries": f'a: {{"q":{t[6]}, ? e : f, g, h: *x}}\nx: &x v\n'.replace(
            "h: *x", "h: i"
        ),
        "flow mapping, alias value": f"x: &x {t[7]}\ny: {{a: *x, b: c}}\n",
        "flow mappings in multi-line flow sequence": f"a: [\n  {{b: {t[0]}}},\n  {{c: d}}\n]\n",
        "anchors and aliases": f"base: &b {t[6]}\ncopy: *b\nlater:\n  again: *b\n",
        "mapping alias": f"x: &m\n  u: {t[7]}\n  p: q\ny: *m\nz:\n  w: *m\n",
        "merge key": f"base: &base\n  pass: {t[0]}\nchild:\n  <<: *base\n  name: c\n",
        "merge key overridden": f"b: &b\n  pass: {t[0]}\n  u: x\nc:\n  <<: *b\n  pass: {t[1]}\n",
        "merge of a list": f"a: &a {{p: {t[2]}}}\nb: &b {{p: {t[3]}, q: r}}\nc:\n  <<: [*a, *b]\n",
        "inline merge anchor": f"c:\n  <<: &i {{pass: {t[4]}}}\n  pass: {t[5]}\nd: *i\n",
        "nested merge": f"a: &a {{p: {t[6]}}}\nb: &b\n  <<: *a\n  q: s\nc:\n  <<: *b\n",
        "bad timestamp": "when: 2020-13-45\n",
        "tagged keys": f"!!binary QUJD: {t[7]}\n!!str 12: x\n1.5: y\n~: z\n",
        "alias in sequence before mapping": f"- &s {t[1]}\n- k: *s\n",
        "binary": "blob: !!binary |\n  " + "QUJDREVGR0hJSktMTU5PUA==\n",
        "str tag": f"n: !!str 123\nm: !!str {t[2]}\n",
        "non-strings": "i: 1\nf: 1.5\nb: true\nn: null\nd: 2020-01-01\n",
        "duplicate keys": f"k: {t[3]}\nk: {t[4]}\n",
        "bool keys collide": f"yes: {t[5]}\ntrue: {t[6]}\n",
        "document start": f"---\nkey: {t[7]}\n...\n",
        "crlf": f"a: {t[0]}\r\nb:\r\n  c: '{t[1]}'\r\n",
        "unicode": f"clé: valeur {t[2]} ✓\nemoji: 🔑{t[3]}\n",
        "empty": "",
        "only comments": "# nothing\n# here\n",
        "scalar document": f"{t[4]}\n",
        "unknown tag": f"secret: !vault |\n  {t[5]}\n",
        "long key and quote": f'{long_key}: "a \\"b\\" {t[6]}"\n',
        "deep": "".join(f"{'  ' * i}l{i}:\n" for i in range(30)) + "  " * 30 + f"v: {t[7]}\n",
    }


def test_hand_written_documents_match_and_take_the_fast_path() -> None:
    rng = random.Random(7)
    for name, text in hand_written(rng).items():
        got = fast(text)
        assert got is not None, name
        assert got == reference(text), name


@pytest.mark.parametrize(
    "text",
    [
        "a: {b: c,\n  d: e}\n",  # a flow mapping over two lines
        "a: {\n  b: c}\n",  # a flow mapping whose first key is not on its line
        "[a:\n  b]\n",  # a single-pair mapping in a flow sequence, over two lines
        "a:\n\tb: c\n",  # a tab
        "%YAML 1.1\n---\na: b\n",  # a directive
        "a: b\rc: d\n",  # a lone carriage return
        "\ufeffa: b\n",  # a byte-order mark
        "a: b\x07\n",  # a character PyYAML's reader rejects
        "? [a, b]\n: c\n",  # a collection as a key
        "? key\n# between\n: value\n",  # a string after an explicit key and a comment line
        "? |\n  block\n: value\n",  # a string after a block scalar key
        "&k a: b\n*k : c\n",  # an alias as a key
        "a: b\n---\nc: d\n",  # two documents: libyaml's composer error, PyYAML decides
        "a:\n  <<: text\n",  # a merge of a string: detect-secrets merges its tagged value
        "s: !!set {a, b}\nk: v\n",  # a set (also ``!!omap``, ``!!pairs``)
        "a:\n  __line__: 3\n",  # a key of detect-secrets' tagged values
        "a: [x, __line__]\n",  # a list holding that key's name
        "a: !!int [1]\n",  # a scalar tag on a collection
        "a:\n  <<: !x {b: c}\n",  # a merged mapping with its own tag: never built
    ],
)
def test_what_the_model_does_not_cover_is_left_to_detect_secrets(text: str) -> None:
    assert fast(text) is None


def _scalar(rng: random.Random) -> object:
    kind = rng.randrange(12)
    if kind == 0:
        return rng.randint(-(10**6), 10**6)
    if kind == 1:
        return rng.choice([True, False, None, 1.5])
    if kind == 2:
        return token(rng, rng.randint(1, 60)).encode()  # !!binary
    if kind == 3:
        return " ".join(token(rng, rng.randint(3, 12)) for _ in range(rng.randint(2, 20)))
    if kind == 4:
        return "\n".join(token(rng, rng.randint(3, 30)) for _ in range(rng.randint(2, 5)))
    if kind == 5:
        return rng.choice(['say "hi"', "it's", "a #b", "x: y", "- z", "*a", "&b", "é✓🔑", "  lead"])
    if kind == 6:
        return rng.choice(["yes", "no", "null", "~", "1e3", "0x1F", "2020-01-01", ""])
    if kind == 7:
        return credential(rng)
    return token(rng, rng.randint(1, 48))


def _key(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.05:
        return "k" * rng.randint(120, 140)  # dumped as an explicit key (``? ...``)
    if roll < 0.3:
        return rng.choice(["password", "secret_key", "api_token", "db_pass", "aws_secret"])
    return token(rng, 8)


def _value(rng: random.Random, depth: int, shared: list[object]) -> object:
    if shared and rng.random() < 0.08:
        return rng.choice(shared)  # dumped as an anchor and aliases
    roll = rng.random()
    if depth > 3 or roll < 0.45:
        value = _scalar(rng)
    elif roll < 0.8:
        value = {_key(rng): _value(rng, depth + 1, shared) for _ in range(rng.randint(0, 5))}
    else:
        value = [_value(rng, depth + 1, shared) for _ in range(rng.randint(0, 4))]
    if isinstance(value, (dict, list)) or rng.random() < 0.3:
        shared.append(value)
    return value


def generated(rng: random.Random) -> str:
    shared: list[object] = []
    data = {token(rng, 6): _value(rng, 0, shared) for _ in range(rng.randint(1, 6))}
    text = yaml.dump(
        data,
        default_flow_style=rng.choice([False, False, None]),  # None: flow leaf collections
        width=rng.choice([12, 40, 80, 4096]),
        default_style=rng.choice([None, None, None, '"', "'", "|", ">"]),
        allow_unicode=rng.random() < 0.5,
        explicit_start=rng.random() < 0.3,
        indent=rng.choice([2, 4]),
    )
    if rng.random() < 0.5:  # comments at the ends of some lines
        lines = text.split("\n")
        for i in rng.sample(range(len(lines)), k=min(3, len(lines))):
            lines[i] += rng.choice(["  # note", " #x", "#not-a-comment", "  # a: b"])
        text = "\n".join(lines)
    if rng.random() < 0.2:
        text = text.replace("\n", "\r\n")
    return text


def mutated(rng: random.Random, text: str) -> str:
    """``text`` with a few characters YAML cares about inserted or deleted: mostly invalid or
    oddly shaped documents, where both must still agree (on the error too)."""
    chars = list(text)
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(chars) + 1)
        if chars and rng.random() < 0.4:
            del chars[min(at, len(chars) - 1)]
        else:
            chars.insert(at, rng.choice([":", " ", "\n", "-", "?", "#", "'", '"', "&a", "*a", "|"]))
    return "".join(chars)


@pytest.mark.parametrize("seed", range(4))
def test_generated_documents_match_detect_secrets(seed: int) -> None:
    rng = random.Random(seed)
    answered = total = 0
    for _ in range(300):
        text = generated(rng)
        for candidate in (text, mutated(rng, text)):
            got = fast(candidate)
            if got is None:
                continue
            assert got == reference(candidate), candidate
        total += 1
        answered += fast(text) is not None
    # Many dumps are documents the model covers; the others hold an alias in a sequence,
    # a libyaml-only comment after a block scalar's indicator, or a string after an
    # explicit key the model cannot place.
    assert answered >= 0.4 * total, (answered, total)


def test_the_engine_gives_the_same_findings_either_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``Engine.scan_text`` on YAML files with credentials, with ``SECRETSOPS_YAML_VIEW``
    unset (libyaml) and ``reference``: the same findings, and some findings."""
    rng = random.Random(3)
    files = {f"conf{i}.yaml": text for i, text in enumerate(hand_written(rng).values())}
    for i in range(40):
        files[f"gen{i}.yml"] = generated(rng)

    def scan() -> list[tuple[str, int, str, str]]:
        with Engine() as engine:
            return sorted(
                (path, s.line, s.type, s.secret)
                for path, text in files.items()
                for s in engine.scan_text(path, text)
            )

    monkeypatch.delenv("SECRETSOPS_YAML_VIEW", raising=False)
    fast_findings = scan()
    monkeypatch.setenv("SECRETSOPS_YAML_VIEW", "reference")
    assert scan() == fast_findings
    assert len(fast_findings) > 10


@pytest.mark.parametrize("mode", ["libyaml", "reference"])
def test_a_tag_the_constructor_rejects_leaves_the_file_to_plain_lines(
    repo: Repo, mode: str
) -> None:
    """``!!float`` on a non-number, bad ``!!binary``, an impossible ``!!timestamp``: PyYAML's
    constructor raises ValueError, which detect-secrets does not catch. The scan goes on and
    reads the file as plain lines, where the credential is still found."""
    rng = random.Random(5)
    key = "AKIA" + "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(16))
    repo.write(
        "bad.yaml",
        f"a: !!float |- #x\n  1.5 #x\nb: !!binary '%%%'\nc: !!timestamp 2020-13-45\n"
        f"aws_key: {key}\n",
    )
    proc = repo.proc("scan", "-f", "json", env={**base_env(), "SECRETSOPS_YAML_VIEW": mode})
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert '"AWS Access Key"' in proc.stdout


def test_an_unknown_yaml_view_mode_is_a_one_line_error(repo: Repo) -> None:
    repo.write("a.yaml", "password: " + token(random.Random(2), 16) + "\n")
    proc = repo.proc("scan", env={**base_env(), "SECRETSOPS_YAML_VIEW": "ruamel"})
    assert_clean_error(proc)
    assert "SECRETSOPS_YAML_VIEW" in proc.stderr


def test_alias_expansion_is_counted_as_the_walk_counts_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``aliases_explode`` (a count per node on the libyaml tree) against
    ``yaml_nodes.walk`` (which walks every expanded path) on generated documents with
    anchors and aliases, at limits just below, at and above each document's count."""
    from secretsops.pipelines import yaml_nodes
    from secretsops.scan.yaml_view import aliases_explode

    def walk_explodes(text: str, limit: int) -> bool:
        monkeypatch.setattr(yaml_nodes, "MAX_VALUES", limit)
        try:
            for document in yaml_nodes.compose_documents(text):
                for _ in yaml_nodes.walk(document):
                    pass
        except yaml_nodes.StructureError as exc:
            return "aliases" in str(exc)
        return False

    rng = random.Random(11)
    texts = [t for t in (generated(rng) for _ in range(400)) if "*" in t and "&" in t][:40]
    bomb = ["l0: &l0 [x, x, x]"] + [
        f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 3)}]" for i in range(1, 6)
    ]
    texts.append("\n".join(bomb) + "\n")
    assert len(texts) > 20
    compared = 0
    for text in texts:
        size = next(n for n in range(1, 10**6) if not walk_explodes(text, n))  # the count
        for limit in (size - 1, size, size + 1):
            verdict = aliases_explode(text, limit)
            if verdict is None:
                continue
            compared += 1
            assert verdict == walk_explodes(text, limit), (text, limit)
    assert compared > 60
