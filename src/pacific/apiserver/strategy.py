"""Per-write object preparation: what the server itself sets on create and update.

Pure functions over plain dicts (kube's registry strategies PrepareForCreate /
PrepareForUpdate), applied after decoding and before defaults and validation:

- create: uid, creationTimestamp (RFC 3339, `Z`), generation 1, name from generateName,
  server-owned fields cleared (deletionTimestamp, deletionGracePeriodSeconds), status reset
  for kinds with a status subresource (a Pod starts Pending with its QoS class; a Namespace
  Active with the `kubernetes` finalizer).
- update of the main resource: status is carried over from the stored object (for kinds with
  a status subresource); immutable metadata (uid, creationTimestamp, deletion fields,
  generation) comes from the stored object; generation bumps when anything outside
  metadata/status changed.
- update of `/status`: only status and metadata labels/annotations come from the request.
"""

from __future__ import annotations

import copy
import datetime as dt
import secrets
import uuid
from collections.abc import Callable
from typing import Any

from pacific.api.resources import Obj, ResourceType

NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789"
GENERATED_SUFFIX_LEN = 5
MAX_NAME_LEN = 253
# Fields the server owns: a client cannot set them on create, nor change them on update.
SERVER_METADATA = ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds")


def rfc3339(now: dt.datetime) -> str:
    return now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def generate_name(base: str) -> str:
    """generateName plus 5 random characters, the base cut so the result stays valid."""
    suffix = "".join(secrets.choice(NAME_CHARS) for _ in range(GENERATED_SUFFIX_LEN))
    return base[: 63 - GENERATED_SUFFIX_LEN] + suffix


def has_status(rt: ResourceType) -> bool:
    return "status" in rt.subresources


def pod_qos_class(pod: Obj) -> str:
    """BestEffort / Burstable / Guaranteed from the containers' requests and limits."""
    spec = pod.get("spec") or {}
    containers = list(spec.get("containers") or []) + list(spec.get("initContainers") or [])
    any_set = False
    guaranteed = True
    for c in containers:
        resources = c.get("resources") or {}
        requests = resources.get("requests") or {}
        limits = resources.get("limits") or {}
        if requests or limits:
            any_set = True
        for res in ("cpu", "memory"):
            if res not in limits or (res in requests and str(requests[res]) != str(limits[res])):
                guaranteed = False
    if not any_set:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


def initial_status(rt: ResourceType, obj: Obj) -> dict[str, Any] | None:
    """The status a new object starts with, or None to keep what the client sent."""
    if rt.group == "" and rt.plural == "pods":
        return {"phase": "Pending", "qosClass": pod_qos_class(obj)}
    if rt.group == "" and rt.plural == "namespaces":
        return {"phase": "Active"}
    if has_status(rt):
        return {}
    return None


def needs_generated_name(obj: Obj) -> bool:
    meta = obj.get("metadata") or {}
    return not meta.get("name") and bool(meta.get("generateName"))


def prepare_create(
    rt: ResourceType, obj: Obj, now: dt.datetime, names: Callable[[str], str] = generate_name
) -> None:
    """What the server sets on a new object; `names` turns a generateName into a name."""
    meta = obj.setdefault("metadata", {})
    for key in SERVER_METADATA:
        meta.pop(key, None)
    meta.pop("resourceVersion", None)
    meta.pop("selfLink", None)
    if needs_generated_name(obj):
        meta["name"] = names(meta["generateName"])
    normalize_metadata(obj)
    meta["uid"] = str(uuid.uuid4())
    meta["creationTimestamp"] = rfc3339(now)
    meta["generation"] = 1
    status = initial_status(rt, obj)
    if status is not None:
        if status:
            obj["status"] = status
        else:
            obj.pop("status", None)
    if rt.group == "" and rt.plural == "namespaces":
        spec = obj.setdefault("spec", {})
        if "kubernetes" not in (spec.get("finalizers") or []):
            spec["finalizers"] = [*(spec.get("finalizers") or []), "kubernetes"]


OMIT_WHEN_EMPTY = ("labels", "annotations", "finalizers", "ownerReferences", "managedFields")


def normalize_metadata(obj: Obj) -> None:
    """Drop empty metadata collections, as Go's `omitempty` never writes them."""
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        for key in OMIT_WHEN_EMPTY:
            if key in meta and not meta[key]:
                del meta[key]


def _spec_part(obj: Obj) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k not in ("metadata", "status", "apiVersion", "kind")}


def prepare_update(rt: ResourceType, new: Obj, old: Obj) -> None:
    """A write to the main resource: keep status and server-owned metadata, bump generation."""
    meta = new.setdefault("metadata", {})
    old_meta = old.get("metadata") or {}
    for key in SERVER_METADATA:
        if key in old_meta:
            meta[key] = old_meta[key]
        else:
            meta.pop(key, None)
    if has_status(rt):
        if "status" in old:
            new["status"] = copy.deepcopy(old["status"])
        else:
            new.pop("status", None)
    normalize_metadata(new)
    generation = int(old_meta.get("generation") or 1)
    if _spec_part(new) != _spec_part(old):
        generation += 1
    meta["generation"] = generation


def prepare_status_update(new: Obj, old: Obj) -> Obj:
    """A write to `/status`: the stored object with the request's status, labels, annotations."""
    out = copy.deepcopy(old)
    if "status" in new:
        out["status"] = new["status"]
    else:
        out.pop("status", None)
    meta = out.setdefault("metadata", {})
    new_meta = new.get("metadata") or {}
    for key in ("labels", "annotations"):
        if key in new_meta:
            meta[key] = new_meta[key]
        else:
            meta.pop(key, None)
    if "managedFields" in new_meta:
        meta["managedFields"] = new_meta["managedFields"]
    if "resourceVersion" in new_meta:
        meta["resourceVersion"] = new_meta["resourceVersion"]
    normalize_metadata(out)
    return out
