"""pull() against a fake registry over httpx.MockTransport: auth, policy, errors."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import httpx
import pytest

from pacific.agent.images.auth import Credentials, Keyring
from pacific.agent.images.digest import digest_of
from pacific.agent.images.errors import (
    DigestMismatch,
    ImageNotFound,
    ImageNotPresent,
    NotAnImage,
    RegistryUnreachable,
    Unauthorized,
)
from pacific.agent.images.manifest import ACCEPT
from pacific.agent.images.policy import PullPolicy
from pacific.agent.images.store import ImageStore, StoreConfig
from pacific.agent.images.testimages import BuiltImage

from .conftest import FakeRegistry, index_of, needs_root

pytestmark = needs_root  # pulls unpack layers, whose whiteouts need root


def store_for(tmp_path: Path, handler: object) -> ImageStore:
    return ImageStore(
        StoreConfig(root=tmp_path / "images"),
        transport=httpx.MockTransport(handler),  # type: ignore[arg-type]
        clock=lambda: 100.0,
    )


async def test_pull_by_tag_unpacks_and_records(
    tmp_path: Path, registry: FakeRegistry, images: dict[str, BuiltImage]
) -> None:
    digest = registry.add("team/app", "v1", images["busybox-layered"])
    store = store_for(tmp_path, registry)
    rec = await store.pull("registry.test/team/app:v1")
    assert rec.names == ["registry.test/team/app:v1"]
    assert rec.repo_digests == [f"registry.test/team/app@{digest}"]
    assert rec.id == digest_of(images["busybox-layered"].config)
    lowers = store.lower_dirs("registry.test/team/app:v1")
    assert len(lowers) == 2
    assert (lowers[0] / "etc/pacific-release").read_text() == "layered\n"
    assert (lowers[1] / "bin/busybox").exists()
    first = registry.requests[0]
    assert first.url == "https://registry.test/v2/team/app/manifests/v1"
    assert first.headers["accept"] == ACCEPT


async def test_pull_picks_linux_amd64_from_an_index(
    tmp_path: Path, registry: FakeRegistry, images: dict[str, BuiltImage]
) -> None:
    amd = images["busybox"]
    registry.add("app", "amd-only", amd)
    index = index_of((b'{"not":"used"}', "linux", "arm64"), (amd.manifest, "linux", "amd64"))
    index_digest = registry.add_document(
        "app", "multi", index, "application/vnd.oci.image.index.v1+json"
    )
    store = store_for(tmp_path, registry)
    rec = await store.pull("registry.test/app:multi")
    assert rec.manifest == digest_of(amd.manifest)
    assert rec.repo_digests == [f"registry.test/app@{index_digest}"]
    assert index_digest in rec.blobs


async def test_layers_are_shared_and_fetched_once(
    tmp_path: Path, registry: FakeRegistry, images: dict[str, BuiltImage]
) -> None:
    registry.add("a", "1", images["busybox"])
    registry.add("b", "1", images["busybox-layered"])
    store = store_for(tmp_path, registry)
    await store.pull("registry.test/a:1")
    await store.pull("registry.test/b:1")
    base = digest_of(images["busybox"].layers[0])
    blob_gets = [r for r in registry.requests if r.url.path.endswith(base)]
    assert len(blob_gets) == 1
    assert len(list((tmp_path / "images/snapshots").iterdir())) == 2
    assert store.lower_dirs("registry.test/a:1")[0] == store.lower_dirs("registry.test/b:1")[1]


async def test_policies(
    tmp_path: Path, registry: FakeRegistry, images: dict[str, BuiltImage]
) -> None:
    registry.add("app", "1", images["busybox"])
    store = store_for(tmp_path, registry)
    with pytest.raises(ImageNotPresent) as info:
        await store.pull("registry.test/app:1", policy=PullPolicy.NEVER)
    assert info.value.reason == "ErrImageNeverPull"
    assert str(info.value) == (
        'Container image "registry.test/app:1" is not present with pull policy of Never'
    )
    assert registry.requests == []
    await store.pull("registry.test/app:1", policy=PullPolicy.IF_NOT_PRESENT)
    count = len(registry.requests)
    await store.pull("registry.test/app:1", policy=PullPolicy.IF_NOT_PRESENT)
    await store.pull("registry.test/app:1", policy=PullPolicy.NEVER)
    assert len(registry.requests) == count
    await store.pull("registry.test/app:1", policy=PullPolicy.ALWAYS)
    # Always resolves the manifest again but downloads no blob it already has
    assert [r.url.path for r in registry.requests[count:]] == ["/v2/app/manifests/1"]


async def test_token_auth_with_pull_secret(
    tmp_path: Path, registry: FakeRegistry, images: dict[str, BuiltImage]
) -> None:
    registry.users = {"me": "pw"}
    registry.add("app", "1", images["busybox"])
    store = store_for(tmp_path, registry)
    secret = {"auths": {"registry.test": {"username": "me", "password": "pw"}}}
    ring = Keyring.from_docker_configs([json.dumps(secret).encode()])
    await store.pull("registry.test/app:1", auth=ring)
    token_requests = [r for r in registry.requests if r.url.host == "auth.test"]
    assert len(token_requests) == 1  # the token is reused for every blob
    assert token_requests[0].url.params["service"] == "registry.test"
    assert token_requests[0].url.params["scope"] == "repository:app:pull"


async def test_wrong_or_missing_credentials(
    tmp_path: Path, registry: FakeRegistry, images: dict[str, BuiltImage]
) -> None:
    registry.users = {"me": "pw"}
    registry.add("app", "1", images["busybox"])
    store = store_for(tmp_path, registry)
    with pytest.raises(Unauthorized) as info:
        await store.pull("registry.test/app:1", auth=Credentials("me", "wrong"))
    assert str(info.value) == (
        'failed to pull and unpack image "registry.test/app:1": failed to resolve reference '
        '"registry.test/app:1": pull access denied, repository does not exist or may require '
        "authorization: server message: unauthorized: bad"
    )
    with pytest.raises(Unauthorized, match="authentication required"):
        await store.pull("registry.test/app:1")


async def test_basic_auth_challenge(tmp_path: Path, images: dict[str, BuiltImage]) -> None:
    inner = FakeRegistry()
    inner.add("app", "1", images["busybox"])

    def handler(request: httpx.Request) -> httpx.Response:
        if request.headers.get("authorization") != "Basic dTpw":  # u:p
            return httpx.Response(401, headers={"www-authenticate": 'Basic realm="r"'})
        return inner(request)

    store = store_for(tmp_path, handler)
    await store.pull("registry.test/app:1", auth=Credentials("u", "p"))
    with pytest.raises(Unauthorized, match="no basic auth credentials"):
        await store_for(tmp_path / "2", handler).pull("registry.test/app:1")


async def test_not_found_message(tmp_path: Path, registry: FakeRegistry) -> None:
    store = store_for(tmp_path, registry)
    with pytest.raises(ImageNotFound) as info:
        await store.pull("registry.test/nope")
    assert str(info.value) == (
        'failed to pull and unpack image "registry.test/nope:latest": failed to resolve '
        'reference "registry.test/nope:latest": registry.test/nope:latest: not found'
    )


async def test_unreachable(tmp_path: Path) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(
        RegistryUnreachable, match=re.escape('Get "https://registry.test/v2/app/manifests/1"')
    ):
        await store_for(tmp_path, refuse).pull("registry.test/app:1")

    def unavailable(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503)

    with pytest.raises(RegistryUnreachable, match="503 Service Unavailable"):
        await store_for(tmp_path, unavailable).pull("registry.test/app:1")


async def test_loopback_is_plain_http(tmp_path: Path, images: dict[str, BuiltImage]) -> None:
    registry = FakeRegistry()
    registry.add("app", "1", images["busybox"])
    await store_for(tmp_path, registry).pull("127.0.0.1:5000/app:1")
    assert str(registry.requests[0].url) == "http://127.0.0.1:5000/v2/app/manifests/1"


async def test_corrupt_blob_is_a_digest_mismatch_and_leaves_nothing(
    tmp_path: Path, registry: FakeRegistry, images: dict[str, BuiltImage]
) -> None:
    registry.add("app", "1", images["busybox"])
    layer = digest_of(images["busybox"].layers[0])
    registry.blobs[layer] = b"tampered"
    store = store_for(tmp_path, registry)
    with pytest.raises(DigestMismatch) as info:
        await store.pull("registry.test/app:1")
    assert info.value.expected == layer
    assert "registry.test/app:1" in str(info.value)
    assert not store.blobs.has(layer)
    assert store.list() == []
    assert list((tmp_path / "images/tmp").iterdir()) == []


async def test_manifest_by_digest_is_verified(
    tmp_path: Path, registry: FakeRegistry, images: dict[str, BuiltImage]
) -> None:
    digest = registry.add("app", "1", images["busybox"])
    registry.manifests["app"][digest] = (b'{"schemaVersion":2}', "application/json")
    with pytest.raises(DigestMismatch):
        await store_for(tmp_path, registry).pull(f"registry.test/app@{digest}")


async def test_html_is_not_an_image(tmp_path: Path) -> None:
    def html(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, content=b"<html>hi</html>", headers={"content-type": "text/html"}
        )

    with pytest.raises(NotAnImage) as info:
        await store_for(tmp_path, html).pull("registry.test/app:1")
    assert str(info.value).startswith('failed to pull and unpack image "registry.test/app:1": ')


async def test_pull_by_digest_records_no_tag(
    tmp_path: Path, registry: FakeRegistry, images: dict[str, BuiltImage]
) -> None:
    digest = registry.add("app", "1", images["busybox"])
    store = store_for(tmp_path, registry)
    rec = await store.pull(f"registry.test/app@{digest}")
    assert rec.names == []
    assert store.get(f"registry.test/app@{digest}") is rec


async def test_concurrent_pulls_of_one_image(
    tmp_path: Path, registry: FakeRegistry, images: dict[str, BuiltImage]
) -> None:
    registry.add("app", "1", images["busybox-layered"])
    store = store_for(tmp_path, registry)
    first, second = await asyncio.gather(
        store.pull("registry.test/app:1"), store.pull("registry.test/app:1")
    )
    assert first.id == second.id
    assert len(store.list()) == 1
    layer_gets = [r for r in registry.requests if "/blobs/" in r.url.path]
    assert len(layer_gets) == 3  # config + 2 layers, once: the second pull found them


async def test_blob_redirect_drops_registry_credentials(
    tmp_path: Path, registry: FakeRegistry, images: dict[str, BuiltImage]
) -> None:
    registry.users = {"me": "pw"}
    registry.add("app", "1", images["busybox"])
    cdn: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "cdn.test":
            cdn.append(request)
            return httpx.Response(200, content=registry.blobs[request.url.path.rsplit("/", 1)[1]])
        response = registry(request)
        if "/blobs/" in request.url.path and response.status_code == 200:
            digest = request.url.path.rsplit("/", 1)[1]
            return httpx.Response(307, headers={"location": f"https://cdn.test/b/{digest}"})
        return response

    store = store_for(tmp_path, handler)
    await store.pull("registry.test/app:1", auth=Credentials("me", "pw"))
    assert len(cdn) == 2
    assert all("authorization" not in r.headers for r in cdn)
