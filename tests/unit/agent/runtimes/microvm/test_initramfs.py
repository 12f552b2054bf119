"""The newc cpio writer (checked against Debian's `cpio` too) and the guest image contents."""

import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from pacific.agent.runtimes.microvm.initramfs import (
    AGENT_PORT_NAME,
    READY_LINE,
    Device,
    Directory,
    File,
    Symlink,
    guest_entries,
    render_init,
    write_newc,
)


def parse_newc(data: bytes) -> list[tuple[str, int, bytes, tuple[int, int]]]:
    """An independent reader: (name, mode, data, (rdevmajor, rdevminor)) per record."""
    out = []
    pos = 0
    while True:
        assert data[pos : pos + 6] == b"070701"
        f = [int(data[pos + 6 + 8 * i : pos + 14 + 8 * i], 16) for i in range(13)]
        mode, size, namesize = f[1], f[6], f[11]
        name_start = pos + 110
        name = data[name_start : name_start + namesize - 1].decode()
        assert data[name_start + namesize - 1] == 0
        body = name_start + namesize + (-(110 + namesize) % 4)
        out.append((name, mode, data[body : body + size], (f[9], f[10])))
        pos = body + size + (-size % 4)
        if name == "TRAILER!!!":
            assert pos == len(data)
            return out


def test_records_and_alignment() -> None:
    data = write_newc(
        [
            Directory("bin"),
            File("bin/hello", b"abcde", 0o755),
            Symlink("bin/sh", "hello"),
            Device("dev/console", 5, 1),
        ]
    )
    assert len(data) % 4 == 0
    recs = parse_newc(data)
    assert [r[0] for r in recs] == ["bin", "bin/hello", "bin/sh", "dev/console", "TRAILER!!!"]
    assert stat.S_ISDIR(recs[0][1])
    assert recs[1][1] == stat.S_IFREG | 0o755 and recs[1][2] == b"abcde"
    assert stat.S_ISLNK(recs[2][1]) and recs[2][2] == b"hello"
    assert stat.S_ISCHR(recs[3][1]) and recs[3][3] == (5, 1)


def test_deterministic() -> None:
    entries = [Directory("a"), File("a/b", b"x")]
    assert write_newc(entries) == write_newc(entries)


@pytest.mark.parametrize("bad", ["", "/", "a/../b", "./a", "a//b"])
def test_rejects_bad_paths(bad: str) -> None:
    with pytest.raises(ValueError):
        write_newc([File(bad, b"")])


def test_rejects_duplicate_paths() -> None:
    with pytest.raises(ValueError, match="twice"):
        write_newc([Directory("a"), Directory("/a/")])


@pytest.mark.skipif(shutil.which("cpio") is None, reason="Debian's cpio is not installed")
def test_debian_cpio_reads_it(tmp_path: Path) -> None:
    archive = write_newc([Directory("d"), File("d/f", b"hello\n", 0o640), Symlink("d/l", "f")])
    listing = subprocess.run(
        ["cpio", "-t", "-v", "--quiet"], input=archive, capture_output=True, check=True
    ).stdout.decode()
    assert "d/f" in listing and "d/l -> f" in listing
    subprocess.run(
        ["cpio", "-i", "-d", "--quiet", "--no-absolute-filenames"],
        input=archive,
        cwd=tmp_path,
        check=True,
    )
    assert (tmp_path / "d/f").read_bytes() == b"hello\n"
    assert stat.S_IMODE((tmp_path / "d/f").stat().st_mode) == 0o640
    assert (tmp_path / "d/l").readlink() == Path("f")


def test_guest_entries() -> None:
    entries = guest_entries(b"ELF", ["sh", "mount", "busybox", "sleep"], "#!/bin/sh\n")
    by_path = {e.path: e for e in entries}
    assert by_path["bin/busybox"] == File("bin/busybox", b"ELF", 0o755)
    assert by_path["bin/sh"] == Symlink("bin/sh", "busybox")
    assert "bin/busybox" in by_path and not any(
        isinstance(e, Symlink) and e.path == "bin/busybox" for e in entries
    )
    assert by_path["dev/console"] == Device("dev/console", 5, 1)
    assert by_path["init"] == File("init", b"#!/bin/sh\n", 0o755)
    assert by_path["tmp"] == Directory("tmp", 0o1777)
    write_newc(entries)  # serialisable: no duplicate or bad paths


def test_guest_entries_rejects_bad_applet() -> None:
    with pytest.raises(ValueError):
        guest_entries(b"", ["../x"], "")


def test_init_script() -> None:
    init = render_init()
    assert init.startswith("#!/bin/sh\n")
    assert f'= "{AGENT_PORT_NAME}"' in init
    assert f'echo "{READY_LINE} agent=$port" > /dev/console' in init
    assert "mount -t devtmpfs devtmpfs /dev" in init


@pytest.mark.skipif(shutil.which("busybox") is None, reason="busybox is not installed")
def test_init_script_is_valid_shell() -> None:
    subprocess.run(["busybox", "sh", "-n", "-c", render_init()], check=True)
