"""The views detect-secrets' transformers make of a file (INI, YAML, plain lines), in memory."""

from __future__ import annotations

import io
import re
from typing import Any


class _NamedStringIO(io.StringIO):
    """What detect-secrets' transformers read: a text stream with a ``name``."""

    def __init__(self, text: str, name: str) -> None:
        super().__init__(text)
        self.name = name


def _cannot_be_ini(text: str) -> bool:
    """True when detect-secrets' INI transformer must fail on ``text`` (no configparser run).

    ``configparser`` reads ``io.StringIO(text)`` line by line; it skips lines that are blank
    or, stripped, start with ``#`` or ``;`` (detect-secrets' parser has the default comment
    prefixes and no inline ones). The first other line, stripped, must match ``\\[.+\\]``, or
    ``MissingSectionHeaderError`` (a ``configparser.Error``) is raised; a text without such a
    line parses to no section, which the transformer also rejects. So when that line does not
    begin with ``[``, or there is none, the transformer raises ``ParsingError``.
    ``tests/test_history_equivalence.py::test_first_view_shortcut_matches_detect_secrets``.
    """
    for line in io.StringIO(text):
        value = line.strip()
        if not value or value.startswith(("#", ";")):
            continue
        return not value.startswith("[") or _has_ini_error_line(text)
    return True


_NONSPACE = re.compile(r"\S")  # configparser's NONSPACECRE


def _has_ini_error_line(text: str) -> bool:
    """True when configparser must record a parsing error in ``text``, with or without the
    ``[global]`` header detect-secrets' eager INI transformer adds (so both INI transformers
    fail on it).

    Python's ``RawConfigParser._read`` (default settings: ``=`` and ``:`` delimiters, ``#`` and
    ``;`` full-line comment prefixes, no inline ones) reads ``io.StringIO`` lines. A line whose
    first character is not whitespace (``NONSPACECRE``) has indent 0, so it can never continue
    a value; stripped, unless it is empty, a comment or begins with ``[`` (maybe a section
    header), it must match ``OPTCRE`` with a non-empty option name: hold ``=`` or ``:``, not
    as its first character. A line that does not is appended to a ``ParsingError`` raised
    once the text is read (when no section was open yet, ``MissingSectionHeaderError`` is
    raised at once instead). Either is a ``configparser.Error``, which the transformers turn
    into ``ParsingError``. ``tests/test_history_equivalence.py`` compares both views.
    """
    for line in io.StringIO(text):
        if not _NONSPACE.match(line):
            continue
        value = line.strip()
        if value.startswith(("#", ";", "[")):
            continue
        if value[0] in "=:" or ("=" not in value and ":" not in value):
            return True
    return False


_SEQUENCE_ITEM = re.compile(r"[ \t]*-[ \t]+[^\s#]|[^#\n]*:[ \t]*\[[^\]\n]*[\"'=]")


def _with_sequence_items(view: list[str], text: str) -> list[str]:
    """The YAML view with the sequence items it leaves out, as they are written.

    detect-secrets' YAML transformer renders only mapping values: strings in a sequence
    (``environment: [- DATABASE_URL=scheme://user:password@host]`` in a compose file, container
    ``args``, ``command: ["--password", "..."]``) vanish from its view, so a credential there was
    never scanned in a YAML file while the same line in any other file was. Each line the view
    leaves empty that holds a block sequence item, or a flow sequence with quoted or assigned
    entries, is scanned as written; every other line keeps the transformer's rendering.
    """
    if "-" not in text and "[" not in text:
        return view
    raw = text.splitlines(keepends=True)
    if len(view) < len(raw):
        view = view + [""] * (len(raw) - len(view))
    filled: list[str] | None = None
    for index, line in enumerate(raw):
        if view[index].strip() or not _SEQUENCE_ITEM.match(line):
            continue
        if filled is None:
            filled = list(view)
        filled[index] = line
    return filled if filled is not None else view


def _aliases_explode(path: str, text: str) -> bool:
    """A YAML file whose aliases name more values than ``yaml_nodes.MAX_VALUES``."""
    if "*" not in text or "&" not in text:
        return False
    from detect_secrets.util.filetype import FileType, determine_file_type

    if determine_file_type(path) != FileType.YAML:
        return False
    from secretsops.pipelines.yaml_nodes import MAX_VALUES, StructureError, compose_documents, walk
    from secretsops.scan.yaml_view import aliases_explode

    verdict = aliases_explode(text, MAX_VALUES)
    if verdict is not None:
        return verdict
    try:
        for document in compose_documents(text):
            for _ in walk(document):
                pass
    except StructureError as exc:
        return "aliases" in str(exc)
    return False


def _transformed_not_ini(file: Any) -> list[str] | None:
    """detect-secrets' ``get_transformed_file`` (not eager) minus the INI transformer."""
    return _transformed(file, eager=False, skip_ini=True)


def _transformed(file: Any, *, eager: bool, skip_ini: bool = False) -> list[str] | None:
    """detect-secrets' ``get_transformed_file``, without its INI transformers if ``skip_ini``;
    its YAML transformer's view is computed by ``secretsops.scan.yaml_view``."""
    from detect_secrets.transformers import get_transformers
    from detect_secrets.transformers.config import (
        ConfigFileTransformer,
        EagerConfigFileTransformer,
    )
    from detect_secrets.transformers.exceptions import ParsingError
    from detect_secrets.transformers.yaml import YAMLTransformer

    from secretsops.scan.yaml_view import yaml_view

    transformer: Any
    for transformer in get_transformers():
        if skip_ini and type(transformer) in (ConfigFileTransformer, EagerConfigFileTransformer):
            continue
        if not transformer.should_parse_file(file.name) or transformer.is_eager != eager:
            continue
        try:
            lines: list[str]
            if type(transformer) is YAMLTransformer:
                lines = yaml_view(file, transformer)  # the same lines, mostly on libyaml
            else:
                lines = transformer.parse_file(file)
            return lines
        except ParsingError:
            pass
        finally:
            file.seek(0)
    return None
