"""Guest build orchestration: cache keys, cache hits run nothing, changed inputs rebuild."""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from pacific.agent.runtimes.microvm.errors import GuestBuildError
from pacific.agent.runtimes.microvm.guest import (
    GuestConfig,
    build_guest,
    initramfs_key,
    kernel_key,
)
from pacific.agent.runtimes.microvm.kernelconfig import FRAGMENT, Option, render_fragment
from pacific.host import Completed
from pacific.host.fake import Answer, FakeRunner

APPLETS = b"sh\nmount\nsleep\ncat\n"


class FakeBuild(FakeRunner):
    """A fake host whose `make` writes the files a real kernel build would."""

    def __init__(self, config: GuestConfig, drop: str | None = None) -> None:
        super().__init__()
        self.config = config
        self.drop = drop
        self.answer([str(config.busybox), "--list"], Answer(stdout=APPLETS))

    async def run(
        self,
        argv: Sequence[str],
        *,
        input: bytes | None,
        timeout: float,  # noqa: ASYNC109 - the Runner protocol's signature
        check: bool,
    ) -> Completed:
        done = await super().run(argv, input=input, timeout=timeout, check=check)
        if argv[0] == "make" and argv[-1] == "olddefconfig":
            src = Path(argv[2])
            lines = [o.line() for o in self.config.kernel_fragment if o.name != self.drop]
            (src / ".config").write_text("\n".join(lines) + "\n")
        if argv[0] == "make" and argv[-1] == "vmlinux":
            (Path(argv[2]) / "vmlinux").write_bytes(b"\x7fELF kernel")
        return done


@pytest.fixture
def config(tmp_path: Path) -> GuestConfig:
    source = tmp_path / "linux-source.tar.xz"
    source.write_bytes(b"kernel source")
    busybox = tmp_path / "busybox"
    busybox.write_bytes(b"busybox binary")
    return GuestConfig(cache_dir=tmp_path / "cache", kernel_source=source, busybox=busybox, jobs=3)


def fake_for(config: GuestConfig, drop: str | None = None) -> FakeBuild:
    return FakeBuild(config, drop)


def test_keys_depend_on_every_input() -> None:
    base = kernel_key("src", "frag")
    assert base == kernel_key("src", "frag")
    assert (
        len(
            {
                base,
                kernel_key("src2", "frag"),
                kernel_key("src", "frag2"),
                kernel_key("src", "frag", recipe="other"),
            }
        )
        == 4
    )
    assert kernel_key("ab", "c") != kernel_key("a", "bc")  # parts are length-prefixed
    ikey = initramfs_key("bb", ["sh", "ls"], "init")
    assert ikey == initramfs_key("bb", ["ls", "sh"], "init")  # applet order does not matter
    assert (
        len(
            {
                ikey,
                initramfs_key("bb2", ["sh", "ls"], "init"),
                initramfs_key("bb", ["sh"], "init"),
                initramfs_key("bb", ["sh", "ls"], "x"),
            }
        )
        == 4
    )


async def test_first_build_runs_recipe_and_caches(config: GuestConfig) -> None:
    fake = fake_for(config)
    art = await build_guest(config, runner=fake)
    assert art.kernel_built and art.initramfs_built
    assert art.kernel.read_bytes() == b"\x7fELF kernel"
    assert art.kernel.parent.name == f"kernel-{art.kernel_key[:16]}"
    assert art.initramfs.name == f"initramfs-{art.initramfs_key[:16]}.cpio"
    assert art.initramfs.read_bytes().startswith(b"070701")
    src_digest = hashlib.sha256(b"kernel source").hexdigest()
    assert art.kernel_key == kernel_key(src_digest, render_fragment())
    programs = [(a[0], a[-1]) for a in fake.argvs()]
    assert programs[0][0] == "tar"
    assert ("make", "tinyconfig") in programs
    assert ("make", "olddefconfig") in programs
    assert ("make", "vmlinux") in programs
    make_vmlinux = next(a for a in fake.argvs() if a[-1] == "vmlinux")
    assert "-j3" in make_vmlinux
    meta = json.loads((art.kernel.parent / "build.json").read_text())
    assert meta["key"] == art.kernel_key
    # No scratch directories left behind.
    assert not [p for p in config.cache_dir.iterdir() if p.name.startswith(".build-")]


