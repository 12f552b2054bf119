from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import orjson
import pytest

from pacific.api.errors import (
    AlreadyExists,
    Conflict,
    Invalid,
    NotFound,
    ServiceUnavailable,
    TooManyRequests,
)
from pacific.api.resources import ResourceType
from pacific.client.client import Client
from pacific.client.errors import TransportError
from pacific.testing.clock import FakeClock

MakeClient = Callable[..., Client]
PODS = ResourceType("", "v1", "Pod", "pods", "pod", namespaced=True)
NODES = ResourceType("", "v1", "Node", "nodes", "node", namespaced=False)
DEPLOYMENTS = ResourceType("apps", "v1", "Deployment", "deployments", "deployment", True)


def json_response(
    status: int, body: object, headers: dict[str, str] | None = None
) -> httpx.Response:
    return httpx.Response(status, content=orjson.dumps(body), headers=headers)


def status_body(code: int, reason: str, message: str = "boom", **details: object) -> object:
    out: dict[str, object] = {"kind": "Status", "apiVersion": "v1", "metadata": {}}
    out.update(status="Failure", message=message, reason=reason, code=code)
    if details:
        out["details"] = details
    return out


def pod(name: str, ns: str = "default", rv: str = "1") -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "resourceVersion": rv},
    }


async def test_get_sends_token_and_user_agent_to_the_object_path(make_client: MakeClient) -> None:
    seen: list[httpx.Request] = []

    def handler(req: httpx.Request) -> httpx.Response:
        seen.append(req)
        return json_response(200, pod("web"))

    async with make_client(handler) as c:
        obj = await c.get(PODS, "web", "prod")
    assert obj["metadata"]["name"] == "web"
    assert seen[0].url.path == "/api/v1/namespaces/prod/pods/web"
    assert seen[0].headers["authorization"] == "Bearer secret"
    assert seen[0].headers["user-agent"].startswith("pacific-client/")


async def test_group_and_cluster_scoped_paths(make_client: MakeClient) -> None:
    paths: list[str] = []

    def handler(req: httpx.Request) -> httpx.Response:
        paths.append(req.url.path)
        return json_response(200, {"metadata": {"name": "x"}})

    async with make_client(handler) as c:
        await c.get(NODES, "n1", "ignored")
        await c.get(DEPLOYMENTS, "d", "ns")
    assert paths == ["/api/v1/nodes/n1", "/apis/apps/v1/namespaces/ns/deployments/d"]


async def test_namespaced_get_without_namespace_is_refused(make_client: MakeClient) -> None:
    async with make_client(lambda r: json_response(200, {})) as c:
        with pytest.raises(ValueError, match="namespace"):
            await c.get(PODS, "web")


@pytest.mark.parametrize(
    ("code", "reason", "cls"),
    [
        (404, "NotFound", NotFound),
        (409, "AlreadyExists", AlreadyExists),
        (409, "Conflict", Conflict),
    ],
)
async def test_status_errors_become_api_errors(
    make_client: MakeClient, code: int, reason: str, cls: type
) -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        return json_response(code, status_body(code, reason, "nope", name="web", kind="pods"))

    async with make_client(handler) as c:
        with pytest.raises(cls) as info:
            await c.get(PODS, "web", "default")
    assert info.value.message == "nope"
    assert info.value.details is not None and info.value.details.name == "web"


async def test_invalid_carries_causes(make_client: MakeClient) -> None:
    causes = [{"reason": "FieldValueRequired", "message": "Required value", "field": "spec.x"}]

    def handler(req: httpx.Request) -> httpx.Response:
        return json_response(422, status_body(422, "Invalid", "bad", causes=causes))

    async with make_client(handler) as c:
        with pytest.raises(Invalid) as info:
            await c.create(PODS, pod("web"))
    assert info.value.details is not None
    assert info.value.details.causes[0].field == "spec.x"


async def test_list_parses_metadata_and_fills_kind(make_client: MakeClient) -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        assert req.url.path == "/api/v1/pods"
        assert req.url.params["labelSelector"] == "app=web"
        assert req.url.params["limit"] == "2"
        body = {
            "kind": "PodList",
            "metadata": {"resourceVersion": "42", "continue": "tok"},
            "items": [{"metadata": {"name": "a"}}],
        }
        return json_response(200, body)

    async with make_client(handler) as c:
        page = await c.list(PODS, label_selector="app=web", limit=2)
    assert page.resource_version == "42"
    assert page.continue_ == "tok"
    assert page.items[0]["kind"] == "Pod" and page.items[0]["apiVersion"] == "v1"


async def test_list_all_follows_continue_tokens(make_client: MakeClient) -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        token = req.url.params.get("continue")
        if token is None:
            assert req.url.params["resourceVersion"] == "0"
            return json_response(
                200, {"metadata": {"resourceVersion": "7", "continue": "p2"}, "items": [{}]}
            )
        assert "resourceVersion" not in req.url.params
        return json_response(200, {"metadata": {"resourceVersion": "7"}, "items": [{}, {}]})

    async with make_client(handler) as c:
        result = await c.list_all(PODS, "ns", page_size=1, resource_version="0")
    assert len(result.items) == 3 and result.resource_version == "7"


async def test_create_uses_object_namespace_and_flags(make_client: MakeClient) -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        assert req.method == "POST"
        assert req.url.path == "/api/v1/namespaces/team/pods"
        assert req.url.params["dryRun"] == "All"
        assert req.url.params["fieldManager"] == "me"
        return json_response(201, orjson.loads(req.content))

    async with make_client(handler) as c:
        out = await c.create(PODS, pod("web", "team"), dry_run=True, field_manager="me")
    assert out["metadata"]["namespace"] == "team"


