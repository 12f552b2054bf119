"""Pull-secret keyrings and WWW-Authenticate parsing."""

from __future__ import annotations

import base64
import json

from pacific.agent.images.auth import Credentials, Keyring, parse_challenge


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_dockerconfigjson_auth_field_and_hub_aliases() -> None:
    doc = json.dumps({"auths": {"https://index.docker.io/v1/": {"auth": b64("me:pw:with:colons")}}})
    ring = Keyring.from_docker_configs([doc.encode()])
    assert ring.lookup("docker.io") == Credentials("me", "pw:with:colons")
    assert ring.lookup("quay.io") is None


def test_username_password_ports_and_globs() -> None:
    ring = Keyring.from_docker_configs(
        [
            {"auths": {"localhost:5000": {"username": "u", "password": "p"}}},
            {"*.example.com": {"auth": b64("w:x")}},  # legacy .dockercfg
        ]
    )
    assert ring.lookup("localhost:5000") == Credentials("u", "p")
    assert ring.lookup("localhost:5001") is None
    assert ring.lookup("reg.example.com") == Credentials("w", "x")
    assert ring.lookup("a.b.example.com") is None


def test_first_matching_secret_wins_and_junk_is_skipped() -> None:
    ring = Keyring.from_docker_configs(
        [
            b"not json",
            {"auths": {"r.io": {"auth": "!!!"}}},
            {"auths": {"r.io": {"username": "first", "password": "1"}}},
            {"auths": {"r.io": {"username": "second", "password": "2"}}},
        ]
    )
    assert ring.lookup("r.io") == Credentials("first", "1")


def test_credentials_repr_hides_password() -> None:
    assert "secret" not in repr(Credentials("u", "secret"))


def test_parse_bearer_challenge() -> None:
    scheme, params = parse_challenge(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",'
        'scope="repository:library/busybox:pull"'
    )
    assert scheme == "bearer"
    assert params == {
        "realm": "https://auth.docker.io/token",
        "service": "registry.docker.io",
        "scope": "repository:library/busybox:pull",
    }


def test_parse_basic_challenge() -> None:
    assert parse_challenge('Basic realm="Registry Realm"') == ("basic", {"realm": "Registry Realm"})
