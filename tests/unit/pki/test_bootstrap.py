import contextlib
import datetime as dt
import ssl
import stat

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from pacific.pki import bootstrap, certs

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def test_first_start_creates_everything(tmp_path):
    creds = bootstrap.ensure_credentials(tmp_path, "https://127.0.0.1:6443", now=NOW)
    for path in (
        creds.ca_cert,
        creds.ca_key,
        creds.serving_cert,
        creds.serving_key,
        creds.token_file,
        creds.kubeconfig,
    ):
        assert path.exists()
    assert stat.S_IMODE(creds.ca_key.stat().st_mode) == 0o600
    assert stat.S_IMODE(creds.token_file.stat().st_mode) == 0o600
    kc = yaml.safe_load(creds.kubeconfig.read_text())
    assert kc["clusters"][0]["cluster"]["server"] == "https://127.0.0.1:6443"
    assert kc["users"][0]["user"]["token"] == creds.admin_token
    tokens = bootstrap.read_tokens(creds.token_file)
    assert tokens[creds.admin_token][0] == bootstrap.ADMIN_USER
    assert "system:masters" in tokens[creds.admin_token][2]


def test_later_starts_reuse_credentials(tmp_path):
    first = bootstrap.ensure_credentials(tmp_path, "https://127.0.0.1:6443", now=NOW)
    ca_before = first.ca_cert.read_bytes()
    serving_before = first.serving_cert.read_bytes()
    second = bootstrap.ensure_credentials(tmp_path, "https://127.0.0.1:6443", now=NOW)
    assert second.admin_token == first.admin_token
    assert second.ca_cert.read_bytes() == ca_before
    assert second.serving_cert.read_bytes() == serving_before


def test_new_san_reissues_serving_cert_but_keeps_ca(tmp_path):
    first = bootstrap.ensure_credentials(tmp_path, "https://127.0.0.1:6443", now=NOW)
    ca_before = first.ca_cert.read_bytes()
    serving_before = first.serving_cert.read_bytes()
    bootstrap.ensure_credentials(
        tmp_path, "https://127.0.0.1:6443", now=NOW, extra_sans=("10.9.8.7", "api.example.test")
    )
    assert first.ca_cert.read_bytes() == ca_before
    assert first.serving_cert.read_bytes() != serving_before
    cert = x509.load_pem_x509_certificate(first.serving_cert.read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "api.example.test" in san.get_values_for_type(x509.DNSName)


def test_serving_cert_verifies_against_ca(tmp_path):
    creds = bootstrap.ensure_credentials(
        tmp_path, "https://127.0.0.1:6443", now=dt.datetime.now(dt.UTC)
    )
    ctx = ssl.create_default_context(cafile=str(creds.ca_cert))
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(creds.serving_cert, creds.serving_key)
    # Verify the chain through an in-memory handshake.
    c_in, c_out, s_in, s_out = ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO()
    client = ctx.wrap_bio(c_in, c_out, server_hostname="localhost")
    srv = server.wrap_bio(s_in, s_out, server_side=True)
    for _ in range(10):
        for side in (client, srv):
            with contextlib.suppress(ssl.SSLWantReadError):
                side.do_handshake()
        s_in.write(c_out.read())
        c_in.write(s_out.read())
    assert client.getpeercert()["subject"][0][0][1] == "pacific-apiserver"


def test_client_cert_carries_user_and_groups():
    ca = certs.make_ca("t", NOW)
    kp = certs.make_client_cert(ca, "alice", ["dev", "ops"], NOW)
    subject = kp.certificate.subject
    assert subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == "alice"
    orgs = [a.value for a in subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)]
    assert orgs == ["dev", "ops"]


def test_agent_stream_credentials(tmp_path):
    creds = bootstrap.ensure_credentials(tmp_path, "https://127.0.0.1:6443", now=NOW)
    relay = x509.load_pem_x509_certificate(creds.apiserver_agent_client_cert.read_bytes())
    cn = relay.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value
    assert cn == bootstrap.APISERVER_AGENT_USER
    agent = x509.load_pem_x509_certificate(creds.agent_serving_cert.read_bytes())
    san = agent.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in san.get_values_for_type(x509.DNSName)
    tokens = bootstrap.read_tokens(creds.token_file)
    assert tokens[creds.agent_token][2] == ("system:nodes",)
    again = bootstrap.ensure_credentials(tmp_path, "https://127.0.0.1:6443", now=NOW)
    assert again.apiserver_agent_client_cert.read_bytes() == relay.public_bytes(
        serialization.Encoding.PEM
    )
    assert again.agent_token == creds.agent_token
