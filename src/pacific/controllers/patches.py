"""The writes controllers make, as merge patches guarded where it matters.

- Owner references and finalizers are lists a merge patch replaces wholesale, so those
  patches carry the object's `metadata.resourceVersion`: if someone changed the object since
  we read it, the server answers 409 Conflict and the controller retries from fresh state
  instead of overwriting their change.
- Status patches (on the `status` subresource) name every field of the old and the new
  status, with null for fields that went away, so a merge patch leaves exactly the new
  status behind. They are not version-guarded: status is computed from observed state and
  the next pass corrects a stale write.
"""

from __future__ import annotations

from pacific.api.resources import ResourceType
from pacific.client import Client
from pacific.controllers.objects import Obj, meta, name_of, namespace_of


def guarded(obj: Obj, metadata: Obj) -> Obj:
    """A merge patch of `metadata` that only applies to this version of `obj`."""
    return {"metadata": {**metadata, "resourceVersion": meta(obj).get("resourceVersion")}}


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
