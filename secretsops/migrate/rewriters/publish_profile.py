"""Publish profiles: MSBuild ``.pubxml`` files and the ``.PublishSettings`` App Service hands out.

- ``.pubxml``: the element holding the value (``<Password>``, ``<MSDeployPassword>``...) keeps
  its place and gets the MSBuild property reference ``$(NAME)``. MSBuild reads an environment
  variable as a property of the same name, so a pipeline that maps the Key Vault secret into
  ``NAME`` (or passes ``/p:Password=...``) deploys unchanged.
- ``.PublishSettings``: the attribute's value is emptied (``userPWD=""``): the file stays a
  valid profile (for its URLs and user name), and the deployment takes the password from the
  vault or the pipeline's secret variable. Every copy (the Web Deploy and FTP profiles share
  one password) is emptied.

The vault holds the attribute's or element's decoded text (XML entities resolved).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePosixPath
from xml.sax.saxutils import unescape

from secretsops.migrate.rewriters import _text
from secretsops.migrate.rewriters._text import Edit, Lines
from secretsops.migrate.rewriters.base import (
    Reference,
    Replacement,
    RewriteOptions,
    RewriteResult,
    Site,
)

_ENTITIES = {"&quot;": '"', "&apos;": "'"}
_ELEMENT = re.compile(r"<([A-Za-z_][\w.\-]*)(\s[^<>]*)?>([^<]*)</\1\s*>")
_ATTRIBUTE = re.compile(r"""([A-Za-z_][\w.\-:]*)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')""")


def _decode(raw: str) -> str:
    return unescape(raw, _ENTITIES)


def kind_of(path: str) -> str | None:
    suffix = PurePosixPath(path).suffix.lower()
    if suffix == ".pubxml":
        return "pubxml"
    if suffix == ".publishsettings":
        return "publishsettings"
    return None


class PublishProfileRewriter:
    kind = "publish-profile"

    def handles(self, path: str, text: str) -> bool:
        return kind_of(path) is not None

    def locate(self, path: str, text: str, sites: Sequence[Site]) -> list[Replacement]:
        which = kind_of(path)
        if which is None:
            return []
        spans = _attribute_values(text) if which == "publishsettings" else _element_values(text)
        stem = PurePosixPath(path).name.rsplit(".", 1)[0]
        lines = Lines(text)
        out: list[Replacement] = []
        taken: set[int] = set()
        for site, at in _text.sites_with_extra_occurrences(text, sites, lines):
            for start, end, key in spans:
                raw = text[start:end]
                if start <= at and at + len(site.value) <= end and start not in taken:
                    value = _decode(raw)
                    if site.value not in value:
                        continue
                    taken.add(start)
                    # one name per profile file: its Web Deploy and FTP entries share it
                    hint = (
                        f"{stem} publish password"
                        if which == "publishsettings"
                        else (f"{stem} {key}")
                    )
                    out.append(Replacement(site, start, end, value, name_hint=hint))
                    break
        return out

    def render(
        self,
        path: str,
        text: str,
        chosen: Sequence[tuple[Replacement, Reference]],
        options: RewriteOptions,
    ) -> RewriteResult:
        which = kind_of(path)
        vault = options.vault_name
        if which == "publishsettings":
            edits = [Edit(r.start, r.end, "") for r, _ in chosen]
        else:
            edits = [Edit(r.start, r.end, f"$({ref.env_name})") for r, ref in chosen]
        new_text, leftovers = _text.sweep_leftovers(_text.apply_edits(text, edits), chosen)
        notes: list[str] = []
        for env, secret in sorted({(ref.env_name, ref.secret_name) for _, ref in chosen}):
            fetch = (
                f"az keyvault secret show --vault-name {vault} --name {secret} --query value -o tsv"
            )
            if which == "publishsettings":
                notes.append(
                    f"the profile no longer holds the password: the deployment reads Key Vault "
                    f"secret {secret} (Azure Pipelines: an AzureKeyVault@2 step or a Key "
                    f"Vault-linked variable group, then pass $({secret}) as the deployment "
                    f"password; GitHub Actions: the secret {env}); locally: {fetch}"
                )
            else:
                notes.append(
                    f"MSBuild reads $({env}) from the environment variable {env}: in Azure "
                    f"Pipelines map it from the Key Vault secret ({env}: $({secret}) in the "
                    f"step's env, after an AzureKeyVault@2 step or with a Key Vault-linked "
                    f'variable group); locally: export {env}="$({fetch})"'
                )
        return RewriteResult(kind=self.kind, text=new_text, notes=tuple(notes), manual=leftovers)


def _element_values(text: str) -> list[tuple[int, int, str]]:
    """(start, end, element name) of the text of every simple element ``<A>text</A>``."""
    return [(m.start(3), m.end(3), m.group(1)) for m in _ELEMENT.finditer(text) if m.group(3)]


def _attribute_values(text: str) -> list[tuple[int, int, str]]:
    """(start, end, attribute name) of every quoted attribute value inside a tag."""
    out: list[tuple[int, int, str]] = []
    for tag in re.finditer(r"<[A-Za-z_][^<>]*>", text):
        for m in _ATTRIBUTE.finditer(text, tag.start(), tag.end()):
            group = 2 if m.group(2) is not None else 3
            if m.group(group):
                out.append((m.start(group), m.end(group), m.group(1)))
    return out
