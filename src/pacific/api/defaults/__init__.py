"""Defaulting: what kube-apiserver fills in before validating a new or updated object.

    apply_defaults(rt, obj)   fill absent fields of `obj` in place

This covers kube's SetDefaults_* functions and the defaults its registry strategies and
default admission plugins add to new objects (a Pod's service account, priority and
DefaultTolerationSeconds tolerations; a Namespace's finalizer). It only ever adds what is
absent, so applying it twice is the same as once, and it never raises: malformed input is
left for validation to report.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pacific.api.defaults import core
from pacific.api.defaults.pod import default_pod
from pacific.api.defaults.scheduling import default_priority_class
from pacific.api.resources import ResourceType
from pacific.api.vmservice import GROUP as VMSERVICE_GROUP
from pacific.api.vmservice.defaults import apply_vm_defaults

__all__ = ["apply_defaults"]

_RBAC = "rbac.authorization.k8s.io"

_DEFAULTS: dict[tuple[str, str], Callable[[dict[str, Any]], None]] = {
    ("", "Pod"): default_pod,
    ("", "Service"): core.default_service,
    ("", "Endpoints"): core.default_endpoints,
    ("", "Secret"): core.default_secret,
    ("", "Namespace"): core.default_namespace,
    ("", "Node"): core.default_node,
    ("", "PersistentVolumeClaim"): core.default_pvc,
    ("", "PersistentVolume"): core.default_pv,
    ("", "LimitRange"): core.default_limit_range,
    ("apps", "Deployment"): core.default_deployment,
    ("apps", "ReplicaSet"): core.default_replica_set,
    ("storage.k8s.io", "StorageClass"): core.default_storage_class,
    ("scheduling.k8s.io", "PriorityClass"): default_priority_class,
    (_RBAC, "RoleBinding"): core.default_binding,
    (_RBAC, "ClusterRoleBinding"): core.default_binding,
    (VMSERVICE_GROUP, "VirtualMachine"): apply_vm_defaults,
}


def apply_defaults(rt: ResourceType, obj: dict[str, Any]) -> None:
    """Fill the defaults of `rt`'s kind into `obj`, in place."""
    default = _DEFAULTS.get((rt.group, rt.kind))
    if default is not None:
        default(obj)
