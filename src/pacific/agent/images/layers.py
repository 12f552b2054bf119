"""Unpack one layer tarball into a snapshot directory laid out as overlayfs expects.

A snapshot holds one layer's *diff*, not the merged tree: a container root is an overlay
mount whose lower dirs are the image's snapshots (top layer first) plus a per-container
upper dir. The OCI whiteout files of a layer therefore become overlayfs markers:

- `dir/.wh.name`      -> `dir/name` as a character device 0/0 (hides `name` below);
- `dir/.wh..wh..opq`  -> xattr `trusted.overlay.opaque=y` on `dir` (hides all below);
- other `.wh..wh.*`   -> aufs bookkeeping, ignored.

`plan_entry()` is the pure part: it normalises a member name, refuses names that leave the
root, and says what the member becomes. `unpack_layer()` applies a whole (plain or gzip)
tar stream, hashing the uncompressed bytes as it reads; the result must equal the config's
diff ID, else DigestMismatch. It never writes through a symlink (a member under a path that
is a symlink in the same layer is refused), keeps modes, owners (when root), mtimes and
xattrs, and sets directory modes last so read-only directories can still be filled.
Markers need CAP_MKNOD and CAP_SYS_ADMIN: the agent runs as root.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import posixpath
import shutil
import stat
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

from pacific.agent.images.digest import HashingReader, Readable
from pacific.agent.images.errors import DigestMismatch, NotAnImage

WHITEOUT_PREFIX = ".wh."
OPAQUE = ".wh..wh..opq"
OPAQUE_XATTR = "trusted.overlay.opaque"

_GZIP_MAGIC = b"\x1f\x8b"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


@dataclass(frozen=True)
class Entry:
    kind: Literal["entry", "whiteout", "opaque", "skip"]
    path: str  # relative to the snapshot root; "" for the root itself


def plan_entry(name: str) -> Entry:
    """What a tar member named `name` becomes in the snapshot (pure)."""
    norm = posixpath.normpath("/" + name).lstrip("/")
    if posixpath.normpath(name.lstrip("/")).startswith(".."):
        raise NotAnImage(None, f"layer member {name!r} escapes the root")
    if norm in ("", "."):
        return Entry("skip", "")
    parent, base = posixpath.split(norm)
    if base == OPAQUE:
        return Entry("opaque", parent)
    if base.startswith(WHITEOUT_PREFIX + WHITEOUT_PREFIX):
        return Entry("skip", norm)
    if base.startswith(WHITEOUT_PREFIX):
        hidden = base[len(WHITEOUT_PREFIX) :]
        if hidden in ("", ".", ".."):
            raise NotAnImage(None, f"bad whiteout {name!r}")
        return Entry("whiteout", posixpath.join(parent, hidden))
    return Entry("entry", norm)


def open_uncompressed(blob: BinaryIO) -> Readable:
    """The layer's tar stream, whatever its compression (by magic, not media type)."""
    magic = blob.read(4)
    blob.seek(0)
    if magic.startswith(_GZIP_MAGIC):
        return gzip.GzipFile(fileobj=blob, mode="rb")
    if magic == _ZSTD_MAGIC:
        raise NotAnImage(None, "zstd-compressed layers are not supported")
    return blob


class _Unpacker:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.as_root = os.geteuid() == 0
        self.dirs: list[tuple[Path, tarfile.TarInfo]] = []
        self.size = 0

    def _parent(self, rel: str) -> Path:
        """Make `rel`'s parent directories, refusing to go through a symlink."""
        here = self.root
        for part in posixpath.dirname(rel).split("/") if posixpath.dirname(rel) else []:
            here = here / part
            if here.is_symlink():
                raise NotAnImage(None, f"layer member {rel!r} is under a symlink")
            if not here.exists():
                here.mkdir(mode=0o755)
            elif not here.is_dir():
                here.unlink()
                here.mkdir(mode=0o755)
        return here

    def _clear(self, path: Path, keep_dir: bool) -> None:
        if path.is_symlink() or (path.exists() and not path.is_dir()):
            path.unlink()
        elif path.is_dir() and not keep_dir:
            shutil.rmtree(path)

    def apply(self, tar: tarfile.TarFile, member: tarfile.TarInfo) -> None:
        entry = plan_entry(member.name)
        if entry.kind == "skip":
            return
        if entry.kind == "opaque":
            self._parent(posixpath.join(entry.path, OPAQUE))  # makes the directory itself
            os.setxattr(self.root / entry.path, OPAQUE_XATTR, b"y")
            return
        self._parent(entry.path)
        path = self.root / entry.path
        if entry.kind == "whiteout":
            self._clear(path, keep_dir=False)
            os.mknod(path, stat.S_IFCHR | 0o000, os.makedev(0, 0))
            return
        self._clear(path, keep_dir=member.isdir())
        if member.isdir():
            path.mkdir(mode=0o700, exist_ok=True)
            self.dirs.append((path, member))
            return
        if member.isreg():
            src = tar.extractfile(member)
            if src is None:
                raise NotAnImage(None, f"layer member {member.name!r} has no data")
            with path.open("wb") as out:
                shutil.copyfileobj(src, out, 1 << 20)
            self.size += member.size
        elif member.issym():
            os.symlink(member.linkname, path)
        elif member.islnk():
            target = plan_entry(member.linkname)
            source = self.root / target.path
            if target.kind != "entry" or not source.exists() or source.is_symlink():
                raise NotAnImage(None, f"hard link {member.name!r} to missing {member.linkname!r}")
            os.link(source, path)
            return
        elif member.ischr() or member.isblk() or member.isfifo():
            if not self.as_root and not member.isfifo():
                return
            kind = (
                stat.S_IFCHR if member.ischr() else stat.S_IFBLK if member.isblk() else stat.S_IFIFO
            )
            os.mknod(path, kind | member.mode, os.makedev(member.devmajor, member.devminor))
        else:
            return
        self._attributes(path, member)

    def _attributes(self, path: Path, member: tarfile.TarInfo) -> None:
        if self.as_root:
            os.lchown(path, member.uid, member.gid)
        for key, value in member.pax_headers.items():
            if key.startswith("SCHILY.xattr."):
                # An xattr the host file system cannot hold is not worth failing the pull.
                with contextlib.suppress(OSError):
                    os.setxattr(
                        path,
                        key.removeprefix("SCHILY.xattr."),
                        value.encode("utf-8", "surrogateescape"),
                        follow_symlinks=False,
                    )
        if not member.issym():
            os.chmod(path, member.mode)
        os.utime(path, (member.mtime, member.mtime), follow_symlinks=False)

    def finish(self) -> None:
        for path, member in reversed(self.dirs):
            self._attributes(path, member)


def unpack_layer(
    blob: BinaryIO, target: Path, diff_id: str, *, reference: str | None = None
) -> int:
    """Unpack a layer into the empty directory `target`; the bytes of its regular files."""
    stream = HashingReader(open_uncompressed(blob))
    unpacker = _Unpacker(target)
    try:
        with tarfile.open(fileobj=stream, mode="r|") as tar:  # type: ignore[call-overload]
            for member in tar:
                unpacker.apply(tar, member)
        stream.drain()
    except (tarfile.TarError, EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise NotAnImage(reference, f"layer is not a valid tar archive: {exc}") from exc
    if stream.digest() != diff_id:
        raise DigestMismatch(reference, diff_id, stream.digest())
    unpacker.finish()
    return unpacker.size
