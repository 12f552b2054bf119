"""Real pods on a real `pacific up`, driven by real kubectl (issue 4's user journey).

One `pacific up` per module with its own bridge, a /24 pod CIDR of its own and a free agent
port, the busybox test image imported first. The pods are created together up front (so
their start-up overlaps) and each test checks one thing a user does: run, logs, exec,
port-forward, pod-to-pod traffic, restarts, graceful delete, a missing image.

At the end every pod is deleted, `pacific up` is stopped, and nothing of this module may be
left on the host: no conmon/crun process under its data directory, no `pacific-<uid>`
network namespace and no veth of its pods. The bridge and (when this module wrote it last)
the nftables table are removed afterwards.
"""

from __future__ import annotations

import ipaddress
import json
import os
import random
import select
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from pacific.agent.images.testimages import write_archives
from pacific.agent.network import names
from pacific.cli.host import HostOptions, missing_prerequisites, network_config
from pacific.testing.process import PacificProcess, free_port, pacific_command

from .conftest import KUBECTL, Kubectl

pytestmark = [pytest.mark.e2e, pytest.mark.root]

IMAGE = "pacific.test/busybox:latest"
# A bridge of its own gives this `pacific up` its own nftables table and namespace prefix,
# so it never touches another Pacific host network on the machine (nor that one this).
BRIDGE = f"pe{os.getpid() % 100000}{random.randrange(100, 999)}"[:15]
_NET = network_config(HostOptions(data_dir=Path("/nonexistent"), api_port=0, bridge=BRIDGE))
TABLE = _NET.table
NETNS_PREFIX = _NET.netns_prefix
LINK_PREFIX = "pc"

PODS = f"""
apiVersion: v1
kind: Pod
metadata: {{name: ticker}}
spec:
  containers:
  - name: ticker
    image: {IMAGE}
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "i=0; while true; do i=$((i+1)); echo tick $i; sleep 1; done"]
---
apiVersion: v1
kind: Pod
metadata: {{name: web}}
spec:
  containers:
  - name: web
    image: {IMAGE}
    imagePullPolicy: IfNotPresent
    command:
    - sh
    - -c
    - mkdir -p /srv && echo hello-from-web > /srv/index.html && exec httpd -f -p 80 -h /srv
---
apiVersion: v1
kind: Pod
metadata: {{name: onfailure}}
spec:
  restartPolicy: OnFailure
  containers:
  - name: main
    image: {IMAGE}
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "echo failing; exit 7"]
---
apiVersion: v1
kind: Pod
metadata: {{name: graceful}}
spec:
  terminationGracePeriodSeconds: 30
  containers:
  - name: main
    image: {IMAGE}
    imagePullPolicy: IfNotPresent
    command:
    - sh
    - -c
    - trap 'echo got TERM; exit 0' TERM; echo ready; while true; do sleep 1; done
---
apiVersion: v1
kind: Pod
metadata: {{name: stubborn}}
spec:
  terminationGracePeriodSeconds: 2
  containers:
  - name: main
    image: {IMAGE}
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "trap '' TERM; echo ready; while true; do sleep 1; done"]
---
apiVersion: v1
kind: Pod
metadata: {{name: noimage}}
spec:
  containers:
  - name: main
    image: pacific.test/does-not-exist:latest
    imagePullPolicy: IfNotPresent
"""


@dataclass
class Host:
    proc: PacificProcess
    kubectl: Kubectl
    bridge: str
    cidr: ipaddress.IPv4Network
    uids: set[str] = field(default_factory=set)

    def pod(self, name: str) -> Any:
        doc = self.kubectl.json("get", "pod", name)
        self.uids.add(doc["metadata"]["uid"])
        return doc

    def wait_pod(self, name: str, ok: Callable[[Any], bool], timeout: float = 30) -> Any:
        deadline = time.monotonic() + timeout
        doc = self.pod(name)
        while not ok(doc):
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"pod {name} not as expected after {timeout}s:\n"
                    f"{json.dumps(doc.get('status'), indent=1)}\n{self.proc.log()[-4000:]}"
                )
            time.sleep(0.2)
            doc = self.pod(name)
        return doc

    def running(self, name: str, timeout: float = 30) -> Any:
        return self.wait_pod(name, lambda p: p["status"].get("phase") == "Running", timeout)


def _free_cidr() -> ipaddress.IPv4Network:
    used = subprocess.run(["ip", "-4", "route"], capture_output=True, text=True).stdout
    for _ in range(100):
        cidr = ipaddress.IPv4Network(f"10.123.{random.randrange(1, 255)}.0/24")
        if str(cidr) not in used:
            return cidr
    raise RuntimeError("no free 10.123.x.0/24 for the test pod network")


