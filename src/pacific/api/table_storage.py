"""Table rows of the storage and quota kinds: PVC, PV, StorageClass, ResourceQuota.

Follows kube's printPersistentVolumeClaim / printPersistentVolume / printStorageClass /
printResourceQuota. Quantities are printed as stored (kube prints Quantity.String(), the
canonical form, which equals the stored text for canonical input).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pacific.api.table_format import (
    AGE,
    NAME,
    Column,
    Obj,
    Printer,
    created_age,
    dig,
    name_of,
    text,
)

V1 = "io.k8s.api.core.v1."


def _doc(definition: str, field: str) -> tuple[str, str]:
    return (definition, field)


_MODES = (
    ("ReadWriteOnce", "RWO"),
    ("ReadOnlyMany", "ROX"),
    ("ReadWriteMany", "RWX"),
    ("ReadWriteOncePod", "RWOP"),
)


def _access_modes(modes: list[str] | None) -> str:
    have = set(modes or [])
    return ",".join(short for mode, short in _MODES if mode in have)


def _storage_class(obj: Obj) -> str:
    annotations = dig(obj, "metadata", "annotations") or {}
    beta = annotations.get("volume.beta.kubernetes.io/storage-class")
    return str(beta) if beta is not None else text(obj, "spec", "storageClassName")


def _phase(obj: Obj) -> str:
    if dig(obj, "metadata", "deletionTimestamp") is not None:
        return "Terminating"
    return text(obj, "status", "phase")


def _pvc(obj: Obj, now: datetime) -> list[Any]:
    spec = obj.get("spec") or {}
    bound = bool(spec.get("volumeName"))
    return [
        name_of(obj),
        _phase(obj),
        text(spec, "volumeName"),
        text(obj, "status", "capacity", "storage") if bound else "",
        _access_modes(dig(obj, "status", "accessModes")) if bound else "",
        _storage_class(obj),
        text(spec, "volumeAttributesClassName") or "<unset>",
        created_age(obj, now),
        text(spec, "volumeMode") or "<unset>",
    ]


def _pv(obj: Obj, now: datetime) -> list[Any]:
    spec = obj.get("spec") or {}
    claim = spec.get("claimRef")
    return [
        name_of(obj),
        text(spec, "capacity", "storage") or "0",
        _access_modes(spec.get("accessModes")),
        text(spec, "persistentVolumeReclaimPolicy"),
        _phase(obj),
        f"{text(claim, 'namespace')}/{text(claim, 'name')}" if claim else "",
        _storage_class(obj),
        text(spec, "volumeAttributesClassName") or "<unset>",
        text(obj, "status", "reason"),
        created_age(obj, now),
        text(spec, "volumeMode") or "<unset>",
    ]


def _quota(obj: Obj, now: datetime) -> list[Any]:
    hard = dig(obj, "status", "hard") or {}
    used = dig(obj, "status", "used") or {}
    requests: list[str] = []
    limits: list[str] = []
    for resource in sorted(hard):
        entry = f"{resource}: {used.get(resource, '0')}/{hard[resource]}"
        parts = resource.split(".")
        (limits if len(parts) > 1 and parts[0] == "limits" else requests).append(entry)
    return [name_of(obj), ", ".join(requests), ", ".join(limits), created_age(obj, now)]


def _storageclass(obj: Obj, now: datetime) -> list[Any]:
    annotations = dig(obj, "metadata", "annotations") or {}
    default = any(
        annotations.get(f"storageclass.{p}kubernetes.io/is-default-class") == "true"
        for p in ("", "beta.")
    )
    expand = obj.get("allowVolumeExpansion")
    return [
        name_of(obj) + (" (default)" if default else ""),
        text(obj, "provisioner"),
        obj.get("reclaimPolicy") or "Delete",
        obj.get("volumeBindingMode") or "Immediate",
        expand is True,
        created_age(obj, now),
    ]


STORAGE_PRINTERS: dict[tuple[str, str], Printer] = {
    ("", "PersistentVolumeClaim"): Printer(
        (
            NAME,
            Column("Status", doc=_doc(V1 + "PersistentVolumeClaimStatus", "phase")),
            Column("Volume", doc=_doc(V1 + "PersistentVolumeClaimSpec", "volumeName")),
            Column("Capacity", doc=_doc(V1 + "PersistentVolumeClaimStatus", "capacity")),
            Column("Access Modes", doc=_doc(V1 + "PersistentVolumeClaimStatus", "accessModes")),
            Column("StorageClass", doc="StorageClass of the pvc"),
            Column("VolumeAttributesClass", doc="VolumeAttributesClass of the pvc"),
            AGE,
            Column(
                "VolumeMode", priority=1, doc=_doc(V1 + "PersistentVolumeClaimSpec", "volumeMode")
            ),
        ),
        _pvc,
    ),
    ("", "PersistentVolume"): Printer(
        (
            NAME,
            Column("Capacity", doc=_doc(V1 + "PersistentVolumeSpec", "capacity")),
            Column("Access Modes", doc=_doc(V1 + "PersistentVolumeSpec", "accessModes")),
            Column(
                "Reclaim Policy",
                doc=_doc(V1 + "PersistentVolumeSpec", "persistentVolumeReclaimPolicy"),
            ),
            Column("Status", doc=_doc(V1 + "PersistentVolumeStatus", "phase")),
            Column("Claim", doc=_doc(V1 + "PersistentVolumeSpec", "claimRef")),
            Column("StorageClass", doc="StorageClass of the pv"),
            Column("VolumeAttributesClass", doc="VolumeAttributesClass of the pv"),
            Column("Reason", doc=_doc(V1 + "PersistentVolumeStatus", "reason")),
            AGE,
            Column("VolumeMode", priority=1, doc=_doc(V1 + "PersistentVolumeSpec", "volumeMode")),
        ),
        _pv,
    ),
    ("", "ResourceQuota"): Printer(
        (
            NAME,
            Column(
                "Request",
                doc="Request represents a minimum amount of cpu/memory that a container may "
                "consume.",
            ),
            Column(
                "Limit",
                doc="Limits control the maximum amount of cpu/memory that a container may use "
                "independent of contention on the node.",
            ),
            AGE,
        ),
        _quota,
    ),
    ("storage.k8s.io", "StorageClass"): Printer(
        (
            NAME,
            Column("Provisioner", doc=_doc("io.k8s.api.storage.v1.StorageClass", "provisioner")),
            Column(
                "ReclaimPolicy", doc=_doc("io.k8s.api.storage.v1.StorageClass", "reclaimPolicy")
            ),
            Column(
                "VolumeBindingMode",
                doc=_doc("io.k8s.api.storage.v1.StorageClass", "volumeBindingMode"),
            ),
            Column(
                "AllowVolumeExpansion",
                doc=_doc("io.k8s.api.storage.v1.StorageClass", "allowVolumeExpansion"),
            ),
            AGE,
        ),
        _storageclass,
    ),
}
