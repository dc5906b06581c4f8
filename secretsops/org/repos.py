"""What an organisation scan scans: one ``RepoSpec`` per repository, from a list or a lister.

A list holds one repository a line: a URL git can clone (``https://``, ``ssh://``, ``file://``,
``git@host:path``) or a local path (a work tree or a bare repository, scanned where it is).
Blank lines and lines starting with ``#`` are skipped. Each repository has a ``key`` (unique, a
safe file name: its mirror's folder and its entry in the resume state) and a display ``name``.
A URL's user information (a user name and token before its host) is never shown:
``display_url`` drops it.
"""

from __future__ import annotations

import hashlib
import re
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from secretsops.errors import UsageError

#: Which credentials a worker sends when it clones: ``github`` (``GITHUB_TOKEN``/``GH_TOKEN``),
#: ``devops`` (``AZURE_DEVOPS_EXT_PAT`` or an Entra token), or none.
AUTH_KINDS = ("", "github", "devops")

_SCP = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]*@[A-Za-z0-9.-]+:(?!//)")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class RepoSpec:
    """One repository to scan. ``location`` is a URL, or an absolute path when ``local``."""

    name: str
    location: str
    local: bool
    key: str
    auth: str = ""
    #: size in KiB when a lister knows it: larger repositories are scheduled first
    size: int = 0

    @property
    def display_url(self) -> str:
        return self.location if self.local else display_url(self.location)


def is_url(text: str) -> bool:
    return "://" in text or bool(_SCP.match(text))


def display_url(url: str) -> str:
    """``url`` without the user name and password it may carry before its host."""
    if "://" not in url:
        return url  # scp-like: user@host:path names an SSH user, no secret
    parts = urllib.parse.urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    netloc = parts.hostname or ""
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def auth_for_url(url: str) -> str:
    """The credentials a clone of ``url`` would need, known from its host."""
    host = ""
    if "://" in url:
        host = (urllib.parse.urlsplit(url).hostname or "").lower()
    if host == "github.com":
        return "github"
    if host == "dev.azure.com" or host.endswith(".visualstudio.com"):
        return "devops"
    return ""


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:10]


def url_name(url: str) -> str:
    """A short name for a repository URL: its path without ``.git`` (``owner/repo``)."""
    shown = display_url(url)
    if "://" in shown:
        path = urllib.parse.urlsplit(shown).path
    else:
        path = shown.split(":", 1)[1] if _SCP.match(shown) else shown
    path = urllib.parse.unquote(path).strip("/")
    path = path.removesuffix(".git").removesuffix("/")
    if shown.startswith("file://"):
        return "/" + path  # a local path, shown as one
    # Azure DevOps: ORG/PROJECT/_git/REPO -> PROJECT/REPO
    parts = [p for p in path.split("/") if p]
    if "_git" in parts:
        at = parts.index("_git")
        parts = [*parts[max(at - 1, 0) : at], *parts[at + 1 :]]
    return "/".join(parts) or shown


def spec_for_url(
    url: str, *, name: str | None = None, auth: str | None = None, size: int = 0
) -> RepoSpec:
    shown = name or url_name(url)
    key = f"{_UNSAFE.sub('_', shown)[:80]}-{_digest(display_url(url))}"
    kind = auth if auth is not None else auth_for_url(url)
    return RepoSpec(name=shown, location=url, local=False, key=key, auth=kind, size=size)


def spec_for_path(path: Path, *, base: Path | None = None) -> RepoSpec:
    full = path if path.is_absolute() else (base or Path.cwd()) / path
    full = Path(str(full.resolve()))
    label = full.name.removesuffix(".git") or str(full)
    key = f"{_UNSAFE.sub('_', label)[:80]}-{_digest(str(full))}"
    return RepoSpec(name=str(full), location=str(full), local=True, key=key)


def spec_for(entry: str, *, base: Path | None = None) -> RepoSpec:
    text = entry.strip()
    if is_url(text):
        return spec_for_url(text)
    return spec_for_path(Path(text).expanduser(), base=base)


def parse_list(text: str, *, where: str, base: Path | None = None) -> list[RepoSpec]:
    """The repositories of a list file's text (one a line, ``#`` comments)."""
    specs = []
    for number, line in enumerate(text.splitlines(), 1):
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        if "\0" in entry:
            raise UsageError(f"{where}:{number}: a NUL byte is not a repository")
        specs.append(spec_for(entry, base=base))
    return specs


def unique(specs: Iterable[RepoSpec]) -> list[RepoSpec]:
    """Each repository once (the first mention), in the order given."""
    seen: set[str] = set()
    out = []
    for spec in specs:
        if spec.key not in seen:
            seen.add(spec.key)
            out.append(spec)
    return out
