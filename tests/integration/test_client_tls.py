"""The client over real HTTPS: CA verification, bearer token, client certificates, and a
chunked watch stream, against a tiny ASGI app served by uvicorn (not the Pacific apiserver,
so this test covers only the client's side of the wire)."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import orjson
import pytest
import uvicorn
import yaml

from pacific.api.errors import NotFound
from pacific.api.resources import ResourceType
from pacific.client import Client, TransportError
from pacific.pki import certs

PODS = ResourceType("", "v1", "Pod", "pods", "pod", namespaced=True)
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]


async def app(
    scope: Scope,
    receive: Callable[[], Awaitable[Message]],
    send: Callable[[Message], Awaitable[None]],
) -> None:
    if scope["type"] != "http":
        return
    headers = dict(scope["headers"])
    path, query = scope["path"], scope["query_string"].decode()

    async def reply(code: int, body: object) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": code,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": orjson.dumps(body)})

    if path == "/api/v1/namespaces/ns/pods/web":
        token = headers.get(b"authorization", b"").decode()
        await reply(
            200, {"kind": "Pod", "metadata": {"name": "web", "annotations": {"auth": token}}}
        )
    elif path == "/api/v1/pods" and "watch=true" in query:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        for rv in ("2", "3", "4"):
            event = {
                "type": "ADDED",
                "object": {"metadata": {"name": f"p{rv}", "resourceVersion": rv}},
            }
            await send(
                {
                    "type": "http.response.body",
                    "body": orjson.dumps(event) + b"\n",
                    "more_body": True,
                }
            )
            await asyncio.sleep(0.01)
        await send({"type": "http.response.body", "body": b""})
    else:
        await reply(
            404,
            {
                "kind": "Status",
                "status": "Failure",
                "reason": "NotFound",
                "code": 404,
                "message": f"{path} not found",
            },
        )


@asynccontextmanager
async def serving(
    tmp_path: Path, *, require_client_cert: bool
) -> AsyncIterator[tuple[str, certs.KeyPair]]:
    now = dt.datetime.now(dt.UTC)
    ca = certs.make_ca("test-ca", now)
    serving_pair = certs.make_serving_cert(
        ca, certs.serving_sans(["localhost"], ["127.0.0.1"]), now
    )
    for name, data in {
        "ca.crt": ca.cert_pem,
        "tls.crt": serving_pair.cert_pem,
        "tls.key": serving_pair.key_pem,
    }.items():
        (tmp_path / name).write_bytes(data)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()  # connections wait in the backlog until uvicorn starts accepting
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        log_level="warning",
        ssl_certfile=str(tmp_path / "tls.crt"),
        ssl_keyfile=str(tmp_path / "tls.key"),
        ssl_ca_certs=str(tmp_path / "ca.crt"),
        ssl_cert_reqs=ssl.CERT_REQUIRED if require_client_cert else ssl.CERT_NONE,
        lifespan="off",
    )
    server = uvicorn.Server(config)
    async with asyncio.TaskGroup() as tg:
        task = tg.create_task(server.serve(sockets=[sock]))
        try:
            yield f"https://127.0.0.1:{port}", ca
        finally:
            server.should_exit = True
            await task
    sock.close()


def write_kubeconfig(path: Path, server: str, ca_pem: bytes, user: dict[str, str]) -> Path:
    doc = {
        "clusters": [
            {
                "name": "c",
                "cluster": {
                    "server": server,
                    "certificate-authority-data": base64.b64encode(ca_pem).decode(),
                },
            }
        ],
        "users": [{"name": "u", "user": user}],
        "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u", "namespace": "ns"}}],
        "current-context": "x",
    }
    path.write_text(yaml.safe_dump(doc))
    return path


async def test_token_over_verified_tls_and_streamed_watch(tmp_path: Path) -> None:
    async with serving(tmp_path, require_client_cert=False) as (url, ca):
        kubeconfig = write_kubeconfig(tmp_path / "kc", url, ca.cert_pem, {"token": "s3cret"})
        async with Client.from_kubeconfig(kubeconfig) as client:
            assert client.namespace == "ns"
            pod = await client.get(PODS, "web", "ns")
            assert pod["metadata"]["annotations"]["auth"] == "Bearer s3cret"
            with pytest.raises(NotFound):
                await client.get(PODS, "missing", "ns")
            events = [e async for e in client.watch(PODS, resource_version="1", timeout_seconds=5)]
            assert [e.resource_version for e in events] == ["2", "3", "4"]


async def test_unknown_ca_is_refused(tmp_path: Path) -> None:
    other = certs.make_ca("other", dt.datetime.now(dt.UTC))
    async with serving(tmp_path, require_client_cert=False) as (url, _):
        kubeconfig = write_kubeconfig(tmp_path / "kc", url, other.cert_pem, {"token": "t"})
        async with Client.from_kubeconfig(kubeconfig, max_retries=0) as client:
            with pytest.raises(TransportError, match="CERTIFICATE_VERIFY_FAILED"):
                await client.get(PODS, "web", "ns")


async def test_client_certificate_authenticates(tmp_path: Path) -> None:
    async with serving(tmp_path, require_client_cert=True) as (url, ca):
        pair = certs.make_client_cert(ca, "alice", ["devs"], dt.datetime.now(dt.UTC))
        user = {
            "client-certificate-data": base64.b64encode(pair.cert_pem).decode(),
            "client-key-data": base64.b64encode(pair.key_pem).decode(),
        }
        kubeconfig = write_kubeconfig(tmp_path / "kc", url, ca.cert_pem, user)
        async with Client.from_kubeconfig(kubeconfig) as client:
            assert (await client.get(PODS, "web", "ns"))["metadata"]["annotations"]["auth"] == ""
        async with Client(url, ca_path=str(tmp_path / "ca.crt"), max_retries=0) as anonymous:
            with pytest.raises(TransportError):
                await anonymous.get(PODS, "web", "ns")