def _pod_namespaces() -> set[str]:
    if not os.path.isdir("/run/netns"):
        return set()
    return {n for n in os.listdir("/run/netns") if n.startswith(NETNS_PREFIX)}


def _our_processes(data_dir: Path) -> list[str]:
    out = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if str(data_dir) in line and "ps -eo" not in line]


def _links() -> str:
    return subprocess.run(["ip", "-br", "link"], capture_output=True, text=True).stdout


def _leftovers(host: Host) -> list[str]:
    found = _our_processes(host.proc.data_dir)
    netns = _pod_namespaces()
    links = _links()
    for uid in host.uids:
        if names.netns_name(NETNS_PREFIX, uid) in netns:
            found.append(f"netns {names.netns_name(NETNS_PREFIX, uid)}")
        veth = names.veth_name(LINK_PREFIX, uid)
        if veth in links:
            found.append(f"link {veth}")
    return found


def _remove_network(bridge: str) -> None:
    subprocess.run(["ip", "link", "del", bridge], capture_output=True)
    table = subprocess.run(
        ["nft", "list", "table", "inet", TABLE], capture_output=True, text=True
    ).stdout
    if f'"{bridge}"' in table:  # ours: no other `pacific up` rewrote it since
        subprocess.run(["nft", "delete", "table", "inet", TABLE], capture_output=True)


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Host]:
    problems = missing_prerequisites()
    if problems:
        pytest.skip(f"this host cannot run pods: {'; '.join(problems)}")
    if KUBECTL is None:
        pytest.skip("kubectl is not installed")
    data_dir = tmp_path_factory.mktemp("pacific-pods")
    archive = write_archives(tmp_path_factory.mktemp("images"))["busybox"]
    subprocess.run(
        [*pacific_command(), "image", "--root", str(data_dir / "images"), "import", str(archive)],
        check=True,
        capture_output=True,
    )
    bridge = BRIDGE
    cidr = _free_cidr()
    proc = PacificProcess(
        data_dir,
        args=("--agent-port", str(free_port()), "--bridge", bridge, "--pod-cidr", str(cidr)),
    )
    proc.start()
    kubectl = Kubectl(proc.kubeconfig)
    h = Host(proc, kubectl, bridge, cidr)
    try:
        kubectl("apply", "-f", "-", input=PODS)
        yield h
        for doc in kubectl.json("get", "pods")["items"]:
            h.uids.add(doc["metadata"]["uid"])
        kubectl.run("delete", "pods", "--all", "--grace-period=1", "--wait", timeout=60)
    finally:
        code = proc.stop()
        try:
            left = _leftovers(h)
            assert code == 0, f"pacific up exited {code}:\n{proc.log()}"
            assert not left, f"left behind after delete and stop: {left}"
        finally:
            _remove_network(bridge)


def test_run_goes_running_with_pod_ip_and_host(host: Host) -> None:
    host.kubectl(
        "run", "hello", f"--image={IMAGE}", "--image-pull-policy=IfNotPresent",
        "--restart=Never", "--", "sh", "-c", "echo hi; sleep 3600",
    )  # fmt: skip
    pod = host.running("hello")
    ip = pod["status"]["podIP"]
    assert ipaddress.IPv4Address(ip) in host.cidr
    assert pod["status"]["podIPs"] == [{"ip": ip}]
    assert pod["spec"]["nodeName"]
    assert pod["status"]["hostIP"]
    wide = host.kubectl("get", "pod", "hello", "-o", "wide")
    row = wide.splitlines()[1].split()
    assert row[0] == "hello" and row[2] == "Running"
    assert ip in row and pod["spec"]["nodeName"] in row


def test_logs(host: Host) -> None:
    host.running("hello")
    deadline = time.monotonic() + 10
    while (out := host.kubectl("logs", "hello")) != "hi\n" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert out == "hi\n"


def test_logs_follow(host: Host) -> None:
    host.running("ticker")
    assert KUBECTL is not None
    follow = subprocess.Popen(
        [KUBECTL, "logs", "-f", "ticker"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=host.kubectl.env,
    )
    assert follow.stdout is not None
    lines: list[str] = []
    buf = b""
    deadline = time.monotonic() + 20
    try:
        while len(lines) < 4 and time.monotonic() < deadline:
            ready, _, _ = select.select([follow.stdout], [], [], 0.5)
            if not ready:
                continue
            chunk = os.read(follow.stdout.fileno(), 4096)
            if not chunk:
                break
            buf += chunk
            *done, rest = buf.split(b"\n")
            lines += [line.decode() for line in done]
            buf = rest
    finally:
        follow.kill()
        follow.wait()
    assert len(lines) >= 4, f"followed only {lines}"
    numbers = [int(line.removeprefix("tick ")) for line in lines]
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))


