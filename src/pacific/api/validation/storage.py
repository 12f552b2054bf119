"""Storage kinds: PersistentVolumeClaim, PersistentVolume, StorageClass.

A claim needs at least one access mode and a positive `resources.requests.storage`; its
spec is immutable after creation except for `resources.requests` and
`volumeAttributesClassName`. A volume needs access modes, a storage capacity and exactly one
volume source. A StorageClass names its provisioner; provisioner, parameters, reclaim policy
and binding mode never change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pacific.api.errors import Cause
from pacific.api.validation.field import (
    NOT_POSITIVE,
    forbidden,
    immutable,
    invalid,
    not_supported,
    required,
    too_long,
)
from pacific.api.validation.names import qualified_name_errors
from pacific.api.validation.resources import quantity_errors, validate_resource_list
from pacific.api.validation.volumes import SOURCES

ACCESS_MODES = ("ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod")
VOLUME_MODES = ("Block", "Filesystem")
PV_RECLAIM_POLICIES = ("Delete", "Recycle", "Retain")
SC_RECLAIM_POLICIES = ("Delete", "Retain")
BINDING_MODES = ("Immediate", "WaitForFirstConsumer")
PV_ONLY_SOURCES = ("local",)
PARAMETERS_LIMIT = 256 * 1024
PVC_SPEC_IMMUTABLE = (
    "spec is immutable after creation except resources.requests and "
    "volumeAttributesClassName for bound claims"
)


def _access_modes(modes: Any, path: str, detail: str) -> list[Cause]:
    if not modes:
        return [required(path, detail)]
    return [not_supported(path, m, ACCESS_MODES) for m in modes if m not in ACCESS_MODES]


def _volume_mode(spec: Mapping[str, Any]) -> list[Cause]:
    mode = spec.get("volumeMode")
    if mode is not None and mode not in VOLUME_MODES:
        return [not_supported("spec.volumeMode", mode, VOLUME_MODES)]
    return []


def validate_pvc(obj: Mapping[str, Any]) -> list[Cause]:
    spec = obj.get("spec") or {}
    errs = _access_modes(
        spec.get("accessModes"), "spec.accessModes", "at least 1 access mode is required"
    )
    path = "spec.resources[storage]"
    requests = (spec.get("resources") or {}).get("requests") or {}
    if "storage" not in requests:
        errs.append(required(path))
    else:
        q, q_errs = quantity_errors("storage", requests["storage"], path)
        errs += q_errs
        if q is not None and q.value <= 0:
            errs.append(invalid(path, q.canonical(), NOT_POSITIVE))
    errs += _volume_mode(spec)
    return errs


def validate_pvc_update(obj: Mapping[str, Any], old: Mapping[str, Any]) -> list[Cause]:
    def frozen(spec: Mapping[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in spec.items() if k != "volumeAttributesClassName"}
        resources = {k: v for k, v in (spec.get("resources") or {}).items() if k != "requests"}
        out["resources"] = resources
        if not old_spec.get("volumeName"):
            out.pop("volumeName", None)  # binding sets it
        return out

    spec, old_spec = obj.get("spec") or {}, old.get("spec") or {}
    return [] if frozen(spec) == frozen(old_spec) else [forbidden("spec", PVC_SPEC_IMMUTABLE)]


def validate_pv(obj: Mapping[str, Any]) -> list[Cause]:
    spec = obj.get("spec") or {}
    errs = _access_modes(spec.get("accessModes"), "spec.accessModes", "")
    capacity = spec.get("capacity") or {}
    if not capacity:
        errs.append(required("spec.capacity"))
    elif set(capacity) != {"storage"}:
        errs.append(not_supported("spec.capacity", sorted(capacity), ("storage",)))
    else:
        values, q_errs = validate_resource_list(capacity, "spec.capacity")
        errs += q_errs
        if "storage" in values and values["storage"].value <= 0:
            errs.append(
                invalid("spec.capacity[storage]", values["storage"].canonical(), NOT_POSITIVE)
            )
    given = [s for s in (*SOURCES, *PV_ONLY_SOURCES) if spec.get(s) is not None]
    if not given:
        errs.append(required("spec", "must specify a volume type"))
    for extra in given[1:]:
        errs.append(forbidden(f"spec.{extra}", "may not specify more than 1 volume type"))
    policy = spec.get("persistentVolumeReclaimPolicy")
    if policy and policy not in PV_RECLAIM_POLICIES:
        errs.append(
            not_supported("spec.persistentVolumeReclaimPolicy", policy, PV_RECLAIM_POLICIES)
        )
    errs += _volume_mode(spec)
    return errs


def validate_pv_update(obj: Mapping[str, Any], old: Mapping[str, Any]) -> list[Cause]:
    spec, old_spec = obj.get("spec") or {}, old.get("spec") or {}
    return immutable("spec.volumeMode", spec.get("volumeMode"), old_spec.get("volumeMode"))


def validate_storage_class(obj: Mapping[str, Any]) -> list[Cause]:
    errs: list[Cause] = []
    provisioner = obj.get("provisioner") or ""
    if not provisioner:
        errs.append(required("provisioner"))
    else:
        errs += [
            invalid("provisioner", provisioner, msg)
            for msg in qualified_name_errors(provisioner.lower())
        ]
    parameters = obj.get("parameters") or {}
    size = 0
    for key, value in parameters.items():
        if not key:
            errs.append(invalid("parameters", key, "field can not be empty."))
        size += len(key) + len(str(value))
    if size > PARAMETERS_LIMIT:
        errs.append(too_long("parameters", PARAMETERS_LIMIT))
    policy = obj.get("reclaimPolicy")
    if policy and policy not in SC_RECLAIM_POLICIES:
        errs.append(not_supported("reclaimPolicy", policy, SC_RECLAIM_POLICIES))
    mode = obj.get("volumeBindingMode")
    if not mode:
        errs.append(required("volumeBindingMode"))
    elif mode not in BINDING_MODES:
        errs.append(not_supported("volumeBindingMode", mode, BINDING_MODES))
    return errs


def validate_storage_class_update(obj: Mapping[str, Any], old: Mapping[str, Any]) -> list[Cause]:
    errs = []
    if (obj.get("parameters") or {}) != (old.get("parameters") or {}):
        errs.append(forbidden("parameters", "updates to parameters are forbidden."))
    if obj.get("provisioner") != old.get("provisioner"):
        errs.append(forbidden("provisioner", "updates to provisioner are forbidden."))
    if obj.get("reclaimPolicy") != old.get("reclaimPolicy"):
        errs.append(forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden."))
    errs += immutable(
        "volumeBindingMode", obj.get("volumeBindingMode"), old.get("volumeBindingMode")
    )
    return errs
