"""Semantic validation of every served kind: what kube-apiserver's registry strategies check
after decoding and defaulting.

    validate_create(rt, obj)        raise Invalid (422) unless `obj` may be created
    validate_update(rt, obj, old)   raise Invalid unless `old` may become `obj`

Each kind has a row in `_RULES`: the syntax of its `metadata.name`, a create check and an
optional update check (immutability, allowed transitions). Every check is a pure function
from plain JSON dicts to a list of `Cause`s (field errors worded as kube's field.ErrorList),
so all of them run and all problems are reported at once, in kube's order and without
duplicates. Kinds without a row (custom kinds) get metadata checks only; their schema
checks are the decoder's job.

Helpers reused elsewhere: `parse_quantity`, `format_quantity`, `canonical_quantity`
(resource.Quantity), `is_dns1123_label`, `is_dns1123_subdomain` and `selector_matches`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pacific.api.errors import Cause, Invalid
from pacific.api.resources import ResourceType
from pacific.api.validation import apps, core, others, pod, quota, rbac, scheduling, storage
from pacific.api.validation.metadata import validate_object_meta, validate_object_meta_update
from pacific.api.validation.names import (
    NameCheck,
    is_dns1123_label,
    is_dns1123_subdomain,
    name_is_dns1035_label,
    name_is_dns_label,
    name_is_dns_subdomain,
    path_segment_errors,
)
from pacific.api.validation.quantity import (
    QuantityError,
    canonical_quantity,
    format_quantity,
    parse_quantity,
)
from pacific.api.validation.selector import selector_matches
from pacific.api.vmservice import GROUP as VMSERVICE_GROUP

__all__ = [
    "QuantityError",
    "canonical_quantity",
    "format_quantity",
    "is_dns1123_label",
    "is_dns1123_subdomain",
    "parse_quantity",
    "selector_matches",
    "validate_create",
    "validate_update",
]

Obj = dict[str, Any]
Check = Callable[[Mapping[str, Any]], list[Cause]]
UpdateCheck = Callable[[Mapping[str, Any], Mapping[str, Any]], list[Cause]]


def _none(obj: Mapping[str, Any]) -> list[Cause]:
    return []


@dataclass(frozen=True, slots=True)
class _Rules:
    name: NameCheck = name_is_dns_subdomain
    create: Check = _none
    update: UpdateCheck | None = None


_RBAC = "rbac.authorization.k8s.io"

_RULES: dict[tuple[str, str], _Rules] = {
    ("", "Pod"): _Rules(create=pod.validate_pod, update=pod.validate_pod_update),
    ("", "Service"): _Rules(
        name_is_dns1035_label, core.validate_service, core.validate_service_update
    ),
    ("", "Namespace"): _Rules(name_is_dns_label, core.validate_namespace),
    ("", "Node"): _Rules(create=core.validate_node),
    ("", "Event"): _Rules(create=core.validate_event),
    ("", "Endpoints"): _Rules(create=core.validate_endpoints),
    ("", "ConfigMap"): _Rules(
        create=core.validate_config_map, update=core.validate_config_map_update
    ),
    ("", "Secret"): _Rules(create=core.validate_secret, update=core.validate_secret_update),
    ("", "ServiceAccount"): _Rules(create=others.validate_service_account),
    ("", "PersistentVolumeClaim"): _Rules(
        create=storage.validate_pvc, update=storage.validate_pvc_update
    ),
    ("", "PersistentVolume"): _Rules(create=storage.validate_pv, update=storage.validate_pv_update),
    ("", "ResourceQuota"): _Rules(create=quota.validate_resource_quota),
    ("", "LimitRange"): _Rules(create=quota.validate_limit_range),
    ("apps", "Deployment"): _Rules(
        create=apps.validate_deployment, update=apps.validate_selector_update
    ),
    ("apps", "ReplicaSet"): _Rules(
        create=apps.validate_replica_set, update=apps.validate_selector_update
    ),
    ("node.k8s.io", "RuntimeClass"): _Rules(
        create=others.validate_runtime_class, update=others.validate_runtime_class_update
    ),
    ("storage.k8s.io", "StorageClass"): _Rules(
        create=storage.validate_storage_class, update=storage.validate_storage_class_update
    ),
    ("coordination.k8s.io", "Lease"): _Rules(create=others.validate_lease),
    ("scheduling.k8s.io", "PriorityClass"): _Rules(
        create=scheduling.validate_priority_class,
        update=scheduling.validate_priority_class_update,
    ),
    (_RBAC, "Role"): _Rules(path_segment_errors, rbac.validate_role),
    (_RBAC, "ClusterRole"): _Rules(path_segment_errors, rbac.validate_cluster_role),
    (_RBAC, "RoleBinding"): _Rules(
        path_segment_errors, rbac.validate_role_binding, rbac.validate_binding_update
    ),
    (_RBAC, "ClusterRoleBinding"): _Rules(
        path_segment_errors, rbac.validate_cluster_role_binding, rbac.validate_binding_update
    ),
}


def _rules(rt: ResourceType) -> _Rules:
    if rt.group == VMSERVICE_GROUP:
        # Imported here: the VM Service rules are built on this package's helpers.
        from pacific.api.vmservice.validation import RULES as VMSERVICE_RULES

        vm = VMSERVICE_RULES.get(rt.kind)
        if vm is not None:
            return _Rules(vm.name, vm.create, vm.update)
    return _RULES.get((rt.group, rt.kind), _Rules())


def _raise(rt: ResourceType, obj: Mapping[str, Any], causes: list[Cause]) -> None:
    unique = list(dict.fromkeys(causes))
    if unique:
        meta = obj.get("metadata") or {}
        name = meta.get("name") or meta.get("generateName") or ""
        raise Invalid.of(rt.kind, rt.group, name, unique)


def create_causes(rt: ResourceType, obj: Mapping[str, Any]) -> list[Cause]:
    """Every field error `validate_create` would report (empty when valid)."""
    rules = _rules(rt)
    causes = validate_object_meta(obj.get("metadata"), rt.namespaced, rules.name)
    return causes + rules.create(obj)


def update_causes(rt: ResourceType, obj: Mapping[str, Any], old: Mapping[str, Any]) -> list[Cause]:
    """Every field error `validate_update` would report (empty when valid)."""
    rules = _rules(rt)
    causes = create_causes(rt, obj)
    causes += validate_object_meta_update(obj.get("metadata"), old.get("metadata"))
    if rules.update is not None:
        causes += rules.update(obj, old)
    return causes


def validate_create(rt: ResourceType, obj: Obj) -> None:
    """Raise `Invalid` (422) listing every field error of a new object."""
    _raise(rt, obj, create_causes(rt, obj))


def validate_update(rt: ResourceType, obj: Obj, old: Obj) -> None:
    """Raise `Invalid` (422) unless `old` may be replaced by `obj`."""
    _raise(rt, obj, update_causes(rt, obj, old))
