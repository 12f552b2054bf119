"""X.509 material for the cluster, made with `cryptography`.

Model: one self-signed cluster CA (ECDSA P-256, ten years) signs a serving certificate for
the API server (SANs: the host's names and addresses, `localhost`, 127.0.0.1, ::1, and the
in-cluster `kubernetes.default.svc` names) and client certificates whose subject CN is the
user and O the groups, as kube-apiserver reads them. All functions here are pure apart from
the randomness of key generation; writing files is `pacific.pki.bootstrap`'s job.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_VALIDITY = dt.timedelta(days=3650)
LEAF_VALIDITY = dt.timedelta(days=365)


@dataclass(frozen=True, slots=True)
class KeyPair:
    cert_pem: bytes
    key_pem: bytes

    @property
    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.cert_pem)


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def make_ca(common_name: str, now: dt.datetime) -> KeyPair:
    key = _new_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
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
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return KeyPair(cert.public_bytes(serialization.Encoding.PEM), _key_pem(key))


def _leaf(
    ca: KeyPair,
    subject: x509.Name,
    usage: x509.ObjectIdentifier,
    now: dt.datetime,
    sans: list[x509.GeneralName] | None = None,
) -> KeyPair:
    ca_key = serialization.load_pem_private_key(ca.key_pem, password=None)
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey):
        raise TypeError("the cluster CA key must be an EC key")
    ca_cert = ca.certificate
    key = _new_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + LEAF_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
    )
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    cert = builder.sign(ca_key, hashes.SHA256())
    return KeyPair(cert.public_bytes(serialization.Encoding.PEM), _key_pem(key))


def serving_sans(hostnames: Iterable[str], addresses: Iterable[str]) -> list[x509.GeneralName]:
    names = [
        "localhost",
        "kubernetes",
        "kubernetes.default",
        "kubernetes.default.svc",
        "kubernetes.default.svc.cluster.local",
        *hostnames,
    ]
    ips = ["127.0.0.1", "::1", *addresses]
    out: list[x509.GeneralName] = [x509.DNSName(n) for n in dict.fromkeys(names)]
    out += [x509.IPAddress(ipaddress.ip_address(a)) for a in dict.fromkeys(ips)]
    return out


def make_serving_cert(ca: KeyPair, sans: list[x509.GeneralName], now: dt.datetime) -> KeyPair:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pacific-apiserver")])
    return _leaf(ca, subject, ExtendedKeyUsageOID.SERVER_AUTH, now, sans)


def make_client_cert(ca: KeyPair, user: str, groups: Iterable[str], now: dt.datetime) -> KeyPair:
    attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, g) for g in groups]
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, user))
    return _leaf(ca, x509.Name(attrs), ExtendedKeyUsageOID.CLIENT_AUTH, now)


def covers(cert: x509.Certificate, sans: list[x509.GeneralName], now: dt.datetime) -> bool:
    """Whether a serving certificate is still valid for a while and names every SAN."""
    if cert.not_valid_after_utc - now < dt.timedelta(days=30):
        return False
    try:
        present = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    return all(san in present for san in sans)
