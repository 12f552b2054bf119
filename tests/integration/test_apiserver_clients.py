"""Real clients against the real server: the official Python client and kubectl 1.32."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes import watch as k8s_watch

from pacific.testing.apiserver import RunningAPIServer, running_apiserver

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: nginx, image: nginx}]}
"""


@pytest.fixture
async def srv(tmp_path: Path) -> AsyncIterator[RunningAPIServer]:
    async with running_apiserver(None, tmp_path) as s:
        yield s


def python_client_session(kubeconfig: Path) -> dict[str, object]:
    api_client = k8s_config.new_client_from_config(str(kubeconfig))
    core = k8s.CoreV1Api(api_client)
    apps = k8s.AppsV1Api(api_client)
    core.create_namespace(k8s.V1Namespace(metadata=k8s.V1ObjectMeta(name="default")))
    pod = k8s.V1Pod(
        metadata=k8s.V1ObjectMeta(name="p1", labels={"app": "web"}),
        spec=k8s.V1PodSpec(containers=[k8s.V1Container(name="c", image="nginx")]),
    )
    created = core.create_namespaced_pod("default", pod)
    listed = core.list_namespaced_pod("default", label_selector="app=web")
    rv = listed.metadata.resource_version
    apps.create_namespaced_deployment(
        "default",
        k8s.V1Deployment(
            metadata=k8s.V1ObjectMeta(name="d"),
            spec=k8s.V1DeploymentSpec(
                selector=k8s.V1LabelSelector(match_labels={"app": "d"}),
                template=k8s.V1PodTemplateSpec(
                    metadata=k8s.V1ObjectMeta(labels={"app": "d"}),
                    spec=k8s.V1PodSpec(containers=[k8s.V1Container(name="c", image="nginx")]),
                ),
            ),
        ),
    )
    scale = apps.patch_namespaced_deployment_scale("d", "default", {"spec": {"replicas": 4}})
    core.delete_namespaced_pod("p1", "default")
    events = []
    w = k8s_watch.Watch()
    for event in w.stream(
        core.list_namespaced_pod, "default", resource_version=rv, timeout_seconds=2
    ):
        events.append(event["type"])
        if event["type"] == "DELETED":
            w.stop()
    return {
        "uid": created.metadata.uid,
        "names": [p.metadata.name for p in listed.items],
        "replicas": scale.spec.replicas,
        "events": events,
    }


async def test_official_python_client(srv: RunningAPIServer) -> None:
    result = await asyncio.to_thread(python_client_session, srv.kubeconfig_path)
    assert result["uid"]
    assert result["names"] == ["p1"]
    assert result["replicas"] == 4
    assert result["events"] == ["DELETED"]


def kubectl(srv: RunningAPIServer, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["kubectl", "--kubeconfig", str(srv.kubeconfig_path), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
async def test_kubectl_smoke(srv: RunningAPIServer) -> None:
    def session() -> list[subprocess.CompletedProcess[str]]:
        return [
            kubectl(srv, "create", "namespace", "default"),
            kubectl(srv, "apply", "-f", "-", stdin=DEPLOYMENT),
            kubectl(srv, "scale", "deployment", "web", "--replicas=3"),
            kubectl(srv, "get", "deployments"),
            kubectl(srv, "run", "p1", "--image=nginx"),
            kubectl(srv, "get", "pods", "-o", "wide"),
            kubectl(srv, "delete", "pod", "p1"),
            kubectl(srv, "auth", "whoami"),
        ]

    results = await asyncio.to_thread(session)
    for r in results:
        assert r.returncode == 0, (r.args, r.stderr)
    assert "web    0/3" in results[3].stdout
    assert results[5].stdout.split()[:5] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert "pacific-admin" in results[7].stdout
