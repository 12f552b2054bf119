"""`pacific guest build`: the microVM guest kernel and image, built from Debian packages.

Model: two artifacts, each a pure function of its inputs and cached under the content hash
of those inputs in `GuestConfig.cache_dir`:

- kernel: `linux-source-6.1` (Debian's tarball) + `kernelconfig.FRAGMENT` + the recipe
  (tinyconfig, merge the fragment with the kernel's own `merge_config.sh`, olddefconfig,
  `make vmlinux`). Cached as `kernel-<key>/vmlinux` with the final `.config` and a
  `build.json` (build time, key). A few minutes on two cores.
- initramfs: Debian's `busybox-static` binary + its applet list + `/init` (rendered by
  `initramfs.render_init()`), written as a deterministic newc cpio. Cached as
  `initramfs-<key>.cpio`. Milliseconds.

`build_guest()` returns the paths and keys of both, building only what is missing. A cache
entry appears by an atomic rename of a finished build, so a crash mid-build never leaves a
half entry behind, and an exclusive lock on `cache_dir/.lock` serialises concurrent builders
(the second one finds the first one's result). Inputs are hashed with SHA-256; the 130 MiB
source tarball's digest is memoised by (size, mtime, inode) in `cache_dir/digests.json`.
Every command runs through `pacific.host.run`, so tests can fake the build.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pacific import host
from pacific.agent.runtimes.microvm import kernelconfig
from pacific.agent.runtimes.microvm.errors import GuestBuildError
from pacific.agent.runtimes.microvm.initramfs import guest_entries, render_init, write_newc

log = logging.getLogger(__name__)

__all__ = [
    "GuestArtifacts",
    "GuestConfig",
    "build_guest",
    "initramfs_key",
    "kernel_entry",
    "kernel_key",
]

KERNEL_RECIPE = "pacific-guest-kernel/1: tinyconfig + merge_config.sh -m + olddefconfig; vmlinux"
_ERROR_TAIL = 3000
INITRAMFS_RECIPE = "pacific-guest-initramfs/1: newc, uncompressed"


def _default_jobs() -> int:
    return os.cpu_count() or 1


@dataclass(frozen=True)
class GuestConfig:
    """Where the inputs are and where the cache lives."""

    cache_dir: Path = Path("/var/cache/pacific/guest")
    kernel_source: Path = Path("/usr/src/linux-source-6.1.tar.xz")
    busybox: Path = Path("/bin/busybox")
    kernel_fragment: tuple[kernelconfig.Option, ...] = kernelconfig.FRAGMENT
    jobs: int = field(default_factory=_default_jobs)
    build_timeout: float = 3600.0


@dataclass(frozen=True)
class GuestArtifacts:
    """A built guest: the uncompressed kernel (PVH entry) and the initramfs."""

    kernel: Path
    initramfs: Path
    kernel_key: str
    initramfs_key: str
    cache_dir: Path
    kernel_built: bool = False
    initramfs_built: bool = False


def kernel_key(source_digest: str, fragment: str, recipe: str = KERNEL_RECIPE) -> str:
    """The kernel's cache key: SHA-256 over the source digest, the fragment and the recipe."""
    return _digest_of(recipe, source_digest, fragment)


def initramfs_key(
    busybox_digest: str, applets: list[str], init: str, recipe: str = INITRAMFS_RECIPE
) -> str:
    """The initramfs's cache key: SHA-256 over busybox, its applets, /init and the recipe."""
    return _digest_of(recipe, busybox_digest, "\n".join(sorted(applets)), init)


