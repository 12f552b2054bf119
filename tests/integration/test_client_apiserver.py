"""The client, informer and event recorder against the real Pacific apiserver."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import aclosing
from pathlib import Path
from typing import Any

import pytest

from pacific.api import kinds
from pacific.api.errors import AlreadyExists, Conflict, Invalid, NotFound
from pacific.api.resources import ResourceType
from pacific.client import Client, EventRecorder, Informer

apiserver = pytest.importorskip("pacific.testing.apiserver")


def rt(group: str, version: str, kind: str) -> ResourceType:
    found = kinds.by_kind(group, version, kind)
    if found is None:
        pytest.skip(f"{kind} is not served yet")
    return found


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[Client]:
    async with (
        apiserver.running_apiserver(None, tmp_path) as srv,
        Client.from_kubeconfig(srv.kubeconfig_path) as c,
    ):
        namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}}
        with contextlib.suppress(AlreadyExists):
            await c.create(rt("", "v1", "Namespace"), namespace)
        yield c


def configmap(name: str, **data: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "default", "labels": {"app": "t"}},
        "data": data,
    }


async def test_crud_and_errors(client: Client) -> None:
    cms = rt("", "v1", "ConfigMap")
    created = await client.create(cms, configmap("one", a="1"))
    assert created["metadata"]["uid"]
    with pytest.raises(AlreadyExists):
        await client.create(cms, configmap("one"))
    stale = dict(created, data={"a": "stale"})
    updated = await client.update(cms, dict(created, data={"a": "2"}))
    assert updated["data"] == {"a": "2"}
    with pytest.raises(Conflict):
        await client.update(cms, stale)
    patched = await client.patch(cms, "one", {"data": {"b": "3"}}, namespace="default")
    assert patched["data"] == {"a": "2", "b": "3"}
    page = await client.list(cms, "default", label_selector="app=t")
    assert [o["metadata"]["name"] for o in page.items] == ["one"]
    await client.delete(cms, "one", "default")
    with pytest.raises(NotFound):
        await client.get(cms, "one", "default")
    with pytest.raises(Invalid) as info:
        await client.create(cms, configmap("Not_A_Name"))
    assert info.value.details is not None and info.value.details.causes


async def test_list_all_pages_through_everything(client: Client) -> None:
    cms = rt("", "v1", "ConfigMap")
    for i in range(5):
        await client.create(cms, configmap(f"cm-{i}"))
    result = await client.list_all(cms, "default", label_selector="app=t", page_size=2)
    assert sorted(o["metadata"]["name"] for o in result.items) == [f"cm-{i}" for i in range(5)]
    assert result.resource_version


async def test_watch_sees_changes_after_a_list(client: Client) -> None:
    cms = rt("", "v1", "ConfigMap")
    start = await client.list(cms, "default")
    stream = client.watch(cms, "default", resource_version=start.resource_version)
    async with aclosing(stream) as events:
        await client.create(cms, configmap("w"))
        await client.delete(cms, "w", "default")
        seen = []
        async with asyncio.timeout(10):
            async for event in events:
                if event.type != "BOOKMARK":
                    seen.append((event.type, event.object["metadata"]["name"]))
                if len(seen) == 2:
                    break
    assert seen == [("ADDED", "w"), ("DELETED", "w")]


async def test_informer_follows_the_server(client: Client) -> None:
    cms = rt("", "v1", "ConfigMap")
    await client.create(cms, configmap("before"))
    informer = Informer(client, cms, namespace="default", label_selector="app=t")
    changes = informer.subscribe()
    async with asyncio.TaskGroup() as tg:
        task = tg.create_task(informer.run())
        async with asyncio.timeout(10):
            await informer.wait_synced()
            await client.create(cms, configmap("after"))
            await client.delete(cms, "before", "default")
            seen = [await changes.get() for _ in range(3)]
        task.cancel()
    assert [(c.type, c.key[1]) for c in seen] == [
        ("add", "before"),
        ("add", "after"),
        ("delete", "before"),
    ]
    assert informer.get("default", "after") is not None


async def test_events_are_recorded_and_counted(client: Client) -> None:
    cms = rt("", "v1", "ConfigMap")
    events = rt("", "v1", "Event")
    obj = await client.create(cms, configmap("ev"))
    recorder = EventRecorder(client, "test-controller", host="here")
    first = await recorder.event(obj, "Normal", "Synced", "all good")
    second = await recorder.event(obj, "Normal", "Synced", "all good")
    assert first is not None and second is not None
    assert second["metadata"]["name"] == first["metadata"]["name"]
    stored = await client.get(events, first["metadata"]["name"], "default")
    assert stored["count"] == 2 and stored["involvedObject"]["uid"] == obj["metadata"]["uid"]


async def test_patch_types_status_and_binding(client: Client) -> None:
    pods, cms = rt("", "v1", "Pod"), rt("", "v1", "ConfigMap")
    container = {"name": "c", "image": "busybox"}
    body = {"metadata": {"name": "p", "namespace": "default"}, "spec": {"containers": [container]}}
    await client.create(pods, {"apiVersion": "v1", "kind": "Pod", **body})
    labels = {"metadata": {"labels": {"x": "1"}}}
    await client.patch(pods, "p", labels, namespace="default", patch_type="strategic")
    add_label = [{"op": "add", "path": "/metadata/labels/y", "value": "2"}]
    out = await client.patch(pods, "p", add_label, namespace="default", patch_type="json")
    assert out["metadata"]["labels"] == {"x": "1", "y": "2"}
    applied = await client.patch(
        cms,
        "applied",
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "applied"}, "data": {}},
        namespace="default",
        patch_type="apply",
        field_manager="tester",
    )
    assert applied["metadata"]["managedFields"][0]["manager"] == "tester"
    current = await client.get(pods, "p", "default")
    status = await client.update_status(pods, dict(current, status={"phase": "Running"}))
    assert status["status"]["phase"] == "Running"
    await client.bind("default", "p", "node-1")
    assert (await client.get(pods, "p", "default"))["spec"]["nodeName"] == "node-1"
