"""Bad input and faults against the real server over HTTPS: kube's status, reason and text.

Each case checks the HTTP status code, the Status reason and message as kube-apiserver 1.32
words them, and that nothing stored changed (the store's revision is the same after).
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from pacific.store.protocol import Store
from pacific.testing.apiserver import running_apiserver

NS = "/api/v1/namespaces/ns"
CMS = f"{NS}/configmaps"
DEPLOYMENTS = "/apis/apps/v1/namespaces/ns/deployments"
JSON = {"content-type": "application/json"}


@dataclass
class Env:
    client: httpx.AsyncClient
    anonymous: httpx.AsyncClient
    store: Store


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[Env]:
    async with running_apiserver(None, tmp_path, event_ring_size=3) as srv:
        context = ssl.create_default_context(cafile=str(srv.ca_path))
        headers = {"Authorization": f"Bearer {srv.token}"}
        async with (
            httpx.AsyncClient(base_url=srv.url, verify=context, headers=headers) as client,
            httpx.AsyncClient(base_url=srv.url, verify=context) as anonymous,
        ):
            r = await client.post("/api/v1/namespaces", json={"metadata": {"name": "ns"}})
            assert r.status_code == 201, r.text
            r = await client.post(CMS, json={"metadata": {"name": "cm"}, "data": {"a": "1"}})
            assert r.status_code == 201, r.text
            yield Env(client, anonymous, srv.store)


async def expect(
    env: Env, response: httpx.Response, code: int, reason: str, message: str | None = None
) -> dict[str, Any]:
    """The response is a Failure Status with this code, reason (and exact message)."""
    assert response.status_code == code, response.text
    status: dict[str, Any] = response.json()
    assert status["kind"] == "Status" and status["status"] == "Failure"
    assert status["code"] == code
    assert status["reason"] == reason
    if message is not None:
        assert status["message"] == message
    return status


async def unchanged(env: Env, revision: int) -> None:
    assert await env.store.current_revision() == revision


async def test_malformed_json(env: Env) -> None:
    rev = await env.store.current_revision()
    r = await env.client.post(CMS, content=b'{"metadata": {"name": "x"', headers=JSON)
    status = await expect(env, r, 400, "BadRequest")
    assert status["message"].startswith("couldn't get version/kind; json parse error: ")
    await unchanged(env, rev)


async def test_malformed_yaml(env: Env) -> None:
    rev = await env.store.current_revision()
    body = b"metadata:\n  name: x\n data: [unclosed\n"
    r = await env.client.post(CMS, content=body, headers={"content-type": "application/yaml"})
    status = await expect(env, r, 400, "BadRequest")
    assert status["message"].startswith("error converting YAML to JSON: yaml: line ")
    await unchanged(env, rev)


async def test_malformed_protobuf(env: Env) -> None:
    rev = await env.store.current_revision()
    for body in (b"k8s\x00\x0a\xff\xff\xff", b"not protobuf at all"):
        headers = {"content-type": "application/vnd.kubernetes.protobuf"}
        r = await env.client.post(CMS, content=body, headers=headers)
        await expect(env, r, 400, "BadRequest")
    await unchanged(env, rev)


async def test_unknown_field_strict_is_rejected(env: Env) -> None:
    rev = await env.store.current_revision()
    body = {"metadata": {"name": "x"}, "data": {}, "bogus": 1, "spec": {"a": 1}}
    r = await env.client.post(f"{CMS}?fieldValidation=Strict", json=body)
    await expect(
        env,
        r,
        400,
        "BadRequest",
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: '
        'unknown field "bogus", unknown field "spec"',
    )
    await unchanged(env, rev)


async def test_unknown_field_warn_is_a_warning_header(env: Env) -> None:
    body = {"metadata": {"name": "warned"}, "bogus": 1}
    r = await env.client.post(f"{CMS}?fieldValidation=Warn", json=body)
    assert r.status_code == 201, r.text
    assert r.headers.get_list("warning") == ['299 - "unknown field \\"bogus\\""']
    assert "bogus" not in r.json()


async def test_wrong_type(env: Env) -> None:
    rev = await env.store.current_revision()
    body = {
        "metadata": {"name": "d"},
        "spec": {"replicas": "three", "selector": {"matchLabels": {"a": "b"}}},
    }
    r = await env.client.post(DEPLOYMENTS, json=body)
    await expect(
        env,
        r,
        400,
        "BadRequest",
        'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal '
        "string into Go struct field DeploymentSpec.spec.replicas of type int32",
    )
    await unchanged(env, rev)


async def test_name_that_is_not_dns_1123(env: Env) -> None:
    rev = await env.store.current_revision()
    r = await env.client.post(CMS, json={"metadata": {"name": "Bad_Name"}})
    status = await expect(
        env,
        r,
        422,
        "Invalid",
        'ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase '
        "RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and "
        "must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
        "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    )
    assert status["details"]["causes"][0]["field"] == "metadata.name"
    assert status["details"]["kind"] == "ConfigMap"
    await unchanged(env, rev)


async def test_body_over_3_mib(env: Env) -> None:
    rev = await env.store.current_revision()
    big = {"metadata": {"name": "big"}, "data": {"a": "x" * (3 * 1024 * 1024)}}
    r = await env.client.post(CMS, content=orjson.dumps(big), headers=JSON)
    await expect(env, r, 413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728")
    await unchanged(env, rev)


async def test_unknown_resource(env: Env) -> None:
    r = await env.client.get(f"{NS}/widgets")
    await expect(env, r, 404, "NotFound", "the server could not find the requested resource")
    r = await env.client.post("/apis/nothere.example.com/v1/things", json={})
    await expect(env, r, 404, "NotFound", "the server could not find the requested resource")


async def test_unsupported_patch_type(env: Env) -> None:
    rev = await env.store.current_revision()
    r = await env.client.patch(
        f"{CMS}/cm", content=b"data: {}", headers={"content-type": "text/plain"}
    )
    await expect(
        env,
        r,
        415,
        "UnsupportedMediaType",
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json-patch+json, application/merge-patch+json, "
        "application/strategic-merge-patch+json, application/apply-patch+yaml",
    )
    await unchanged(env, rev)


STALE = (
    'Operation cannot be fulfilled on configmaps "cm": the object has been modified; please '
    "apply your changes to the latest version and try again"
)


async def test_stale_resource_version_on_put(env: Env) -> None:
    current = (await env.client.get(f"{CMS}/cm")).json()
    body = {**current, "data": {"a": "2"}}
    body["metadata"] = {**current["metadata"], "resourceVersion": "1"}
    rev = await env.store.current_revision()
    r = await env.client.put(f"{CMS}/cm", json=body)
    status = await expect(env, r, 409, "Conflict", STALE)
    assert status["details"] == {"name": "cm", "kind": "configmaps"}
    await unchanged(env, rev)


async def test_stale_resource_version_in_a_patch_body(env: Env) -> None:
    rev = await env.store.current_revision()
    patch = {"metadata": {"resourceVersion": "1"}, "data": {"a": "3"}}
    headers = {"content-type": "application/merge-patch+json"}
    r = await env.client.patch(f"{CMS}/cm", json=patch, headers=headers)
    await expect(env, r, 409, "Conflict", STALE)
    await unchanged(env, rev)


async def test_missing_and_wrong_token(env: Env) -> None:
    rev = await env.store.current_revision()
    r = await env.anonymous.get(CMS)
    await expect(env, r, 401, "Unauthorized", "Unauthorized")
    r = await env.anonymous.post(
        CMS, json={"metadata": {"name": "x"}}, headers={"Authorization": "Bearer wrong"}
    )
    await expect(env, r, 401, "Unauthorized", "Unauthorized")
    await unchanged(env, rev)


async def test_body_namespace_differs_from_url(env: Env) -> None:
    rev = await env.store.current_revision()
    r = await env.client.post(CMS, json={"metadata": {"name": "x", "namespace": "other"}})
    await expect(
        env,
        r,
        400,
        "BadRequest",
        "the namespace of the provided object does not match the namespace sent on the request",
    )
    await unchanged(env, rev)


async def test_create_in_a_missing_namespace(env: Env) -> None:
    rev = await env.store.current_revision()
    r = await env.client.post(
        "/api/v1/namespaces/nope/configmaps", json={"metadata": {"name": "x"}}
    )
    status = await expect(env, r, 404, "NotFound", 'namespaces "nope" not found')
    assert status["details"] == {"name": "nope", "kind": "namespaces"}
    await unchanged(env, rev)


async def test_create_in_a_terminating_namespace(env: Env) -> None:
    assert (await env.client.delete(NS)).status_code == 200  # held by its finalizer
    rev = await env.store.current_revision()
    r = await env.client.post(CMS, json={"metadata": {"name": "x"}})
    status = await expect(
        env,
        r,
        403,
        "Forbidden",
        'configmaps "x" is forbidden: unable to create new content in namespace ns because it '
        "is being terminated",
    )
    assert status["details"] == {"name": "x", "kind": "configmaps"}
    await unchanged(env, rev)


async def test_watch_from_a_compacted_revision(env: Env) -> None:
    first = (await env.client.get(f"{CMS}/cm")).json()["metadata"]["resourceVersion"]
    headers = {"content-type": "application/merge-patch+json"}
    for i in range(5):  # more changes than the cache's event ring (3) holds
        r = await env.client.patch(f"{CMS}/cm", json={"data": {"a": str(i)}}, headers=headers)
        assert r.status_code == 200
    rev = await env.store.current_revision()
    r = await env.client.get(f"{CMS}?watch=true&resourceVersion={first}")
    assert r.status_code == 200
    lines = [orjson.loads(line) for line in r.content.splitlines() if line]
    assert len(lines) == 1 and lines[0]["type"] == "ERROR"
    status = lines[0]["object"]
    assert status["code"] == 410 and status["reason"] == "Expired"
    assert status["message"].startswith(f"too old resource version: {first} (")
    await unchanged(env, rev)


async def test_stale_continue_token(env: Env) -> None:
    for i in range(3):
        r = await env.client.post(CMS, json={"metadata": {"name": f"p{i}"}})
        assert r.status_code == 201
    page = (await env.client.get(f"{CMS}?limit=2")).json()
    token = page["metadata"]["continue"]
    assert token
    r = await env.client.patch(
        f"{CMS}/cm",
        json={"data": {"b": "1"}},
        headers={"content-type": "application/merge-patch+json"},
    )
    await env.store.compact(await env.store.current_revision())
    rev = await env.store.current_revision()
    r = await env.client.get(f"{CMS}?limit=2&continue={token}")
    await expect(
        env,
        r,
        410,
        "Expired",
        "The provided continue parameter is too old to display a consistent list result. You "
        "can start a new list without the continue parameter.",
    )
    await unchanged(env, rev)


async def test_unknown_field_selector(env: Env) -> None:
    r = await env.client.get(f"{CMS}?fieldSelector=spec.bogus%3Dx")
    await expect(
        env,
        r,
        400,
        "BadRequest",
        "field label not supported: spec.bogus",
    )
