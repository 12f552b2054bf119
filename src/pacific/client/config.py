"""Connection settings, and reading them from a kubeconfig file.

`ClientConfig` is the frozen description of how to reach one API server: URL, bearer token,
the CA that signs its serving certificate, an optional client certificate, and the default
namespace of the chosen context. `load_kubeconfig()` resolves a kubeconfig the way kubectl
does for the fields Pacific uses: the named or current context picks a cluster and a user;
`certificate-authority` / `client-certificate` / `client-key` / `tokenFile` paths are
relative to the kubeconfig's directory; `*-data` fields are base64 PEM.

`ssl_context()` turns a config into the TLS settings httpx uses: verify against the cluster
CA (never the system store when a CA is given), present the client certificate if any.
"""

from __future__ import annotations

import base64
import os
import ssl
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


class KubeconfigError(ValueError):
    """The kubeconfig is missing, malformed, or does not name what was asked for."""


@dataclass(frozen=True, slots=True)
class ClientConfig:
    server: str
    token: str | None = None
    ca_path: str | None = None
    ca_data: str | None = None  # PEM text
    client_cert: tuple[str, str] | None = None  # (certificate path, key path)
    client_cert_data: tuple[str, str] | None = None  # (certificate PEM, key PEM)
    insecure_skip_tls_verify: bool = False
    namespace: str = "default"


def default_kubeconfig_path() -> Path:
    env = os.environ.get("KUBECONFIG", "")
    first = env.split(os.pathsep)[0] if env else ""
    return Path(first) if first else Path.home() / ".kube" / "config"


def _named(entries: Any, name: str, what: str) -> Mapping[str, Any]:
    for entry in entries or ():
        if isinstance(entry, Mapping) and entry.get("name") == name:
            body = entry.get(what)
            return body if isinstance(body, Mapping) else {}
    raise KubeconfigError(f"kubeconfig has no {what} named {name!r}")


def _pem(data: Any, field: str) -> str:
    try:
        return base64.b64decode(str(data), validate=True).decode()
    except (ValueError, UnicodeDecodeError) as exc:
        raise KubeconfigError(f"{field} is not base64 PEM") from exc


def parse_kubeconfig(doc: Any, base_dir: Path, context: str | None = None) -> ClientConfig:
    """The connection a parsed kubeconfig document describes (pure apart from tokenFile)."""
    if not isinstance(doc, Mapping):
        raise KubeconfigError("kubeconfig is not a mapping")
    ctx_name = context or doc.get("current-context")
    if not ctx_name:
        raise KubeconfigError("kubeconfig has no current-context and none was given")
    ctx = _named(doc.get("contexts"), str(ctx_name), "context")
    cluster = _named(doc.get("clusters"), str(ctx.get("cluster", "")), "cluster")
    user = _named(doc.get("users"), str(ctx.get("user", "")), "user") if ctx.get("user") else {}
    server = cluster.get("server")
    if not server:
        raise KubeconfigError(f"cluster of context {ctx_name!r} has no server")

    def path(value: Any) -> str:
        p = Path(str(value)).expanduser()
        return str(p if p.is_absolute() else base_dir / p)

    token = user.get("token")
    if not token and user.get("tokenFile"):
        token = Path(path(user["tokenFile"])).read_text().strip()
    cert, key = user.get("client-certificate"), user.get("client-key")
    cert_data, key_data = user.get("client-certificate-data"), user.get("client-key-data")
    return ClientConfig(
        server=str(server).rstrip("/"),
        token=str(token) if token else None,
        ca_path=path(cluster["certificate-authority"])
        if cluster.get("certificate-authority")
        else None,
        ca_data=_pem(cluster["certificate-authority-data"], "certificate-authority-data")
        if cluster.get("certificate-authority-data")
        else None,
        client_cert=(path(cert), path(key)) if cert and key else None,
        client_cert_data=(
            _pem(cert_data, "client-certificate-data"),
            _pem(key_data, "client-key-data"),
        )
        if cert_data and key_data
        else None,
        insecure_skip_tls_verify=bool(cluster.get("insecure-skip-tls-verify", False)),
        namespace=str(ctx.get("namespace") or "default"),
    )


def load_kubeconfig(
    path: str | os.PathLike[str] | None = None, context: str | None = None
) -> ClientConfig:
    file = Path(path) if path is not None else default_kubeconfig_path()
    try:
        doc = yaml.safe_load(file.read_text())
    except OSError as exc:
        raise KubeconfigError(f"cannot read kubeconfig {file}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise KubeconfigError(f"kubeconfig {file} is not YAML: {exc}") from exc
    return parse_kubeconfig(doc, file.parent, context)


def ssl_context(config: ClientConfig) -> ssl.SSLContext:
    """TLS settings for the connection: the cluster CA, and the client certificate if any."""
    if config.insecure_skip_tls_verify:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    elif config.ca_path or config.ca_data:
        ctx = ssl.create_default_context(cafile=config.ca_path, cadata=config.ca_data)
    else:
        ctx = ssl.create_default_context()
    if config.client_cert is not None:
        ctx.load_cert_chain(*config.client_cert)
    elif config.client_cert_data is not None:
        _load_cert_chain_data(ctx, *config.client_cert_data)
    return ctx


def _load_cert_chain_data(ctx: ssl.SSLContext, cert_pem: str, key_pem: str) -> None:
    # The ssl module only loads key pairs from files: write them to a private directory that
    # lives only for the duration of the call.
    with tempfile.TemporaryDirectory(prefix="pacific-client-") as tmp:
        cert_file, key_file = Path(tmp) / "tls.crt", Path(tmp) / "tls.key"
        cert_file.write_text(cert_pem)
        key_file.touch(mode=0o600)
        key_file.write_text(key_pem)
        ctx.load_cert_chain(cert_file, key_file)
