"""The agent against a real API server, with FakeRuntime and FakeNetwork: pods run,
restart with back-off, init containers go in order, deletion is graceful, a restarted
agent adopts what runs, and orphans are removed."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from ipaddress import ip_address
from pathlib import Path
from typing import Any

import pytest

from pacific.agent.config import AgentConfig
from pacific.agent.images.store import ImageStore, StoreConfig
from pacific.agent.images.testimages import write_archives
from pacific.agent.runtimes.protocol import ExecResult
from pacific.agent.service import run_agent
from pacific.api import kinds
from pacific.api.resources import ResourceType
from pacific.client import Client
from pacific.testing.apiserver import running_apiserver
from pacific.testing.clock import FakeClock
from pacific.testing.fakenetwork import FakeNetwork
from pacific.testing.fakeruntime import FakeRuntime

IMAGE = "pacific.test/busybox:latest"
Obj = dict[str, Any]


def rt(group: str, kind: str) -> ResourceType:
    found = kinds.by_kind(group, "v1", kind)
    assert found is not None
    return found


PODS = rt("", "Pod")


@dataclass
class Agent:
    client: Client
    clock: FakeClock
    runtime: FakeRuntime
    network: FakeNetwork
    images: ImageStore
    config: AgentConfig
    task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.task = asyncio.create_task(
            run_agent(
                self.client,
                self.config,
                runtimes={"container": self.runtime},
                network=self.network,
                images=self.images,
            )
        )

    async def stop(self) -> None:
        assert self.task is not None
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


@pytest.fixture
async def agent(tmp_path: Path) -> AsyncIterator[Agent]:
    async with running_apiserver(None, tmp_path / "api") as srv:
        clock = FakeClock()
        client = Client(srv.url, token=srv.token, ca_path=str(srv.ca_path), clock=clock)
        ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}}
        await client.create(rt("", "Namespace"), ns)
        images = ImageStore(StoreConfig(root=tmp_path / "images"))
        archives = await asyncio.to_thread(write_archives, tmp_path / "archives")
        await images.import_archive(archives["busybox"])
        a = Agent(
            client,
            clock,
            FakeRuntime(clock=clock),
            FakeNetwork(),
            images,
            AgentConfig(
                node_name="h1",
                state_dir=tmp_path / "state",
                log_dir=tmp_path / "logs",
                node_ip="192.0.2.10",
            ),
        )
        a.start()
        try:
            yield a
        finally:
            if a.task is not None and not a.task.done():
                await a.stop()
            await client.aclose()


def pod(name: str, *, restart: str = "Always", init: list[Obj] | None = None, **ctr: Any) -> Obj:
    container = {"name": "app", "image": IMAGE, "imagePullPolicy": "IfNotPresent", **ctr}
    spec: Obj = {"nodeName": "h1", "restartPolicy": restart, "containers": [container]}
    if init:
        spec["initContainers"] = [
            {"image": IMAGE, "imagePullPolicy": "IfNotPresent", **c} for c in init
        ]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default"},
        "spec": spec,
    }


async def until(
    client: Client, name: str, check: Callable[[Obj], bool], limit_s: float = 10.0
) -> Obj:
    async with asyncio.timeout(limit_s):
        while True:
            with contextlib.suppress(Exception):
                obj = await client.get(PODS, name, "default")
                if check(obj):
                    return obj
            await asyncio.sleep(0.05)


async def eventually(predicate: Callable[[], bool]) -> None:
    async with asyncio.timeout(10):
        while True:
            if predicate():
                return
            await asyncio.sleep(0.05)


def phase(p: Obj) -> str:
    return str((p.get("status") or {}).get("phase"))


def app_status(p: Obj) -> Obj:
    return dict(((p.get("status") or {}).get("containerStatuses") or [{}])[0])


async def test_node_registers_with_real_capacity_and_lease(agent: Agent) -> None:
    async with asyncio.timeout(10):
        while True:
            with contextlib.suppress(Exception):
                node = await agent.client.get(rt("", "Node"), "h1")
                if node.get("status", {}).get("capacity"):
                    break
            await asyncio.sleep(0.05)
    status = node["status"]
    assert int(status["capacity"]["cpu"]) >= 1
    assert status["capacity"]["pods"] == "110"
    assert status["nodeInfo"]["kubeletVersion"] == "v1.32.0-pacific"
    assert {c["type"] for c in status["conditions"]} >= {"Ready", "MemoryPressure"}
    assert node["metadata"]["labels"]["kubernetes.io/hostname"] == "h1"
    assert "pacific.dev/numa-topology" in node["metadata"]["annotations"]
    leases = rt("coordination.k8s.io", "Lease")
    async with asyncio.timeout(10):
        while True:
            with contextlib.suppress(Exception):
                lease = await agent.client.get(leases, "h1", "kube-node-lease")
                break
            await asyncio.sleep(0.05)
    assert lease["spec"]["holderIdentity"] == "h1"


async def test_pod_goes_running_with_ip_and_events(agent: Agent) -> None:
    await agent.client.create(PODS, pod("web", command=["sleep", "3600"]))
    p = await until(agent.client, "web", lambda p: phase(p) == "Running")
    st = p["status"]
    assert ip_address(st["podIP"]) in agent.network.pod_cidr
    assert st["hostIP"] == "192.0.2.10"
    assert app_status(p)["ready"] is True
    assert app_status(p)["containerID"].startswith("pacific-container://")
    conds = {c["type"]: c["status"] for c in st["conditions"]}
    assert conds["Ready"] == "True" and conds["PodReadyToStartContainers"] == "True"
    [c] = agent.runtime.containers_named("app")
    assert agent.runtime.config_of(c.id).command == ("sleep", "3600")
    evs = await agent.client.list(rt("", "Event"), "default")
    reasons = {e["reason"] for e in evs.items}
    assert {"Pulled", "Created", "Started"} <= reasons


async def test_crash_loop_backs_off_10s_then_20s(agent: Agent) -> None:
    agent.runtime.behave("app", exit_code=1)
    await agent.client.create(PODS, pod("crash"))
    p = await until(
        agent.client,
        "crash",
        lambda p: (
            app_status(p).get("restartCount") == 1 and "waiting" in app_status(p).get("state", {})
        ),
    )
    st = app_status(p)
    assert st["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    assert "back-off 10s" in st["state"]["waiting"]["message"]
    assert st["lastState"]["terminated"]["exitCode"] == 1
    agent.clock.advance(9)
    await asyncio.sleep(0.3)
    assert len(agent.runtime.containers_named("app")) <= 2
    agent.clock.advance(1.5)
    p = await until(
        agent.client,
        "crash",
        lambda p: app_status(p).get("restartCount") == 2 and "waiting" in app_status(p)["state"],
    )
    assert "back-off 20s" in app_status(p)["state"]["waiting"]["message"]


async def test_never_pod_fails_and_on_failure_pod_succeeds(agent: Agent) -> None:
    await agent.client.create(PODS, pod("never", restart="Never", command=["sh", "-c", "exit 3"]))
    p = await until(agent.client, "never", lambda p: phase(p) == "Failed")
    term = app_status(p)["state"]["terminated"]
    assert term["exitCode"] == 3 and term["reason"] == "Error"
    await agent.client.create(PODS, pod("once", restart="OnFailure", command=["true"]))
    p = await until(agent.client, "once", lambda p: phase(p) == "Succeeded")
    assert app_status(p)["state"]["terminated"]["reason"] == "Completed"


async def test_init_containers_run_in_order(agent: Agent) -> None:
    agent.runtime.behave("second", exit_code=0)
    init = [{"name": "first", "command": ["sh", "-c", "exit 0"]}, {"name": "second"}]
    await agent.client.create(PODS, pod("inits", init=init, command=["sleep", "1"]))
    p = await until(agent.client, "inits", lambda p: phase(p) == "Running")
    firsts = agent.runtime.containers_named("first")
    seconds = agent.runtime.containers_named("second")
    [app] = agent.runtime.containers_named("app")
    assert firsts[0].started_at <= seconds[0].started_at <= app.started_at
    inits = p["status"]["initContainerStatuses"]
    assert [s["state"]["terminated"]["reason"] for s in inits] == ["Completed", "Completed"]


async def test_failing_init_holds_the_pod_pending(agent: Agent) -> None:
    init = [{"name": "setup", "command": ["sh", "-c", "exit 2"]}]
    await agent.client.create(PODS, pod("stuck", init=init))
    p = await until(
        agent.client,
        "stuck",
        lambda p: ((p["status"].get("initContainerStatuses") or [{}])[0].get("restartCount")) == 1,
    )
    assert phase(p) == "Pending"
    assert app_status(p)["state"]["waiting"]["reason"] == "PodInitializing"
    assert agent.runtime.containers_named("app") == []


async def test_missing_image_is_err_image_pull(agent: Agent) -> None:
    await agent.client.create(
        PODS, pod("noimg", image="pacific.test/missing:1", imagePullPolicy="Never")
    )
    p = await until(
        agent.client,
        "noimg",
        lambda p: (
            app_status(p).get("state", {}).get("waiting", {}).get("reason") == "ErrImageNeverPull"
        ),
    )
    assert "pacific.test/missing:1" in app_status(p)["state"]["waiting"]["message"]


async def test_graceful_delete_prestop_then_final_delete(agent: Agent) -> None:
    hook = {"preStop": {"exec": {"command": ["sh", "-c", "echo bye"]}}}
    spec = pod("grace", command=["sleep", "3600"], lifecycle=hook)
    spec["spec"]["terminationGracePeriodSeconds"] = 7
    await agent.client.create(PODS, spec)
    await until(agent.client, "grace", lambda p: phase(p) == "Running")
    [c] = agent.runtime.containers_named("app")
    await agent.client.delete(PODS, "grace", "default")
    async with asyncio.timeout(10):
        while True:
            try:
                await agent.client.get(PODS, "grace", "default")
            except Exception:
                break
            await asyncio.sleep(0.05)
    assert (c.id, ("sh", "-c", "echo bye")) in agent.runtime.execs
    assert agent.runtime.stops and agent.runtime.stops[0][0] == c.id
    assert 2 <= agent.runtime.stops[0][1] <= 7
    assert agent.runtime.host.sandboxes == {}
    assert agent.network.attachments() == {}


async def test_agent_restart_adopts_running_pods(agent: Agent) -> None:
    await agent.client.create(PODS, pod("keep", command=["sleep", "3600"]))
    p = await until(agent.client, "keep", lambda p: phase(p) == "Running")
    ip = p["status"]["podIP"]
    [before] = agent.runtime.containers_named("app")
    await agent.stop()
    agent.runtime = FakeRuntime(clock=agent.clock, host=agent.runtime.host)
    agent.start()
    await asyncio.sleep(0.5)
    p = await until(agent.client, "keep", lambda p: phase(p) == "Running")
    [after] = agent.runtime.containers_named("app")
    assert after.id == before.id and after.state.value == "running"
    assert p["status"]["podIP"] == ip
    assert agent.runtime.stops == []


async def test_orphans_are_removed_at_start(agent: Agent) -> None:
    await agent.client.create(PODS, pod("gone", command=["sleep", "3600"]))
    p = await until(agent.client, "gone", lambda p: phase(p) == "Running")
    await agent.stop()
    await agent.client.delete(PODS, "gone", "default", grace_period_seconds=0)
    agent.runtime = FakeRuntime(clock=agent.clock, host=agent.runtime.host)
    agent.start()
    await eventually(lambda: not agent.runtime.host.sandboxes)
    assert ("teardown", p["metadata"]["uid"]) in agent.network.calls


async def test_config_map_env_and_volume_follow_updates(agent: Agent) -> None:
    cms = rt("", "ConfigMap")
    cm = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "cfg", "namespace": "default"},
        "data": {"mode": "fast"},
    }
    await agent.client.create(cms, cm)
    spec = pod(
        "conf",
        command=["sleep", "3600"],
        env=[{"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "mode"}}}],
        volumeMounts=[{"name": "conf", "mountPath": "/etc/conf"}],
    )
    spec["spec"]["volumes"] = [{"name": "conf", "configMap": {"name": "cfg"}}]
    await agent.client.create(PODS, spec)
    await until(agent.client, "conf", lambda p: phase(p) == "Running")
    [c] = agent.runtime.containers_named("app")
    config = agent.runtime.config_of(c.id)
    assert ("MODE", "fast") in config.env
    [mount] = config.mounts
    assert (mount.host_path / "mode").read_text() == "fast"
    await agent.client.patch(cms, "cfg", {"data": {"mode": "slow"}}, namespace="default")
    agent.clock.advance(61)
    await eventually(lambda: (mount.host_path / "mode").read_text() == "slow")


async def test_failing_liveness_restarts_the_container(agent: Agent) -> None:
    agent.runtime.exec_handler = lambda c, argv: ExecResult(1, b"not alive")
    liveness = {"exec": {"command": ["check"]}, "failureThreshold": 1}
    await agent.client.create(PODS, pod("sick", command=["sleep", "3600"], livenessProbe=liveness))
    p = await until(agent.client, "sick", lambda p: app_status(p).get("restartCount", 0) >= 1)
    assert app_status(p)["lastState"]["terminated"]["exitCode"] == 143
    evs = await agent.client.list(rt("", "Event"), "default")
    messages = {(e["reason"], e["message"]) for e in evs.items}
    assert ("Unhealthy", "Liveness probe failed: not alive") in messages
    assert ("Killing", "Container app failed liveness probe, will be restarted") in messages


async def test_force_deleted_pod_is_torn_down(agent: Agent) -> None:
    await agent.client.create(PODS, pod("forced", command=["sleep", "3600"]))
    p = await until(agent.client, "forced", lambda p: phase(p) == "Running")
    await agent.client.delete(PODS, "forced", "default", grace_period_seconds=0)
    await eventually(lambda: not agent.runtime.host.sandboxes)
    assert ("teardown", p["metadata"]["uid"]) in agent.network.calls
    assert not (agent.config.pod_dir(p["metadata"]["uid"])).exists()


async def test_host_network_pod_uses_the_host_ip(agent: Agent) -> None:
    spec = pod("hostnet", command=["sleep", "3600"])
    spec["spec"]["hostNetwork"] = True
    await agent.client.create(PODS, spec)
    p = await until(agent.client, "hostnet", lambda p: phase(p) == "Running")
    assert p["status"]["podIP"] == "192.0.2.10"
    assert ("setup", p["metadata"]["uid"]) not in agent.network.calls


async def test_lease_is_renewed_every_heartbeat(agent: Agent) -> None:
    leases = rt("coordination.k8s.io", "Lease")

    async def renewed() -> str:
        async with asyncio.timeout(10):
            while True:
                with contextlib.suppress(Exception):
                    lease = await agent.client.get(leases, "h1", "kube-node-lease")
                    return str(lease["spec"]["renewTime"])
                await asyncio.sleep(0.05)

    first = await renewed()
    await agent.clock.wait_sleepers(1)
    agent.clock.advance(10)
    async with asyncio.timeout(10):
        while True:
            if await renewed() != first:
                break
            await asyncio.sleep(0.05)


async def test_create_failure_and_oom_show_like_kubelet(agent: Agent) -> None:
    agent.runtime.behave("app", fail_create="exec: no such file")
    await agent.client.create(PODS, pod("broken"))
    p = await until(
        agent.client,
        "broken",
        lambda p: (
            app_status(p).get("state", {}).get("waiting", {}).get("reason")
            == "CreateContainerError"
        ),
    )
    assert "no such file" in app_status(p)["state"]["waiting"]["message"]
    agent.runtime.behave("app", exit_code=137, reason="OOMKilled")
    await agent.client.create(PODS, pod("hog", restart="Never"))
    p = await until(agent.client, "hog", lambda p: phase(p) == "Failed")
    assert app_status(p)["state"]["terminated"]["reason"] == "OOMKilled"


async def test_probes_stop_with_their_pod(agent: Agent) -> None:
    readiness = {"exec": {"command": ["check"]}, "periodSeconds": 1}
    await agent.client.create(
        PODS, pod("probed", command=["sleep", "3600"], readinessProbe=readiness)
    )
    await until(agent.client, "probed", lambda p: app_status(p).get("ready") is True)
    await agent.client.delete(PODS, "probed", "default", grace_period_seconds=0)
    await eventually(lambda: not agent.runtime.host.sandboxes)
    for _ in range(3):
        await agent.clock.step(1)
        await asyncio.sleep(0.05)
    evs = await agent.client.list(rt("", "Event"), "default")
    assert [e["message"] for e in evs.items if e["reason"] == "Unhealthy"] == []


async def test_unreachable_registry_is_err_image_pull_then_backoff(agent: Agent) -> None:
    image = "127.0.0.1:1/nothing/here:1"
    await agent.client.create(PODS, pod("nopull", image=image))

    def reason(p: Obj) -> str:
        return str(app_status(p).get("state", {}).get("waiting", {}).get("reason"))

    p = await until(agent.client, "nopull", lambda p: reason(p) == "ImagePullBackOff")
    assert app_status(p)["state"]["waiting"]["message"] == f'Back-off pulling image "{image}"'
    evs = await agent.client.list(rt("", "Event"), "default")
    mine = {e["reason"]: e for e in evs.items if e["involvedObject"]["name"] == "nopull"}
    assert {"Pulling", "Failed", "BackOff"} <= set(mine)
    assert mine["Failed"]["message"].startswith(f'Failed to pull image "{image}"')

    async def pulls() -> int:
        evs = await agent.client.list(rt("", "Event"), "default")
        return sum(
            int(e.get("count") or 1)
            for e in evs.items
            if e["involvedObject"]["name"] == "nopull" and e["reason"] == "Pulling"
        )

    first = await pulls()
    agent.clock.advance(11)
    async with asyncio.timeout(10):
        while True:
            if await pulls() > first:
                break
            await asyncio.sleep(0.05)
