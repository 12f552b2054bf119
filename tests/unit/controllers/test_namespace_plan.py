from collections import Counter
from datetime import UTC, datetime

from pacific.controllers.namespace_plan import (
    Content,
    deletion_conditions,
    finalized,
    root_ca_configmap,
)

NOW = datetime(2025, 1, 1, tzinfo=UTC)


def by_type(conditions):
    return {c["type"]: c for c in conditions}


def test_conditions_when_content_remains():
    content = Content()
    content.add("pods", [{"metadata": {"finalizers": ["example.com/x"]}}, {"metadata": {}}])
    content.add("deployments.apps", [{"metadata": {}}])
    conds = by_type(deletion_conditions([], content, NOW))
    remaining = conds["NamespaceContentRemaining"]
    assert remaining["status"] == "True" and remaining["reason"] == "SomeResourcesRemain"
    assert remaining["message"] == (
        "Some resources are remaining: deployments.apps has 1 resource instances, "
        "pods has 2 resource instances"
    )
    fin = conds["NamespaceFinalizersRemaining"]
    assert fin["message"] == (
        "Some content in the namespace has finalizers remaining: "
        "example.com/x in 1 resource instances"
    )
    assert conds["NamespaceDeletionDiscoveryFailure"]["status"] == "False"
    assert conds["NamespaceDeletionContentFailure"]["reason"] == "ContentDeleted"
    assert content.remaining == Counter({"pods": 2, "deployments.apps": 1})
    assert not content.empty


def test_conditions_when_empty_and_transition_times_kept():
    first = deletion_conditions([], Content(), NOW)
    assert by_type(first)["NamespaceContentRemaining"]["reason"] == "ContentRemoved"
    later = datetime(2025, 1, 2, tzinfo=UTC)
    again = deletion_conditions(first, Content(), later)
    assert again == first
    failing = Content(errors=["pods: boom"])
    cond = by_type(deletion_conditions(first, failing, later))["NamespaceDeletionContentFailure"]
    assert cond["status"] == "True" and cond["message"] == "pods: boom"
    assert cond["lastTransitionTime"] == "2025-01-02T00:00:00Z"


def test_finalized_removes_only_kubernetes():
    ns = {"metadata": {"name": "x"}, "spec": {"finalizers": ["kubernetes", "other"]}}
    assert finalized(ns)["spec"]["finalizers"] == ["other"]
    assert ns["spec"]["finalizers"] == ["kubernetes", "other"]
    assert finalized({"metadata": {"name": "x"}, "spec": {}}) is None


def test_root_ca_configmap():
    cm = root_ca_configmap("team", "PEM")
    assert cm["metadata"] == {**cm["metadata"], "name": "kube-root-ca.crt", "namespace": "team"}
    assert cm["data"] == {"ca.crt": "PEM"}
