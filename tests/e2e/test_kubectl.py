"""kubectl journeys against a real `pacific up`: what a Kubernetes user does on day one."""

from __future__ import annotations

import json
import subprocess
import time

import pytest

pytestmark = pytest.mark.e2e

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
        ports:
        - containerPort: 80
"""


def wait_for(predicate, timeout=20.0, interval=0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(interval)


def test_discovery_and_version(kubectl):
    out = kubectl("api-resources")
    for line in ("pods", "deployments", "namespaces", "configmaps", "leases"):
        assert line in out
    assert "deploy" in out  # short names are advertised
    versions = kubectl("api-versions")
    assert "apps/v1" in versions and "v1" in versions.split()
    assert "Server Version" in kubectl("version")


def test_namespace_lifecycle(kubectl):
    assert "namespace/journey created" in kubectl("create", "namespace", "journey")
    # Every namespace gets a default ServiceAccount and the root CA ConfigMap.
    wait_for(
        lambda: kubectl.run("get", "sa", "default", "-n", "journey", check=False).returncode == 0
    )
    wait_for(
        lambda: (
            kubectl.run("get", "cm", "kube-root-ca.crt", "-n", "journey", check=False).returncode
            == 0
        )
    )
    kubectl("create", "configmap", "c1", "-n", "journey", "--from-literal=a=b")
    kubectl("delete", "namespace", "journey", "--wait=true", "--timeout=60s")
    err = kubectl.fails("get", "namespace", "journey")
    assert "NotFound" in err
    assert "NotFound" in kubectl.fails("get", "configmap", "c1", "-n", "journey")


def test_deployment_apply_scale_rollout(kubectl):
    kubectl("create", "namespace", "apps1")
    out = kubectl("apply", "-n", "apps1", "-f", "-", input=DEPLOYMENT)
    assert "deployment.apps/web created" in out
    rs = wait_for(lambda: kubectl.json("get", "rs", "-n", "apps1", "-l", "app=web")["items"])
    assert rs[0]["metadata"]["ownerReferences"][0]["name"] == "web"
    pods = wait_for(lambda: len(kubectl.json("get", "pods", "-n", "apps1")["items"]) == 2)
    assert pods
    table = kubectl("get", "pods", "-n", "apps1")
    assert "Pending" in table and "READY" in table
    # Nothing runs pods yet: they stay Pending, never faked.
    for pod in kubectl.json("get", "pods", "-n", "apps1")["items"]:
        assert pod["status"].get("phase", "Pending") == "Pending"

    assert "scaled" in kubectl("scale", "deployment/web", "-n", "apps1", "--replicas=3")
    wait_for(lambda: len(kubectl.json("get", "pods", "-n", "apps1")["items"]) == 3)

    unchanged = kubectl("apply", "-n", "apps1", "-f", "-", input=DEPLOYMENT)
    assert "configured" in unchanged or "unchanged" in unchanged

    kubectl("set", "image", "deployment/web", "-n", "apps1", "nginx=nginx:1.26")
    wait_for(lambda: len(kubectl.json("get", "rs", "-n", "apps1")["items"]) == 2)
    history = kubectl("rollout", "history", "deployment/web", "-n", "apps1")
    assert "REVISION" in history and "2" in history
    kubectl("rollout", "undo", "deployment/web", "-n", "apps1")
    dep = kubectl.json("get", "deploy", "web", "-n", "apps1")
    assert dep["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.25"
    kubectl("rollout", "restart", "deployment/web", "-n", "apps1")
    dep = kubectl.json("get", "deploy", "web", "-n", "apps1")
    assert "kubectl.kubernetes.io/restartedAt" in dep["spec"]["template"]["metadata"]["annotations"]
    kubectl("delete", "deployment", "web", "-n", "apps1")
    wait_for(lambda: not kubectl.json("get", "pods", "-n", "apps1")["items"], timeout=30)
    assert not kubectl.json("get", "rs", "-n", "apps1")["items"]


def test_configmap_secret_label_annotate_patch(kubectl):
    kubectl("create", "namespace", "cfg")
    kubectl("create", "configmap", "settings", "-n", "cfg", "--from-literal=color=blue")
    kubectl("create", "secret", "generic", "token", "-n", "cfg", "--from-literal=key=s3cr3t")
    assert kubectl.json("get", "secret", "token", "-n", "cfg")["data"]["key"] == "czNjcjN0"
    kubectl("label", "configmap", "settings", "-n", "cfg", "tier=backend")
    kubectl("annotate", "configmap", "settings", "-n", "cfg", "owner=team-a")
    cm = kubectl.json("get", "cm", "settings", "-n", "cfg")
    assert cm["metadata"]["labels"] == {"tier": "backend"}
    assert cm["metadata"]["annotations"]["owner"] == "team-a"
    assert (
        kubectl("get", "cm", "-n", "cfg", "-l", "tier=backend", "-o", "name")
        == "configmap/settings\n"
    )
    assert "settings" not in kubectl("get", "cm", "-n", "cfg", "-l", "tier!=backend", "-o", "name")
    kubectl("patch", "cm", "settings", "-n", "cfg", "--type=merge", "-p", '{"data":{"size":"xl"}}')
    kubectl(
        "patch",
        "cm",
        "settings",
        "-n",
        "cfg",
        "--type=json",
        "-p",
        '[{"op":"replace","path":"/data/color","value":"red"}]',
    )
    kubectl("patch", "cm", "settings", "-n", "cfg", "-p", '{"data":{"shape":"round"}}')
    cm = kubectl.json("get", "cm", "settings", "-n", "cfg")
    assert cm["data"] == {"color": "red", "size": "xl", "shape": "round"}
    kubectl("label", "configmap", "settings", "-n", "cfg", "tier-")
    assert not kubectl.json("get", "cm", "settings", "-n", "cfg")["metadata"].get("labels")


def test_replace_and_conflict(kubectl, tmp_path):
    kubectl("create", "namespace", "rep")
    kubectl("create", "configmap", "r", "-n", "rep", "--from-literal=a=1")
    cm = kubectl.json("get", "cm", "r", "-n", "rep")
    cm["data"]["a"] = "2"
    path = tmp_path / "cm.json"
    path.write_text(json.dumps(cm))
    kubectl("replace", "-f", str(path))
    # The stored resourceVersion has moved on: a second replace with the old one conflicts.
    err = kubectl.fails("replace", "-f", str(path))
    assert "Conflict" in err and "the object has been modified" in err


def test_server_side_apply_and_conflicts(kubectl):
    kubectl("create", "namespace", "ssa")
    manifest = DEPLOYMENT.replace("name: web\n", "name: ssa\n", 1)
    out = kubectl("apply", "--server-side", "-n", "ssa", "-f", "-", input=manifest)
    assert "serverside-applied" in out
    dep = kubectl.json("get", "deploy", "ssa", "-n", "ssa", "--show-managed-fields")
    managers = {m["manager"] for m in dep["metadata"]["managedFields"]}
    assert "kubectl" in managers
    other = manifest.replace("replicas: 2", "replicas: 5")
    err = kubectl.fails(
        "apply", "--server-side", "--field-manager=other", "-n", "ssa", "-f", "-", input=other
    )
    assert "conflict" in err.lower()
    kubectl(
        "apply",
        "--server-side",
        "--field-manager=other",
        "--force-conflicts",
        "-n",
        "ssa",
        "-f",
        "-",
        input=other,
    )
    assert kubectl.json("get", "deploy", "ssa", "-n", "ssa")["spec"]["replicas"] == 5


def test_service_describe_explain_diff(kubectl):
    kubectl("create", "namespace", "svc")
    kubectl("create", "service", "clusterip", "front", "-n", "svc", "--tcp=80:8080")
    svc = kubectl.json("get", "svc", "front", "-n", "svc")
    assert svc["spec"]["ports"][0]["targetPort"] == 8080
    assert svc["spec"]["clusterIP"]
    assert "Name:" in kubectl("describe", "svc", "front", "-n", "svc")
    explained = kubectl("explain", "deployment.spec.replicas")
    assert "replicas" in explained.lower() and "integer" in explained.lower()
    manifest = DEPLOYMENT.replace("replicas: 2", "replicas: 4")
    kubectl("apply", "-n", "svc", "-f", "-", input=DEPLOYMENT)
    res = kubectl.run("diff", "-n", "svc", "-f", "-", input=manifest, check=False)
    assert res.returncode == 1, res.stderr  # 1 = differences found
    assert "replicas: 4" in res.stdout
    assert kubectl.json("get", "deploy", "web", "-n", "svc")["spec"]["replicas"] == 2


def test_wait_and_watch(kubectl):
    kubectl("create", "namespace", "w")
    proc = subprocess.Popen(
        ["kubectl", "get", "configmaps", "-n", "w", "-w", "--output-watch-events"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=kubectl.env,
    )
    try:
        time.sleep(1.0)
        kubectl("create", "configmap", "watched", "-n", "w", "--from-literal=x=y")
        kubectl("wait", "--for=create", "configmap/watched", "-n", "w", "--timeout=10s")
        kubectl("delete", "configmap", "watched", "-n", "w")
        time.sleep(1.0)
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert "ADDED" in out and "watched" in out and "DELETED" in out
    kubectl("create", "configmap", "gone", "-n", "w")
    bg = subprocess.Popen(
        ["kubectl", "wait", "--for=delete", "configmap/gone", "-n", "w", "--timeout=20s"],
        env=kubectl.env,
        stdout=subprocess.PIPE,
        text=True,
    )
    time.sleep(0.5)
    kubectl("delete", "configmap", "gone", "-n", "w")
    assert bg.wait(timeout=30) == 0


def test_auth_whoami_and_can_i(kubectl):
    out = kubectl("auth", "whoami")
    assert "pacific-admin" in out
    assert kubectl("auth", "can-i", "create", "pods").strip() == "yes"


def test_errors_are_kubernetes_status(kubectl):
    err = kubectl.fails("get", "pod", "nope", "-n", "default")
    assert 'Error from server (NotFound): pods "nope" not found' in err
    err = kubectl.fails("create", "configmap", "Bad_Name")
    assert "Invalid" in err and "RFC 1123" in err
    err = kubectl.fails("get", "frobnicators")
    assert "the server doesn't have a resource type" in err
    bad = DEPLOYMENT.replace("replicas: 2", "replicas: 2\n  bogusField: 1")
    err = kubectl.fails("apply", "-f", "-", input=bad)
    assert 'unknown field "spec.bogusField"' in err
