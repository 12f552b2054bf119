"""Pull from a real registry: Debian's `docker-registry` on loopback, fed by a tiny push helper.

The test images are built from busybox (Debian's busybox-static when installed, else a
stand-in file), pushed with the distribution API (monolithic blob uploads, manifest PUT),
then pulled through `ImageStore.pull()`. With root, the pulled snapshots are mounted as an
overlay to check that whiteouts hide what they should, and busybox runs in it.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import ssl
import subprocess
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from pacific.agent.images.auth import Credentials
from pacific.agent.images.digest import digest_of
from pacific.agent.images.errors import ImageNotFound, RegistryUnreachable, Unauthorized
from pacific.agent.images.registry import RegistryConfig
from pacific.agent.images.store import ImageStore, StoreConfig
from pacific.agent.images.testimages import BUSYBOX, BuiltImage, build_images
from pacific.host import run
from pacific.pki.certs import KeyPair, make_ca, make_serving_cert, serving_sans

REGISTRY = shutil.which("docker-registry") or "/usr/bin/docker-registry"

pytestmark = [
    pytest.mark.root,
    pytest.mark.skipif(os.geteuid() != 0, reason="unpacking whiteouts and mounting need root"),
    pytest.mark.skipif(
        not Path(REGISTRY).exists(), reason="docker-registry is not installed (scripts/install.sh)"
    ),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_registry(
    tmp: Path, htpasswd: str | None = None, tls: KeyPair | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """Start docker-registry on a free loopback port; (process, host:port)."""
    port = free_port()
    config: dict[str, Any] = {
        "version": 0.1,
        "log": {"level": "error"},
        "storage": {"filesystem": {"rootdirectory": str(tmp / "data")}},
        "http": {"addr": f"127.0.0.1:{port}"},
    }
    if htpasswd is not None:
        (tmp / "htpasswd").write_text(htpasswd)
        config["auth"] = {"htpasswd": {"realm": "pacific-test", "path": str(tmp / "htpasswd")}}
    if tls is not None:
        (tmp / "tls.crt").write_bytes(tls.cert_pem)
        (tmp / "tls.key").write_bytes(tls.key_pem)
        config["http"]["tls"] = {"certificate": str(tmp / "tls.crt"), "key": str(tmp / "tls.key")}
    (tmp / "config.yml").write_text(yaml.safe_dump(config))
    proc = subprocess.Popen(
        [REGISTRY, "serve", str(tmp / "config.yml")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    host = f"127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, host
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("docker-registry did not start")


@pytest.fixture(scope="module")
def images() -> dict[str, BuiltImage]:
    if BUSYBOX.exists():
        return build_images(BUSYBOX)
    fake = Path(os.environ.get("TMPDIR", "/tmp")) / "pacific-fake-busybox"
    fake.write_bytes(b"not busybox")
    return build_images(fake)


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    proc, host = start_registry(tmp_path_factory.mktemp("registry"))
    try:
        yield host
    finally:
        proc.kill()
        proc.wait()


def push(
    host: str,
    repo: str,
    tag: str,
    image: BuiltImage,
    auth: tuple[str, str] | None = None,
    ca: ssl.SSLContext | None = None,
) -> str:
    """Push with the distribution API: each blob in one upload, then the manifest."""
    base = f"{'https' if ca else 'http'}://{host}"
    with httpx.Client(base_url=base, auth=auth, timeout=30, verify=ca or True) as http:
        for blob in (image.config, *image.layers):
            start = http.post(f"/v2/{repo}/blobs/uploads/")
            assert start.status_code == 202, start.text
            location = start.headers["location"]
            sep = "&" if "?" in location else "?"
            done = http.put(
                f"{location}{sep}digest={digest_of(blob)}",
                content=blob,
                headers={"content-type": "application/octet-stream"},
            )
            assert done.status_code == 201, done.text
        put = http.put(
            f"/v2/{repo}/manifests/{tag}",
            content=image.manifest,
            headers={"content-type": "application/vnd.oci.image.manifest.v1+json"},
        )
        assert put.status_code == 201, put.text
    return digest_of(image.manifest)


async def test_pull_unpacks_layers_that_overlay_correctly(
    tmp_path: Path, registry: str, images: dict[str, BuiltImage]
) -> None:
    push(registry, "test/busybox", "latest", images["busybox"])
    digest = push(registry, "test/busybox-layered", "1", images["busybox-layered"])
    store = ImageStore(StoreConfig(root=tmp_path / "images"))
    rec = await store.pull(f"{registry}/test/busybox-layered:1")
    assert rec.repo_digests == [f"{registry}/test/busybox-layered@{digest}"]
    base = await store.pull(f"{registry}/test/busybox")
    assert base.chain_ids == rec.chain_ids[:1]  # shared layer, unpacked once

    lowers = store.lower_dirs(rec)
    upper, work, merged = tmp_path / "upper", tmp_path / "work", tmp_path / "merged"
    for d in (upper, work, merged):
        d.mkdir()
    options = f"lowerdir={':'.join(map(str, lowers))},upperdir={upper},workdir={work}"
    await run(["mount", "-t", "overlay", "overlay", "-o", options, str(merged)], timeout=10)
    try:
        assert (merged / "etc/pacific-release").read_text() == "layered\n"
        assert not (merged / "opt/gone").exists()
        assert sorted(os.listdir(merged / "opt/old")) == ["fresh"]
        assert (merged / "var/www/index.html").read_text() == "hello from pacific\n"
        if BUSYBOX.exists():
            done = await run(
                ["chroot", str(merged), "/bin/sh", "-c", "echo hi; ls /opt"], timeout=10
            )
            assert done.stdout.split() == [b"hi", b"old"]
    finally:
        await run(["umount", str(merged)], timeout=10)


async def test_missing_tag_and_unreachable(tmp_path: Path, registry: str) -> None:
    store = ImageStore(StoreConfig(root=tmp_path / "images"))
    with pytest.raises(ImageNotFound, match="not found"):
        await store.pull(f"{registry}/test/nope:1")
    with pytest.raises(RegistryUnreachable, match="failed to do request"):
        await store.pull(f"127.0.0.1:{free_port()}/test/busybox:1")


async def test_basic_auth_registry(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, images: dict[str, BuiltImage]
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        crypt = pytest.importorskip("crypt")
    hashed = crypt.crypt("s3cret", crypt.mksalt(crypt.METHOD_BLOWFISH))
    if not hashed or not hashed.startswith("$2"):
        pytest.skip("libc crypt cannot make bcrypt hashes for htpasswd")
    proc, host = start_registry(tmp_path_factory.mktemp("authreg"), f"puller:{hashed}\n")
    try:
        push(host, "private/app", "1", images["busybox"], auth=("puller", "s3cret"))
        store = ImageStore(StoreConfig(root=tmp_path / "images"))
        with pytest.raises(Unauthorized):
            await store.pull(f"{host}/private/app:1")
        rec = await store.pull(f"{host}/private/app:1", auth=Credentials("puller", "s3cret"))
        assert rec.names == [f"{host}/private/app:1"]
    finally:
        proc.kill()
        proc.wait()


async def test_https_registry_with_verified_certificate(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, images: dict[str, BuiltImage]
) -> None:
    now = dt.datetime.now(dt.UTC)
    ca = make_ca("pacific-test-ca", now)
    cert = make_serving_cert(ca, serving_sans([], ["127.0.0.1"]), now)
    proc, host = start_registry(tmp_path_factory.mktemp("tlsreg"), tls=cert)
    try:
        trust = ssl.create_default_context(cadata=ca.cert_pem.decode())
        push(host, "secure/app", "1", images["busybox"], ca=trust)
        https = StoreConfig(
            root=tmp_path / "images", registry=RegistryConfig(loopback_plain_http=False)
        )
        untrusting = ImageStore(https)
        with pytest.raises(RegistryUnreachable, match="CERTIFICATE_VERIFY_FAILED"):
            await untrusting.pull(f"{host}/secure/app:1")
        rec = await ImageStore(https, verify=trust).pull(f"{host}/secure/app:1")
        assert rec.names == [f"{host}/secure/app:1"]
    finally:
        proc.kill()
        proc.wait()
