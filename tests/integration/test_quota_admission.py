"""ResourceQuota and LimitRange against the real apiserver, with the quota controller."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from pacific.api import kinds
from pacific.api.errors import Forbidden, NotFound
from pacific.api.resources import ResourceType
from pacific.client import Client
from pacific.controllers.informers import SharedInformers
from pacific.controllers.quota import QuotaController
from pacific.testing.apiserver import running_apiserver

NS = "team"


def rt(kind: str) -> ResourceType:
    found = kinds.by_kind("", "v1", kind)
    assert found is not None
    return found


PODS, QUOTAS, LIMITS, NAMESPACES = rt("Pod"), rt("ResourceQuota"), rt("LimitRange"), rt("Namespace")


def pod(name: str, resources: dict[str, Any] | None = None) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "c", "image": "nginx"}
    if resources is not None:
        container["resources"] = resources
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": NS},
        "spec": {"containers": [container]},
    }


def quota(hard: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": {"name": "q", "namespace": NS},
        "spec": {"hard": hard},
    }


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[Client]:
    async with (
        running_apiserver(None, tmp_path) as srv,
        Client.from_kubeconfig(srv.kubeconfig_path) as c,
    ):
        await c.create(
            NAMESPACES, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}}
        )
        yield c


@contextlib.asynccontextmanager
async def quota_controller(client: Client) -> AsyncIterator[None]:
    informers = SharedInformers(client, client.clock)
    controller = QuotaController(client, informers, client.clock, resync_seconds=1.0)
    tasks = [asyncio.create_task(informers.run()), asyncio.create_task(controller.run())]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def eventually(check: Callable[[], Awaitable[bool]]) -> None:
    """Poll `check` until it holds (10 s at most)."""
    async with asyncio.timeout(10.0):
        while not await check():  # noqa: ASYNC110 - polling the server is the point
            await asyncio.sleep(0.05)


async def used_is(client: Client, expected: dict[str, str]) -> bool:
    status = (await client.get(QUOTAS, "q", NS)).get("status") or {}
    return status.get("used") == expected


async def test_quota_rejection_is_403_with_kubes_message_and_stores_nothing(
    client: Client,
) -> None:
    await client.create(QUOTAS, quota({"pods": "1"}))
    async with quota_controller(client):
        await eventually(lambda: used_is(client, {"pods": "0"}))
        await client.create(PODS, pod("a"))
        with pytest.raises(Forbidden) as err:
            await client.create(PODS, pod("b"))
    assert err.value.message == (
        'pods "b" is forbidden: exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1'
    )
    assert err.value.code == 403
    with pytest.raises(NotFound):
        await client.get(PODS, "b", NS)


async def test_limit_range_defaults_and_maximum(client: Client) -> None:
    await client.create(
        LIMITS,
        {
            "apiVersion": "v1",
            "kind": "LimitRange",
            "metadata": {"name": "lr", "namespace": NS},
            "spec": {
                "limits": [
                    {
                        "type": "Container",
                        "default": {"cpu": "500m", "memory": "256Mi"},
                        "defaultRequest": {"cpu": "100m", "memory": "128Mi"},
                        "max": {"cpu": "2"},
                    }
                ]
            },
        },
    )
    created = await client.create(PODS, pod("defaulted"))
    container = created["spec"]["containers"][0]
    assert container["resources"] == {
        "limits": {"cpu": "500m", "memory": "256Mi"},
        "requests": {"cpu": "100m", "memory": "128Mi"},
    }
    assert created["metadata"]["annotations"]["kubernetes.io/limit-ranger"] == (
        "LimitRanger plugin set: cpu, memory request for container c; "
        "cpu, memory limit for container c"
    )
    with pytest.raises(Forbidden) as err:
        await client.create(PODS, pod("big", {"limits": {"cpu": "4"}, "requests": {"cpu": "1"}}))
    assert err.value.message == (
        'pods "big" is forbidden: maximum cpu usage per Container is 2, but limit is 4'
    )


async def test_controller_writes_usage_into_status(client: Client) -> None:
    small = {
        "requests": {"cpu": "250m", "memory": "64Mi"},
        "limits": {"cpu": "250m", "memory": "64Mi"},
    }
    await client.create(PODS, pod("one", small))
    await client.create(PODS, pod("two", small))
    await client.create(
        rt("ConfigMap"),
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm", "namespace": NS}},
    )
    await client.create(
        QUOTAS,
        quota({"pods": "10", "requests.cpu": "4", "limits.memory": "1Gi", "count/configmaps": "5"}),
    )
    async with quota_controller(client):
        await eventually(
            lambda: used_is(
                client,
                {
                    "count/configmaps": "1",
                    "limits.memory": "128Mi",
                    "pods": "2",
                    "requests.cpu": "500m",
                },
            )
        )
    status = (await client.get(QUOTAS, "q", NS))["status"]
    assert status["hard"] == {
        "pods": "10",
        "requests.cpu": "4",
        "limits.memory": "1Gi",
        "count/configmaps": "5",
    }


async def test_concurrent_creates_never_overshoot(client: Client) -> None:
    await client.create(QUOTAS, quota({"pods": "5"}))
    async with quota_controller(client):
        await eventually(lambda: used_is(client, {"pods": "0"}))
        results = await asyncio.gather(
            *(client.create(PODS, pod(f"p{i}")) for i in range(20)), return_exceptions=True
        )
        created = [r for r in results if isinstance(r, dict)]
        rejected = [r for r in results if isinstance(r, Forbidden)]
        assert (len(created), len(rejected)) == (5, 15)
        assert all("exceeded quota: q" in r.message for r in rejected)
        await eventually(lambda: used_is(client, {"pods": "5"}))
    assert len((await client.list(PODS, NS)).items) == 5