def _digest_of(*parts: str) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part.encode()
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _memo_digest(path: Path, memo_file: Path) -> str:
    """SHA-256 of `path`, memoised by its (size, mtime, inode) in `memo_file`."""
    try:
        st = path.stat()
    except OSError as exc:
        raise GuestBuildError(f"guest build input {path}: {exc.strerror}") from exc
    stamp = [st.st_size, st.st_mtime_ns, st.st_ino]
    try:
        memo = json.loads(memo_file.read_text())
        if not isinstance(memo, dict):
            memo = {}
    except (OSError, ValueError):
        memo = {}
    entry = memo.get(str(path))
    if isinstance(entry, dict) and entry.get("stamp") == stamp and "sha256" in entry:
        return str(entry["sha256"])
    digest = _file_sha256(path)
    memo[str(path)] = {"stamp": stamp, "sha256": digest}
    _write_atomic(memo_file, json.dumps(memo, indent=1).encode())
    return digest


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    with os.fdopen(fd, "wb") as f:
        os.fchmod(f.fileno(), 0o644)
        f.write(data)
    os.replace(tmp, path)


@asynccontextmanager
async def _locked(cache_dir: Path) -> AsyncIterator[None]:
    """Hold the cache's exclusive lock (closing the file releases it)."""
    with (cache_dir / ".lock").open("a") as lock:
        await asyncio.to_thread(fcntl.flock, lock, fcntl.LOCK_EX)
        yield


async def _run(argv: list[str], runner: host.Runner, timeout: float) -> host.Completed:  # noqa: ASYNC109
    try:
        return await host.run(argv, timeout=timeout, runner=runner)
    except host.HostError as exc:
        text = str(exc)  # a failed make repeats its whole stderr: keep the end, where it failed
        if len(text) > _ERROR_TAIL:
            text = f"{text[:200]} ... {text[-_ERROR_TAIL:]}"
        raise GuestBuildError(f"guest build step failed: {text}") from exc


async def _build_kernel(config: GuestConfig, key: str, fragment: str, runner: host.Runner) -> Path:
    """Build the kernel into a scratch dir and rename it to its cache entry."""
    entry = config.cache_dir / f"kernel-{key[:16]}"
    await asyncio.to_thread(shutil.rmtree, entry, True)  # an entry that failed _kernel_intact
    work = Path(tempfile.mkdtemp(dir=config.cache_dir, prefix=f".build-kernel-{key[:16]}-"))
    try:
        src = work / "src"
        src.mkdir()
        t0 = time.monotonic()
        await _run(
            ["tar", "-xJf", str(config.kernel_source), "-C", str(src), "--strip-components=1"],
            runner,
            config.build_timeout,
        )
        frag = work / "pacific.config"
        frag.write_text(fragment)
        await _run(["make", "-C", str(src), "tinyconfig"], runner, 300)
        merge = str(src / "scripts/kconfig/merge_config.sh")
        await _run([merge, "-m", "-O", str(src), str(src / ".config"), str(frag)], runner, 300)
        await _run(["make", "-C", str(src), "olddefconfig"], runner, 300)
        final = kernelconfig.parse_config((src / ".config").read_text())
        missing = kernelconfig.missing_options(config.kernel_fragment, final)
        if missing:
            names = ", ".join(f"{o.name}={o.value} (got {final.get(o.name, 'n')})" for o in missing)
            raise GuestBuildError(f"kernel config dropped options: {names}")
        await _run(
            ["make", "-C", str(src), f"-j{config.jobs}", "vmlinux"], runner, config.build_timeout
        )
        seconds = time.monotonic() - t0
        out = work / "out"
        out.mkdir()
        shutil.copyfile(src / "vmlinux", out / "vmlinux")
        shutil.copyfile(src / ".config", out / "config")
        meta = {
            "key": key,
            "build_seconds": round(seconds, 1),
            "jobs": config.jobs,
            "vmlinux_bytes": (out / "vmlinux").stat().st_size,
        }
        (out / "build.json").write_text(json.dumps(meta))
        os.rename(out, entry)
        log.info("guest kernel %s built in %.0fs", key[:16], seconds)
        return entry / "vmlinux"
    except OSError as exc:
        raise GuestBuildError(f"guest kernel build in {work}: {exc}") from exc
    finally:
        await asyncio.to_thread(shutil.rmtree, work, True)


