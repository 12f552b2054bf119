"""VM Service admission in the write path: vm-operator's mutating webhook, with its reads.

    await admit(server, rt, obj)                       a create, after defaults + validation
    mutate_update(server, rt, subresource, new, old)   an update, before defaults + validation

On a VirtualMachine create this checks the create-only rules (no Suspended VM, no restart
on create), applies the webhook's defaults
(`pacific.api.vmservice.defaults.mutate_vm_create`: power state, UUIDs, instance ID,
default NIC) and resolves `spec.imageName` against the namespace's VirtualMachineImages and
the ClusterVirtualMachineImages (`pacific.api.vmservice.images`), filling `spec.image` or
refusing with 422 Invalid and the webhook's message. The images are read from the store
(a handful of objects), not the watch cache, so an image created just before the VM is
always seen.

On an update of a VirtualMachine (main resource only, never /status) the webhook turns
`nextRestartTime: now` into the request's time, before validation sees it; on a
VirtualMachineClass it keeps a controllerName that an update emptied. Every other write
passes untouched.
"""

from __future__ import annotations

from pacific.api.errors import Invalid
from pacific.api.resources import Obj, ResourceType
from pacific.api.vmservice import GROUP, VERSION
from pacific.api.vmservice.defaults import (
    mutate_class_update,
    mutate_vm_create,
    mutate_vm_update,
)
from pacific.api.vmservice.images import check_image_name
from pacific.api.vmservice.validation_vm import vm_create_only_causes
from pacific.apiserver.admission_quota import shown_name
from pacific.apiserver.context import Server
from pacific.apiserver.registry import decode


async def _images(server: Server, plural: str, namespace: str | None) -> list[Obj]:
    rt = server.kinds.by_resource(GROUP, VERSION, plural)
    if rt is None:
        return []
    page = await server.registry.list_page(
        rt.prefix(namespace), start_after="", limit=0, revision=0
    )
    return [decode(kv.value, kv.mod_revision) for kv in page.items]


async def admit(server: Server, rt: ResourceType, obj: Obj) -> None:
    """The mutating webhook of a create of `obj`; raises Invalid (422) on a bad imageName."""
    if rt.group != GROUP or rt.kind != "VirtualMachine":
        return
    causes = vm_create_only_causes(obj)
    if causes:
        raise Invalid.of(rt.kind, rt.group, shown_name(obj), causes)
    mutate_vm_create(obj)
    if not (obj.get("spec") or {}).get("imageName"):
        return
    namespace = (obj.get("metadata") or {}).get("namespace")
    local = await _images(server, "virtualmachineimages", namespace)
    cluster = await _images(server, "clustervirtualmachineimages", None)
    causes = check_image_name(obj, local, cluster)
    if causes:
        raise Invalid.of(rt.kind, rt.group, shown_name(obj), causes)


def mutate_update(server: Server, rt: ResourceType, subresource: str, new: Obj, old: Obj) -> None:
    """The mutating webhook of an update to `new` from `old`, in place."""
    if rt.group != GROUP or subresource:
        return
    if rt.kind == "VirtualMachine":
        causes = mutate_vm_update(new, old, server.clock())
        if causes:
            raise Invalid.of(rt.kind, rt.group, shown_name(new), causes)
    elif rt.kind == "VirtualMachineClass":
        mutate_class_update(new, old)
