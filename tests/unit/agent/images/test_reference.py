"""Reference parsing and normalisation, as docker does it."""

from __future__ import annotations

import pytest

from pacific.agent.images.errors import InvalidReference
from pacific.agent.images.reference import familiar, parse_reference

D = "sha256:" + "a" * 64


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("busybox", "docker.io/library/busybox:latest"),
        ("busybox:1.36", "docker.io/library/busybox:1.36"),
        ("library/busybox", "docker.io/library/busybox:latest"),
        ("me/app:v1", "docker.io/me/app:v1"),
        ("docker.io/busybox", "docker.io/library/busybox:latest"),
        ("index.docker.io/busybox", "docker.io/library/busybox:latest"),
        ("localhost/app", "localhost/app:latest"),
        ("localhost:5000/app", "localhost:5000/app:latest"),
        ("127.0.0.1:5000/a/b/c:t", "127.0.0.1:5000/a/b/c:t"),
        ("quay.io/org/app", "quay.io/org/app:latest"),
        ("Registry/app", "Registry/app:latest"),
        ("[::1]:5000/app", "[::1]:5000/app:latest"),
        ("me/a-b__c.d--e", "docker.io/me/a-b__c.d--e:latest"),
        (f"busybox@{D}", f"docker.io/library/busybox@{D}"),
        (f"reg.io/x:1@{D}", f"reg.io/x:1@{D}"),
    ],
)
def test_normalises(text: str, normalised: str) -> None:
    assert str(parse_reference(text)) == normalised


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Busybox", "repository name (library/Busybox) must be lowercase"),
        ("a" * 64, "cannot specify 64-byte hexadecimal strings"),
        ("busybox:", "invalid reference format"),
        ("busybox:-x", "invalid reference format"),
        ("busybox@sha256:abc", "invalid reference format"),
        ("busybox@md5:" + "a" * 32, "invalid reference format"),
        ("", "must not be empty"),
        ("a//b", "invalid reference format"),
        ("/a", "invalid reference format"),
        ("a/b_", "invalid reference format"),
        ("-reg.io/a", "invalid reference format"),
        ("my_reg.io/a", "invalid reference format"),
        ("x" * 256, "255"),
    ],
)
def test_rejects(text: str, message: str) -> None:
    with pytest.raises(InvalidReference) as info:
        parse_reference(text)
    assert message in str(info.value)
    assert info.value.reason == "InvalidImageName"


def test_parts() -> None:
    ref = parse_reference("localhost:5000/team/app:2")
    assert (ref.domain, ref.path, ref.tag, ref.digest) == ("localhost:5000", "team/app", "2", None)
    assert ref.repository == "localhost:5000/team/app"
    assert ref.identifier == "2"
    assert ref.endpoint_host == "localhost:5000"


def test_digest_wins_when_pulling_and_hub_endpoint() -> None:
    ref = parse_reference(f"busybox:1@{D}")
    assert ref.identifier == D
    assert ref.endpoint_host == "registry-1.docker.io"
    assert str(ref.with_digest(D)) == f"docker.io/library/busybox@{D}"


def test_familiar() -> None:
    assert familiar(parse_reference("busybox")) == "busybox:latest"
    assert familiar(parse_reference("me/app:1")) == "me/app:1"
    assert familiar(parse_reference("quay.io/a/b")) == "quay.io/a/b:latest"
