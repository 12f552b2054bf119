"""`pacific guest build`: the microVM guest kernel and image, built once and cached."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from pacific.agent.runtimes.microvm.errors import GuestBuildError
from pacific.agent.runtimes.microvm.guest import GuestConfig, build_guest


def build(cache_dir: Path) -> int:
    print(f"guest: building (cached under {cache_dir}; a fresh kernel takes ~5 minutes)")
    start = time.monotonic()
    try:
        artifacts = asyncio.run(build_guest(GuestConfig(cache_dir=cache_dir)))
    except GuestBuildError as exc:
        print(f"error: {exc}")
        return 1
    took = time.monotonic() - start
    for what, path, built in (
        ("kernel", artifacts.kernel, artifacts.kernel_built),
        ("initramfs", artifacts.initramfs, artifacts.initramfs_built),
    ):
        state = "built" if built else "cached"
        print(f"{what:<10} {path} ({path.stat().st_size / 2**20:.1f} MiB, {state})")
    print(f"guest: ready in {took:.1f}s")
    return 0
