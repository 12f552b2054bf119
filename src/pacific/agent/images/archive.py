"""Read image archives: OCI image layouts and `docker save` tarballs (plain or gzipped).

One streaming pass over the archive stores every blob in the blob store (each verified
against its `blobs/sha256/<hex>` name, or hashed on the way in for docker-save
`<id>/layer.tar` files) and keeps the small JSON metadata in memory. Then:

- an OCI layout (`oci-layout` + `index.json`) names its images by the index entries; a
  name comes from the `io.containerd.image.name` annotation, else from
  `org.opencontainers.image.ref.name` when that is a full reference (a bare tag names
  nothing);
- a `docker save` archive (`manifest.json` with Config/RepoTags/Layers; `repositories` is
  redundant) gets a Docker v2 manifest synthesised from its config and layer blobs, named
  by RepoTags.

`read_archive()` returns the roots to install (digest of a manifest or index, and names);
the image store installs them from the blob store like a pull. Symlinked members (newer
docker saves link `<id>/layer.tar` to `blobs/sha256/...`) are followed within the archive.
"""

from __future__ import annotations

import json
import posixpath
import re
import tarfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from pacific.agent.images.blobs import BlobStore
from pacific.agent.images.digest import digest_of
from pacific.agent.images.errors import InvalidReference, NotAnImage
from pacific.agent.images.manifest import (
    DOCKER_CONFIG,
    DOCKER_MANIFEST,
    Descriptor,
    Index,
    parse_document,
    render_manifest,
)
from pacific.agent.images.reference import parse_reference

_BLOB = re.compile(r"blobs/sha256/([0-9a-f]{64})")
_METADATA_LIMIT = 8 << 20
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Root:
    digest: str  # a manifest or index in the blob store
    names: tuple[str, ...]


@dataclass
class _Contents:
    metadata: dict[str, bytes] = field(default_factory=dict)
    blobs: dict[str, str] = field(default_factory=dict)  # member path -> digest
    links: dict[str, str] = field(default_factory=dict)  # member path -> target path

    def digest(self, path: str) -> str:
        for _ in range(8):
            if path in self.blobs:
                return self.blobs[path]
            if path not in self.links:
                break
            path = self.links[path]
        raise NotAnImage(None, f"archive lacks {path}")

    def json(self, path: str) -> Any:
        try:
            return json.loads(self.metadata[path])
        except KeyError as exc:
            raise NotAnImage(None, f"archive lacks {path}") from exc
        except ValueError as exc:
            raise NotAnImage(None, f"{path} in archive is not JSON") from exc


def _chunks(src: IO[bytes]) -> Iterator[bytes]:
    while chunk := src.read(_CHUNK):
        yield chunk


def _ingest(path: Path, blobs: BlobStore) -> _Contents:
    out = _Contents()
    try:
        with tarfile.open(path, mode="r|*") as tar:
            for member in tar:
                name = posixpath.normpath(member.name.lstrip("/"))
                if member.issym() or member.islnk():
                    base = posixpath.dirname(name) if member.issym() else ""
                    out.links[name] = posixpath.normpath(posixpath.join(base, member.linkname))
                    continue
                src = tar.extractfile(member) if member.isreg() else None
                if src is None:
                    continue
                if m := _BLOB.fullmatch(name):
                    digest = "sha256:" + m.group(1)
                    blobs.write(digest, _chunks(src))
                    out.blobs[name] = digest
                elif member.size <= _METADATA_LIMIT and (
                    name.endswith(".json") or name in ("oci-layout", "repositories")
                ):
                    out.metadata[name] = src.read()
                else:
                    out.blobs[name] = blobs.ingest(_chunks(src))
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        if isinstance(exc, OSError) and exc.errno is not None:
            raise
        raise NotAnImage(None, f"{path} is not a readable image archive: {exc}") from exc
    return out


def _full_name(text: str) -> str | None:
    if "/" not in text and ":" not in text:
        return None  # a bare tag, as skopeo writes
    try:
        return str(parse_reference(text))
    except InvalidReference:
        return None


def _oci_roots(contents: _Contents) -> list[Root]:
    index = parse_document(contents.metadata["index.json"])
    if not isinstance(index, Index):
        raise NotAnImage(None, "index.json is not an image index")
    roots = []
    for entry in index.manifests:
        names = []
        for key in ("io.containerd.image.name", "org.opencontainers.image.ref.name"):
            name = _full_name(entry.annotations.get(key, ""))
            if name and name not in names:
                names.append(name)
        roots.append(Root(entry.digest, tuple(names[:1])))
    return roots


def _docker_roots(contents: _Contents, blobs: BlobStore) -> list[Root]:
    entries = contents.json("manifest.json")
    if not isinstance(entries, list):
        raise NotAnImage(None, "manifest.json is not a list")
    roots = []
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("Layers"), list):
            raise NotAnImage(None, "manifest.json entry lacks Config or Layers")
        config_path = str(entry.get("Config", ""))
        if config_path in contents.metadata:
            data = contents.metadata[config_path]
            config_digest = digest_of(data)
            blobs.write_bytes(config_digest, data)
        else:
            config_digest = contents.digest(config_path)
        layers = []
        for layer_path in entry["Layers"]:
            digest = contents.digest(str(layer_path))
            with blobs.open(digest) as f:
                gz = f.read(2) == b"\x1f\x8b"
            kind = "application/vnd.docker.image.rootfs.diff.tar" + (".gzip" if gz else "")
            layers.append(Descriptor(kind, digest, blobs.size(digest)))
        config = Descriptor(DOCKER_CONFIG, config_digest, blobs.size(config_digest))
        manifest = render_manifest(config, layers, DOCKER_MANIFEST)
        digest = digest_of(manifest)
        blobs.write_bytes(digest, manifest)
        names = [n for n in (_full_name(str(t)) for t in entry.get("RepoTags") or []) if n]
        roots.append(Root(digest, tuple(names)))
    return roots


def read_archive(path: Path, blobs: BlobStore) -> list[Root]:
    """Store the archive's blobs; the images it holds (synchronous file I/O)."""
    contents = _ingest(path, blobs)
    if "index.json" in contents.metadata:
        roots = _oci_roots(contents)
    elif "manifest.json" in contents.metadata:
        roots = _docker_roots(contents, blobs)
    else:
        raise NotAnImage(
            None, f"{path}: neither an OCI layout (index.json) nor a docker save (manifest.json)"
        )
    if not roots:
        raise NotAnImage(None, f"{path} holds no image")
    return roots
