from collections.abc import Callable
from typing import Any

from pacific.api.resources import ResourceType

G = "rbac.authorization.k8s.io"
ROLE = ResourceType(G, "v1", "Role", "roles", "role", True)
CROLE = ResourceType(G, "v1", "ClusterRole", "clusterroles", "clusterrole", False)
RB = ResourceType(G, "v1", "RoleBinding", "rolebindings", "rolebinding", True)
CRB = ResourceType(G, "v1", "ClusterRoleBinding", "clusterrolebindings", "crb", False)
RC = ResourceType("node.k8s.io", "v1", "RuntimeClass", "runtimeclasses", "runtimeclass", False)
LEASE = ResourceType("coordination.k8s.io", "v1", "Lease", "leases", "lease", True)
SA = ResourceType("", "v1", "ServiceAccount", "serviceaccounts", "serviceaccount", True)
Check = Callable[..., list[str]]


def role(*rules: dict[str, Any]) -> dict[str, Any]:
    return {"metadata": {"name": "system:r", "namespace": "default"}, "rules": list(rules)}


def test_role_rules(check: Check) -> None:
    ok = {"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}
    assert check(ROLE, role(ok)) == []
    assert check(ROLE, role({"apiGroups": [""], "resources": ["pods"]}, {"verbs": ["get"]})) == [
        "rules[0].verbs: Required value: verbs must contain at least one value",
        "rules[1].apiGroups: Required value: resource rules must supply at least one api group",
        "rules[1].resources: Required value: resource rules must supply at least one resource",
    ]
    urls = {"nonResourceURLs": ["/healthz"], "verbs": ["get"]}
    assert check(ROLE, role(urls)) == [
        'rules[0].nonResourceURLs: Invalid value: []string{"/healthz"}: namespaced rules cannot '
        "apply to non-resource URLs"
    ]
    cluster = role(urls)
    del cluster["metadata"]["namespace"]
    assert check(CROLE, cluster) == []


def binding(kind: str = "Role", **extra: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": "b", "namespace": "default"},
        "roleRef": {"kind": kind, "name": "r"},
        **extra,
    }


def test_role_binding(check: Check) -> None:
    subjects = [
        {"kind": "ServiceAccount", "name": "default"},
        {"kind": "User", "name": "alice"},
        {"kind": "Robot", "name": "r2"},
    ]
    obj = binding(subjects=subjects)
    assert check(RB, obj) == [
        'subjects[2].kind: Unsupported value: "Robot": supported values: "ServiceAccount", '
        '"User", "Group"'
    ]
    assert obj["roleRef"]["apiGroup"] == G
    assert obj["subjects"][1]["apiGroup"] == G
    crb = binding(subjects=[{"kind": "ServiceAccount", "name": "default"}])
    del crb["metadata"]["namespace"]
    assert check(CRB, crb) == [
        'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
        "subjects[0].namespace: Required value",
    ]


def test_role_ref_is_immutable(check_update: Check) -> None:
    assert check_update(RB, binding("ClusterRole"), binding()) == [
        'roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", '
        'Kind:"ClusterRole", Name:"r"}: cannot change roleRef'
    ]


def test_runtime_class(check: Check, check_update: Check) -> None:
    ok = {"metadata": {"name": "microvm"}, "handler": "microvm"}
    assert check(RC, ok) == []
    bad = {"metadata": {"name": "microvm"}, "handler": "Micro_VM"}
    [message] = check(RC, bad)
    assert message.startswith('handler: Invalid value: "Micro_VM": a lowercase RFC 1123 label')
    changed = {"metadata": {"name": "microvm"}, "handler": "crun"}
    assert check_update(RC, changed, ok) == ['handler: Invalid value: "crun": field is immutable']


def test_lease_and_service_account(check: Check) -> None:
    lease = {"metadata": {"name": "l", "namespace": "default"}, "spec": {"leaseDurationSeconds": 0}}
    assert check(LEASE, lease) == [
        "spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0"
    ]
    sa = {"metadata": {"name": "default", "namespace": "default"}, "imagePullSecrets": [{}]}
    assert check(SA, sa) == ["imagePullSecrets[0].name: Required value"]
