"""A throw-away certificate authority and server certificate, made at every start.

The CA certificate is written to ``ca.pem`` in a private temporary folder, for
``connection_verify=`` or ``REQUESTS_CA_BUNDLE``. The server key never stays on disk: it is
written encrypted under a random password, loaded into the SSL context and removed at once.
The server certificate names ``localhost``, ``127.0.0.1``, ``::1`` and the host served on.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import secrets
import shutil
import ssl
import tempfile
from collections.abc import Sequence
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALIDITY = datetime.timedelta(days=90)
_DEFAULT_NAMES = ("localhost", "127.0.0.1", "::1")


def _subject_names(hosts: Sequence[str]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for host in dict.fromkeys([*_DEFAULT_NAMES, *hosts]):
        if host in ("", "0.0.0.0", "::"):  # noqa: S104 - the wildcard is never a name
            continue
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return names


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "secretsops"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _certificates(
    hosts: Sequence[str],
) -> tuple[x509.Certificate, x509.Certificate, ec.EllipticCurvePrivateKey]:
    now = datetime.datetime.now(datetime.timezone.utc)
    start, end = now - datetime.timedelta(minutes=5), now + VALIDITY
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("secretsops Key Vault emulator CA")
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    server = (
        x509.CertificateBuilder()
        .subject_name(_name("secretsops Key Vault emulator"))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(_subject_names(hosts)), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return ca, server, key


class TlsFiles:
    """The folder holding ``ca.pem`` and the server's SSL context; :meth:`remove` cleans up."""

    def __init__(self, hosts: Sequence[str]) -> None:
        ca, server, key = _certificates(hosts)
        self.directory = Path(tempfile.mkdtemp(prefix="secretsops-vault-"))
        self.ca_file = self.directory / "ca.pem"
        self.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
        self.context = self._context(server, key)

    def _context(self, server: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> ssl.SSLContext:
        password = secrets.token_bytes(32)
        cert_file = self.directory / "server.pem"
        key_file = self.directory / "server.key"
        cert_file.write_bytes(server.public_bytes(serialization.Encoding.PEM))
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.BestAvailableEncryption(password),
                )
            )
        try:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            context.load_cert_chain(cert_file, key_file, password=password)
        finally:
            key_file.unlink()
            cert_file.unlink()
        return context

    def remove(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)
