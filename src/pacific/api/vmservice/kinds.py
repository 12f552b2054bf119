"""The VM Service ResourceTypes as vm-operator's CRDs declare them.

Scope, short names, the /status subresource (every kind has one) and the CRD printer
columns (`rt.extra["printer_columns"]`, rendered by pacific.api.table). vm-operator's CRDs
declare no categories, so none of these kinds shows in `kubectl get all`. `KINDS` pairs
each ResourceType with its schema, ready for `Registry.register`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pacific.api.resources import ResourceType
from pacific.api.schema import Schema
from pacific.api.vmservice import GROUP, VERSION
from pacific.api.vmservice.refs import PREFIX
from pacific.api.vmservice.schemas import SCHEMAS

AGE = {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}


def _col(name: str, path: str, *, priority: int = 0) -> Mapping[str, Any]:
    return {"name": name, "type": "string", "jsonPath": path, "priority": priority}


_IMAGE_COLUMNS = (
    _col("Display Name", ".status.name"),
    _col("Type", ".status.type"),
    _col("Image Version", ".status.productInfo.version"),
    _col("OS Name", ".status.osInfo.type"),
    _col("OS Version", ".status.osInfo.version"),
    _col("Hardware Version", ".status.hardwareVersion"),
)

COLUMNS: dict[str, tuple[Mapping[str, Any], ...]] = {
    "VirtualMachine": (
        _col("Power-State", ".status.powerState"),
        _col("Class", ".spec.className", priority=1),
        _col("Image", ".spec.image.name", priority=1),
        _col("Primary-IP4", ".status.network.primaryIP4", priority=1),
        AGE,
    ),
    "VirtualMachineClass": (
        _col("CPU", ".spec.hardware.cpus"),
        _col("Memory", ".spec.hardware.memory"),
        _col("Capabilities", ".status.capabilities", priority=1),
    ),
    "VirtualMachineImage": (*_IMAGE_COLUMNS, _col("Capabilities", ".status.capabilities")),
    "ClusterVirtualMachineImage": _IMAGE_COLUMNS,
    "VirtualMachineService": (_col("Type", ".spec.type"), AGE),
    "VirtualMachineWebConsoleRequest": (),
}


def _rt(kind: str, plural: str, short: tuple[str, ...], *, namespaced: bool = True) -> ResourceType:
    extra: dict[str, Any] = {}
    if COLUMNS[kind]:
        extra["printer_columns"] = COLUMNS[kind]
    return ResourceType(
        group=GROUP,
        version=VERSION,
        kind=kind,
        plural=plural,
        singular=kind.lower(),
        namespaced=namespaced,
        short_names=short,
        subresources=frozenset({"status"}),
        schema_name=PREFIX + kind,
        extra=extra,
    )


VIRTUAL_MACHINE = _rt("VirtualMachine", "virtualmachines", ("vm",))
VIRTUAL_MACHINE_CLASS = _rt("VirtualMachineClass", "virtualmachineclasses", ("vmclass",))
VIRTUAL_MACHINE_IMAGE = _rt("VirtualMachineImage", "virtualmachineimages", ("vmi", "vmimage"))
CLUSTER_VIRTUAL_MACHINE_IMAGE = _rt(
    "ClusterVirtualMachineImage",
    "clustervirtualmachineimages",
    ("cvmi", "cvmimage", "clustervmi", "clustervmimage"),
    namespaced=False,
)
VIRTUAL_MACHINE_SERVICE = _rt("VirtualMachineService", "virtualmachineservices", ("vmservice",))
VIRTUAL_MACHINE_WEB_CONSOLE_REQUEST = _rt(
    "VirtualMachineWebConsoleRequest", "virtualmachinewebconsolerequests", ()
)

KINDS: tuple[tuple[ResourceType, Schema], ...] = tuple(
    (rt, SCHEMAS[rt.kind])
    for rt in (
        VIRTUAL_MACHINE,
        VIRTUAL_MACHINE_CLASS,
        VIRTUAL_MACHINE_IMAGE,
        CLUSTER_VIRTUAL_MACHINE_IMAGE,
        VIRTUAL_MACHINE_SERVICE,
        VIRTUAL_MACHINE_WEB_CONSOLE_REQUEST,
    )
)
