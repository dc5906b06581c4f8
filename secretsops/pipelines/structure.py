"""Which files are pipeline definitions, and the credentials their structure holds.

``kind_of`` looks at the path first, so that the pre-commit hook pays nothing for ordinary
files: ``azure-pipelines*.yml``, anything under ``.azure-pipelines/``, ``.github/workflows/*.yml``
and ``.gitlab-ci.yml`` are pipelines by name; another ``.yml``/``.yaml`` file is one when a line
starts with ``trigger:``, ``stages:``, ``jobs:``, ``steps:`` or ``extends:`` (top level); a
``.json`` file is a DevOps export when it has the shape of one (``isSecret`` anywhere, or
``variableGroupProjectReferences`` or ``allowOverride`` next to ``variables``).

``scan_structure`` parses such a file whole and returns every credential the rules find, with
the line and column (1-based) where the secret itself starts and its structural path. A file
that does not parse is returned with the parser's one-line reason and no hits.
"""

from __future__ import annotations

import bisect
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import yaml

from secretsops.pipelines.candidates import Candidate
from secretsops.pipelines.yaml_nodes import (
    StructureError,
    compose_documents,
    format_path,
    walk,
)

AZURE = "azure-pipelines"
GITHUB = "github-actions"
GITLAB = "gitlab-ci"
EXPORT = "devops-export"

_YAML_EXTENSIONS = (".yml", ".yaml")
_TOP_LEVEL = re.compile(r"^(?:trigger|stages|jobs|steps|extends):", re.MULTILINE)
_GITHUB_SHAPE = re.compile(r"^on:|^\"on\":|^'on':", re.MULTILINE)
_GITLAB_SHAPE = re.compile(r"^\s+(?:script|before_script|after_script):", re.MULTILINE)
_EXPORT_SHAPE = re.compile(r"\"(?:isSecret|variableGroupProjectReferences|allowOverride)\"")


def kind_by_path(path: str) -> str | None:
    """The pipeline format a path names, without reading the file."""
    lowered = path.replace("\\", "/").casefold()
    name = posixpath.basename(lowered)
    if not lowered.endswith(_YAML_EXTENSIONS):
        return None
    if name.startswith("azure-pipelines") or "/.azure-pipelines/" in f"/{lowered}":
        return AZURE
    if "/.github/workflows/" in f"/{lowered}" and posixpath.dirname(lowered).endswith(
        ".github/workflows"
    ):
        return GITHUB
    if name == ".gitlab-ci.yml" or name.endswith(".gitlab-ci.yml"):
        return GITLAB
    return None


def kind_of(path: str, text: str) -> str | None:
    """The pipeline format of ``path`` holding ``text``, or None for any other file."""
    kind = kind_by_path(path)
    if kind is not None:
        return kind
    lowered = path.casefold()
    if lowered.endswith(_YAML_EXTENSIONS):
        if not _TOP_LEVEL.search(text):
            return None
        if _GITHUB_SHAPE.search(text):
            return GITHUB
        if _GITLAB_SHAPE.search(text) and "steps:" not in text:
            return GITLAB
        return AZURE
    if lowered.endswith(".json") and (
        '"isSecret"' in text or ('"variables"' in text and _EXPORT_SHAPE.search(text))
    ):
        return EXPORT
    return None


@dataclass(frozen=True)
class StructuralHit:
    """A credential at an exact spot of a pipeline file. Holds the value: never log it."""

    line: int
    column: int
    path: str
    rule: str
    secret: str = field(repr=False)
    line_text: str = field(repr=False)


@dataclass
class StructureResult:
    kind: str
    hits: list[StructuralHit] = field(default_factory=list)
    error: str | None = None
    _positions: _Positions | None = field(default=None, repr=False)
    # (start index, end index, path) of every scalar value, by start
    _sites: list[tuple[int, int, str]] = field(default_factory=list, repr=False)

    def locate(self, line: int, secret: str) -> tuple[int, int, str] | None:
        """(line, column, structural path) of ``secret`` reported on ``line``, when a scalar
        value holds it: on that line, or in a value that starts there (detect-secrets' YAML
        view puts a block scalar, such as an inline script, on its key's line)."""
        positions = self._positions
        if positions is None or not 0 < line <= len(positions.starts) or not secret:
            return None
        at = positions.line_text(line).find(secret)
        if at >= 0:
            index = positions.starts[line - 1] + at
            i = bisect.bisect_right(self._sites, (index, len(positions.text) + 1, "")) - 1
            if i < 0:
                return None
            begin, end, path = self._sites[i]  # scalars do not overlap: the last one before
            return (line, at + 1, path) if begin <= index < max(end, begin + 1) else None
        start = positions.starts[line - 1]
        stop = positions.starts[line] if line < len(positions.starts) else len(positions.text)
        i = bisect.bisect_left(self._sites, (start, -1, ""))
        while i < len(self._sites) and self._sites[i][0] < stop:
            begin, end, path = self._sites[i]
            found = positions.text.find(secret, begin, end)
            if found >= 0:
                where, column = positions.line_col(found)
                return where, column, path
            i += 1
        return None


