"""Recording core/v1 Events about objects, deduplicated the way client-go's recorder does.

`EventRecorder(client, component).event(obj, type, reason, message)` tells users (through
`kubectl describe` / `kubectl get events`) what a controller did or why it could not. Model:
- An Event names its object in `involvedObject` (kind, apiVersion, namespace, name, uid,
  resourceVersion) and its author in `source` (component, host) and
  `reportingComponent/reportingInstance`. It lives in the object's namespace, or `default`
  for cluster-scoped objects. Its name is `<object name>.<hex nanoseconds>` as client-go
  makes it, kept strictly increasing per recorder so names never collide.
- Deduplication: the recorder remembers (in a bounded LRU) the events it wrote, keyed by
  source, involved object, type, reason and message. Recording the same event again
  patches the existing one (`count` + 1, `lastTimestamp` now) instead of creating another;
  if that event has gone (expired, deleted) a new one is created.
- Aggregation: once 10 events differing only in message have been recorded about one
  object for one reason within 10 minutes, further ones are folded into a single event
  whose message reads "(combined from similar events): <latest message>", counted like a
  repeat, so a flapping controller cannot flood the events table.
- Recording is best effort: an API failure is logged and `event()` returns None, so a
  controller never fails its reconcile because the event could not be written.
Writes are serialised per recorder, so concurrent recordings of one event count correctly.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pacific.api import kinds
from pacific.api.errors import APIError, NotFound
from pacific.api.resources import ResourceType
from pacific.client.client import Client, Obj
from pacific.client.clock import Clock, rfc3339
from pacific.client.errors import ClientError

log = logging.getLogger(__name__)

NORMAL = "Normal"
WARNING = "Warning"
EVENT_TYPES = (NORMAL, WARNING)
CACHE_SIZE = 4096
AGGREGATE_AFTER = 10  # distinct messages per (object, reason) before aggregation
AGGREGATE_WINDOW = 600.0  # seconds
COMBINED_PREFIX = "(combined from similar events): "

EventKey = tuple[str, ...]


@dataclass
class _Seen:
    namespace: str
    name: str
    count: int


@dataclass
class _Similar:
    messages: set[str]
    last: float  # monotonic


def _event_resource() -> ResourceType:
    rt = kinds.by_kind("", "v1", "Event")
    if rt is None:
        raise LookupError("core/v1 Event is not a registered kind")
    return rt


def involved_object(obj: Obj) -> dict[str, str]:
    """The ObjectReference an Event uses for `obj`."""
    meta = obj.get("metadata") or {}
    ref = {
        "kind": str(obj.get("kind") or ""),
        "apiVersion": str(obj.get("apiVersion") or ""),
        "namespace": str(meta.get("namespace") or ""),
        "name": str(meta.get("name") or ""),
        "uid": str(meta.get("uid") or ""),
        "resourceVersion": str(meta.get("resourceVersion") or ""),
    }
    if not ref["kind"] or not ref["name"]:
        raise ValueError("an event needs an object with kind and metadata.name")
    return {k: v for k, v in ref.items() if v}


def event_key(
    source: dict[str, str], ref: dict[str, str], type_: str, reason: str, message: str
) -> EventKey:
    """What makes two recordings "the same event" (client-go's getEventKey)."""
    return (
        source.get("component", ""),
        source.get("host", ""),
        ref.get("kind", ""),
        ref.get("namespace", ""),
        ref.get("name", ""),
        ref.get("uid", ""),
        ref.get("apiVersion", ""),
        type_,
        reason,
        message,
    )


def new_event(
    ref: dict[str, str],
    source: dict[str, str],
    type_: str,
    reason: str,
    message: str,
    now: datetime,
    nanos: int,
) -> Obj:
    """A fresh core/v1 Event with count 1, named `<object>.<nanos in hex>`."""
    stamp = rfc3339(now)
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "name": f"{ref['name']}.{nanos:x}",
            "namespace": ref.get("namespace") or "default",
        },
        "involvedObject": ref,
        "reason": reason,
        "message": message,
        "type": type_,
        "source": source,
        "firstTimestamp": stamp,
        "lastTimestamp": stamp,
        "count": 1,
        "reportingComponent": source["component"],
        "reportingInstance": source.get("host", ""),
    }


class EventRecorder:
    def __init__(
        self,
        client: Client,
        component: str,
        *,
        host: str | None = None,
        clock: Clock | None = None,
        cache_size: int = CACHE_SIZE,
    ) -> None:
        if not component:
            raise ValueError("an event recorder needs a component name")
        self.client = client
        self.clock: Clock = clock or client.clock
        self.source = {"component": component, "host": host or socket.gethostname()}
        self.cache_size = cache_size
        self._events = _event_resource()
        self._seen: OrderedDict[EventKey, _Seen] = OrderedDict()
        self._similar: OrderedDict[EventKey, _Similar] = OrderedDict()
        self._lock = asyncio.Lock()
        self._last_nanos = 0

    async def event(self, obj: Obj, type: str, reason: str, message: str) -> Obj | None:
        """Record an event about `obj`; returns the Event as stored, or None on failure."""
        if type not in EVENT_TYPES:
            raise ValueError(f"event type must be one of {EVENT_TYPES}, not {type!r}")
        ref = involved_object(obj)
        async with self._lock:
            key, message = self._aggregate(event_key(self.source, ref, type, reason, ""), message)
            try:
                return await self._record(key, ref, type, reason, message)
            except (APIError, ClientError) as exc:
                log.warning("could not record event %s %s on %s: %s", type, reason, ref, exc)
                return None

    async def _record(
        self, key: EventKey, ref: dict[str, str], type_: str, reason: str, message: str
    ) -> Obj:
        now = self.clock.now()
        seen = self._seen.get(key)
        if seen is not None:
            patch: dict[str, Any] = {
                "count": seen.count + 1,
                "lastTimestamp": rfc3339(now),
                "message": message,
            }
            try:
                stored = await self.client.patch(
                    self._events, seen.name, patch, namespace=seen.namespace
                )
            except NotFound:
                del self._seen[key]
            else:
                seen.count += 1
                self._seen.move_to_end(key)
                return stored
        # Nanoseconds since the epoch, made strictly increasing so two events recorded in
        # the same clock tick never collide on their name.
        nanos = max(int(now.timestamp() * 1_000_000) * 1000, self._last_nanos + 1)
        self._last_nanos = nanos
        body = new_event(ref, self.source, type_, reason, message, now, nanos)
        stored = await self.client.create(self._events, body)
        meta = stored.get("metadata") or body["metadata"]
        self._remember(key, _Seen(meta["namespace"], meta["name"], 1))
        return stored

    def _aggregate(self, similar: EventKey, message: str) -> tuple[EventKey, str]:
        """The dedup key and message to record: the event's own, or the combined ones."""
        now = self.clock.monotonic()
        record = self._similar.get(similar)
        if record is None or now - record.last > AGGREGATE_WINDOW:
            record = _Similar(set(), now)
        record.last = now
        record.messages.add(message)
        self._similar[similar] = record
        self._similar.move_to_end(similar)
        while len(self._similar) > self.cache_size:
            self._similar.popitem(last=False)
        if len(record.messages) < AGGREGATE_AFTER:
            return (*similar[:-1], message), message
        record.messages.pop()  # stay bounded: the set only needs to stay at the threshold
        return (*similar[:-1], COMBINED_PREFIX), COMBINED_PREFIX + message

    def _remember(self, key: EventKey, seen: _Seen) -> None:
        self._seen[key] = seen
        while len(self._seen) > self.cache_size:
            self._seen.popitem(last=False)
