"""The host's image store: import, pull, list, remove, garbage-collect, and root layers.

On disk, under `StoreConfig.root` (default /var/lib/pacific/images):

    blobs/sha256/<hex>     every manifest, index, config and layer, each stored once
    snapshots/<hex>/       one unpacked layer diff per chain ID (whiteouts as overlay marks)
    index.json             the image records (see `index.py`)
    lock                   flock'd by whoever changes the store
    tmp/                   partial downloads; emptied by garbage collection

Installing an image (from a pull or an archive) walks root document -> platform manifest
-> config -> layers, storing each blob before anything refers to it, unpacks missing
snapshots (into a temporary directory renamed into place), and only then records the
image. So a record never names a missing blob or snapshot, and a crash at any point leaves
only garbage that `collect_garbage()` removes. Mutations are serialised by an asyncio lock
and, across processes (the agent and `pacific image import`), by an exclusive flock on
`lock`, under which the index is re-read before the change and written after it; readers
re-read it when its file changed. That is kubelet's default of serialised image pulls, and
it keeps GC from deleting a blob an install has written but not yet recorded. File work
runs in worker threads.

A container root is an overlay of `lower_dirs(image)` (top layer first, the order of
overlayfs `lowerdir=`) plus its own upper dir. An image with no layers has no lower dirs.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import fcntl
import os
import shutil
import ssl
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import httpx

from pacific.agent.images.archive import read_archive
from pacific.agent.images.auth import Credentials, Keyring
from pacific.agent.images.blobs import BlobStore
from pacific.agent.images.digest import chain_ids, digest_of, hex_of
from pacific.agent.images.errors import ImageNotPresent, NotAnImage
from pacific.agent.images.gc import Candidate, GcPlan, plan_gc
from pacific.agent.images.index import ImageRecord, load_index, save_index
from pacific.agent.images.layers import unpack_layer
from pacific.agent.images.manifest import (
    Descriptor,
    Index,
    Manifest,
    Platform,
    parse_config,
    parse_document,
    select_platform,
)
from pacific.agent.images.policy import PullAction, PullPolicy, decide_pull
from pacific.agent.images.reference import parse_reference
from pacific.agent.images.registry import RegistryConfig, Repository

DEFAULT_ROOT = Path("/var/lib/pacific/images")
_MAX_NESTING = 4


@dataclass(frozen=True)
class StoreConfig:
    root: Path = DEFAULT_ROOT
    registry: RegistryConfig = field(default_factory=RegistryConfig)
    platform: Platform = field(default_factory=lambda: Platform("linux", "amd64"))


class _Source(Protocol):
    async def document(self, digest: str) -> tuple[bytes, str]: ...
    async def blob(self, desc: Descriptor) -> None: ...


class _Local:
    """Content already in the blob store (from an archive)."""

    def __init__(self, blobs: BlobStore) -> None:
        self.blobs = blobs

    async def document(self, digest: str) -> tuple[bytes, str]:
        await self.blob(Descriptor("", digest, 0))
        return self.blobs.read(digest), ""

    async def blob(self, desc: Descriptor) -> None:
        if not self.blobs.has(desc.digest):
            raise NotAnImage(None, f"archive lacks blob {desc.digest}")


class _Remote:
    def __init__(self, repo: Repository, blobs: BlobStore) -> None:
        self.repo = repo
        self.blobs = blobs

    async def document(self, digest: str) -> tuple[bytes, str]:
        body, media_type, _ = await self.repo.manifest(digest)
        return body, media_type

    async def blob(self, desc: Descriptor) -> None:
        await self.repo.fetch_blob(desc, self.blobs)


class ImageStore:
    def __init__(
        self,
        config: StoreConfig | None = None,
        *,
        clock: Callable[[], float] = time.time,
        transport: httpx.AsyncBaseTransport | None = None,
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        self.config = config or StoreConfig()
        self.root = self.config.root
        self._clock = clock
        self._transport = transport
        self._verify = verify
        self._lock = asyncio.Lock()
        self.blobs = BlobStore(self.root / "blobs", self.root / "tmp")
        self._snapshots = self.root / "snapshots"
        self._snapshots.mkdir(parents=True, exist_ok=True)
        self._index_path = self.root / "index.json"
        self._seen: tuple[int, int, int] | None = None
        self._reload()

    # -- reading ---------------------------------------------------------------------------

    def _stamp(self) -> tuple[int, int, int] | None:
        try:
            st = self._index_path.stat()
        except FileNotFoundError:
            return None
        return st.st_ino, st.st_mtime_ns, st.st_size

    def _reload(self) -> None:
        self._seen = self._stamp()
        self.index = load_index(self._index_path)

    def _save(self) -> None:
        save_index(self.index, self._index_path)
        self._seen = self._stamp()

    def _fresh(self) -> None:
        """Re-read the index if another process (say `pacific image import`) changed it."""
        if self._stamp() != self._seen:
            self._reload()

    @contextlib.asynccontextmanager
    async def _exclusive(self) -> AsyncIterator[None]:
        """This process's lock, then the store's file lock, with the index re-read."""
        async with self._lock:
            fd = os.open(self.root / "lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                await asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX)
                self._reload()
                yield
            finally:
                os.close(fd)  # releases the file lock

    def list(self) -> list[ImageRecord]:
        self._fresh()
        return list(self.index.images)

    def get(self, reference: str) -> ImageRecord:
        """The image a name, repo digest or ID names; ImageNotPresent otherwise."""
        self._fresh()
        return self.index.find(reference)

    def snapshot_dir(self, chain_id: str) -> Path:
        return self._snapshots / hex_of(chain_id)

    def lower_dirs(self, image: ImageRecord | str) -> builtins.list[Path]:
        """The image's snapshots, top layer first, for overlayfs `lowerdir=`."""
        rec = self.get(image) if isinstance(image, str) else image
        return [self.snapshot_dir(c) for c in reversed(rec.chain_ids)]

    async def touch(self, reference: str) -> None:
        """Note that a container started from the image now (for least-recently-used GC)."""
        async with self._exclusive():
            self.get(reference).last_used = self._clock()
            await asyncio.to_thread(self._save)

    # -- adding ----------------------------------------------------------------------------

    async def import_archive(
        self, path: Path, *, reference: str | None = None
    ) -> builtins.list[ImageRecord]:
        """Import an OCI layout or `docker save` archive; `reference` names its images."""
        names = (str(parse_reference(reference)),) if reference else None
        async with self._exclusive():
            roots = await asyncio.to_thread(read_archive, path, self.blobs)
            source = _Local(self.blobs)
            return [
                await self._install(root.digest, "", names or root.names, (), source, None)
                for root in roots
            ]

    async def pull(
        self,
        reference: str,
        *,
        auth: Credentials | Keyring | None = None,
        policy: PullPolicy = PullPolicy.ALWAYS,
    ) -> ImageRecord:
        """Make the image present as `policy` says, pulling from its registry if needed."""
        ref = parse_reference(reference)
        try:
            present: ImageRecord | None = self.get(str(ref))
        except ImageNotPresent:
            present = None
        action = decide_pull(policy, present is not None)
        if action is PullAction.REFUSE:
            raise ImageNotPresent(reference, never_pull=True)
        if present is not None and action is PullAction.USE_LOCAL:
            return present
        creds = auth.lookup(ref.domain) if isinstance(auth, Keyring) else auth
        name = str(ref)
        async with (
            self._exclusive(),
            httpx.AsyncClient(transport=self._transport, verify=self._verify) as http,
        ):
            repo = Repository(ref, http, creds, self.config.registry)
            try:
                body, media_type, digest = await repo.manifest(ref.identifier)
                self.blobs.write_bytes(digest, body, reference=name)
                names = (f"{ref.repository}:{ref.tag}",) if ref.tag and not ref.digest else ()
                return await self._install(
                    digest,
                    media_type,
                    names,
                    (f"{ref.repository}@{digest}",),
                    _Remote(repo, self.blobs),
                    name,
                )
            except NotAnImage as exc:
                if exc.reference is None:
                    raise NotAnImage(name, exc.detail) from exc
                raise

    async def _install(
        self,
        root: str,
        media_type: str,
        names: tuple[str, ...],
        repo_digests: tuple[str, ...],
        source: _Source,
        name: str | None,
    ) -> ImageRecord:
        await source.blob(Descriptor("", root, 0))
        blobs = [root]
        manifest_digest = root
        doc = parse_document(self.blobs.read(root), media_type)
        for _ in range(_MAX_NESTING):
            if not isinstance(doc, Index):
                break
            entry = select_platform(doc, self.config.platform.os, self.config.platform.architecture)
            data, media_type = await source.document(entry.digest)
            if digest_of(data) != entry.digest:
                raise NotAnImage(name, f"manifest {entry.digest} does not match its digest")
            self.blobs.write_bytes(entry.digest, data, reference=name)
            blobs.append(entry.digest)
            manifest_digest = entry.digest
            doc = parse_document(data, media_type)
        if not isinstance(doc, Manifest):
            raise NotAnImage(name, "image index nested too deeply")
        await source.blob(doc.config)
        config = parse_config(self.blobs.read(doc.config.digest), len(doc.layers))
        chains = chain_ids(list(config.diff_ids))
        for layer, diff_id, chain in zip(doc.layers, config.diff_ids, chains, strict=True):
            await source.blob(layer)
            if chain not in self.index.snapshots or not self.snapshot_dir(chain).is_dir():
                size = await asyncio.to_thread(self._unpack, layer.digest, diff_id, chain, name)
                self.index.snapshots[chain] = size
        blobs += [doc.config.digest, *(layer.digest for layer in doc.layers)]
        now = self._clock()
        record = self.index.add(
            ImageRecord(
                id=doc.config.digest,
                manifest=manifest_digest,
                names=list(names),
                repo_digests=list(repo_digests),
                blobs=sorted(set(blobs)),
                layers=[layer.digest for layer in doc.layers],
                chain_ids=chains,
                size=0,  # set below, over the merged record's blobs
                created=now,
                last_used=now,
            )
        )
        record.size = sum(self.blobs.size(b) for b in record.blobs)
        await asyncio.to_thread(self._save)
        return record

    def _unpack(self, blob: str, diff_id: str, chain: str, name: str | None) -> int:
        target = self.snapshot_dir(chain)
        tmp = Path(tempfile.mkdtemp(dir=self._snapshots, prefix=".tmp-"))
        try:
            tmp.chmod(0o755)
            with self.blobs.open(blob) as f:
                size = unpack_layer(f, tmp, diff_id, reference=name)
            if target.exists():
                shutil.rmtree(target)
            tmp.rename(target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return size

    # -- removing --------------------------------------------------------------------------

    async def remove(self, reference: str) -> ImageRecord:
        """Untag a name (the image goes when its last name does) or delete an image by ID."""
        async with self._exclusive():
            rec = self.get(reference)
            if reference.startswith("sha256:") or len(rec.names) <= 1:
                self.index.drop(rec)
            else:
                rec.names.remove(str(parse_reference(reference)))
            await asyncio.to_thread(self._save)
            await asyncio.to_thread(self._sweep)
        return rec

    async def collect_garbage(self) -> int:
        """Delete blobs and snapshots no image refers to; the bytes freed."""
        async with self._exclusive():
            return await asyncio.to_thread(self._sweep)

    def _sweep(self) -> int:
        freed = 0
        for digest in self.blobs.digests() - self.index.referenced_blobs():
            freed += self.blobs.remove(digest)
        keep = {hex_of(c) for c in self.index.referenced_snapshots()}
        for path in self._snapshots.iterdir():
            if path.name not in keep:
                shutil.rmtree(path, ignore_errors=True)
        for chain in list(self.index.snapshots):
            if hex_of(chain) not in keep:
                freed += self.index.snapshots.pop(chain)
        self.blobs.clean_tmp()
        self._save()
        return freed

    async def gc_under_pressure(
        self, high_pct: int, low_pct: int, *, in_use: Collection[str] = ()
    ) -> GcPlan:
        """kubelet's image GC: above `high_pct` disk use, delete least-recently-used images
        not in `in_use` (IDs, names or repo digests, normalised like any reference) until
        use is back under `low_pct`."""
        usage = shutil.disk_usage(self.root)
        busy = set()
        for ref in in_use:
            try:
                busy.add(self.get(ref).id)
            except ImageNotPresent:
                continue  # a container of an image already gone pins nothing
        candidates = [
            Candidate(
                rec.id,
                frozenset(rec.blobs),
                frozenset(rec.chain_ids),
                rec.last_used,
                rec.id in busy,
            )
            for rec in self.index.images
        ]
        sizes = {d: self.blobs.size(d) for d in self.index.referenced_blobs() if self.blobs.has(d)}
        sizes.update(self.index.snapshots)
        plan = plan_gc(
            candidates,
            sizes,
            capacity=usage.total,
            used=usage.total - usage.free,
            high_pct=high_pct,
            low_pct=low_pct,
        )
        for image_id in plan.remove:
            await self.remove(image_id)
        return plan
