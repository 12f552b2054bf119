"""ContainerRuntime for real: crun + conmon + catatonit, the busybox test image, a netns.

Every test runs under `no_leaks`, which compares mounts, processes and cgroup directories
before and after: a test that leaves anything behind fails.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import shutil
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from pacific.agent.images.store import ImageStore, StoreConfig
from pacific.agent.images.testimages import BUSYBOX, write_archives
from pacific.agent.runtimes.container import ContainerRuntime, ContainerRuntimeConfig
from pacific.agent.runtimes.container.errors import ContainerCreateFailed
from pacific.agent.runtimes.protocol import (
    ContainerConfig,
    ContainerState,
    ContainerStatus,
    Resources,
    SandboxConfig,
    SandboxState,
)
from pacific.host import run

pytestmark = [
    pytest.mark.root,
    pytest.mark.skipif(os.geteuid() != 0, reason="containers need root"),
    pytest.mark.skipif(
        not all(shutil.which(b) for b in ("crun", "conmon", "catatonit", "ip")),
        reason="crun, conmon, catatonit and iproute2 are needed (scripts/install.sh)",
    ),
    pytest.mark.skipif(not BUSYBOX.exists(), reason="busybox-static is not installed"),
]

CRI_LINE = re.compile(rb"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+[+-]\d\d:\d\d (stdout|stderr) [FP] ")


@pytest.fixture(scope="module")
def layers(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ...]:
    out = tmp_path_factory.mktemp("images")
    archives = write_archives(out / "archives")
    store = ImageStore(StoreConfig(root=out / "store"))
    [image] = asyncio.run(store.import_archive(archives["busybox"]))
    return tuple(store.lower_dirs(image))


def _snapshot(cg_root: str, tmp: Path) -> tuple[set[str], set[str], set[str]]:
    """Mounts under the test's tmp dir, processes of its state root or pod cgroups, cgroups."""
    mounts = {
        line.split()[1]
        for line in Path("/proc/mounts").read_text().splitlines()
        if str(tmp) in line.split()[1]
    }
    procs = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            cgroup = Path(f"/proc/{pid}/cgroup").read_text()
        except OSError:
            continue
        if str(tmp).encode() in cmdline or cg_root in cgroup:
            procs.add(pid)
    cgs = {str(p) for p in Path("/sys/fs/cgroup").glob(f"*/{cg_root}/*") if p.is_dir()}
    return mounts, procs, cgs


@pytest.fixture
def cg_root() -> str:
    return f"pacific-test-{secrets.token_hex(4)}"


@pytest.fixture
def no_leaks(cg_root: str, tmp_path: Path) -> Iterator[None]:
    yield
    deadline = time.monotonic() + 5
    while any(after := _snapshot(cg_root, tmp_path)) and time.monotonic() < deadline:
        time.sleep(0.05)  # conmon may take a moment to exit after its container
    assert not after[0], f"mounts leaked: {after[0]}"
    assert not after[1], f"processes leaked: {after[1]}"
    assert not after[2], f"cgroups leaked: {after[2]}"
    for top in Path("/sys/fs/cgroup").iterdir():
        if (top / cg_root).is_dir():
            (top / cg_root).rmdir()  # the QoS-tier parent, which a runtime shares and keeps


@pytest.fixture
async def runtime(tmp_path: Path, no_leaks: None) -> AsyncIterator[ContainerRuntime]:
    rt = ContainerRuntime(ContainerRuntimeConfig(root=tmp_path / "state", event_poll_s=0.02))
    yield rt
    for sb in await rt.list_sandboxes():
        await rt.remove_sandbox(sb.id)


@pytest.fixture
async def netns() -> AsyncIterator[Path]:
    name = f"pacific-test-{secrets.token_hex(4)}"
    await run(["ip", "netns", "add", name], timeout=10)
    try:
        await run(["ip", "-n", name, "link", "set", "lo", "up"], timeout=10)
        yield Path("/run/netns") / name
    finally:
        await run(["ip", "netns", "delete", name], timeout=10)