async def test_update_and_update_status_paths(make_client: MakeClient) -> None:
    seen: list[tuple[str, str]] = []

    def handler(req: httpx.Request) -> httpx.Response:
        seen.append((req.method, req.url.path))
        return json_response(200, orjson.loads(req.content))

    async with make_client(handler) as c:
        await c.update(PODS, pod("web"))
        await c.update_status(PODS, pod("web"))
    assert seen == [
        ("PUT", "/api/v1/namespaces/default/pods/web"),
        ("PUT", "/api/v1/namespaces/default/pods/web/status"),
    ]


@pytest.mark.parametrize(
    ("patch_type", "content_type"),
    [
        ("merge", "application/merge-patch+json"),
        ("json", "application/json-patch+json"),
        ("strategic", "application/strategic-merge-patch+json"),
        ("apply", "application/apply-patch+yaml"),
    ],
)
async def test_patch_content_types(
    make_client: MakeClient, patch_type: str, content_type: str
) -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        assert req.headers["content-type"] == content_type
        assert req.url.path == "/api/v1/namespaces/ns/pods/web/status"
        assert req.url.params["fieldManager"] == "ctl"
        return json_response(200, pod("web"))

    async with make_client(handler) as c:
        await c.patch(
            PODS,
            "web",
            {"status": {}},
            namespace="ns",
            patch_type=patch_type,  # type: ignore[arg-type]
            subresource="status",
            field_manager="ctl",
        )


async def test_apply_patch_needs_field_manager(make_client: MakeClient) -> None:
    async with make_client(lambda r: json_response(200, {})) as c:
        with pytest.raises(ValueError, match="field_manager"):
            await c.patch(PODS, "web", {}, namespace="ns", patch_type="apply")


async def test_delete_sends_options_and_returns_lingering_object(make_client: MakeClient) -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        opts = orjson.loads(req.content)
        assert opts["propagationPolicy"] == "Foreground"
        assert opts["gracePeriodSeconds"] == 0
        assert opts["preconditions"] == {"uid": "u1"}
        return json_response(200, pod("web"))

    async with make_client(handler) as c:
        out = await c.delete(
            PODS,
            "web",
            "default",
            propagation_policy="Foreground",
            grace_period_seconds=0,
            preconditions={"uid": "u1"},
        )
    assert out is not None and out["kind"] == "Pod"


async def test_delete_returning_status_gives_none(make_client: MakeClient) -> None:
    body = {"kind": "Status", "apiVersion": "v1", "status": "Success"}
    async with make_client(lambda r: json_response(200, body)) as c:
        assert await c.delete(NODES, "n1") is None


async def test_bind_posts_a_binding(make_client: MakeClient) -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        assert req.url.path == "/api/v1/namespaces/ns/pods/web/binding"
        body = orjson.loads(req.content)
        assert body["kind"] == "Binding" and body["target"]["name"] == "node-1"
        return json_response(201, {"kind": "Status", "status": "Success"})

    async with make_client(handler) as c:
        await c.bind("ns", "web", "node-1")


async def test_429_with_retry_after_is_retried_after_the_delay(
    make_client: MakeClient, clock: FakeClock
) -> None:
    calls = 0

    def handler(req: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            return json_response(429, status_body(429, "TooManyRequests"), {"Retry-After": "3"})
        return json_response(201, pod("web"))

    async with make_client(handler) as c:
        task = asyncio.create_task(c.create(PODS, pod("web")))
        await clock.wait_sleepers(1)
        assert clock.deadlines() == [3.0]
        clock.advance(3)
        assert (await task)["metadata"]["name"] == "web"
    assert calls == 2


async def test_429_retries_are_bounded(make_client: MakeClient, clock: FakeClock) -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        return json_response(429, status_body(429, "TooManyRequests"), {"Retry-After": "0"})

    async with make_client(handler, max_retries=2) as c:
        with pytest.raises(TooManyRequests):
            await c.get(PODS, "web", "ns")


async def test_read_errors_retried_for_get_but_not_for_post(
    make_client: MakeClient, clock: FakeClock
) -> None:
    calls = 0

    def handler(req: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise httpx.ReadError("reset", request=req)
        return json_response(200, pod("web"))

    async with make_client(handler) as c:
        task = asyncio.create_task(c.get(PODS, "web", "ns"))
        await clock.wait_sleepers(1)
        clock.advance(1)
        await task
        assert calls == 2
        calls = 0
        with pytest.raises(TransportError):
            await c.create(PODS, pod("web"))
        assert calls == 1


async def test_connect_errors_retried_even_for_writes(
    make_client: MakeClient, clock: FakeClock
) -> None:
    calls = 0

    def handler(req: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise httpx.ConnectError("refused", request=req)
        return json_response(201, pod("web"))

    async with make_client(handler) as c:
        task = asyncio.create_task(c.create(PODS, pod("web")))
        for _ in range(2):
            await clock.wait_sleepers(1)
            clock.advance(10)
        await task
    assert calls == 3


async def test_5xx_with_retry_after_is_retried_only_for_reads(
    make_client: MakeClient, clock: FakeClock
) -> None:
    calls = 0

    def handler(req: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 1 or req.method == "POST":
            body = status_body(503, "ServiceUnavailable")
            return json_response(503, body, {"Retry-After": "1"})
        return json_response(200, pod("web"))

    async with make_client(handler) as c:
        task = asyncio.create_task(c.get(PODS, "web", "ns"))
        await clock.wait_sleepers(1)
        clock.advance(1)
        await task
        calls = 0
        with pytest.raises(ServiceUnavailable):
            await c.create(PODS, pod("web"))
    assert calls == 1
