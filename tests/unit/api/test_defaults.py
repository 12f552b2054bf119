import copy
from typing import Any

from pacific.api.defaults import apply_defaults
from pacific.api.resources import ResourceType

POD = ResourceType("", "v1", "Pod", "pods", "pod", True)
DEPLOY = ResourceType("apps", "v1", "Deployment", "deployments", "deployment", True)
SVC = ResourceType("", "v1", "Service", "services", "service", True)
NS = ResourceType("", "v1", "Namespace", "namespaces", "namespace", False)
SC = ResourceType("storage.k8s.io", "v1", "StorageClass", "storageclasses", "sc", False)
SECRET = ResourceType("", "v1", "Secret", "secrets", "secret", True)
LR = ResourceType("", "v1", "LimitRange", "limitranges", "limitrange", True)
NOT_READY = {
    "key": "node.kubernetes.io/not-ready",
    "operator": "Exists",
    "effect": "NoExecute",
    "tolerationSeconds": 300,
}


def pod(*containers: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {"metadata": {"name": "p"}, "spec": {"containers": list(containers), **spec}}


def test_pod_defaults() -> None:
    obj = pod(
        {
            "name": "a",
            "image": "nginx:1.27",
            "ports": [{"containerPort": 80}],
            "resources": {"limits": {"cpu": "1", "memory": "1Gi"}},
            "readinessProbe": {"httpGet": {"port": 80}},
        },
        volumes=[{"name": "scratch"}, {"name": "cfg", "configMap": {"name": "c"}}],
    )
    apply_defaults(POD, obj)
    spec = obj["spec"]
    assert {k: spec[k] for k in ("restartPolicy", "dnsPolicy", "schedulerName")} == {
        "restartPolicy": "Always",
        "dnsPolicy": "ClusterFirst",
        "schedulerName": "default-scheduler",
    }
    assert spec["terminationGracePeriodSeconds"] == 30
    assert spec["securityContext"] == {}
    assert spec["enableServiceLinks"] is True
    assert spec["serviceAccountName"] == "default"
    assert spec["priority"] == 0
    assert spec["preemptionPolicy"] == "PreemptLowerPriority"
    assert spec["tolerations"][0] == NOT_READY
    assert spec["tolerations"][1]["key"] == "node.kubernetes.io/unreachable"
    ctr = spec["containers"][0]
    assert ctr["imagePullPolicy"] == "IfNotPresent"
    assert ctr["terminationMessagePath"] == "/dev/termination-log"
    assert ctr["terminationMessagePolicy"] == "File"
    assert ctr["ports"][0]["protocol"] == "TCP"
    assert ctr["resources"]["requests"] == {"cpu": "1", "memory": "1Gi"}
    assert ctr["readinessProbe"] == {
        "httpGet": {"port": 80, "path": "/", "scheme": "HTTP"},
        "timeoutSeconds": 1,
        "periodSeconds": 10,
        "successThreshold": 1,
        "failureThreshold": 3,
    }
    assert spec["volumes"][0]["emptyDir"] == {}
    assert spec["volumes"][1]["configMap"]["defaultMode"] == 420
    assert obj["status"] == {"phase": "Pending", "qosClass": "Guaranteed"}


def test_image_pull_policy() -> None:
    images = ["nginx", "nginx:latest", "nginx:1", "reg:5000/nginx", "nginx@sha256:abc", ""]
    obj = pod(*({"name": f"c{i}", "image": image} for i, image in enumerate(images)))
    apply_defaults(POD, obj)
    policies = [c["imagePullPolicy"] for c in obj["spec"]["containers"]]
    assert policies == [
        "Always",
        "Always",
        "IfNotPresent",
        "Always",
        "IfNotPresent",
        "IfNotPresent",
    ]
    assert obj["status"]["qosClass"] == "BestEffort"


def test_defaults_keep_what_is_set_and_are_idempotent() -> None:
    obj = pod(
        {
            "name": "a",
            "image": "x",
            "imagePullPolicy": "Never",
            "resources": {"requests": {"cpu": "1"}},
        },
        restartPolicy="Never",
        tolerations=[{"operator": "Exists"}],
    )
    apply_defaults(POD, obj)
    assert obj["spec"]["restartPolicy"] == "Never"
    assert obj["spec"]["containers"][0]["imagePullPolicy"] == "Never"
    assert obj["spec"]["tolerations"] == [{"operator": "Exists"}]
    assert obj["status"]["qosClass"] == "Burstable"
    again = copy.deepcopy(obj)
    apply_defaults(POD, again)
    assert again == obj


def test_deployment_defaults() -> None:
    obj: dict[str, Any] = {
        "metadata": {"name": "d"},
        "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "nginx"}]}}},
    }
    apply_defaults(DEPLOY, obj)
    spec = obj["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
    }
    assert spec["revisionHistoryLimit"] == 10
    assert spec["progressDeadlineSeconds"] == 600
    template_spec = spec["template"]["spec"]
    assert template_spec["restartPolicy"] == "Always"
    assert "tolerations" not in template_spec  # admission defaults are for real pods only
    assert "serviceAccountName" not in template_spec


def test_service_defaults() -> None:
    obj: dict[str, Any] = {"metadata": {"name": "s"}, "spec": {"ports": [{"port": 80}]}}
    apply_defaults(SVC, obj)
    assert obj["spec"] == {
        "ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}],
        "type": "ClusterIP",
        "sessionAffinity": "None",
        "internalTrafficPolicy": "Cluster",
        "ipFamilyPolicy": "SingleStack",
        "ipFamilies": ["IPv4"],
    }
    lb: dict[str, Any] = {"metadata": {"name": "s"}, "spec": {"type": "LoadBalancer"}}
    apply_defaults(SVC, lb)
    assert lb["spec"]["externalTrafficPolicy"] == "Cluster"
    assert lb["spec"]["allocateLoadBalancerNodePorts"] is True


def test_namespace_secret_storage_class_defaults() -> None:
    ns: dict[str, Any] = {"metadata": {"name": "team"}}
    apply_defaults(NS, ns)
    assert ns["spec"] == {"finalizers": ["kubernetes"]}
    assert ns["status"] == {"phase": "Active"}
    assert ns["metadata"]["labels"] == {"kubernetes.io/metadata.name": "team"}
    secret: dict[str, Any] = {"metadata": {"name": "s"}}
    apply_defaults(SECRET, secret)
    assert secret["type"] == "Opaque"
    sc: dict[str, Any] = {"metadata": {"name": "sc"}, "provisioner": "x"}
    apply_defaults(SC, sc)
    assert (sc["reclaimPolicy"], sc["volumeBindingMode"]) == ("Delete", "Immediate")


def test_limit_range_defaults() -> None:
    item = {"type": "Container", "max": {"cpu": "2"}, "min": {"memory": "64Mi"}}
    obj: dict[str, Any] = {"metadata": {"name": "l"}, "spec": {"limits": [item]}}
    apply_defaults(LR, obj)
    assert item["default"] == {"cpu": "2"}
    assert item["defaultRequest"] == {"cpu": "2", "memory": "64Mi"}