def sandbox(tmp_path: Path, cg_root: str, netns: Path | None, name: str = "web") -> SandboxConfig:
    return SandboxConfig(
        pod_uid="uid-" + name,
        namespace="default",
        name=name,
        attempt=0,
        hostname=name,
        netns_path=netns,
        log_directory=tmp_path / "logs",
        cgroup_parent=f"{cg_root}/pod{name}",
    )


def container(
    layers: tuple[Path, ...], name: str, script: str, tmp_path: Path, **kw: object
) -> ContainerConfig:
    return ContainerConfig(
        name=name,
        attempt=0,
        image="pacific.test/busybox:latest",
        image_id="sha256:test",
        rootfs_layers=layers,
        command=("sh", "-c"),
        args=(script,),
        env=(("GREETING", "hello"),),
        log_path=tmp_path / "logs" / name / "0.log",
        **kw,  # type: ignore[arg-type]
    )


async def wait_state(
    rt: ContainerRuntime, cid: str, state: ContainerState, limit_s: float = 10
) -> ContainerStatus:
    deadline = time.monotonic() + limit_s
    while (st := await rt.container_status(cid)).state is not state:
        assert time.monotonic() < deadline, st
        await asyncio.sleep(0.02)
    return st


class Session:
    """Streams for exec/attach: scripted stdin, collected output."""

    def __init__(self, stdin: list[bytes | None], sizes: tuple[tuple[int, int], ...] = ()) -> None:
        self.stdin: asyncio.Queue[bytes | None] = asyncio.Queue()
        for chunk in stdin:
            self.stdin.put_nowait(chunk)
        self.sizes = sizes
        self.stdout = b""
        self.stderr = b""

    async def read_stdin(self) -> bytes | None:
        return await self.stdin.get()

    async def write_stdout(self, data: bytes) -> None:
        self.stdout += data

    async def write_stderr(self, data: bytes) -> None:
        self.stderr += data

    async def resizes(self) -> AsyncIterator[tuple[int, int]]:
        return self._sizes()

    async def _sizes(self) -> AsyncIterator[tuple[int, int]]:
        for size in self.sizes:
            yield size


async def test_pod_shares_localhost_writes_cri_logs_and_reports_exits(
    runtime: ContainerRuntime, layers: tuple[Path, ...], tmp_path: Path, cg_root: str, netns: Path
) -> None:
    sb = await runtime.run_sandbox(sandbox(tmp_path, cg_root, netns))
    assert sb.state is SandboxState.READY
    web = await runtime.create_container(
        sb.id, container(layers, "web", "exec httpd -f -p 8080 -h /var/www", tmp_path)
    )
    await runtime.start_container(web)
    client = await runtime.create_container(
        sb.id,
        container(
            layers,
            "client",
            "for i in $(seq 50); do wget -q -O - http://127.0.0.1:8080/ && break; sleep 0.1; done;"
            " echo $GREETING from $(hostname); echo oops >&2",
            tmp_path,
        ),
    )
    await runtime.start_container(client)
    done = await wait_state(runtime, client, ContainerState.EXITED)
    assert (done.exit_code, done.reason) == (0, "Completed")
    assert done.started_at <= done.finished_at
    log = (tmp_path / "logs/client/0.log").read_bytes().splitlines()
    assert all(CRI_LINE.match(line) for line in log), log
    assert any(line.endswith(b" stdout F hello from web") for line in log), log
    assert any(line.endswith(b" stderr F oops") for line in log), log

    failing = await runtime.create_container(sb.id, container(layers, "fail", "exit 3", tmp_path))
    await runtime.start_container(failing)
    st = await wait_state(runtime, failing, ContainerState.EXITED)
    assert (st.exit_code, st.reason) == (3, "Error")
    running = await runtime.container_status(web)
    assert running.state is ContainerState.RUNNING
    assert {c.id for c in await runtime.list_containers(sb.id)} == {web, client, failing}

    reader, writer = await runtime.port_forward(sb.id, 8080)
    writer.write(b"GET / HTTP/1.0\r\n\r\n")
    await writer.drain()
    reply = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    assert reply.startswith(b"HTTP/1.") and b"200" in reply.split(b"\r\n")[0]

    await runtime.stop_sandbox(sb.id, 1)
    [status] = await runtime.list_sandboxes()
    assert status.state is SandboxState.NOT_READY
    assert (await runtime.container_status(web)).state is ContainerState.EXITED
    await runtime.remove_sandbox(sb.id)
    await runtime.remove_sandbox(sb.id)  # idempotent
    assert await runtime.list_containers() == []


