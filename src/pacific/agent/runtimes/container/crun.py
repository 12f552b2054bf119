"""crun and conmon command lines (pure) and the calls that run them (through pacific.host).

Model: a container's processes belong to conmon, never to the agent. `conmon_argv()` asks
conmon to `crun create` the container from its bundle, keep its stdio, write the CRI log
file ("k8s-file"), record the exit code under `exits/<id>` and `persist/exit`, note OOM
kills in `persist/oom`, and serve the attach socket (`<bundle>/attach`) and the resize fifo
(`<bundle>/ctl`). conmon daemonizes at once, so `host.run` returns in milliseconds; the
container is created when crun writes its pid file (`wait_created`).

Hybrid cgroups: crun 1.8 refuses a host with both v1 controllers and a cgroup2 mount, so in
that mode every crun call goes through a two-line wrapper that unshares the mount namespace
and unmounts /sys/fs/cgroup/unified first (the host's mounts are untouched).
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pacific.agent.runtimes.container.cgroups import UNIFIED
from pacific.agent.runtimes.container.errors import ContainerCreateFailed
from pacific.host import CommandFailed, Runner, SubprocessRunner, run

CRUN_TIMEOUT_S = 30.0


def hybrid_wrapper(crun: str) -> str:
    """A shell script that runs crun with the cgroup2 mount hidden in a private mount ns."""
    return (
        "#!/bin/sh\n"
        "# pacific: crun refuses hybrid cgroups; hide the empty cgroup2 mount from it.\n"
        f"exec unshare --mount --propagation private -- /bin/sh -c "
        f'\'umount {UNIFIED} 2>/dev/null; exec "$0" "$@"\' {crun} "$@"\n'
    )


@dataclass(frozen=True, slots=True)
class ConmonCall:
    container_id: str
    bundle: Path
    log_path: Path
    exit_dir: Path
    persist_dir: Path
    runtime: str  # crun, or the hybrid wrapper
    crun_root: Path
    tty: bool = False
    stdin: bool = False
    stdin_once: bool = False


def conmon_argv(c: ConmonCall, conmon: str = "conmon") -> list[str]:
    argv = [
        conmon,
        "--api-version", "1",
        "--cid", c.container_id,
        "--cuuid", c.container_id,
        "--name", c.container_id,
        "--runtime", c.runtime,
        "--bundle", str(c.bundle),
        "--container-pidfile", str(c.bundle / "pid"),
        "--conmon-pidfile", str(c.bundle / "conmon.pid"),
        "--exit-dir", str(c.exit_dir),
        "--persist-dir", str(c.persist_dir),
        "--log-path", f"k8s-file:{c.log_path}",
        "--socket-dir-path", str(c.bundle),
        "--full-attach",
        "--log-level", "error",
        "--runtime-arg", "--root",
        "--runtime-arg", str(c.crun_root),
        "--runtime-arg", f"--log=file:{c.bundle / 'crun.log'}",
    ]  # fmt: skip
    if c.tty:
        argv.append("--terminal")
    if c.stdin:
        argv.append("--stdin")
        if not c.stdin_once:
            argv.append("--leave-stdin-open")
    return argv


class Crun:
    """crun against one state root, run through the host door."""

    def __init__(self, binary: str, root: Path, runner: Runner | None = None) -> None:
        self.binary = binary
        self.root = root
        self.runner: Runner = runner or SubprocessRunner()

    def argv(self, *args: str) -> list[str]:
        return [self.binary, "--root", str(self.root), *args]

    async def call(self, *args: str, check: bool = True, timeout: float = CRUN_TIMEOUT_S) -> bytes:  # noqa: ASYNC109
        done = await run(self.argv(*args), timeout=timeout, check=check, runner=self.runner)
        return done.stdout

    async def start(self, container_id: str) -> None:
        await self.call("start", container_id)

    async def kill(self, container_id: str, sig: signal.Signals) -> bool:
        """Signal the container's init; False if it is not running (any more)."""
        try:
            await self.call("kill", container_id, str(sig.value))
        except CommandFailed:
            return False
        return True

    async def delete(self, container_id: str) -> None:
        await self.call("delete", "--force", container_id, check=False)

    async def state(self, container_id: str) -> dict[str, Any] | None:
        out = await self.call("state", container_id, check=False)
        try:
            data = json.loads(out)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None


async def launch(call: ConmonCall, runner: Runner, *, conmon: str = "conmon") -> None:
    """Start conmon in the bundle directory: it drops files (an `oom` marker) in its cwd."""
    argv = ["env", f"--chdir={call.bundle}", *conmon_argv(call, conmon)]
    await run(argv, timeout=CRUN_TIMEOUT_S, runner=runner)


async def wait_created(bundle: Path, exit_file: Path, timeout_s: float = CRUN_TIMEOUT_S) -> int:
    """Wait for crun's pid file (created) or conmon's exit (failed); returns the pid."""
    deadline = time.monotonic() + timeout_s
    delay = 0.001
    while True:
        pid, failed = _created(bundle, exit_file)
        if pid:
            return pid
        if failed or time.monotonic() > deadline:
            raise ContainerCreateFailed(crun_error(bundle) or "the container was not created")
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.002)


def _created(bundle: Path, exit_file: Path) -> tuple[int, bool]:
    """(pid, 0) once crun wrote the pid file; (0, True) when conmon gave up without one."""
    text = _read(bundle / "pid")
    if text.isdigit():
        return int(text), False
    monitor = _read(bundle / "conmon.pid")
    gone = monitor.isdigit() and not Path(f"/proc/{monitor}").exists()
    if gone or exit_file.exists():
        text = _read(bundle / "pid")  # crun may have written it just before conmon exited
        return (int(text), False) if text.isdigit() else (0, True)
    return 0, False


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        return ""


def crun_error(bundle: Path) -> str:
    """The last error crun logged for this bundle (its `--log` file), if any."""
    lines = _read(bundle / "crun.log").splitlines()
    for line in reversed(lines):
        try:
            entry = json.loads(line)
        except ValueError:
            return line
        if isinstance(entry, dict):
            return str(entry.get("msg", line))
    return ""
