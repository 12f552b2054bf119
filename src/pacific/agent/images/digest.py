"""Content digests (`sha256:<64 hex>`) and streams that hash what passes through them.

Only sha256 is accepted: it is what every registry and `docker save` produce, and it keeps
a digest usable as a file name (`blobs/sha256/<hex>`). A digest is kept as its canonical
string form everywhere; `hex_of()` gives the part used in paths.
"""

from __future__ import annotations

import hashlib
import re
from typing import Protocol

_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")


def is_digest(text: str) -> bool:
    return _DIGEST.fullmatch(text) is not None


def hex_of(digest: str) -> str:
    """The hex part of a valid digest; ValueError for anything else (never a path)."""
    if not is_digest(digest):
        raise ValueError(f"not a sha256 digest: {digest!r}")
    return digest.removeprefix("sha256:")


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def chain_ids(diff_ids: list[str]) -> list[str]:
    """OCI chain IDs, one per layer: the identity of the stack of layers up to it.

    ChainID(L0) = DiffID(L0); ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)).
    """
    out: list[str] = []
    for diff_id in diff_ids:
        out.append(diff_id if not out else digest_of(f"{out[-1]} {diff_id}".encode()))
    return out


class Readable(Protocol):
    def read(self, n: int = -1, /) -> bytes: ...


class HashingReader:
    """A read-only file object over `inner` that hashes and counts every byte read."""

    def __init__(self, inner: Readable) -> None:
        self._inner = inner
        self._hash = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        data = self._inner.read(n)
        self._hash.update(data)
        self.size += len(data)
        return data

    def drain(self) -> None:
        """Read to the end so the digest covers the whole stream (e.g. tar padding)."""
        while self.read(1 << 20):
            pass

    def digest(self) -> str:
        return "sha256:" + self._hash.hexdigest()
