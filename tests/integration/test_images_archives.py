"""scripts/build-test-images.sh builds busybox archives that the store imports and runs."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from pacific.agent.images.store import ImageStore, StoreConfig
from pacific.agent.images.testimages import BUSYBOX
from pacific.host import run

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.root,
    pytest.mark.skipif(os.geteuid() != 0, reason="unpacking whiteouts needs root"),
    pytest.mark.skipif(
        not BUSYBOX.exists(), reason="busybox-static is not installed (scripts/install.sh)"
    ),
]


def build(out: Path) -> dict[str, Path]:
    done = subprocess.run(
        [str(ROOT / "scripts/build-test-images.sh"), "--out", str(out)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return {
        name: Path(path) for name, path in (line.split("\t") for line in done.stdout.splitlines())
    }


async def test_script_builds_importable_reproducible_images(tmp_path: Path) -> None:
    first = build(tmp_path / "a")
    second = build(tmp_path / "b")
    assert set(first) == {"busybox", "busybox-layered", "busybox-docker"}
    for name in first:
        assert first[name].read_bytes() == second[name].read_bytes(), name
    stamp = (tmp_path / "a/STAMP").stat().st_mtime_ns
    build(tmp_path / "a")  # cached: nothing rewritten
    assert (tmp_path / "a/STAMP").stat().st_mtime_ns == stamp

    store = ImageStore(StoreConfig(root=tmp_path / "images"))
    [oci] = await store.import_archive(first["busybox"])
    [docker] = await store.import_archive(first["busybox-docker"])
    assert oci.id == docker.id
    [base] = store.lower_dirs(oci)
    assert os.readlink(base / "bin/sh") == "busybox"
    done = await run(["chroot", str(base), "/bin/sleep", "0"], timeout=10, check=False)
    assert done.returncode == 0, done.stderr
