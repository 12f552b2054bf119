"""Content-addressed blob storage: `<root>/sha256/<hex>`, each blob stored once.

Invariant: a file at `sha256/<hex>` always holds bytes whose sha256 is `<hex>`. Writers
stream into a temporary file in the store's `tmp` directory (same file system), hash as
they write, and only rename into place when the digest matched; a crash
leaves at worst a stray temporary file, which `clean_tmp()` removes. Writing a blob that
is already present is a no-op (that is the de-duplication of layers shared by images).
The methods are synchronous file I/O; the image store calls them from a worker thread.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from pacific.agent.images.digest import hex_of
from pacific.agent.images.errors import DigestMismatch


class BlobStore:
    def __init__(self, root: Path, tmp: Path) -> None:
        self.root = root
        self.tmp = tmp
        (root / "sha256").mkdir(parents=True, exist_ok=True)
        tmp.mkdir(parents=True, exist_ok=True)

    def path(self, digest: str) -> Path:
        return self.root / "sha256" / hex_of(digest)

    def has(self, digest: str) -> bool:
        return self.path(digest).is_file()

    def size(self, digest: str) -> int:
        return self.path(digest).stat().st_size

    def read(self, digest: str) -> bytes:
        return self.path(digest).read_bytes()

    def open(self, digest: str) -> BinaryIO:
        return self.path(digest).open("rb")

    def digests(self) -> set[str]:
        return {"sha256:" + p.name for p in (self.root / "sha256").iterdir() if p.is_file()}

    def writer(self, digest: str, *, reference: str | None = None) -> BlobWriter:
        """A writer whose `commit()` puts the blob in place only if it hashes to `digest`."""
        return BlobWriter(self.path(digest), self.tmp, digest, reference)

    def write(self, digest: str, chunks: Iterable[bytes], *, reference: str | None = None) -> int:
        """Store the bytes of `chunks` as `digest`; DigestMismatch if they hash otherwise."""
        if self.has(digest):
            return self.size(digest)
        with self.writer(digest, reference=reference) as out:
            for chunk in chunks:
                out.write(chunk)
            return out.commit()

    def ingest(self, chunks: Iterable[bytes]) -> str:
        """Store bytes whose digest is not known in advance; returns their digest."""
        hasher = hashlib.sha256()
        fd, name = tempfile.mkstemp(dir=self.tmp, prefix="blob-")
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    hasher.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            digest = "sha256:" + hasher.hexdigest()
            os.replace(name, self.path(digest))
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
        return digest

    def write_bytes(self, digest: str, data: bytes, *, reference: str | None = None) -> int:
        return self.write(digest, [data], reference=reference)

    def remove(self, digest: str) -> int:
        """Delete a blob; the bytes freed (0 if it was not there)."""
        path = self.path(digest)
        try:
            size = path.stat().st_size
            path.unlink()
        except FileNotFoundError:
            return 0
        return size

    def clean_tmp(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.tmp.mkdir(parents=True, exist_ok=True)


class BlobWriter:
    """Streams one blob into a temporary file; `commit()` verifies and renames it in place.

    Used as a context manager: leaving it without a commit removes the temporary file.
    """

    def __init__(self, target: Path, tmp: Path, digest: str, reference: str | None) -> None:
        self.target = target
        self.digest = digest
        self.reference = reference
        self._hash = hashlib.sha256()
        self.size = 0
        fd, name = tempfile.mkstemp(dir=tmp, prefix="blob-")
        self._tmp = Path(name)
        self._out = os.fdopen(fd, "wb")
        self._done = False

    def __enter__(self) -> BlobWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if not self._done:
            self._out.close()
            self._tmp.unlink(missing_ok=True)

    def write(self, chunk: bytes) -> None:
        self._hash.update(chunk)
        self.size += len(chunk)
        self._out.write(chunk)

    def commit(self) -> int:
        self._out.flush()
        os.fsync(self._out.fileno())
        self._out.close()
        self._done = True
        actual = "sha256:" + self._hash.hexdigest()
        if actual != self.digest:
            self._tmp.unlink(missing_ok=True)
            raise DigestMismatch(self.reference, self.digest, actual)
        os.replace(self._tmp, self.target)
        return self.size
