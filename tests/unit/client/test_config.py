from __future__ import annotations

import base64
import datetime as dt
import ssl
from pathlib import Path

import pytest
import yaml

from pacific.client.config import (
    ClientConfig,
    KubeconfigError,
    load_kubeconfig,
    parse_kubeconfig,
    ssl_context,
)
from pacific.pki import certs


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def kubeconfig(**user: str) -> dict[str, object]:
    return {
        "clusters": [
            {
                "name": "c1",
                "cluster": {"server": "https://one:6443/", "certificate-authority": "ca.crt"},
            },
            {
                "name": "c2",
                "cluster": {"server": "https://two", "certificate-authority-data": b64("PEM")},
            },
        ],
        "users": [{"name": "u1", "user": user or {"token": "t1"}}, {"name": "u2", "user": {}}],
        "contexts": [
            {"name": "ctx1", "context": {"cluster": "c1", "user": "u1", "namespace": "team"}},
            {"name": "ctx2", "context": {"cluster": "c2", "user": "u2"}},
        ],
        "current-context": "ctx1",
    }


def test_current_context_with_relative_paths(tmp_path: Path) -> None:
    cfg = parse_kubeconfig(kubeconfig(), tmp_path)
    assert cfg.server == "https://one:6443"
    assert cfg.token == "t1"
    assert cfg.ca_path == str(tmp_path / "ca.crt")
    assert cfg.namespace == "team"


def test_named_context_and_inline_ca(tmp_path: Path) -> None:
    cfg = parse_kubeconfig(kubeconfig(), tmp_path, context="ctx2")
    assert cfg.server == "https://two" and cfg.ca_data == "PEM"
    assert cfg.token is None and cfg.namespace == "default"


def test_token_file_and_client_certificates(tmp_path: Path) -> None:
    (tmp_path / "tok").write_text("from-file\n")
    cfg = parse_kubeconfig(
        kubeconfig(tokenFile="tok", **{"client-certificate": "c.crt", "client-key": "/k.key"}),
        tmp_path,
    )
    assert cfg.token == "from-file"
    assert cfg.client_cert == (str(tmp_path / "c.crt"), "/k.key")
    data = parse_kubeconfig(
        kubeconfig(**{"client-certificate-data": b64("C"), "client-key-data": b64("K")}), tmp_path
    )
    assert data.client_cert_data == ("C", "K")


@pytest.mark.parametrize(
    ("context", "doc"),
    [
        ("nope", kubeconfig()),
        (None, {**kubeconfig(), "current-context": ""}),
        (None, "not a mapping"),
    ],
)
def test_bad_kubeconfigs(tmp_path: Path, context: str | None, doc: object) -> None:
    with pytest.raises(KubeconfigError):
        parse_kubeconfig(doc, tmp_path, context)


def test_load_kubeconfig_reads_the_file_and_reports_missing(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(yaml.safe_dump(kubeconfig()))
    assert load_kubeconfig(path).server == "https://one:6443"
    with pytest.raises(KubeconfigError):
        load_kubeconfig(tmp_path / "missing")


def test_ssl_context_trusts_only_the_cluster_ca_and_loads_client_pairs() -> None:
    now = dt.datetime.now(dt.UTC)
    ca = certs.make_ca("test-ca", now)
    client = certs.make_client_cert(ca, "alice", ["devs"], now)
    ctx = ssl_context(
        ClientConfig(
            server="https://x",
            ca_data=ca.cert_pem.decode(),
            client_cert_data=(client.cert_pem.decode(), client.key_pem.decode()),
        )
    )
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
    assert len(ctx.get_ca_certs()) == 1
    insecure = ssl_context(ClientConfig(server="https://x", insecure_skip_tls_verify=True))
    assert insecure.verify_mode == ssl.CERT_NONE
