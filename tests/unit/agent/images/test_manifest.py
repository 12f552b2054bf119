"""Manifest, index and config parsing; platform selection; chain IDs."""

from __future__ import annotations

import json

import pytest

from pacific.agent.images.digest import chain_ids, digest_of, hex_of, is_digest
from pacific.agent.images.errors import NotAnImage
from pacific.agent.images.manifest import (
    DOCKER_LIST,
    Descriptor,
    Index,
    Manifest,
    parse_config,
    parse_document,
    select_platform,
)
from pacific.agent.images.testimages import BuiltImage

from .conftest import index_of

D1, D2 = "sha256:" + "1" * 64, "sha256:" + "2" * 64


def test_parses_oci_manifest(images: dict[str, BuiltImage]) -> None:
    doc = parse_document(images["busybox-layered"].manifest)
    assert isinstance(doc, Manifest)
    assert doc.config.digest == digest_of(images["busybox-layered"].config)
    assert [layer.digest for layer in doc.layers] == [
        digest_of(x) for x in images["busybox-layered"].layers
    ]


def test_docker_v2_manifest_by_content_type() -> None:
    body = json.dumps(
        {
            "schemaVersion": 2,
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "digest": D1,
                "size": 3,
            },
            "layers": [
                {
                    "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "digest": D2,
                    "size": 9,
                }
            ],
        }
    ).encode()
    doc = parse_document(body, "application/vnd.docker.distribution.manifest.v2+json")
    assert isinstance(doc, Manifest)
    assert doc.media_type == "application/vnd.docker.distribution.manifest.v2+json"


def test_manifest_list_picks_linux_amd64() -> None:
    arm, amd = b'{"arm":1}', b'{"amd":1}'
    doc = parse_document(index_of((arm, "linux", "arm64"), (amd, "linux", "amd64")), DOCKER_LIST)
    assert isinstance(doc, Index)
    assert select_platform(doc).digest == digest_of(amd)


def test_no_matching_platform() -> None:
    doc = parse_document(index_of((b"{}", "linux", "arm64"), (b"[]", "windows", "amd64")))
    assert isinstance(doc, Index)
    with pytest.raises(NotAnImage, match="no match for platform"):
        select_platform(doc)


def test_explicit_platform_beats_unlabelled() -> None:
    unlabelled = Descriptor("application/vnd.oci.image.manifest.v1+json", D1, 1)
    labelled = select_platform(
        Index("x", (unlabelled, *parse_index_entries(index_of((b"a", "linux", "amd64")))))
    )
    assert labelled.digest == digest_of(b"a")


def parse_index_entries(body: bytes) -> tuple[Descriptor, ...]:
    doc = parse_document(body)
    assert isinstance(doc, Index)
    return doc.manifests


@pytest.mark.parametrize(
    ("body", "media", "message"),
    [
        (b"<html>", "text/html", "not JSON"),
        (b"[]", "", "not a JSON object"),
        (b'{"schemaVersion":1}', "", "schemaVersion"),
        (b"{}", "application/vnd.docker.distribution.manifest.v1+prettyjws", "schema 1"),
        (b'{"schemaVersion":2,"mediaType":"text/plain"}', "", "unexpected media type"),
        (
            json.dumps(
                {
                    "schemaVersion": 2,
                    "config": {
                        "mediaType": "application/vnd.cncf.helm.config.v1+json",
                        "digest": D1,
                        "size": 1,
                    },
                    "layers": [],
                }
            ).encode(),
            "",
            "unsupported config media type",
        ),
        (
            json.dumps(
                {
                    "schemaVersion": 2,
                    "config": {
                        "mediaType": "application/vnd.oci.image.config.v1+json",
                        "digest": D1,
                        "size": 1,
                    },
                    "layers": [{"mediaType": "text/plain", "digest": D2, "size": 1}],
                }
            ).encode(),
            "",
            "unsupported layer media type",
        ),
        (
            b'{"schemaVersion":2,"layers":[],"config":{"mediaType":"x","digest":"md5:1","size":1}}',
            "",
            "bad descriptor",
        ),
    ],
)
def test_rejects_non_images(body: bytes, media: str, message: str) -> None:
    with pytest.raises(NotAnImage, match=message):
        parse_document(body, media)


def test_config_diff_ids_must_match_layers(images: dict[str, BuiltImage]) -> None:
    config = parse_config(images["busybox-layered"].config, 2)
    assert len(config.diff_ids) == 2
    assert (config.os, config.architecture) == ("linux", "amd64")
    with pytest.raises(NotAnImage, match="mismatched image rootfs"):
        parse_config(images["busybox-layered"].config, 1)
    with pytest.raises(NotAnImage, match="diff_ids"):
        parse_config(b'{"rootfs":{}}', 0)


def test_chain_ids() -> None:
    assert chain_ids([]) == []
    assert chain_ids([D1]) == [D1]
    second = digest_of(f"{D1} {D2}".encode())
    assert chain_ids([D1, D2]) == [D1, second]
    assert chain_ids([D1, D2, D1])[2] == digest_of(f"{second} {D1}".encode())


def test_digest_helpers() -> None:
    assert is_digest(D1)
    assert not is_digest("sha256:" + "A" * 64)
    assert hex_of(D1) == "1" * 64
    with pytest.raises(ValueError):
        hex_of("sha256:../../etc")
