"""Every message table in one map, and the kinds a protobuf body may carry.

`KINDS` maps the envelope's (apiVersion, kind) to the message that encodes the object: the
kinds kubectl 1.32 sends as protobuf (`kubectl create ...`, `kubectl auth can-i|whoami`).
"""

from __future__ import annotations

from pacific.api.protobuf import access, core, meta, pod, volumes, workloads
from pacific.api.protobuf.schema import Message

TABLES: tuple[dict[str, Message], ...] = (
    meta.MESSAGES,
    core.MESSAGES,
    pod.MESSAGES,
    volumes.MESSAGES,
    workloads.MESSAGES,
    access.MESSAGES,
)

MESSAGES: dict[str, Message] = {name: msg for table in TABLES for name, msg in table.items()}

KINDS: dict[tuple[str, str], str] = {
    ("v1", "Namespace"): "Namespace",
    ("v1", "ConfigMap"): "ConfigMap",
    ("v1", "Secret"): "Secret",
    ("v1", "Service"): "Service",
    ("v1", "ResourceQuota"): "ResourceQuota",
    ("v1", "ServiceAccount"): "ServiceAccount",
    ("apps/v1", "Deployment"): "Deployment",
    ("batch/v1", "Job"): "Job",
    ("rbac.authorization.k8s.io/v1", "Role"): "Role",
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): "RoleBinding",
    ("rbac.authorization.k8s.io/v1", "ClusterRole"): "ClusterRole",
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"): "ClusterRoleBinding",
    ("scheduling.k8s.io/v1", "PriorityClass"): "PriorityClass",
    ("authorization.k8s.io/v1", "SelfSubjectAccessReview"): "SelfSubjectAccessReview",
    ("authentication.k8s.io/v1", "SelfSubjectReview"): "SelfSubjectReview",
    ("authentication.k8s.io/v1", "TokenRequest"): "TokenRequest",
}
