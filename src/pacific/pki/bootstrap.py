"""First-start credentials in a data directory, reused on every later start.

Layout under `<data-dir>/pki/`:

    ca.crt, ca.key              the cluster CA
    apiserver.crt, .key         serving certificate (re-issued when a SAN is missing or it
                                is within 30 days of expiry; the CA is never replaced)
    tokens.csv                  static bearer tokens, kube-apiserver's format:
                                token,user,uid,"group1,group2"
and `<data-dir>/kubeconfig` for the admin (system:masters), pointing at the server.

Files holding secrets are written 0600 via a temporary file and an atomic rename, so a
crash never leaves a half-written key behind.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import ipaddress
import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml
from cryptography import x509

from pacific.pki import certs

ADMIN_USER = "pacific-admin"
ADMIN_GROUPS = ("system:masters",)
CONTROLLERS_USER = "system:pacific-controllers"
SCHEDULER_USER = "system:pacific-scheduler"
APISERVER_AGENT_USER = "system:pacific-apiserver"


@dataclass(frozen=True, slots=True)
class Credentials:
    """Paths and tokens a starting control plane needs."""

    ca_cert: Path
    ca_key: Path
    serving_cert: Path
    serving_key: Path
    token_file: Path
    kubeconfig: Path
    admin_token: str
    controllers_token: str
    scheduler_token: str
    agent_token: str
    agent_serving_cert: Path
    agent_serving_key: Path
    apiserver_agent_client_cert: Path
    apiserver_agent_client_key: Path


def _write_atomic(path: Path, data: bytes, mode: int = 0o600) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def _ensure_pair(
    stem: Path, make: Callable[[], certs.KeyPair], still_good: Callable[[x509.Certificate], bool]
) -> tuple[Path, Path]:
    """`<stem>.crt` and `<stem>.key`, issued anew only when missing or no longer good."""
    crt, key = stem.with_suffix(".crt"), stem.with_suffix(".key")
    if crt.exists() and key.exists():
        current = certs.KeyPair(crt.read_bytes(), key.read_bytes())
        if still_good(current.certificate):
            return crt, key
    pair = make()
    _write_atomic(key, pair.key_pem)
    _write_atomic(crt, pair.cert_pem, 0o644)
    return crt, key


def _host_sans() -> tuple[list[str], list[str]]:
    names = [socket.gethostname(), socket.getfqdn()]
    addresses: list[str] = []
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None):
            addresses.append(str(info[4][0]))
    except OSError:
        pass
    return [n for n in names if n], [a for a in addresses if "%" not in a]


def read_tokens(path: Path) -> dict[str, tuple[str, str, tuple[str, ...]]]:
    """token -> (user, uid, groups) from a static token file."""
    out: dict[str, tuple[str, str, tuple[str, ...]]] = {}
    for row in csv.reader(io.StringIO(path.read_text())):
        if len(row) < 2 or row[0].startswith("#"):
            continue
        groups = tuple(g for g in (row[3].split(",") if len(row) > 3 else []) if g)
        out[row[0]] = (row[1], row[2] if len(row) > 2 else row[1], groups)
    return out


def _ensure_token(
    tokens: dict[str, tuple[str, str, tuple[str, ...]]], user: str, groups: tuple[str, ...]
) -> str:
    for token, (u, _uid, _groups) in tokens.items():
        if u == user:
            return token
    token = secrets.token_urlsafe(32)
    tokens[token] = (user, user, groups)
    return token


def kubeconfig_yaml(server: str, ca_pem: bytes, user: str, token: str) -> bytes:
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "pacific",
                "cluster": {
                    "server": server,
                    "certificate-authority-data": base64.b64encode(ca_pem).decode(),
                },
            }
        ],
        "users": [{"name": user, "user": {"token": token}}],
        "contexts": [{"name": "pacific", "context": {"cluster": "pacific", "user": user}}],
        "current-context": "pacific",
        "preferences": {},
    }
    return yaml.safe_dump(doc, sort_keys=False).encode()


def ensure_credentials(
    data_dir: Path,
    server_url: str,
    *,
    now: dt.datetime | None = None,
    extra_sans: tuple[str, ...] = (),
) -> Credentials:
    """Create what is missing, keep what is there, and return where everything is."""
    now = now or dt.datetime.now(dt.UTC)
    pki = data_dir / "pki"
    pki.mkdir(parents=True, exist_ok=True)
    os.chmod(pki, 0o700)
    ca_crt, ca_key = pki / "ca.crt", pki / "ca.key"
    if ca_crt.exists() and ca_key.exists():
        ca = certs.KeyPair(ca_crt.read_bytes(), ca_key.read_bytes())
    else:
        ca = certs.make_ca("pacific-ca", now)
        _write_atomic(ca_key, ca.key_pem)
        _write_atomic(ca_crt, ca.cert_pem, 0o644)

    names, addresses = _host_sans()
    for extra in extra_sans:
        try:
            ipaddress.ip_address(extra)
            addresses.append(extra)
        except ValueError:
            names.append(extra)
    sans = certs.serving_sans(names, addresses)
    srv_crt, srv_key = _ensure_pair(
        pki / "apiserver",
        lambda: certs.make_serving_cert(ca, sans, now),
        lambda cert: certs.covers(cert, sans, now),
    )
    # The host agent's stream server (kubelet's :10250) and the API server's client
    # certificate for it: the agent trusts only the cluster CA and this one user.
    agent_crt, agent_key = _ensure_pair(
        pki / "agent",
        lambda: certs.make_serving_cert(ca, sans, now),
        lambda cert: certs.covers(cert, sans, now),
    )
    relay_crt, relay_key = _ensure_pair(
        pki / "apiserver-agent-client",
        lambda: certs.make_client_cert(ca, APISERVER_AGENT_USER, (), now),
        lambda cert: cert.not_valid_after_utc - now > dt.timedelta(days=30),
    )

    token_file = pki / "tokens.csv"
    tokens = read_tokens(token_file) if token_file.exists() else {}
    before = dict(tokens)
    admin = _ensure_token(tokens, ADMIN_USER, ADMIN_GROUPS)
    controllers = _ensure_token(tokens, CONTROLLERS_USER, ("system:masters",))
    scheduler = _ensure_token(tokens, SCHEDULER_USER, ("system:masters",))
    agent = _ensure_token(tokens, f"system:node:{socket.gethostname()}", ("system:nodes",))
    if tokens != before:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        for token, (user, uid, groups) in tokens.items():
            writer.writerow([token, user, uid, ",".join(groups)])
        _write_atomic(token_file, buf.getvalue().encode())

    kubeconfig = data_dir / "kubeconfig"
    wanted = kubeconfig_yaml(server_url, ca.cert_pem, ADMIN_USER, admin)
    if not kubeconfig.exists() or kubeconfig.read_bytes() != wanted:
        _write_atomic(kubeconfig, wanted)
    return Credentials(
        ca_cert=ca_crt,
        ca_key=ca_key,
        serving_cert=srv_crt,
        serving_key=srv_key,
        token_file=token_file,
        kubeconfig=kubeconfig,
        admin_token=admin,
        controllers_token=controllers,
        scheduler_token=scheduler,
        agent_token=agent,
        agent_serving_cert=agent_crt,
        agent_serving_key=agent_key,
        apiserver_agent_client_cert=relay_crt,
        apiserver_agent_client_key=relay_key,
    )
