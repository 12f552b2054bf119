"""How a VirtualMachine's `spec.imageName` names an image, as vm-operator resolves it.

    resolve_image_name(name, namespace_images, cluster_images) -> (kind, name)

- A name starting with `vmi-` is an object name: the namespace's VirtualMachineImage of
  that name, else the ClusterVirtualMachineImage of that name.
- Any other name is a display name (`status.name`): it must match exactly one image across
  the namespace's images and the cluster images.

Failures raise `ImageNameError` carrying vm-operator's message ("no VM image exists for
... in namespace or cluster scope", "multiple VM images exist for ..."). `check_image_name`
applies the resolution to a new VM: it fills `spec.image` when absent, or insists both
name the same image ("must refer to the same resource as spec.image"). Pure functions over
the image objects the caller read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pacific.api.errors import Cause
from pacific.api.validation.field import invalid

VMI = "VirtualMachineImage"
CVMI = "ClusterVirtualMachineImage"
NOT_MATCHING = "must refer to the same resource as spec.image"


class ImageNameError(Exception):
    """`imageName` names no image, or more than one."""


def _name(obj: Mapping[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("name") or "")


def _display(obj: Mapping[str, Any]) -> str:
    return str((obj.get("status") or {}).get("name") or "")


def resolve_image_name(
    name: str,
    namespace_images: Iterable[Mapping[str, Any]],
    cluster_images: Iterable[Mapping[str, Any]],
) -> tuple[str, str]:
    """The (kind, object name) `name` refers to; ImageNameError if none or ambiguous."""
    local, cluster = list(namespace_images), list(cluster_images)
    if name.startswith("vmi-"):
        if any(_name(img) == name for img in local):
            return VMI, name
        if any(_name(img) == name for img in cluster):
            return CVMI, name
        raise ImageNameError(f'no VM image exists for "{name}" in namespace or cluster scope')
    found: tuple[str, str] | None = None
    in_ns = [img for img in local if _display(img) == name]
    if len(in_ns) > 1:
        raise ImageNameError(f'multiple VM images exist for "{name}" in namespace scope')
    if in_ns:
        found = (VMI, _name(in_ns[0]))
    in_cluster = [img for img in cluster if _display(img) == name]
    if len(in_cluster) > 1:
        raise ImageNameError(f'multiple VM images exist for "{name}" in cluster scope')
    if in_cluster:
        if found is not None:
            raise ImageNameError(
                f'multiple VM images exist for "{name}" in namespace and cluster scope'
            )
        found = (CVMI, _name(in_cluster[0]))
    if found is None:
        raise ImageNameError(f'no VM image exists for "{name}" in namespace or cluster scope')
    return found


def check_image_name(
    vm: dict[str, Any],
    namespace_images: Iterable[Mapping[str, Any]],
    cluster_images: Iterable[Mapping[str, Any]],
) -> list[Cause]:
    """Resolve a new VM's imageName into spec.image in place; the field errors, if any."""
    spec = vm.get("spec")
    if not isinstance(spec, dict) or not spec.get("imageName"):
        return []
    image_name = str(spec["imageName"])
    try:
        kind, name = resolve_image_name(image_name, namespace_images, cluster_images)
    except ImageNameError as exc:
        return [invalid("spec.imageName", image_name, str(exc))]
    image = spec.get("image")
    if not isinstance(image, dict) or not image:
        spec["image"] = {"kind": kind, "name": name}
        return []
    if image.get("kind") != kind or image.get("name") != name:
        return [invalid("spec.imageName", image_name, NOT_MATCHING)]
    return []
