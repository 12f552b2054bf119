"""Fixtures: test images built from a stand-in busybox, and a fake registry for MockTransport."""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from pacific.agent.images.digest import digest_of
from pacific.agent.images.testimages import BuiltImage, build_images

needs_root = pytest.mark.skipif(
    os.geteuid() != 0, reason="overlay whiteouts need root (mknod 0/0, trusted.* xattrs)"
)


@pytest.fixture(scope="session")
def images(tmp_path_factory: pytest.TempPathFactory) -> dict[str, BuiltImage]:
    fake = tmp_path_factory.mktemp("bin") / "busybox"
    fake.write_bytes(b"\x7fELF not really busybox\n")
    return build_images(fake)


@dataclass
class FakeRegistry:
    """Serves images like a distribution registry; optionally demands a bearer token."""

    host: str = "registry.test"
    manifests: dict[str, dict[str, tuple[bytes, str]]] = field(default_factory=dict)
    blobs: dict[str, bytes] = field(default_factory=dict)
    users: dict[str, str] | None = None  # set: token auth with these basic credentials
    requests: list[httpx.Request] = field(default_factory=list)

    def add(self, repo: str, tag: str, image: BuiltImage) -> str:
        media = "application/vnd.oci.image.manifest.v1+json"
        digest = digest_of(image.manifest)
        repo_manifests = self.manifests.setdefault(repo, {})
        repo_manifests[tag] = repo_manifests[digest] = (image.manifest, media)
        for blob in (image.config, *image.layers):
            self.blobs[digest_of(blob)] = blob
        return digest

    def add_document(self, repo: str, ref: str, body: bytes, media: str) -> str:
        self.manifests.setdefault(repo, {})[ref] = (body, media)
        self.manifests[repo][digest_of(body)] = (body, media)
        return digest_of(body)

    def _authorized(self, request: httpx.Request) -> bool:
        if self.users is None:
            return True
        return request.headers.get("authorization") == "Bearer good-token"

    def _token(self, request: httpx.Request) -> httpx.Response:
        header = request.headers.get("authorization", "")
        if header.startswith("Basic "):
            user, _, pw = base64.b64decode(header[6:]).decode().partition(":")
            if self.users and self.users.get(user) == pw:
                return httpx.Response(200, json={"token": "good-token"})
            return httpx.Response(
                401, json={"errors": [{"code": "UNAUTHORIZED", "message": "bad"}]}
            )
        return httpx.Response(200, json={"token": "anonymous"})

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if request.url.host == "auth.test":
            return self._token(request)
        if not self._authorized(request):
            return httpx.Response(
                401,
                headers={
                    "www-authenticate": 'Bearer realm="https://auth.test/token",'
                    'service="registry.test",scope="repository:app:pull"'
                },
                json={"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]},
            )
        if "/manifests/" in path:
            repo, ref = path.removeprefix("/v2/").split("/manifests/")
            found = self.manifests.get(repo, {}).get(ref)
            if found is None:
                return httpx.Response(404, json={"errors": [{"code": "MANIFEST_UNKNOWN"}]})
            return httpx.Response(200, content=found[0], headers={"content-type": found[1]})
        if "/blobs/" in path:
            digest = path.rsplit("/", 1)[1]
            if digest not in self.blobs:
                return httpx.Response(404, json={"errors": [{"code": "BLOB_UNKNOWN"}]})
            return httpx.Response(200, content=self.blobs[digest])
        return httpx.Response(404)


@pytest.fixture
def registry() -> FakeRegistry:
    return FakeRegistry()


def index_of(*entries: tuple[bytes, str, str]) -> bytes:
    """An OCI index of (manifest bytes, os, arch) entries."""
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [
                {
                    "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "digest": digest_of(body),
                    "size": len(body),
                    "platform": {"os": os_, "architecture": arch},
                }
                for body, os_, arch in entries
            ],
        }
    ).encode()


def write_file(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
