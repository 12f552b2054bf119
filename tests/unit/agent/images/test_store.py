"""The image store: archive import, names, removal, garbage collection, persistence."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from pathlib import Path

import pytest

from pacific.agent.images.digest import digest_of
from pacific.agent.images.errors import ImageNotPresent, NotAnImage
from pacific.agent.images.store import ImageStore, StoreConfig
from pacific.agent.images.testimages import (
    BuiltImage,
    write_docker_archive,
    write_oci_archive,
)

from .conftest import needs_root

pytestmark = needs_root  # imports unpack layers, whose whiteouts need root


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def archives(tmp_path: Path, images: dict[str, BuiltImage]) -> dict[str, Path]:
    out = {
        "busybox": tmp_path / "busybox.oci.tar",
        "layered": tmp_path / "layered.oci.tar",
        "docker": tmp_path / "busybox.docker.tar",
    }
    write_oci_archive(images["busybox"], out["busybox"])
    write_oci_archive(images["busybox-layered"], out["layered"])
    write_docker_archive(images["busybox"], out["docker"])
    return out


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> ImageStore:
    return ImageStore(StoreConfig(root=tmp_path / "images"), clock=clock)


async def test_import_oci_layout(store: ImageStore, archives: dict[str, Path]) -> None:
    [rec] = await store.import_archive(archives["layered"])
    assert rec.names == ["pacific.test/busybox-layered:latest"]
    assert store.get("pacific.test/busybox-layered") is rec
    assert store.get(rec.id) is rec
    top, base = store.lower_dirs(rec)
    assert (top / "opt/old/fresh").exists()
    assert (base / "opt/old/stale").exists()


async def test_docker_save_gives_the_same_image_and_snapshot(
    store: ImageStore, archives: dict[str, Path]
) -> None:
    [oci] = await store.import_archive(archives["busybox"])
    [docker] = await store.import_archive(archives["docker"])
    assert docker.id == oci.id
    assert docker.chain_ids == oci.chain_ids
    assert len(store.list()) == 1
    # docker's uncompressed layer is another blob for the same snapshot
    assert len(docker.layers) == 1 and len(docker.blobs) >= 4


async def test_gzipped_archive_and_name_override(
    store: ImageStore, archives: dict[str, Path], tmp_path: Path
) -> None:
    gz = tmp_path / "busybox.oci.tar.gz"
    gz.write_bytes(gzip.compress(archives["busybox"].read_bytes()))
    [rec] = await store.import_archive(gz, reference="localhost:5000/mine:1")
    assert rec.names == ["localhost:5000/mine:1"]


async def test_bad_archives(store: ImageStore, tmp_path: Path) -> None:
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"this is not a tar" * 100)
    with pytest.raises(NotAnImage, match="not a readable image archive"):
        await store.import_archive(junk)
    empty = tmp_path / "empty.tar"
    with tarfile.open(empty, "w") as tar:
        info = tarfile.TarInfo("hello.txt")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"hi"))
    with pytest.raises(NotAnImage, match="neither an OCI layout"):
        await store.import_archive(empty)


async def test_archive_blob_with_wrong_digest(store: ImageStore, tmp_path: Path) -> None:
    bad = tmp_path / "bad.tar"
    with tarfile.open(bad, "w") as tar:
        info = tarfile.TarInfo("blobs/sha256/" + "0" * 64)
        info.size = 3
        tar.addfile(info, io.BytesIO(b"abc"))
    with pytest.raises(Exception, match="unexpected commit digest"):
        await store.import_archive(bad)


async def test_archive_missing_blob(
    store: ImageStore, images: dict[str, BuiltImage], tmp_path: Path
) -> None:
    image = images["busybox"]
    path = tmp_path / "partial.tar"
    index = {
        "schemaVersion": 2,
        "manifests": [
            {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": digest_of(image.manifest),
                "size": len(image.manifest),
            }
        ],
    }
    with tarfile.open(path, "w") as tar:
        for name, data in (
            ("index.json", json.dumps(index).encode()),
            (f"blobs/sha256/{digest_of(image.manifest)[7:]}", image.manifest),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    with pytest.raises(NotAnImage, match="archive lacks blob"):
        await store.import_archive(path)
    assert store.list() == []


async def test_tag_moves_and_remove_untags_then_deletes(
    store: ImageStore, archives: dict[str, Path]
) -> None:
    [a] = await store.import_archive(archives["busybox"], reference="x/app:1")
    await store.import_archive(archives["busybox"], reference="x/app:2")
    assert store.get("x/app:1").names == ["docker.io/x/app:1", "docker.io/x/app:2"]
    [b] = await store.import_archive(archives["layered"], reference="x/app:1")
    assert store.get("x/app:1").id == b.id  # the tag moved
    assert store.get("x/app:2").names == ["docker.io/x/app:2"]
    await store.remove("x/app:2")
    with pytest.raises(ImageNotPresent):
        store.get(a.id)
    # the base layer is still used by the layered image
    assert all(p.is_dir() for p in store.lower_dirs(b))
    await store.remove(b.id)
    assert store.list() == []
    assert store.blobs.digests() == set()
    assert list(store.root.joinpath("snapshots").iterdir()) == []


async def test_collect_garbage_removes_strays(store: ImageStore, archives: dict[str, Path]) -> None:
    await store.import_archive(archives["busybox"])
    stray = digest_of(b"stray")
    store.blobs.write_bytes(stray, b"stray")
    (store.root / "snapshots" / ("f" * 64)).mkdir()
    assert await store.collect_garbage() == 5
    assert not store.blobs.has(stray)
    assert not (store.root / "snapshots" / ("f" * 64)).exists()
    assert len(store.list()) == 1


async def test_index_survives_reopen(
    tmp_path: Path, store: ImageStore, archives: dict[str, Path]
) -> None:
    [rec] = await store.import_archive(archives["layered"])
    again = ImageStore(StoreConfig(root=tmp_path / "images"))
    assert again.get("pacific.test/busybox-layered").id == rec.id
    assert again.lower_dirs(rec.id) == store.lower_dirs(rec)


async def test_gc_under_pressure_removes_lru_unused(
    store: ImageStore, archives: dict[str, Path], clock: Clock
) -> None:
    await store.import_archive(archives["busybox"], reference="old")
    clock.now += 10
    await store.import_archive(archives["layered"], reference="newer")
    clock.now += 10
    await store.import_archive(archives["busybox"], reference="other")  # same image as "old"
    await store.touch("newer")
    # A disk above 1% use triggers GC; low 0% wants everything freed that can be.
    plan = await store.gc_under_pressure(1, 0, in_use=["newer", "gone:1"])
    assert len(plan.remove) == 1
    assert [r.names for r in store.list()] == [["docker.io/library/newer:latest"]]
    assert plan.freed > 0
    assert all(p.is_dir() for p in store.lower_dirs("newer"))


async def test_gc_under_pressure_noop_below_threshold(
    store: ImageStore, archives: dict[str, Path]
) -> None:
    await store.import_archive(archives["busybox"])
    plan = await store.gc_under_pressure(100, 99)
    assert plan.remove == ()
    assert len(store.list()) == 1


async def test_docker_save_with_symlinked_layers(
    store: ImageStore, images: dict[str, BuiltImage], tmp_path: Path
) -> None:
    """Newer docker saves keep layers in blobs/ and link `<id>/layer.tar` to them."""
    image = images["busybox"]
    layer = gzip.decompress(image.layers[0])
    layer_hex = digest_of(layer)[7:]
    manifest = [{"Config": "config.json", "RepoTags": ["me/app:1"], "Layers": ["abc/layer.tar"]}]
    path = tmp_path / "new-docker.tar"
    with tarfile.open(path, "w") as tar:
        for name, data in (
            ("config.json", image.config),
            (f"blobs/sha256/{layer_hex}", layer),
            ("manifest.json", json.dumps(manifest).encode()),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("abc/layer.tar")
        link.type, link.linkname = tarfile.SYMTYPE, f"../blobs/sha256/{layer_hex}"
        tar.addfile(link)
    [rec] = await store.import_archive(path)
    assert rec.names == ["docker.io/me/app:1"]
    assert rec.layers == [digest_of(layer)]
    assert rec.id == digest_of(image.config)


async def test_two_stores_on_one_root_see_each_others_changes(
    tmp_path: Path, archives: dict[str, Path]
) -> None:
    """The agent and `pacific image import` are separate processes over one store."""
    agent = ImageStore(StoreConfig(root=tmp_path / "images"))
    cli = ImageStore(StoreConfig(root=tmp_path / "images"))
    await agent.import_archive(archives["busybox"])
    await cli.import_archive(archives["layered"])
    assert len(agent.list()) == 2
    await agent.touch("pacific.test/busybox-layered")  # a write from a stale view keeps both
    assert {n for r in cli.list() for n in r.names} == {
        "pacific.test/busybox:latest",
        "pacific.test/busybox-layered:latest",
    }
    await cli.remove("pacific.test/busybox")
    with pytest.raises(ImageNotPresent):
        agent.get("pacific.test/busybox")
    assert all(p.is_dir() for p in agent.lower_dirs("pacific.test/busybox-layered"))
