"""Objects and lists into the representation the client negotiated.

JSON lists are assembled from already-encoded item bytes (the watch cache keeps each
object's JSON), so serving 10k pods is a join, not 10k encodes. Table and
PartialObjectMetadata conversions decode what they need; YAML is for humans only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson
import yaml

from pacific.api.resources import Obj, ResourceType
from pacific.api.table import table_for
from pacific.apiserver.context import Response
from pacific.apiserver.negotiation import JSON, YAML, Output

TABLE_CONTENT_TYPE = "application/json;as=Table;v=v1;g=meta.k8s.io"
METADATA_CONTENT_TYPE = "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io"
METADATA_LIST_CONTENT_TYPE = "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io"


def list_meta(revision: int, continue_token: str = "", remaining: int | None = None) -> Obj:
    meta: Obj = {"resourceVersion": str(revision)}
    if continue_token:
        meta["continue"] = continue_token
        if remaining is not None:
            meta["remainingItemCount"] = remaining
    return meta


def json_response(body: Any, status: int = 200) -> Response:
    return Response(status, orjson.dumps(body), JSON)


def partial_metadata(obj: Obj) -> Obj:
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": obj.get("metadata") or {},
    }


def object_response(
    rt: ResourceType,
    obj: Obj,
    output: Output,
    *,
    status: int = 200,
    include_object: str = "Metadata",
    now: dt.datetime | None = None,
) -> Response:
    if output is Output.JSON:
        return Response(status, orjson.dumps(obj), JSON)
    if output is Output.YAML:
        return Response(status, yaml.safe_dump(obj, sort_keys=False).encode(), YAML)
    if output is Output.METADATA:
        return Response(status, orjson.dumps(partial_metadata(obj)), METADATA_CONTENT_TYPE)
    table = table_for(
        rt,
        [obj],
        include_object=include_object,
        list_meta={"resourceVersion": (obj.get("metadata") or {}).get("resourceVersion", "")},
        now=now or dt.datetime.now(dt.UTC),
    )
    return Response(status, orjson.dumps(table), TABLE_CONTENT_TYPE)


def list_response_raw(rt: ResourceType, raws: list[bytes], meta: Obj) -> Response:
    """A JSON list from pre-encoded items, as parts (the items are not copied)."""
    head = orjson.dumps({"kind": rt.list_kind, "apiVersion": rt.api_version, "metadata": meta})
    parts: list[bytes] = [head[:-1], b',"items":[']
    for i, raw in enumerate(raws):
        if i:
            parts.append(b",")
        parts.append(raw)
    parts.append(b"]}")
    return Response(200, b"", JSON, parts=tuple(parts))


def list_response(
    rt: ResourceType,
    objs: list[Obj],
    meta: Obj,
    output: Output,
    *,
    include_object: str = "Metadata",
    now: dt.datetime | None = None,
) -> Response:
    if output is Output.JSON:
        return list_response_raw(rt, [orjson.dumps(o) for o in objs], meta)
    if output is Output.YAML:
        doc = {"kind": rt.list_kind, "apiVersion": rt.api_version, "metadata": meta, "items": objs}
        return Response(200, yaml.safe_dump(doc, sort_keys=False).encode(), YAML)
    if output is Output.METADATA:
        doc = {
            "kind": "PartialObjectMetadataList",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": meta,
            "items": [partial_metadata(o) for o in objs],
        }
        return Response(200, orjson.dumps(doc), METADATA_LIST_CONTENT_TYPE)
    table = table_for(
        rt, objs, include_object=include_object, list_meta=meta, now=now or dt.datetime.now(dt.UTC)
    )
    return Response(200, orjson.dumps(table), TABLE_CONTENT_TYPE)
