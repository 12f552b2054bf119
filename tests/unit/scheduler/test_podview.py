from pacific.scheduler.podview import pod_view
from pacific.scheduler.workload import workload_from_pod

from .build import pod


def test_view_keeps_what_the_scheduler_reads() -> None:
    full = pod(name="a", cpu="1", memory="1Gi", labels={"app": "x"}, priority=5)
    full["apiVersion"], full["kind"] = "v1", "Pod"
    full["metadata"].update(
        managedFields=[{"manager": "kubectl"}],
        ownerReferences=[{"kind": "ReplicaSet"}],
        annotations={"kubectl.kubernetes.io/last-applied-configuration": "{}", "k": "v"},
        resourceVersion="7",
    )
    full["status"] = {
        "phase": "Pending",
        "nominatedNodeName": "n1",
        "conditions": [{"type": "PodScheduled", "status": "False"}],
        "containerStatuses": [{"name": "c"}],
        "podIPs": [{"ip": "10.0.0.1"}],
    }
    view = pod_view(full)
    assert view["metadata"] == {
        "name": "a",
        "namespace": "default",
        "uid": "uid-a",
        "labels": {"app": "x"},
        "annotations": {"k": "v"},
        "resourceVersion": "7",
    }
    assert view["status"] == {
        "phase": "Pending",
        "nominatedNodeName": "n1",
        "conditions": [{"type": "PodScheduled", "status": "False"}],
    }
    assert (view["apiVersion"], view["kind"], view["spec"]) == ("v1", "Pod", full["spec"])
    assert workload_from_pod(view) == workload_from_pod(full)
