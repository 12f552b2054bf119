"""Watch events as they come off the wire.

A watch response is a chunked stream with one JSON object per line:
`{"type": "ADDED"|"MODIFIED"|"DELETED"|"BOOKMARK"|"ERROR", "object": {...}}`. For ERROR the
object is a `Status`; the client raises it as the matching APIError (410 → `Gone`), so an
iterator of `WatchEvent` only ever carries the four object event types. A BOOKMARK object
carries nothing but `metadata.resourceVersion`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, cast

import orjson

from pacific.api.errors import APIError
from pacific.client.errors import DecodeError, error_from_status

EventType = Literal["ADDED", "MODIFIED", "DELETED", "BOOKMARK"]
_TYPES = frozenset({"ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"})


@dataclass(frozen=True, slots=True)
class WatchEvent:
    type: EventType
    object: dict[str, Any]

    @property
    def resource_version(self) -> str:
        return str(self.object.get("metadata", {}).get("resourceVersion", ""))


def decode_event(line: bytes | str) -> WatchEvent:
    """One line of a watch stream as an event; raises the APIError an ERROR event carries."""
    try:
        doc = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise DecodeError(f"watch stream sent a line that is not JSON: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("type") not in _TYPES:
        raise DecodeError("watch stream sent an object that is not a watch event")
    obj = doc.get("object")
    if not isinstance(obj, dict):
        raise DecodeError(f"watch event {doc['type']} has no object")
    if doc["type"] == "ERROR":
        raise _watch_error(obj)
    return WatchEvent(cast(EventType, doc["type"]), obj)


def _watch_error(status: dict[str, Any]) -> APIError:
    return error_from_status(status, int(status.get("code") or 500))
