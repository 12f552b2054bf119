"""Protobuf request bodies (`application/vnd.kubernetes.protobuf`) as the JSON kube expects.

kubectl 1.32 sends the objects of `kubectl create namespace|deployment|configmap|secret|
service|quota|job|serviceaccount|role|rolebinding|clusterrole|clusterrolebinding|
priorityclass|token` and `kubectl auth can-i|whoami` as protobuf, and does not fall back to
JSON on a 415. A body is the 4-byte magic `k8s\\x00` followed by a `runtime.Unknown`
envelope: `typeMeta` {apiVersion, kind}, `raw` (the object's own protobuf encoding, as
go-to-protobuf generates it from the Go types), `contentEncoding` and `contentType` (both
empty in practice).

`decode` turns such a body into the dict the apiserver would have got had kubectl sent
JSON: camelCase keys, `kind` and `apiVersion` from the envelope, and zero values dropped or
kept exactly as Go's `omitempty` rules would have (see `message`). Only the kinds in
`registry.KINDS` are known; every message reachable from them is described field by field
in the tables (`meta`, `core`, `pod`, `volumes`, `workloads`, `access`). Anything malformed
or unknown raises `pacific.api.errors.BadRequest`.

Layout: `wire` reads the wire format, `schema` says how a table is written, the table
modules hold the facts, `registry` joins them, `message` decodes one message.
"""

from __future__ import annotations

from typing import Any

from pacific.api.errors import BadRequest
from pacific.api.protobuf.message import decode_message, read_fields
from pacific.api.protobuf.registry import KINDS

__all__ = ["MAGIC", "MEDIA_TYPE", "decode"]

MEDIA_TYPE = "application/vnd.kubernetes.protobuf"
MAGIC = b"k8s\x00"


def decode(body: bytes) -> dict[str, Any]:
    """The object in a protobuf request body, as the JSON dict kube would have received."""
    if not body.startswith(MAGIC):
        raise BadRequest("protobuf body does not start with the k8s\\x00 magic prefix")
    envelope = read_fields(body[len(MAGIC) :], "Unknown")
    type_meta = envelope.get("typeMeta", {})
    api_version, kind = type_meta.get("apiVersion", ""), type_meta.get("kind", "")
    if envelope.get("contentEncoding"):
        raise BadRequest(f"unsupported protobuf content encoding {envelope['contentEncoding']!r}")
    if envelope.get("contentType", "") not in ("", MEDIA_TYPE):
        raise BadRequest(f"unsupported protobuf content type {envelope['contentType']!r}")
    if not kind:
        raise BadRequest("Object 'Kind' is missing in protobuf body")
    message = KINDS.get((api_version, kind))
    if message is None:
        raise BadRequest(f'no kind "{kind}" is registered for version "{api_version}"')
    obj = decode_message(envelope.get("raw", b""), message)
    return {"kind": kind, "apiVersion": api_version, **obj}