def kernel_entry(config: GuestConfig) -> tuple[Path, str]:
    """Where the kernel for `config` is (or will be) cached, and its key. Blocking: it may
    hash the source tarball (about a second) when its memoised digest is stale."""
    try:
        config.cache_dir.mkdir(parents=True, exist_ok=True)
        source = _memo_digest(config.kernel_source, config.cache_dir / "digests.json")
    except OSError as exc:
        raise GuestBuildError(f"guest cache {config.cache_dir}: {exc}") from exc
    key = kernel_key(source, kernelconfig.render_fragment(config.kernel_fragment))
    return config.cache_dir / f"kernel-{key[:16]}" / "vmlinux", key


def _kernel_intact(vmlinux: Path) -> bool:
    """A cache entry is used only if its vmlinux is an ELF file of the size recorded."""
    try:
        meta = json.loads((vmlinux.parent / "build.json").read_text())
        with vmlinux.open("rb") as f:
            magic = f.read(4)
        return magic == b"\x7fELF" and vmlinux.stat().st_size == meta["vmlinux_bytes"]
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _remove_stale_builds(cache_dir: Path) -> None:
    """Scratch dirs of builds that crashed (only called with the cache lock held)."""
    for stale in cache_dir.glob(".build-*"):
        log.info("guest cache: removing stale build dir %s", stale)
        shutil.rmtree(stale, ignore_errors=True)


async def _kernel(config: GuestConfig, runner: host.Runner) -> tuple[Path, str, bool]:
    vmlinux, key = await asyncio.to_thread(kernel_entry, config)
    if await asyncio.to_thread(_kernel_intact, vmlinux):
        return vmlinux, key, False
    if vmlinux.parent.exists():
        log.warning("guest cache: kernel entry %s is corrupt; rebuilding", vmlinux.parent)
    await asyncio.to_thread(_remove_stale_builds, config.cache_dir)
    fragment = kernelconfig.render_fragment(config.kernel_fragment)
    return await _build_kernel(config, key, fragment, runner), key, True


async def _initramfs(config: GuestConfig, runner: host.Runner) -> tuple[Path, str, bool]:
    try:
        busybox = config.busybox.read_bytes()
    except OSError as exc:
        raise GuestBuildError(f"busybox {config.busybox}: {exc.strerror}") from exc
    listing = await _run([str(config.busybox), "--list"], runner, 30)
    applets = listing.stdout.decode().split()
    init = render_init()
    key = initramfs_key(hashlib.sha256(busybox).hexdigest(), applets, init)
    path = config.cache_dir / f"initramfs-{key[:16]}.cpio"
    try:
        image = write_newc(guest_entries(busybox, applets, init))
        # Regenerating costs milliseconds, so a damaged cached image is simply replaced.
        if path.is_file() and path.read_bytes() == image:
            return path, key, False
        _write_atomic(path, image)
    except (OSError, ValueError) as exc:
        raise GuestBuildError(f"guest initramfs {path}: {exc}") from exc
    return path, key, True


async def build_guest(config: GuestConfig, *, runner: host.Runner | None = None) -> GuestArtifacts:
    """The guest kernel and initramfs for `config`, built only if not cached yet.

    `runner` runs the build's commands (the real host unless a test passes a fake).
    """
    runner = runner if runner is not None else host.SubprocessRunner()
    try:
        config.cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise GuestBuildError(f"guest cache {config.cache_dir}: {exc.strerror}") from exc
    async with _locked(config.cache_dir):
        kernel, kkey, kbuilt = await _kernel(config, runner)
        initramfs, ikey, ibuilt = await _initramfs(config, runner)
    return GuestArtifacts(kernel, initramfs, kkey, ikey, config.cache_dir, kbuilt, ibuilt)
