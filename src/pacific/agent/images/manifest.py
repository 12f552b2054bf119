"""Image manifests, indexes and configs: OCI and Docker v2 schema 2, parsed and checked.

A registry or archive answers a reference with either a *manifest* (one image: a config
blob and an ordered list of layer blobs) or an *index* (Docker: manifest list) of
per-platform manifests. `parse_document()` tells them apart (by media type, else by shape),
`select_platform()` picks the linux/amd64 entry, and `parse_config()` reads the config's
`rootfs.diff_ids` (digests of the uncompressed layers, which name the unpacked snapshots).

Invariants checked here, so later code may rely on them: every digest is sha256; a
manifest has a config whose media type is an image config (not a Helm chart or other
artifact) and layers of a known tar media type; a config has exactly one diff ID per layer.
Schema 1 manifests are refused. Everything here is pure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pacific.agent.images.digest import is_digest
from pacific.agent.images.errors import NotAnImage

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_SCHEMA1 = (
    "application/vnd.docker.distribution.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v1+prettyjws",
)
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"

MANIFEST_TYPES = (OCI_MANIFEST, DOCKER_MANIFEST)
INDEX_TYPES = (OCI_INDEX, DOCKER_LIST)
# What we send as Accept when fetching a manifest, most preferred first.
ACCEPT = ", ".join((*MANIFEST_TYPES, *INDEX_TYPES))

# Layer media type -> compression ("" for plain tar).
LAYER_TYPES = {
    "application/vnd.oci.image.layer.v1.tar": "",
    "application/vnd.oci.image.layer.v1.tar+gzip": "gzip",
    "application/vnd.oci.image.layer.nondistributable.v1.tar": "",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip": "gzip",
    "application/vnd.docker.image.rootfs.diff.tar": "",
    "application/vnd.docker.image.rootfs.diff.tar.gzip": "gzip",
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip": "gzip",
}


@dataclass(frozen=True)
class Platform:
    os: str
    architecture: str
    variant: str = ""


@dataclass(frozen=True)
class Descriptor:
    media_type: str
    digest: str
    size: int
    platform: Platform | None = None
    annotations: dict[str, str] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class Manifest:
    media_type: str
    config: Descriptor
    layers: tuple[Descriptor, ...]


@dataclass(frozen=True)
class Index:
    media_type: str
    manifests: tuple[Descriptor, ...]


@dataclass(frozen=True)
class ImageConfig:
    diff_ids: tuple[str, ...]
    os: str
    architecture: str
    raw: dict[str, Any] = field(hash=False, compare=False)


def _load(data: bytes, what: str) -> dict[str, Any]:
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise NotAnImage(None, f"{what} is not JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise NotAnImage(None, f"{what} is not a JSON object")
    return doc


def parse_descriptor(obj: Any) -> Descriptor:
    if not isinstance(obj, dict):
        raise NotAnImage(None, "descriptor is not an object")
    media_type, digest, size = obj.get("mediaType"), obj.get("digest"), obj.get("size")
    if not isinstance(media_type, str) or not isinstance(digest, str) or not is_digest(digest):
        raise NotAnImage(None, f"bad descriptor: {json.dumps(obj)[:200]}")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise NotAnImage(None, f"bad size in descriptor for {digest}")
    plat = obj.get("platform")
    platform = None
    if isinstance(plat, dict):
        platform = Platform(
            str(plat.get("os", "")), str(plat.get("architecture", "")), str(plat.get("variant", ""))
        )
    annotations = obj.get("annotations") or {}
    if not isinstance(annotations, dict):
        annotations = {}
    return Descriptor(
        media_type, digest, size, platform, {str(k): str(v) for k, v in annotations.items()}
    )


def parse_document(data: bytes, media_type: str = "") -> Manifest | Index:
    """A manifest or an index from its bytes; `media_type` is the Content-Type, if any."""
    if media_type.split(";")[0].strip() in DOCKER_SCHEMA1:
        raise NotAnImage(None, "schema 1 manifests are not supported")
    doc = _load(data, "manifest")
    kind = doc.get("mediaType") or media_type.split(";")[0].strip()
    if doc.get("schemaVersion") != 2:
        raise NotAnImage(None, f"unsupported manifest schemaVersion {doc.get('schemaVersion')!r}")
    if kind in INDEX_TYPES or (kind not in MANIFEST_TYPES and "manifests" in doc):
        entries = doc.get("manifests")
        if not isinstance(entries, list):
            raise NotAnImage(None, "index has no manifests list")
        return Index(kind or OCI_INDEX, tuple(parse_descriptor(e) for e in entries))
    if kind in MANIFEST_TYPES or (not kind and "layers" in doc):
        config = parse_descriptor(doc.get("config"))
        if config.media_type not in (OCI_CONFIG, DOCKER_CONFIG):
            raise NotAnImage(None, f"unsupported config media type {config.media_type}")
        raw_layers = doc.get("layers")
        if not isinstance(raw_layers, list):
            raise NotAnImage(None, "manifest has no layers list")
        layers = tuple(parse_descriptor(e) for e in raw_layers)
        for layer in layers:
            if layer.media_type not in LAYER_TYPES:
                raise NotAnImage(
                    None, f"unsupported layer media type {layer.media_type} for {layer.digest}"
                )
        return Manifest(kind or OCI_MANIFEST, config, layers)
    raise NotAnImage(None, f"unexpected media type {kind or 'unknown'}")


def select_platform(index: Index, os: str = "linux", architecture: str = "amd64") -> Descriptor:
    """The index entry for the platform (entries without a platform count as a match)."""
    candidates = [
        d
        for d in index.manifests
        if d.media_type in (*MANIFEST_TYPES, *INDEX_TYPES)
        and (d.platform is None or (d.platform.os, d.platform.architecture) == (os, architecture))
    ]
    # Prefer an explicit platform match over an unlabelled entry (attestations are labelled
    # unknown/unknown and so never match).
    candidates.sort(key=lambda d: d.platform is None)
    if not candidates:
        raise NotAnImage(None, f"no match for platform in manifest: {os}/{architecture}: not found")
    return candidates[0]


def parse_config(data: bytes, layer_count: int) -> ImageConfig:
    doc = _load(data, "image config")
    rootfs = doc.get("rootfs")
    diff_ids = rootfs.get("diff_ids") if isinstance(rootfs, dict) else None
    if not isinstance(diff_ids, list) or not all(
        isinstance(d, str) and is_digest(d) for d in diff_ids
    ):
        raise NotAnImage(None, "image config has no valid rootfs.diff_ids")
    if len(diff_ids) != layer_count:
        raise NotAnImage(None, "mismatched image rootfs and manifest layers")
    return ImageConfig(
        tuple(diff_ids), str(doc.get("os", "")), str(doc.get("architecture", "")), doc
    )


def render_manifest(
    config: Descriptor, layers: list[Descriptor], media_type: str = OCI_MANIFEST
) -> bytes:
    """Canonical JSON bytes of a manifest (used for archives without one, and tests)."""

    def desc(d: Descriptor) -> dict[str, Any]:
        return {"mediaType": d.media_type, "digest": d.digest, "size": d.size}

    doc = {
        "schemaVersion": 2,
        "mediaType": media_type,
        "config": desc(config),
        "layers": [desc(d) for d in layers],
    }
    return json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()
