"""The writes controllers make, as merge patches guarded where it matters.

- Owner references and finalizers are lists a merge patch replaces wholesale, so those
  patches carry the object's `metadata.resourceVersion`: if someone changed the object since
  we read it, the server answers 409 Conflict and the controller retries from fresh state
  instead of overwriting their change.
- Status patches (on the `status` subresource) name every field of the old and the new
  status, with null for fields that went away, so a merge patch leaves exactly the new
  status behind. They are not version-guarded: status is computed from observed state and
  the next pass corrects a stale write.
- `merge_patch(old, new)` is the minimal merge patch that turns `old` into `new`, nested
  maps included; with `guarded` it replaces a PUT of an informer's cached object, which is
  a view without managedFields or the last-applied annotation (see
  pacific.client.informer_transform) and must never be written back whole.
"""

from __future__ import annotations

from typing import Any

from pacific.api.resources import ResourceType
from pacific.client import Client
from pacific.controllers.objects import Obj, meta, name_of, namespace_of


def guarded(obj: Obj, metadata: Obj) -> Obj:
    """A merge patch of `metadata` that only applies to this version of `obj`."""
    return {"metadata": {**metadata, "resourceVersion": meta(obj).get("resourceVersion")}}


def merge_patch(old: Any, new: Any) -> Any:
    """The JSON merge patch (RFC 7386) turning `old` into `new`: only what differs, null
    for keys that went away; lists and scalars are replaced whole."""
    if not isinstance(old, dict) or not isinstance(new, dict):
        return new
    patch: Obj = {key: None for key in old if key not in new}
    for key, value in new.items():
        if key not in old or old[key] != value:
            patch[key] = merge_patch(old.get(key), value)
    return patch


def owner_refs_patch(obj: Obj, refs: list[Obj]) -> Obj:
    return guarded(obj, {"ownerReferences": refs or None})


def finalizers_patch(obj: Obj, finalizers: list[str]) -> Obj:
    return guarded(obj, {"finalizers": finalizers or None})


def status_patch(old: Obj | None, new: Obj) -> Obj:
    fields = {key: None for key in old or {}}
    fields.update(new)
    return {"status": fields}


async def patch_status(client: Client, rt: ResourceType, obj: Obj, status: Obj) -> Obj:
    return await client.patch(
        rt,
        name_of(obj),
        status_patch(obj.get("status"), status),
        namespace=namespace_of(obj) or None,
        subresource="status",
    )


async def set_owner_refs(client: Client, rt: ResourceType, obj: Obj, refs: list[Obj]) -> Obj:
    return await client.patch(
        rt, name_of(obj), owner_refs_patch(obj, refs), namespace=namespace_of(obj) or None
    )
