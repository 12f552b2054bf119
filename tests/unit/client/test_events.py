from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import orjson
import pytest

from pacific.client.client import Client
from pacific.client.events import EventRecorder, involved_object
from pacific.testing.clock import FakeClock

MakeClient = Callable[..., Client]


class EventServer:
    """Just enough of the events API: create, merge-patch, and forgetting events."""

    def __init__(self) -> None:
        self.events: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str]] = []
        self.fail_next = 0

    def handler(self, req: httpx.Request) -> httpx.Response:
        self.requests.append((req.method, req.url.path))
        if self.fail_next:
            self.fail_next -= 1
            body = {"kind": "Status", "code": 500, "reason": "InternalError", "message": "x"}
            return httpx.Response(500, content=orjson.dumps(body))
        if req.method == "POST":
            event = orjson.loads(req.content)
            self.events[event["metadata"]["name"]] = event
            return httpx.Response(201, content=orjson.dumps(event))
        name = req.url.path.rsplit("/", 1)[1]
        if name not in self.events:
            body = {"kind": "Status", "code": 404, "reason": "NotFound", "message": "gone"}
            return httpx.Response(404, content=orjson.dumps(body))
        self.events[name].update(orjson.loads(req.content))
        return httpx.Response(200, content=orjson.dumps(self.events[name]))


POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "web", "namespace": "prod", "uid": "u-1", "resourceVersion": "7"},
}


async def test_first_event_is_created_with_reference_and_source(
    make_client: MakeClient, clock: FakeClock
) -> None:
    server = EventServer()
    async with make_client(server.handler) as c:
        rec = EventRecorder(c, "scheduler", host="cp-1")
        ev = await rec.event(POD, "Normal", "Scheduled", "assigned prod/web to n1")
    assert ev is not None
    assert server.requests == [("POST", "/api/v1/namespaces/prod/events")]
    assert ev["involvedObject"] == {
        "kind": "Pod",
        "apiVersion": "v1",
        "namespace": "prod",
        "name": "web",
        "uid": "u-1",
        "resourceVersion": "7",
    }
    assert ev["source"] == {"component": "scheduler", "host": "cp-1"}
    assert ev["count"] == 1 and ev["firstTimestamp"] == "2025-01-01T00:00:00Z"
    assert ev["metadata"]["name"].startswith("web.")
    assert ev["reportingComponent"] == "scheduler"


async def test_repeated_event_is_counted_not_duplicated(
    make_client: MakeClient, clock: FakeClock
) -> None:
    server = EventServer()
    async with make_client(server.handler) as c:
        rec = EventRecorder(c, "kubelet", host="h")
        await rec.event(POD, "Warning", "BackOff", "restarting")
        clock.advance(30)
        await rec.event(POD, "Warning", "BackOff", "restarting")
        ev = await rec.event(POD, "Warning", "BackOff", "restarting")
        await rec.event(POD, "Warning", "BackOff", "a different message")
    assert ev is not None and ev["count"] == 3
    assert ev["lastTimestamp"] == "2025-01-01T00:00:30Z"
    assert ev["firstTimestamp"] == "2025-01-01T00:00:00Z"
    assert [m for m, _ in server.requests] == ["POST", "PATCH", "PATCH", "POST"]
    assert len(server.events) == 2


async def test_vanished_event_is_recreated(make_client: MakeClient) -> None:
    server = EventServer()
    async with make_client(server.handler) as c:
        rec = EventRecorder(c, "ctl", host="h")
        await rec.event(POD, "Normal", "Synced", "ok")
        server.events.clear()
        ev = await rec.event(POD, "Normal", "Synced", "ok")
    assert ev is not None and ev["count"] == 1 and len(server.events) == 1


async def test_cluster_scoped_objects_get_events_in_default(make_client: MakeClient) -> None:
    server = EventServer()
    node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1", "uid": "u"}}
    async with make_client(server.handler) as c:
        await EventRecorder(c, "ctl", host="h").event(node, "Normal", "Ready", "up")
    assert server.requests == [("POST", "/api/v1/namespaces/default/events")]


async def test_failures_are_logged_not_raised(make_client: MakeClient) -> None:
    server = EventServer()
    server.fail_next = 1
    async with make_client(server.handler) as c:
        rec = EventRecorder(c, "ctl", host="h")
        assert await rec.event(POD, "Normal", "Synced", "ok") is None
        assert await rec.event(POD, "Normal", "Synced", "ok") is not None


async def test_bad_input_is_refused(make_client: MakeClient) -> None:
    async with make_client(EventServer().handler) as c:
        rec = EventRecorder(c, "ctl", host="h")
        with pytest.raises(ValueError):
            await rec.event(POD, "Info", "X", "y")
    with pytest.raises(ValueError):
        involved_object({"metadata": {"name": "x"}})


async def test_many_similar_events_are_combined(make_client: MakeClient, clock: FakeClock) -> None:
    server = EventServer()
    async with make_client(server.handler) as c:
        rec = EventRecorder(c, "ctl", host="h")
        for i in range(9):
            await rec.event(POD, "Warning", "Failed", f"attempt {i}")
        combined = await rec.event(POD, "Warning", "Failed", "attempt 9")
        again = await rec.event(POD, "Warning", "Failed", "attempt 10")
        clock.advance(601)
        fresh = await rec.event(POD, "Warning", "Failed", "attempt 11")
    assert combined is not None and again is not None and fresh is not None
    assert combined["message"] == "(combined from similar events): attempt 9"
    assert again["message"] == "(combined from similar events): attempt 10"
    assert again["count"] == 2
    assert fresh["message"] == "attempt 11"
    assert len(server.events) == 11
