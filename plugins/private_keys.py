"""Private keys: PEM, OpenSSH, PGP, SSH2 and PuTTY formats."""

from __future__ import annotations

import re
from collections.abc import Iterator

from secretsops_plugins import _base, google

_KIND = r"(?:RSA |DSA |EC |OPENSSH |ENCRYPTED |PGP |SSH2 ENCRYPTED )?PRIVATE KEY(?: BLOCK)?"


class PrivateKeyDetector(_base.LineDetector):
    """Private keys: the armour line of PEM keys (``RSA``, ``DSA``, ``EC``, PKCS#8 and encrypted
    PKCS#8), OpenSSH, PGP and SSH2 private keys, and PuTTY ``.ppk`` files (versions 2 and 3).
    The value is the armour line, as in detect-secrets. Public keys and certificates are not
    private keys and never match. A service-account JSON key is left to the Google detector.

    Replaces detect-secrets' detector of the same class name and type (baselines keep
    matching), adding encrypted PKCS#8 keys and PuTTY version 3 files.
    """

    secret_type = "Private Key"  # noqa: S105  # pragma: allowlist secret (a name)
    confidence = "high"
    provider = "(any)"
    armour = re.compile("BEGIN " + _KIND)
    putty = re.compile(r"PuTTY-User-Key-File-[23]")
    necessary_patterns = (armour, putty)

    def find(self, line: str, filename: str, context: list[str]) -> Iterator[str]:
        if google.is_service_account_line(line, context):
            return
        for match in self.armour.finditer(line):
            yield match.group(0)
        for match in self.putty.finditer(line):
            yield match.group(0)
