"""The official `kubernetes` Python client evicts pods through pods/eviction over HTTPS."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes.client.rest import ApiException

from pacific.testing.apiserver import RunningAPIServer, running_apiserver


@pytest.fixture
async def srv(tmp_path: Path) -> AsyncIterator[RunningAPIServer]:
    async with running_apiserver(None, tmp_path) as s:
        yield s


def evict_session(kubeconfig: Path) -> dict[str, Any]:
    core = k8s.CoreV1Api(k8s_config.new_client_from_config(str(kubeconfig)))
    core.create_namespace(k8s.V1Namespace(metadata=k8s.V1ObjectMeta(name="default")))
    for name in ("bound", "gone"):
        core.create_namespaced_pod(
            "default",
            k8s.V1Pod(
                metadata=k8s.V1ObjectMeta(name=name),
                spec=k8s.V1PodSpec(
                    node_name="h1", containers=[k8s.V1Container(name="c", image="busybox")]
                ),
            ),
        )
    core.create_namespaced_pod_eviction(
        "bound", "default", k8s.V1Eviction(metadata=k8s.V1ObjectMeta(name="bound"))
    )
    core.create_namespaced_pod_eviction(
        "gone",
        "default",
        k8s.V1Eviction(
            metadata=k8s.V1ObjectMeta(name="gone"),
            delete_options=k8s.V1DeleteOptions(grace_period_seconds=0),
        ),
    )
    bound = core.read_namespaced_pod("bound", "default")
    try:
        core.create_namespaced_pod_eviction(
            "ghost", "default", k8s.V1Eviction(metadata=k8s.V1ObjectMeta(name="ghost"))
        )
    except ApiException as exc:
        missing = exc.status
    else:
        missing = 0
    names = [p.metadata.name for p in core.list_namespaced_pod("default").items]
    conditions = {c.type: c.reason for c in bound.status.conditions or []}
    return {
        "terminating": bound.metadata.deletion_timestamp is not None,
        "conditions": conditions,
        "missing": missing,
        "names": names,
    }


async def test_official_client_evicts(srv: RunningAPIServer) -> None:
    result = await asyncio.to_thread(evict_session, srv.kubeconfig_path)
    assert result["terminating"]
    assert result["conditions"]["DisruptionTarget"] == "EvictionByEvictionAPI"
    assert result["missing"] == 404
    assert result["names"] == ["bound"]
