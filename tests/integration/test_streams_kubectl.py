"""Streams end to end: the real kubectl and Python client -> API server -> agent server.

An in-process API server and `pacific.agent.server` (with `pacific.testing.streams`'s fake
Streamer and a TCP echo server as the pod's port 80) run on this event loop; a Node points
at the agent, a Running Pod is bound to it, and its CRI log files are written by hand.
kubectl runs as an async subprocess; the Python client's blocking calls run in a thread.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from pacific.testing.apiserver import RunningAPIServer, running_apiserver
from pacific.testing.streams import (
    FakeStreamer,
    FakeTargets,
    RunningAgentAPI,
    echo_server,
    running_agent_api,
)

KUBECTL = shutil.which("kubectl")
pytestmark = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")
UID = "11111111-2222-3333-4444-555555555555"
LOG_V0 = b"2024-05-01T10:00:00Z stdout F old line\n"
LOG_V1 = (
    b"2024-05-01T10:00:01.5Z stdout F first\n"
    b"2024-05-01T10:00:02Z stderr P sec\n"
    b"2024-05-01T10:00:02.1Z stderr F ond\n"
    b"2024-05-01T10:00:03Z stdout F third\n"
)


@dataclass
class Env:
    srv: RunningAPIServer
    agent: RunningAgentAPI
    targets: FakeTargets
    log_dir: Path

    async def kubectl(self, *args: str, stdin: bytes = b"") -> tuple[int, str, str]:
        assert KUBECTL is not None
        proc = await asyncio.create_subprocess_exec(
            KUBECTL,
            "--kubeconfig",
            str(self.srv.kubeconfig_path),
            *args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(stdin), 60)
        return proc.returncode or 0, out.decode(), err.decode()


async def _setup(http: httpx.AsyncClient, agent_port: int) -> None:
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}}
    assert (await http.post("/api/v1/namespaces", json=ns)).status_code == 201
    node: dict[str, Any] = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1"}}
    assert (await http.post("/api/v1/nodes", json=node)).status_code == 201
    status = {
        "status": {
            "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": agent_port}},
        }
    }
    merge = {"Content-Type": "application/merge-patch+json"}
    r = await http.patch("/api/v1/nodes/node-1/status", json=status, headers=merge)
    assert r.status_code == 200, r.text
    for name, containers in (("web", ["main"]), ("two", ["a", "b"])):
        pod = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {
                "nodeName": "node-1",
                "containers": [{"name": c, "image": "busybox"} for c in containers],
            },
        }
        r = await http.post("/api/v1/namespaces/default/pods", json=pod)
        assert r.status_code == 201, r.text
        r = await http.patch(
            f"/api/v1/namespaces/default/pods/{name}/status",
            json={"status": {"phase": "Running"}},
            headers=merge,
        )
        assert r.status_code == 200, r.text


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[Env]:
    certs_dir = tmp_path / "agent-certs"
    certs_dir.mkdir()
    overrides = {
        "agent_client_cert_path": certs_dir / "apiserver-agent.crt",
        "agent_client_key_path": certs_dir / "apiserver-agent.key",
    }
    async with running_apiserver(None, tmp_path / "api", **overrides) as srv, echo_server() as echo:
        streamer = FakeStreamer(ports={80: echo})
        targets = FakeTargets(streamer)
        logs = tmp_path / "pods"
        async with running_agent_api(
            targets, logs, srv.ca_path, srv.ca_key_path, certs_dir
        ) as agent:
            headers = {"Authorization": f"Bearer {srv.token}"}
            tls = ssl.create_default_context(cafile=str(srv.ca_path))
            async with httpx.AsyncClient(base_url=srv.url, headers=headers, verify=tls) as http:
                await _setup(http, agent.port)
                pods = {
                    p["metadata"]["name"]: p
                    for p in (await http.get("/api/v1/namespaces/default/pods")).json()["items"]
                }
            uid = pods["web"]["metadata"]["uid"]
            targets.containers[uid] = {"main": ("c-main", True)}
            targets.containers[pods["two"]["metadata"]["uid"]] = {
                "a": ("c-a", True),
                "b": ("c-b", True),
            }
            log_dir = logs / f"default_web_{uid}" / "main"
            log_dir.mkdir(parents=True)
            (log_dir / "0.log").write_bytes(LOG_V0)
            (log_dir / "1.log").write_bytes(LOG_V1)
            yield Env(srv, agent, targets, log_dir)


async def test_kubectl_exec_output_and_exit_codes(env: Env) -> None:
    code, out, err = await env.kubectl("exec", "web", "--", "echo", "hello", "world")
    assert (code, out) == (0, "hello world\n"), err
    code, out, err = await env.kubectl("exec", "web", "--", "exit", "7")
    assert code == 7, (out, err)
    code, out, err = await env.kubectl("exec", "web", "--", "err", "oops")
    assert (code, out, err) == (0, "", "oops")
    code, out, err = await env.kubectl("exec", "web", "--", "nosuch")
    assert code != 0 and "executable file not found" in err


async def test_kubectl_exec_stdin(env: Env) -> None:
    code, out, err = await env.kubectl("exec", "-i", "web", "--", "cat", stdin=b"piped\ninput")
    assert (code, out) == (0, "piped\ninput"), err


async def test_kubectl_exec_errors(env: Env) -> None:
    code, _, err = await env.kubectl("exec", "nope", "--", "echo")
    assert code == 1 and 'pods "nope" not found' in err
    code, _, err = await env.kubectl("exec", "web", "-c", "other", "--", "echo")
    assert code == 1 and "other" in err
    env.targets.containers[next(iter(env.targets.containers))]["main"] = ("c-main", False)
    code, _, err = await env.kubectl("exec", "web", "--", "echo")
    assert code == 1 and "is not running" in err


async def test_kubectl_attach(env: Env) -> None:
    code, out, err = await env.kubectl("attach", "-i", "web", stdin=b"typed")
    assert code == 0 and "typed" in out, err


async def test_kubectl_logs(env: Env) -> None:
    code, out, err = await env.kubectl("logs", "web")
    assert (code, out) == (0, "first\nsecond\nthird\n"), err
    _, out, _ = await env.kubectl("logs", "web", "--tail=1")
    assert out == "third\n"
    _, out, _ = await env.kubectl("logs", "web", "--previous")
    assert out == "old line\n"
    _, out, _ = await env.kubectl("logs", "web", "--timestamps", "--limit-bytes=30")
    assert out == "2024-05-01T10:00:01.5Z first\n2"
    _, out, _ = await env.kubectl("logs", "web", "--since-time=2024-05-01T10:00:03Z")
    assert out == "third\n"
    code, _, err = await env.kubectl("logs", "two")
    assert code == 0 or "container" in err
    code, _, err = await env.kubectl("logs", "web", "-c", "main", "--previous", "--tail=0")
    assert code == 0


async def test_kubectl_logs_follow_ends_when_the_container_stops(env: Env) -> None:
    assert KUBECTL is not None
    proc = await asyncio.create_subprocess_exec(
        KUBECTL,
        "--kubeconfig",
        str(env.srv.kubeconfig_path),
        "logs",
        "-f",
        "web",
        stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    assert await asyncio.wait_for(proc.stdout.readline(), 20) == b"first\n"
    with (env.log_dir / "1.log").open("ab") as f:
        f.write(b"2024-05-01T10:00:04Z stdout F appended\n")
    lines = [await asyncio.wait_for(proc.stdout.readline(), 20) for _ in range(3)]
    assert lines[-1] == b"appended\n"
    uid = next(iter(env.targets.containers))
    env.targets.containers[uid]["main"] = ("c-main", False)
    assert await asyncio.wait_for(proc.wait(), 20) == 0


@pytest.mark.timeout(30)
async def test_kubectl_port_forward_to_the_echo_server(env: Env) -> None:
    assert KUBECTL is not None
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        local = s.getsockname()[1]
    proc = await asyncio.create_subprocess_exec(
        KUBECTL,
        "--kubeconfig",
        str(env.srv.kubeconfig_path),
        "port-forward",
        "pod/web",
        f"{local}:80",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 20)
        if proc.stderr is not None and b"Forwarding" not in line:
            line = await proc.stderr.read()
        assert b"Forwarding from" in line
        for round_ in range(2):  # two connections through one session
            reader, writer = await asyncio.open_connection("127.0.0.1", local)
            payload = f"ping {round_} ".encode() * 5000
            writer.write(payload)
            await writer.drain()
            got = await asyncio.wait_for(reader.readexactly(len(payload)), 20)
            assert got == payload
            writer.close()
            await writer.wait_closed()
    finally:
        if proc.returncode is None:
            proc.terminate()
        await proc.wait()


def _python_client(srv: RunningAPIServer) -> Any:
    from kubernetes import client, config

    api_client = config.new_client_from_config(str(srv.kubeconfig_path))
    return client.CoreV1Api(api_client)


async def test_python_client_exec(env: Env) -> None:
    from kubernetes.stream import stream

    api = await asyncio.to_thread(_python_client, env.srv)

    def run(command: list[str]) -> tuple[str, int | None]:
        resp = stream(
            api.connect_get_namespaced_pod_exec,
            "web",
            "default",
            command=command,
            stderr=True,
            stdin=False,
            stdout=True,
            tty=False,
            _preload_content=False,
        )
        resp.run_forever(timeout=20)
        out = resp.read_stdout()
        code = resp.returncode
        resp.close()
        return out, code

    assert await asyncio.to_thread(run, ["echo", "from", "python"]) == ("from python\n", 0)
    assert (await asyncio.to_thread(run, ["exit", "3"]))[1] == 3


async def test_python_client_port_forward(env: Env) -> None:
    from kubernetes.stream import portforward

    api = await asyncio.to_thread(_python_client, env.srv)

    def run() -> bytes:
        pf = portforward(api.connect_get_namespaced_pod_portforward, "web", "default", ports="80")
        sock = pf.socket(80)
        sock.setblocking(True)
        sock.sendall(b"hello python")
        data = b""
        while len(data) < 12:
            data += sock.recv(1024)
        sock.close()
        pf.close()
        return data

    assert await asyncio.wait_for(asyncio.to_thread(run), 30) == b"hello python"
