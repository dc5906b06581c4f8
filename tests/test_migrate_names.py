"""Key Vault names from context: conventions, validity, deterministic collision handling."""

from __future__ import annotations

import itertools
import random

import pytest

from secretsops.errors import UsageError
from secretsops.migrate import names
from secretsops.migrate.rewriters.base import NameStyle


@pytest.mark.parametrize(
    ("hint", "style", "expected"),
    [
        ("sqlAdminPassword", NameStyle.PLAIN, "sql-admin-password"),
        ("SQL_ADMIN_PASSWORD", NameStyle.PLAIN, "sql-admin-password"),
        ("sql.admin.password", NameStyle.PLAIN, "sql-admin-password"),
        ("HTTPServerToken", NameStyle.PLAIN, "http-server-token"),
        ("db2Password", NameStyle.PLAIN, "db2-password"),
        ("__weird__ key!", NameStyle.PLAIN, "weird-key"),
        ("ConnectionStrings:Default", NameStyle.DOTNET, "ConnectionStrings--Default"),
        ("Azure:Storage:Account_Key", NameStyle.DOTNET, "Azure--Storage--Account-Key"),
    ],
)
def test_name_conventions(hint: str, style: NameStyle, expected: str) -> None:
    assert names.from_hint(hint, style) == expected
    assert names.is_valid(expected)


def test_every_derived_name_is_valid_or_empty() -> None:
    rng = random.Random(7)
    alphabet = "aZ09_-.:/ $é\\"
    for _ in range(2000):
        hint = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 300)))
        for style in NameStyle:
            name = names.from_hint(hint, style)
            assert name == "" or names.is_valid(name), (hint, name)
            assert len(name) <= names.MAX_LENGTH


def test_env_names() -> None:
    assert names.env_name("sql-admin-password") == "SQL_ADMIN_PASSWORD"
    assert names.env_name("ConnectionStrings--Default") == "CONNECTIONSTRINGS__DEFAULT"
    assert names.env_name("2fa-seed") == "S_2FA_SEED"


def test_fallback_names_from_type_and_file() -> None:
    assert names.fallback("Secret Keyword", "src/app.py") == "secret-keyword-app"
    assert names.is_valid(names.fallback("AWS Access Key", "x/.env"))


def test_collisions_are_resolved_the_same_whatever_the_order() -> None:
    candidates = {f"so1:{i:032x}": "db-password" for i in range(4)}
    candidates["so1:" + "f" * 32] = "DB-PASSWORD"  # names are case-insensitive
    results = set()
    for order in itertools.permutations(candidates.items()):
        assigned = names.assign(dict(order), {})
        assert len({n.lower() for n in assigned.values()}) == len(candidates)
        results.add(tuple(sorted(assigned.items())))
    assert len(results) == 1
    assigned = dict(results.pop())
    assert assigned["so1:" + "0" * 32] == "db-password"
    assert {"db-password-2", "db-password-3", "db-password-4"} <= set(assigned.values())


def test_overrides_win_and_push_others_aside() -> None:
    a, b = "so1:" + "a" * 32, "so1:" + "b" * 32
    assigned = names.assign({a: "token", b: "other"}, {b: "token"})
    assert assigned == {b: "token", a: "token-2"}
    with pytest.raises(UsageError):
        names.assign({}, {a: "same", b: "SAME"})


def test_override_parsing() -> None:
    assert names.parse_override("so1:abcdef12=my-name") == ("so1:abcdef12", "my-name")
    for bad in ("so1:abcdef12", "so1:abcdef12=bad_name", "short=ok", "=x"):
        with pytest.raises(UsageError):
            names.parse_override(bad)


def test_best_hint_is_the_majority_then_the_smallest() -> None:
    plain = NameStyle.PLAIN
    hints = [("zz", plain), ("dbPassword", plain), ("aa", plain), ("DB_PASSWORD", plain)]
    assert names.best_hint(hints) == ("DB_PASSWORD", plain)  # two map to db-password
    assert names.best_hint([("zz", plain), ("aa", plain), ("", plain)]) == ("aa", plain)
    assert names.best_hint([("", plain), ("!!", plain)]) is None
