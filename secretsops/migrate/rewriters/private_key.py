"""Private keys and certificates: a file made only of PEM blocks (``.pem``, ``.key``, ``id_rsa``,
a certificate with its key...) with at least one private key.

The whole file becomes one Key Vault secret with content type ``application/x-pem-file`` (the
content type Key Vault itself gives a PEM certificate's secret), so
``az keyvault secret download --vault-name V --name N --file PATH`` writes it back byte for
byte. The file is removed from the working tree and the index (as ``git rm`` does) and its path
is added to the repository's ``.gitignore``, so a downloaded copy is never committed again.
``apply`` does this only after the secret is read back from the vault.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from secretsops.migrate.rewriters.base import (
    Reference,
    Replacement,
    RewriteOptions,
    RewriteResult,
    Site,
)

_BLOCK = re.compile(
    r"-----BEGIN ([A-Z0-9 ]{1,40})-----\r?\n(?:[^\n]*:[^\n]*\r?\n)*(?:\r?\n)?[A-Za-z0-9+/=\s]*?"
    r"-----END \1-----"
)
CONTENT_TYPE = "application/x-pem-file"


def pem_only(text: str) -> bool:
    """Only PEM blocks and blank space (text before the first block, as openssl writes it for
    ``Bag Attributes``, is allowed too), and at least one private key."""
    rest = text
    blocks = list(_BLOCK.finditer(text))
    if not blocks or not any("PRIVATE KEY" in b.group(1) for b in blocks):
        return False
    for block in reversed(blocks):
        rest = rest[: block.start()] + rest[block.end() :]
    return all(
        not line.strip() or ":" in line or line.startswith(" ") for line in rest.splitlines()
    )


def is_certificate(text: str) -> bool:
    return any(b.group(1) == "CERTIFICATE" for b in _BLOCK.finditer(text))


class PrivateKeyRewriter:
    kind = "private-key"

    def handles(self, path: str, text: str) -> bool:
        return pem_only(text)

    def locate(self, path: str, text: str, sites: Sequence[Site]) -> list[Replacement]:
        if not pem_only(text):
            return []
        return [Replacement(site, 0, len(text), text, name_hint="") for site in sites]

    def render(
        self,
        path: str,
        text: str,
        chosen: Sequence[tuple[Replacement, Reference]],
        options: RewriteOptions,
    ) -> RewriteResult:
        if not chosen:
            return RewriteResult(kind=self.kind, text=None)
        ref = chosen[0][1]
        vault = options.vault_name
        notes = [
            f"{path} is removed from the repository (and ignored): fetch it where it is needed "
            f"with az keyvault secret download --vault-name {vault} --name {ref.secret_name} "
            f"--file {path}"
        ]
        if is_certificate(text):
            notes.append(
                f"it holds a certificate with its key: to manage it as a Key Vault certificate "
                f"(renewal, App Service bindings), import the downloaded file with az keyvault "
                f"certificate import --vault-name {vault} --name {ref.secret_name}-cert --file "
                f"{path}"
            )
        return RewriteResult(kind=self.kind, text=None, notes=tuple(notes), remove=True)