async def test_memory_limit_oom_killed(
    runtime: ContainerRuntime, layers: tuple[Path, ...], tmp_path: Path, cg_root: str
) -> None:
    sb = await runtime.run_sandbox(sandbox(tmp_path, cg_root, None, "oom"))
    cid = await runtime.create_container(
        sb.id,
        container(
            layers,
            "hog",
            "dd if=/dev/zero of=/dev/null bs=64M count=1",
            tmp_path,
            resources=Resources(memory_limit_bytes=16 * 2**20),
        ),
    )
    await runtime.start_container(cid)
    st = await wait_state(runtime, cid, ContainerState.EXITED)
    assert (st.exit_code, st.reason) == (137, "OOMKilled")


async def test_events_report_exits(
    runtime: ContainerRuntime, layers: tuple[Path, ...], tmp_path: Path, cg_root: str
) -> None:
    sb = await runtime.run_sandbox(sandbox(tmp_path, cg_root, None, "ev"))
    cid = await runtime.create_container(sb.id, container(layers, "quick", "sleep 0.2", tmp_path))
    events = runtime.events()
    first = asyncio.ensure_future(anext(events))
    await asyncio.sleep(0.05)
    await runtime.start_container(cid)
    assert await asyncio.wait_for(first, 10) == cid
    await events.aclose()  # type: ignore[attr-defined]


async def test_exec_captured_piped_and_tty(
    runtime: ContainerRuntime, layers: tuple[Path, ...], tmp_path: Path, cg_root: str
) -> None:
    sb = await runtime.run_sandbox(sandbox(tmp_path, cg_root, None, "ex"))
    cid = await runtime.create_container(
        sb.id, container(layers, "app", "exec sleep 600", tmp_path)
    )
    await runtime.start_container(cid)

    got = await runtime.exec(
        cid, ["sh", "-c", "echo $GREETING; echo e >&2; exit 7"], tty=False, streams=None
    )
    assert (got.exit_code, got.stdout, got.stderr) == (7, b"hello\n", b"e\n")
    slow = await runtime.exec(cid, ["sleep", "5"], tty=False, streams=None, timeout_s=0.3)
    assert slow.exit_code == 124

    piped = Session([b"one\n", b"two\n", None])
    res = await runtime.exec(cid, ["sh", "-c", "cat; echo done >&2"], tty=False, streams=piped)
    assert (res.exit_code, piped.stdout, piped.stderr) == (0, b"one\ntwo\n", b"done\n")

    tty = Session([], sizes=((100, 40),))
    res = await asyncio.wait_for(
        runtime.exec(cid, ["sh", "-c", "sleep 0.2; tty; stty size; exit 5"], tty=True, streams=tty),
        10,
    )
    assert res.exit_code == 5
    assert b"/dev/pts/" in tty.stdout and b"40 100" in tty.stdout, tty.stdout


