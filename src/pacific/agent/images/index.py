"""The index of images on this host: which names point at which image, and what it uses.

An image is identified by its config digest (its *ID*, as docker and crictl show it). A
record lists every blob the image needs (index and manifest documents, config, layers) and
the chain IDs of its unpacked layer snapshots, bottom layer first. A name
(`registry/repo:tag`) points at exactly one image: tagging another image with it moves it.
Records that lose their last name stay, untagged, until removed or garbage collected; a
repo digest (`registry/repo@sha256:...`, the manifest a registry served) stays with its
image.

The whole index is one JSON file, replaced atomically (tmp + fsync + rename) on every
change, so a crash leaves the old or the new index, never half of one. Blobs and snapshots
not named by any record are garbage (see `referenced_blobs`/`referenced_snapshots`).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pacific.agent.images.digest import is_digest
from pacific.agent.images.errors import ImageNotPresent, InvalidReference
from pacific.agent.images.reference import parse_reference


@dataclass
class ImageRecord:
    id: str  # config digest
    manifest: str  # the platform manifest's digest
    names: list[str]  # normalised `registry/repo:tag`
    repo_digests: list[str]  # `registry/repo@<digest the registry or archive named>`
    blobs: list[str]  # everything the image needs, manifest documents included
    layers: list[str]  # layer blob digests, bottom first
    chain_ids: list[str]  # snapshot per layer, bottom first
    size: int  # bytes of all its blobs
    created: float
    last_used: float
    labels: dict[str, str] = field(default_factory=dict)


@dataclass
class Index:
    images: list[ImageRecord] = field(default_factory=list)
    snapshots: dict[str, int] = field(default_factory=dict)  # chain ID -> unpacked bytes

    def find(self, ref: str) -> ImageRecord:
        """The image `ref` names: an ID (`sha256:...`), a name, or a repo digest."""
        if is_digest(ref):
            for rec in self.images:
                if rec.id == ref:
                    return rec
            raise ImageNotPresent(ref)
        try:
            parsed = parse_reference(ref)
        except InvalidReference as exc:
            raise ImageNotPresent(ref) from exc
        for rec in self.images:
            if parsed.digest is not None:
                if f"{parsed.repository}@{parsed.digest}" in rec.repo_digests:
                    return rec
            elif str(parsed) in rec.names:
                return rec
        raise ImageNotPresent(ref)

    def add(self, new: ImageRecord) -> ImageRecord:
        """Record `new`, merging with an existing record of the same ID; names move to it."""
        for rec in self.images:
            if rec.id != new.id:
                rec.names = [n for n in rec.names if n not in new.names]
        for rec in self.images:
            if rec.id == new.id:
                rec.names = sorted(set(rec.names) | set(new.names))
                rec.repo_digests = sorted(set(rec.repo_digests) | set(new.repo_digests))
                rec.blobs = sorted(set(rec.blobs) | set(new.blobs))
                rec.size = new.size
                rec.last_used = max(rec.last_used, new.last_used)
                return rec
        self.images.append(new)
        return new

    def drop(self, rec: ImageRecord) -> None:
        self.images = [r for r in self.images if r.id != rec.id]

    def referenced_blobs(self) -> set[str]:
        return {b for rec in self.images for b in rec.blobs}

    def referenced_snapshots(self) -> set[str]:
        return {c for rec in self.images for c in rec.chain_ids}


def load_index(path: Path) -> Index:
    if not path.exists():
        return Index()
    doc: dict[str, Any] = json.loads(path.read_text())
    return Index(
        [ImageRecord(**r) for r in doc.get("images", [])],
        {str(k): int(v) for k, v in doc.get("snapshots", {}).items()},
    )


def save_index(index: Index, path: Path) -> None:
    doc = {"images": [asdict(r) for r in index.images], "snapshots": index.snapshots}
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".index-")
    try:
        with os.fdopen(fd, "w") as out:
            json.dump(doc, out, indent=1, sort_keys=True)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
