"""Client credential files (``.netrc``, ``.pgpass``, ``.git-credentials``, ``.my.cnf``,
``.pypirc``, ``pip.conf``, ``.npmrc``, Docker ``config.json``, FileZilla and WinSCP sessions,
``tomcat-users.xml``): none of them can reference Key Vault, and none belongs in a repository.
The value moves to the vault under a name from the entry (``netrc-git-corp-io``); the file is
not rewritten: the plan gives, per file, the exact manual step (take the file out of the
repository, write it at run time from the vault, purge it from history)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePosixPath

from secretsops.migrate.rewriters.base import (
    Reference,
    Replacement,
    RewriteOptions,
    RewriteResult,
    Site,
)

# file name -> (what it is, where its value goes when it is written at run time)
_FILES: dict[str, tuple[str, str]] = {
    ".netrc": (".netrc", "the `password` token of its `machine` entry"),
    "_netrc": ("_netrc", "the `password` token of its `machine` entry"),
    ".pgpass": (".pgpass", "the last field of its line (mode 0600)"),
    "pgpass.conf": ("pgpass.conf", "the last field of its line"),
    ".git-credentials": (".git-credentials", "the password of its URL (`git credential approve`)"),
    ".my.cnf": ("MySQL option file", "its `password=` line"),
    "my.cnf": ("MySQL option file", "its `password=` line"),
    "my.ini": ("MySQL option file", "its `password=` line"),
    ".pypirc": (".pypirc", "its `password =` line, or `TWINE_PASSWORD` in the environment"),
    "pip.conf": ("pip.conf", "the index URL, or `PIP_INDEX_URL` in the environment"),
    "pip.ini": ("pip.ini", "the index URL, or `PIP_INDEX_URL` in the environment"),
    ".npmrc": (".npmrc", "`_password=${NAME}` / `_auth=${NAME}` (npm expands variables)"),
    ".dockercfg": ("Docker credentials", "`docker login --password-stdin`"),
    "winscp.ini": ("WinSCP session file", "the session, entered at connection time"),
    "sitemanager.xml": ("FileZilla site file", "the site, entered at connection time"),
    "recentservers.xml": ("FileZilla server list", "the server, entered at connection time"),
    "tomcat-users.xml": ("Tomcat user file", "its `<user password=...>`, at deployment"),
}
_MACHINE = re.compile(r"\bmachine\s+(\S+)")


def _known(path: str) -> tuple[str, str] | None:
    posix = PurePosixPath(path)
    name = posix.name.casefold()
    if name == "config.json" and posix.parent.name == ".docker":
        return ("Docker config.json", "`docker login --password-stdin`")
    return _FILES.get(name)


class CredentialFileRewriter:
    kind = "credential-file"

    def handles(self, path: str, text: str) -> bool:
        return _known(path) is not None

    def locate(self, path: str, text: str, sites: Sequence[Site]) -> list[Replacement]:
        lines = text.split("\n")
        starts = [0]
        for line in lines:
            starts.append(starts[-1] + len(line) + 1)
        stem = PurePosixPath(path).name.lstrip("._").split(".", 1)[0] or "credentials"
        out: list[Replacement] = []
        for site in sites:
            if not 0 < site.line <= len(lines):
                continue
            at = lines[site.line - 1].find(site.value)
            if at < 0:
                continue
            # netrc: the machine the entry is for names the secret
            before = "\n".join(lines[max(0, site.line - 4) : site.line])
            machines = _MACHINE.findall(before)
            hint = f"{stem} {machines[-1]}" if machines else f"{stem} password"
            start = starts[site.line - 1] + at
            out.append(Replacement(site, start, start + len(site.value), site.value, hint))
        return out

    def render(
        self,
        path: str,
        text: str,
        chosen: Sequence[tuple[Replacement, Reference]],
        options: RewriteOptions,
    ) -> RewriteResult:
        what, where = _known(path) or ("credential file", "its entry")
        names = sorted({ref.secret_name for _, ref in chosen})
        fetch = " / ".join(
            f"`az keyvault secret show --vault-name {options.vault_name} --name {name} "
            "--query value -o tsv`"
            for name in names
        )
        step = (
            f"{path}: a {what} cannot reference Key Vault and does not belong in the repository. "
            f"Remove it (`git rm --cached {path}`, add it to `.gitignore`); where it is needed, "
            f"write it at run time with the value from {fetch} into {where}; then purge it from "
            "history (`secretsops purge`) and rotate the password."
        )
        return RewriteResult(kind=self.kind, text=None, manual=(step,))
