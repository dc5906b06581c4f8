"""Credentials embedded in URLs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import unquote

from secretsops_plugins import _base

# Hosts reserved for documentation and tests (RFC 2606, RFC 6761): no real credential works there.
_DOC_HOST = re.compile(
    r"^(?:[\w.\-]*\.)?(?:example\.(?:com|org|net)|example|test|invalid)(?![\w.\-])", re.IGNORECASE
)
# Token formats other detectors report under their own type; a URL carrying one is theirs.
_OWNED = re.compile(
    r"^(?:gh[pousr]_|github_pat_|glpat-|npm_|xox[abposre]-|sk_live_|dapi[0-9a-f])"
    r"|^[a-z2-7]{52}$|^[A-Za-z0-9]{52}JQQJ9"
)


class BasicAuthDetector(_base.LineDetector):
    """Passwords in URLs: ``scheme://user:password@host`` for any scheme (``https``,
    ``postgres``, ``mongodb+srv``, ``amqp``, ``redis``...). The value is the password. Tokens
    of a format another detector knows (GitHub, GitLab, npm, Azure DevOps...) are left to it;
    URLs to documentation hosts (``example.com``, ``*.test``, ``*.invalid``: RFC 2606, however
    the URL ends: ``/``, ``:``, a quote or the line's end), masked
    values (``[secure]``) and passwords containing spaces are not reported.

    Replaces detect-secrets' detector of the same class name and type (baselines keep
    matching): same idea, also requiring a host after ``@``, and reporting one type per value.
    """

    secret_type = "Basic Auth Credentials"  # noqa: S105  # pragma: allowlist secret (a name)
    confidence = "high"
    provider = "(any)"
    url = re.compile(
        r"(?<![A-Za-z0-9+.\-])[A-Za-z][A-Za-z0-9+.\-]{1,20}://([^\s:/?#@\"'<>\[\]{}()|\\`]*)"
        r":([^\s/?@\"'<>\\`]{3,})@(?=[A-Za-z0-9\[\-_])"
    )
    necessary_patterns = (url,)

    def find(self, line: str, filename: str, context: list[str]) -> Iterator[str]:
        for match in self.url.finditer(line):
            value = match.group(2)
            decoded = unquote(value)
            if _OWNED.search(value) or _DOC_HOST.match(line[match.end() :]):
                continue
            if any(c.isspace() for c in decoded) or (value[0], value[-1]) == ("[", "]"):
                continue  # a masked value ([secure]) or a parser test case, not a password
            yield value