def test_exec_output_and_exit_code(host: Host) -> None:
    host.running("hello")
    assert host.kubectl("exec", "hello", "--", "sh", "-c", "echo in-pod $((6*7))") == "in-pod 42\n"
    res = host.kubectl.run("exec", "hello", "--", "sh", "-c", "exit 3", check=False)
    assert res.returncode == 3, res.stderr


def test_exec_with_stdin(host: Host) -> None:
    host.running("hello")
    out = host.kubectl("exec", "-i", "hello", "--", "sh", "-c", "cat; echo done", input="a\nb\n")
    assert out == "a\nb\ndone\n"


def test_port_forward(host: Host) -> None:
    host.running("web")
    assert KUBECTL is not None
    port = free_port()
    fwd = subprocess.Popen(
        [KUBECTL, "port-forward", "pod/web", f"{port}:80"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=host.kubectl.env,
        text=True,
    )
    try:
        assert fwd.stdout is not None
        first = fwd.stdout.readline()
        assert "Forwarding from" in first, f"{first}{fwd.stderr.read() if fwd.stderr else ''}"
        body = ""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # httpd may still be starting
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as resp:
                    body = resp.read().decode()
                break
            except OSError:
                time.sleep(0.3)
        assert body == "hello-from-web\n"
    finally:
        fwd.kill()
        fwd.wait()


def test_pods_reach_each_other(host: Host) -> None:
    web_ip = host.running("web")["status"]["podIP"]
    host.running("hello")
    deadline = time.monotonic() + 10
    while True:
        # No `wget -T`: Debian's static busybox wget segfaults with it (exit 139).
        res = host.kubectl.run(
            "exec", "hello", "--", "wget", "-qO-", f"http://{web_ip}/", check=False, timeout=15
        )
        if res.returncode == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert res.stdout == "hello-from-web\n", res.stderr


def test_restart_policy_on_failure_restarts(host: Host) -> None:
    def restarted(pod: Any) -> bool:
        statuses = pod["status"].get("containerStatuses") or []
        return bool(statuses) and statuses[0]["restartCount"] >= 1

    pod = host.wait_pod("onfailure", restarted, timeout=40)
    status = pod["status"]["containerStatuses"][0]
    last = status["lastState"]["terminated"]
    assert last["exitCode"] == 7
    assert last["reason"] == "Error"
    assert pod["status"]["phase"] in ("Running", "Pending")


def test_delete_honours_sigterm_and_leaves_nothing(host: Host) -> None:
    pod = host.running("graceful")
    uid = pod["metadata"]["uid"]
    assert KUBECTL is not None
    follow = subprocess.Popen(
        [KUBECTL, "logs", "-f", "graceful"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=host.kubectl.env,
        text=True,
    )
    try:
        assert follow.stdout is not None
        assert follow.stdout.readline() == "ready\n"
        start = time.monotonic()
        host.kubectl.run("delete", "pod", "graceful", "--wait", timeout=40)
        took = time.monotonic() - start
        out, _ = follow.communicate(timeout=10)
    finally:
        follow.kill()
        follow.wait()
    assert "got TERM" in out
    assert took < 15, f"delete took {took:.1f}s: SIGTERM was not delivered or not noticed"
    assert "NotFound" in host.kubectl.fails("get", "pod", "graceful")
    _assert_pod_gone(host, uid)


def test_delete_kills_after_grace_period(host: Host) -> None:
    uid = host.running("stubborn")["metadata"]["uid"]
    time.sleep(0.5)  # let the shell install its trap
    start = time.monotonic()
    host.kubectl.run("delete", "pod", "stubborn", "--wait", timeout=40)
    took = time.monotonic() - start
    assert 1.5 <= took < 15, f"delete took {took:.1f}s with a 2s grace period"
    _assert_pod_gone(host, uid)


def _assert_pod_gone(host: Host, uid: str) -> None:
    deadline = time.monotonic() + 10
    while True:
        procs = [p for p in _our_processes(host.proc.data_dir) if uid in p]
        netns_there = os.path.exists(f"/run/netns/{names.netns_name(NETNS_PREFIX, uid)}")
        veth_there = names.veth_name(LINK_PREFIX, uid) in _links()
        if not (procs or netns_there or veth_there) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert not procs and not netns_there and not veth_there, (procs, netns_there, veth_there)


def test_missing_image_shows_pull_error(host: Host) -> None:
    def pull_error(pod: Any) -> bool:
        statuses = pod["status"].get("containerStatuses") or []
        waiting = statuses[0]["state"].get("waiting", {}) if statuses else {}
        return waiting.get("reason") in ("ErrImagePull", "ImagePullBackOff")

    pod = host.wait_pod("noimage", pull_error, timeout=40)
    assert pod["status"]["phase"] == "Pending"
    row = host.kubectl("get", "pod", "noimage").splitlines()[1].split()
    assert row[2] in ("ErrImagePull", "ImagePullBackOff")
