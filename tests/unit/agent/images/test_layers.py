"""Layer unpacking: names, whiteouts as overlay markers, safety, diff ID checks."""

from __future__ import annotations

import gzip
import io
import os
import stat
import tarfile
from pathlib import Path

import pytest

from pacific.agent.images.digest import digest_of
from pacific.agent.images.errors import DigestMismatch, NotAnImage
from pacific.agent.images.layers import OPAQUE_XATTR, Entry, plan_entry, unpack_layer

from .conftest import needs_root


@pytest.mark.parametrize(
    ("name", "entry"),
    [
        ("./etc/passwd", Entry("entry", "etc/passwd")),
        ("/etc//x/", Entry("entry", "etc/x")),
        ("./", Entry("skip", "")),
        ("etc/.wh.passwd", Entry("whiteout", "etc/passwd")),
        (".wh.top", Entry("whiteout", "top")),
        ("opt/old/.wh..wh..opq", Entry("opaque", "opt/old")),
        (".wh..wh..opq", Entry("opaque", "")),
        ("a/.wh..wh.plnk/123", Entry("entry", "a/.wh..wh.plnk/123")),
        ("a/.wh..wh.plnk", Entry("skip", "a/.wh..wh.plnk")),
        ("a/../b", Entry("entry", "b")),
    ],
)
def test_plan_entry(name: str, entry: Entry) -> None:
    assert plan_entry(name) == entry


@pytest.mark.parametrize("name", ["../etc/passwd", "a/../../x", "/../x"])
def test_plan_entry_refuses_escapes(name: str) -> None:
    with pytest.raises(NotAnImage, match="escapes"):
        plan_entry(name)


def make_tar(*members: tuple[str, str, bytes | str]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, kind, data in members:
            info = tarfile.TarInfo(name)
            info.mtime = 1_000_000
            if kind == "dir":
                info.type, info.mode = tarfile.DIRTYPE, 0o555
                tar.addfile(info)
            elif kind == "sym":
                info.type, info.linkname = tarfile.SYMTYPE, str(data)
                tar.addfile(info)
            elif kind == "hard":
                info.type, info.linkname = tarfile.LNKTYPE, str(data)
                tar.addfile(info)
            else:
                raw = data if isinstance(data, bytes) else data.encode()
                info.size, info.mode = len(raw), 0o4755
                tar.addfile(info, io.BytesIO(raw))
    return buf.getvalue()


def unpack(tmp_path: Path, tar: bytes, *, compress: bool = False) -> Path:
    target = tmp_path / "snap"
    target.mkdir()
    blob = gzip.compress(tar) if compress else tar
    unpack_layer(io.BytesIO(blob), target, digest_of(tar))
    return target


@pytest.mark.parametrize("compress", [False, True])
def test_unpacks_files_links_and_modes(tmp_path: Path, compress: bool) -> None:
    tar = make_tar(
        ("bin", "dir", b""),
        ("bin/busybox", "file", b"binary"),
        ("bin/sh", "sym", "busybox"),
        ("bin/ash", "hard", "bin/busybox"),
        ("deep/er/file", "file", "made parents"),
    )
    root = unpack(tmp_path, tar, compress=compress)
    assert (root / "bin/busybox").read_bytes() == b"binary"
    assert os.readlink(root / "bin/sh") == "busybox"
    assert os.stat(root / "bin/ash").st_ino == os.stat(root / "bin/busybox").st_ino
    assert stat.S_IMODE(os.stat(root / "bin/busybox").st_mode) == 0o4755
    assert stat.S_IMODE(os.stat(root / "bin").st_mode) == 0o555  # set last, after filling it
    assert os.stat(root / "bin").st_mtime == 1_000_000
    assert (root / "deep/er/file").read_text() == "made parents"


def test_later_member_replaces_earlier(tmp_path: Path) -> None:
    root = unpack(tmp_path, make_tar(("f", "file", "one"), ("f", "sym", "elsewhere")))
    assert os.readlink(root / "f") == "elsewhere"


@needs_root
def test_whiteouts_become_overlay_markers(tmp_path: Path) -> None:
    tar = make_tar(
        ("etc/.wh.passwd", "file", b""),
        ("opt/old/.wh..wh..opq", "file", b""),
        ("opt/old/new", "file", "x"),
        ("a/.wh..wh.plnk", "file", b""),
    )
    root = unpack(tmp_path, tar)
    st = os.lstat(root / "etc/passwd")
    assert stat.S_ISCHR(st.st_mode)
    assert os.major(st.st_rdev) == 0 and os.minor(st.st_rdev) == 0
    assert os.getxattr(root / "opt/old", OPAQUE_XATTR) == b"y"
    assert (root / "opt/old/new").read_text() == "x"
    assert not (root / "a/.wh..wh.plnk").exists()
    assert not list(root.rglob(".wh.*"))


def test_refuses_writing_through_a_symlink(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    tar = make_tar(("escape", "sym", str(outside)), ("escape/pwned", "file", "x"))
    with pytest.raises(NotAnImage, match="under a symlink"):
        unpack(tmp_path, tar)
    assert not (outside / "pwned").exists()


def test_refuses_hard_link_to_missing_target(tmp_path: Path) -> None:
    with pytest.raises(NotAnImage, match="hard link"):
        unpack(tmp_path, make_tar(("x", "hard", "nowhere")))


def test_diff_id_is_checked(tmp_path: Path) -> None:
    tar = make_tar(("f", "file", "x"))
    target = tmp_path / "snap"
    target.mkdir()
    with pytest.raises(DigestMismatch, match="unexpected commit digest"):
        unpack_layer(io.BytesIO(tar), target, "sha256:" + "0" * 64, reference="r")


def test_not_a_tar(tmp_path: Path) -> None:
    target = tmp_path / "snap"
    target.mkdir()
    with pytest.raises(NotAnImage, match="not a valid tar"):
        unpack_layer(io.BytesIO(gzip.compress(b"x" * 1000)), target, digest_of(b""))


def test_zstd_is_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(NotAnImage, match="zstd"):
        unpack_layer(io.BytesIO(b"\x28\xb5\x2f\xfd rest"), tmp_path, digest_of(b""))
