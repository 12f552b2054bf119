"""PodSpec and Pod validation, and the rules for updating a Pod.

`validate_pod_spec` is shared by Pods and pod templates (Deployment, ReplicaSet). A running
Pod's spec is immutable except for what kube lets change in place: container images,
`activeDeadlineSeconds` (set, or lowered), additions to `tolerations` (existing ones may
only change `tolerationSeconds`), and `terminationGracePeriodSeconds` from a negative
value to 1. Anything else is refused with kube's single `spec: Forbidden` error, followed
by a short diff of what changed.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from pacific.api.errors import Cause
from pacific.api.validation.container import validate_container
from pacific.api.validation.field import duplicate, forbidden, invalid, not_supported, required
from pacific.api.validation.metadata import validate_labels
from pacific.api.validation.names import (
    dns1123_label_errors,
    dns1123_subdomain_errors,
    inclusive_range_error,
    label_value_errors,
    qualified_name_errors,
)
from pacific.api.validation.resources import validate_resource_list
from pacific.api.validation.volumes import validate_volumes

RESTART_POLICIES = ("Always", "OnFailure", "Never")
DNS_POLICIES = ("ClusterFirst", "ClusterFirstWithHostNet", "Default", "None")
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
MAX_INT32 = 2**31 - 1
UPDATABLE_FIELDS = ",".join(
    (
        "`spec.containers[*].image`",
        "`spec.initContainers[*].image`",
        "`spec.activeDeadlineSeconds`",
        "`spec.tolerations` (only additions to existing tolerations)",
        "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously "
        "negative)",
    )
)


def validate_tolerations(tolerations: Any, path: str) -> list[Cause]:
    errs: list[Cause] = []
    for i, tol in enumerate(tolerations or []):
        p = f"{path}[{i}]"
        key = tol.get("key") or ""
        if key:
            errs += [invalid(f"{p}.key", key, msg) for msg in qualified_name_errors(key)]
        operator = tol.get("operator") or ""
        if not key and operator != "Exists":
            errs.append(
                invalid(
                    f"{p}.operator",
                    operator,
                    'operator must be Exists when `key` is empty, which means "match all '
                    'values and all keys"',
                )
            )
        effect = tol.get("effect") or ""
        if tol.get("tolerationSeconds") is not None and effect != "NoExecute":
            errs.append(
                invalid(
                    f"{p}.effect",
                    effect,
                    "effect must be 'NoExecute' when `tolerationSeconds` is set",
                )
            )
        value = tol.get("value") or ""
        if operator in ("", "Equal"):
            errs += [invalid(f"{p}.value", value, msg) for msg in label_value_errors(value)]
        elif operator == "Exists":
            if value:
                errs.append(
                    invalid(
                        f"{p}.operator", value, "value must be empty when `operator` is 'Exists'"
                    )
                )
        else:
            errs.append(not_supported(f"{p}.operator", operator, ("Equal", "Exists")))
        if effect and effect not in TAINT_EFFECTS:
            errs.append(not_supported(f"{p}.effect", effect, TAINT_EFFECTS))
    return errs


def _validate_containers(spec: Mapping[str, Any], path: str, volumes: set[str]) -> list[Cause]:
    errs: list[Cause] = []
    names: set[str] = set()
    host_ports: set[str] = set()
    for field_name in ("initContainers", "containers"):
        init = field_name == "initContainers"
        for i, ctr in enumerate(spec.get(field_name) or []):
            p = f"{path}.{field_name}[{i}]"
            errs += validate_container(ctr, p, volumes, host_ports, init=init)
            name = ctr.get("name") or ""
            if name and name in names:
                errs.append(duplicate(f"{p}.name", name))
            names.add(name)
    return errs


def _validate_name_field(spec: Mapping[str, Any], key: str, path: str, label: bool) -> list[Cause]:
    value = spec.get(key)
    if not value:
        return []
    check = dns1123_label_errors if label else dns1123_subdomain_errors
    return [invalid(f"{path}.{key}", value, msg) for msg in check(value)]


def validate_pod_spec(spec: Any, path: str) -> list[Cause]:
    spec = spec if isinstance(spec, Mapping) else {}
    volumes, errs = validate_volumes(spec.get("volumes"), f"{path}.volumes")
    if not spec.get("containers"):
        errs.append(required(f"{path}.containers"))
    errs += _validate_containers(spec, path, volumes)
    restart = spec.get("restartPolicy") or ""
    if not restart:
        errs.append(required(f"{path}.restartPolicy"))
    elif restart not in RESTART_POLICIES:
        errs.append(not_supported(f"{path}.restartPolicy", restart, RESTART_POLICIES))
    dns = spec.get("dnsPolicy") or ""
    if not dns:
        errs.append(required(f"{path}.dnsPolicy"))
    elif dns not in DNS_POLICIES:
        errs.append(not_supported(f"{path}.dnsPolicy", dns, DNS_POLICIES))
    elif dns == "None" and not spec.get("dnsConfig"):
        errs.append(
            required(f"{path}.dnsConfig", "must provide `dnsConfig` when `dnsPolicy` is None")
        )
    errs += validate_labels(spec.get("nodeSelector"), f"{path}.nodeSelector")
    for key in ("serviceAccountName", "nodeName", "priorityClassName", "runtimeClassName"):
        errs += _validate_name_field(spec, key, path, label=False)
    for key in ("hostname", "subdomain"):
        errs += _validate_name_field(spec, key, path, label=True)
    deadline = spec.get("activeDeadlineSeconds")
    if isinstance(deadline, int) and not 1 <= deadline <= MAX_INT32:
        errs.append(
            invalid(f"{path}.activeDeadlineSeconds", deadline, inclusive_range_error(1, MAX_INT32))
        )
    errs += validate_tolerations(spec.get("tolerations"), f"{path}.tolerations")
    errs += validate_resource_list(spec.get("overhead"), f"{path}.overhead")[1]
    for i, tsc in enumerate(spec.get("topologySpreadConstraints") or []):
        p = f"{path}.topologySpreadConstraints[{i}]"
        skew = tsc.get("maxSkew")
        if not isinstance(skew, int) or skew <= 0:
            errs.append(invalid(f"{p}.maxSkew", skew, "must be greater than zero"))
        if not tsc.get("topologyKey"):
            errs.append(required(f"{p}.topologyKey", "can not be empty"))
        when = tsc.get("whenUnsatisfiable") or ""
        if when not in ("DoNotSchedule", "ScheduleAnyway"):
            errs.append(
                not_supported(f"{p}.whenUnsatisfiable", when, ("DoNotSchedule", "ScheduleAnyway"))
            )
    return errs


def validate_pod(obj: Mapping[str, Any]) -> list[Cause]:
    return validate_pod_spec(obj.get("spec"), "spec")


def _without_seconds(toleration: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in toleration.items() if k != "tolerationSeconds" and v not in (None, "")}


def _tolerations_only_added(new: list[Any], old: list[Any], path: str) -> list[Cause]:
    """Every old toleration must still be there; only its tolerationSeconds may change."""
    kept = [_without_seconds(t) for t in new]
    if all(_without_seconds(t) in kept for t in old):
        return []
    return [forbidden(path, "existing toleration can not be modified except its tolerationSeconds")]


def _diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    lines = []
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key):
            if key in old:
                lines.append(f"-\t{key}: {json.dumps(old[key], sort_keys=True)}")
            if key in new:
                lines.append(f"+\t{key}: {json.dumps(new[key], sort_keys=True)}")
    return "\n".join(lines)


def _check_deadline(new: Any, old: Any) -> list[Cause]:
    path = "spec.activeDeadlineSeconds"
    if new is None:
        if old is None:
            return []
        return [invalid(path, None, "must not update from a positive integer to nil value")]
    if old is not None and old < new:
        return [invalid(path, new, "must be less than or equal to previous value")]
    return []


def validate_pod_update(obj: Mapping[str, Any], old: Mapping[str, Any]) -> list[Cause]:
    """The in-place mutability rules; `obj` has already passed validate_pod."""
    old_spec = old.get("spec") or {}
    new_spec = copy.deepcopy(obj.get("spec") or {})
    errs = _check_deadline(
        new_spec.get("activeDeadlineSeconds"), old_spec.get("activeDeadlineSeconds")
    )
    errs += _tolerations_only_added(
        new_spec.get("tolerations") or [], old_spec.get("tolerations") or [], "spec.tolerations"
    )
    if errs:
        return errs
    # Put back what may change, then anything still different is a forbidden change.
    for field_name in ("containers", "initContainers"):
        new_ctrs, old_ctrs = new_spec.get(field_name) or [], old_spec.get(field_name) or []
        if len(new_ctrs) == len(old_ctrs):
            for ctr, old_ctr in zip(new_ctrs, old_ctrs, strict=True):
                ctr["image"] = old_ctr.get("image")
    for key in ("activeDeadlineSeconds", "tolerations"):
        new_spec.pop(key, None)
        if key in old_spec:
            new_spec[key] = old_spec[key]
    old_grace = old_spec.get("terminationGracePeriodSeconds")
    new_grace = new_spec.get("terminationGracePeriodSeconds")
    if isinstance(old_grace, int) and old_grace < 0 and new_grace == 1:
        new_spec["terminationGracePeriodSeconds"] = old_grace
    if new_spec == old_spec:
        return []
    detail = f"pod updates may not change fields other than {UPDATABLE_FIELDS}\n"
    return [forbidden("spec", detail + _diff(old_spec, new_spec))]