async def test_attach_to_stdin_and_stdout(
    runtime: ContainerRuntime, layers: tuple[Path, ...], tmp_path: Path, cg_root: str
) -> None:
    sb = await runtime.run_sandbox(sandbox(tmp_path, cg_root, None, "at"))
    cid = await runtime.create_container(
        sb.id, container(layers, "cat", "exec cat", tmp_path, stdin=True, stdin_once=True)
    )
    await runtime.start_container(cid)
    session = Session([b"ping\n", None])
    await asyncio.wait_for(runtime.attach(cid, tty=False, streams=session), 10)
    assert session.stdout == b"ping\n"
    st = await wait_state(runtime, cid, ContainerState.EXITED)
    assert st.exit_code == 0
    assert (tmp_path / "logs/cat/0.log").read_bytes().endswith(b" stdout F ping\n")


async def test_stop_with_grace_then_kill(
    runtime: ContainerRuntime, layers: tuple[Path, ...], tmp_path: Path, cg_root: str
) -> None:
    sb = await runtime.run_sandbox(sandbox(tmp_path, cg_root, None, "stop"))
    polite = await runtime.create_container(
        sb.id,
        container(
            layers, "polite", "trap 'exit 0' TERM; while true; do sleep 0.05; done", tmp_path
        ),
    )
    stubborn = await runtime.create_container(
        sb.id, container(layers, "stubborn", "exec sleep 600", tmp_path)
    )
    for cid in (polite, stubborn):
        await runtime.start_container(cid)
    await asyncio.sleep(0.2)
    t0 = time.monotonic()
    await runtime.stop_container(polite, 10)
    assert time.monotonic() - t0 < 5
    assert (await runtime.container_status(polite)).exit_code == 0
    t0 = time.monotonic()
    await runtime.stop_container(stubborn, 0.5)  # pid 1 without a handler ignores SIGTERM
    assert 0.5 <= time.monotonic() - t0 < 5
    st = await runtime.container_status(stubborn)
    assert (st.state, st.exit_code) == (ContainerState.EXITED, 137)
    await runtime.stop_container(stubborn, 0.5)  # idempotent
    await runtime.remove_container(stubborn)
    await runtime.remove_container(stubborn)
    assert [c.id for c in await runtime.list_containers()] == [polite]


async def test_new_runtime_finds_running_containers(
    runtime: ContainerRuntime, layers: tuple[Path, ...], tmp_path: Path, cg_root: str
) -> None:
    sb = await runtime.run_sandbox(sandbox(tmp_path, cg_root, None, "rec"))
    cid = await runtime.create_container(
        sb.id, container(layers, "app", "exec sleep 600", tmp_path)
    )
    await runtime.start_container(cid)
    del runtime  # the agent restarts: nothing is killed

    again = ContainerRuntime(ContainerRuntimeConfig(root=tmp_path / "state"))
    [found] = await again.list_sandboxes()
    assert (found.id, found.state) == (sb.id, SandboxState.READY)
    [st] = await again.list_containers(sb.id)
    assert (st.id, st.state, st.name) == (cid, ContainerState.RUNNING, "app")
    got = await again.exec(cid, ["echo", "still here"], tty=False, streams=None)
    assert got.stdout == b"still here\n"
    await again.stop_container(cid, 0)
    assert (await again.container_status(cid)).exit_code == 137


async def test_bad_command_fails_create_and_leaves_nothing(
    runtime: ContainerRuntime, layers: tuple[Path, ...], tmp_path: Path, cg_root: str
) -> None:
    sb = await runtime.run_sandbox(sandbox(tmp_path, cg_root, None, "bad"))
    bad = container(layers, "bad", "", tmp_path)
    bad = ContainerConfig(
        **{**{f: getattr(bad, f) for f in bad.__slots__}, "command": ("/no/such",), "args": ()}
    )
    with pytest.raises(ContainerCreateFailed) as err:
        await runtime.create_container(sb.id, bad)
    assert "/no/such" in str(err.value)
    assert await runtime.list_containers() == []
    assert os.listdir(tmp_path / "state/containers") == []