def _extractor(kind: str) -> Callable[[yaml.Node], Iterable[Candidate]]:
    if kind == AZURE:
        from secretsops.pipelines.azure_pipelines import candidates

        return candidates
    if kind == GITHUB:
        from secretsops.pipelines.github_actions import candidates as github

        return github
    if kind == GITLAB:
        from secretsops.pipelines.gitlab_ci import candidates as gitlab

        return gitlab
    from secretsops.pipelines.devops_exports import candidates as export

    return export


def scan_structure(path: str, text: str, kind: str | None = None) -> StructureResult | None:
    """Credentials in a pipeline file (None when ``path`` is not one)."""
    kind = kind or kind_of(path, text)
    if kind is None:
        return None
    result = StructureResult(kind=kind)
    if kind == EXPORT:
        import json

        try:
            json.loads(text)
        except ValueError as exc:
            result.error = str(exc).splitlines()[0]
            return result
    try:
        documents = compose_documents(text)
    except StructureError as exc:
        result.error = str(exc)
        return result
    extract = _extractor(kind)
    positions = _Positions(text)
    result._positions = positions
    seen: set[tuple[int, int, str]] = set()
    try:
        for doc in documents:
            for entry in walk(doc):
                begin = positions.index(entry.node.start_mark)
                result._sites.append((begin, positions.index(entry.node.end_mark), entry.path))
            for candidate in extract(doc):
                hit = positions.hit(candidate)
                key = (hit.line, hit.column, hit.secret)
                if key not in seen:
                    seen.add(key)
                    result.hits.append(hit)
    except StructureError as exc:
        return StructureResult(kind=kind, error=str(exc))
    result.hits.sort(key=lambda h: (h.line, h.column))
    result._sites.sort()
    return result


_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")


class _Positions:
    """Line and column of a secret in the file text, from its node's marks."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [m.end() for m in _BREAK.finditer(text)]

    def index(self, mark: yaml.Mark) -> int:
        line = min(mark.line, len(self.starts) - 1)
        return min(self.starts[line] + mark.column, len(self.text))

    def line_col(self, index: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, index) - 1
        return line + 1, index - self.starts[line] + 1

    def line_text(self, line: int) -> str:
        start = self.starts[line - 1]
        end = self.starts[line] if line < len(self.starts) else len(self.text)
        return self.text[start:end].rstrip("\r\n\x85\u2028\u2029")

    def hit(self, candidate: Candidate) -> StructuralHit:
        node = candidate.node
        begin = self.index(node.start_mark)
        end = max(self.index(node.end_mark), begin)
        region = self.text[begin:end]
        value = str(node.value)
        nth = 0
        if candidate.offset is not None:
            nth = _count(value[: candidate.offset], candidate.secret)
        at = _nth_find(region, candidate.secret, nth)
        if at < 0:
            at = 1 if node.style in ("'", '"') else 0  # escaped in the file: the value's start
        line, column = self.line_col(begin + at)
        return StructuralHit(
            line=line,
            column=column,
            path=format_path(candidate.parts),
            rule=candidate.rule,
            secret=candidate.secret,
            line_text=self.line_text(line),
        )


def _count(text: str, needle: str) -> int:
    return len(list(_occurrences(text, needle)))


def _occurrences(text: str, needle: str) -> Iterator[int]:
    at = text.find(needle)
    while at >= 0 and needle:
        yield at
        at = text.find(needle, at + len(needle))


def _nth_find(text: str, needle: str, nth: int) -> int:
    for i, at in enumerate(_occurrences(text, needle)):
        if i == nth:
            return at
    return text.find(needle)