async def test_second_build_is_a_cache_hit(config: GuestConfig) -> None:
    first = await build_guest(config, runner=fake_for(config))
    fake = fake_for(config)
    second = await build_guest(config, runner=fake)
    assert not second.kernel_built and not second.initramfs_built
    assert (second.kernel, second.initramfs) == (first.kernel, first.initramfs)
    assert fake.argvs() == [(str(config.busybox), "--list")]


async def test_changed_source_rebuilds_kernel_only(config: GuestConfig) -> None:
    first = await build_guest(config, runner=fake_for(config))
    config.kernel_source.write_bytes(b"kernel source, next upload")
    second = await build_guest(config, runner=fake_for(config))
    assert second.kernel_built and not second.initramfs_built
    assert second.kernel_key != first.kernel_key
    assert second.initramfs == first.initramfs


async def test_changed_fragment_rebuilds_kernel(config: GuestConfig) -> None:
    first = await build_guest(config, runner=fake_for(config))
    changed = replace(config, kernel_fragment=(*FRAGMENT, Option("IKCONFIG", "y", "test")))
    second = await build_guest(changed, runner=fake_for(changed))
    assert second.kernel_built and second.kernel_key != first.kernel_key


async def test_changed_busybox_rebuilds_initramfs_only(config: GuestConfig) -> None:
    first = await build_guest(config, runner=fake_for(config))
    config.busybox.write_bytes(b"busybox, patched")
    second = await build_guest(config, runner=fake_for(config))
    assert not second.kernel_built and second.initramfs_built
    assert second.initramfs_key != first.initramfs_key


async def test_dropped_option_fails_and_caches_nothing(config: GuestConfig) -> None:
    with pytest.raises(GuestBuildError, match="PVH=y"):
        await build_guest(config, runner=fake_for(config, drop="PVH"))
    assert not list(config.cache_dir.glob("kernel-*"))
    assert not [p for p in config.cache_dir.iterdir() if p.name.startswith(".build-")]


async def test_failed_command_is_a_build_error(config: GuestConfig) -> None:
    fake = fake_for(config)
    fake.answer(["make"], Answer(returncode=2, stderr=b"gcc: not found"))
    with pytest.raises(GuestBuildError, match="gcc: not found"):
        await build_guest(config, runner=fake)
    assert not list(config.cache_dir.glob("kernel-*"))


async def test_missing_source_is_a_build_error(config: GuestConfig) -> None:
    config.kernel_source.unlink()
    with pytest.raises(GuestBuildError, match="linux-source"):
        await build_guest(config, runner=fake_for(config))


async def test_source_digest_is_memoised(config: GuestConfig) -> None:
    await build_guest(config, runner=fake_for(config))
    memo = json.loads((config.cache_dir / "digests.json").read_text())
    entry = memo[str(config.kernel_source)]
    assert entry["sha256"] == hashlib.sha256(b"kernel source").hexdigest()


async def test_corrupt_kernel_entry_is_rebuilt(config: GuestConfig) -> None:
    first = await build_guest(config, runner=fake_for(config))
    first.kernel.write_bytes(b"truncat")
    second = await build_guest(config, runner=fake_for(config))
    assert second.kernel_built and second.kernel == first.kernel
    assert second.kernel.read_bytes() == b"\x7fELF kernel"


async def test_corrupt_initramfs_is_replaced(config: GuestConfig) -> None:
    first = await build_guest(config, runner=fake_for(config))
    good = first.initramfs.read_bytes()
    first.initramfs.write_bytes(good[:100])
    second = await build_guest(config, runner=fake_for(config))
    assert second.initramfs_built and second.initramfs.read_bytes() == good


async def test_stale_scratch_dirs_are_removed(config: GuestConfig) -> None:
    config.cache_dir.mkdir()
    stale = config.cache_dir / ".build-kernel-0123-crashed"
    (stale / "src").mkdir(parents=True)
    await build_guest(config, runner=fake_for(config))
    assert not stale.exists()
