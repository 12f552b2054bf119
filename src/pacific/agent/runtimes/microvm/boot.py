"""Boot a microVM to its ready line, and take it down again leaving nothing behind.

Model: `start_microvm(spec)` is an async context manager. On entry it starts QEMU with
`microvm_argv(spec)`, connects to the console and agent sockets as soon as QEMU creates
them (before the guest can print anything), drains the console into `MicroVM.console`, and
returns once the guest has written `READY_LINE` on the agent port, with the time from
process start to that line in `ready_seconds`. On exit it asks QEMU to `quit` over QMP,
kills it if it does not exit within `stop_timeout`, and removes the three sockets.

Invariants: whatever happens inside or during boot (timeout, QEMU dying, cancellation), the
QEMU process has exited and its sockets are gone when the context manager is left. QEMU is
a long-lived child, so it is started here directly rather than through `pacific.host.run`
(which runs commands to completion); this module is the only place that starts it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from pacific.agent.runtimes.microvm.errors import BootError, QMPError
from pacific.agent.runtimes.microvm.initramfs import READY_LINE
from pacific.agent.runtimes.microvm.qemu_argv import MicroVMSpec, microvm_argv
from pacific.agent.runtimes.microvm.qmp import QMPClient

log = logging.getLogger(__name__)

__all__ = ["MicroVM", "start_microvm"]

_POLL = 0.005


@dataclass
class MicroVM:
    """A running microVM (valid inside `start_microvm`)."""

    spec: MicroVMSpec
    pid: int
    ready_seconds: float = 0.0
    console_chunks: list[bytes] = field(default_factory=list)

    @property
    def console(self) -> str:
        return b"".join(self.console_chunks).decode(errors="replace")


async def _connect(
    path: Path, proc: asyncio.subprocess.Process
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Connect to a socket QEMU listens on, waiting for it to appear while QEMU lives."""
    while True:
        if proc.returncode is not None:
            raise BootError(f"QEMU exited with status {proc.returncode} before {path} appeared")
        try:
            return await asyncio.open_unix_connection(str(path))
        except (FileNotFoundError, ConnectionRefusedError):
            await asyncio.sleep(_POLL)
        except OSError as exc:
            raise BootError(f"cannot connect to {path}: {exc}") from exc


async def _drain(reader: asyncio.StreamReader, chunks: list[bytes]) -> None:
    while chunk := await reader.read(65536):
        chunks.append(chunk)


async def _wait_ready(reader: asyncio.StreamReader) -> None:
    while True:
        try:
            line = await reader.readline()
        except (OSError, ValueError) as exc:  # reset by a dying QEMU; a line past the limit
            raise BootError(f"agent channel failed before the guest was ready: {exc}") from exc
        if not line:
            raise BootError("agent channel closed before the guest was ready")
        if line.strip() == READY_LINE.encode():
            return


async def _failure(proc: asyncio.subprocess.Process, exc: Exception, ready_timeout: float) -> str:
    """Why the boot failed: QEMU's exit and stderr when it died, else the timeout or error."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(1.0):
            await proc.wait()
    if proc.returncode is not None:
        stderr = b"" if proc.stderr is None else await proc.stderr.read()
        return (
            f"QEMU exited with status {proc.returncode}: {stderr.decode(errors='replace').strip()}"
        )
    if isinstance(exc, TimeoutError):
        return f"guest not ready after {ready_timeout:g}s"
    return str(exc)


async def _stop(proc: asyncio.subprocess.Process, spec: MicroVMSpec, grace: float) -> None:
    """QMP `quit`, then kill after `grace` seconds; kills even when cancelled midway."""
    try:
        if proc.returncode is None:
            try:
                async with asyncio.timeout(grace):
                    qmp = await QMPClient.connect(spec.qmp_socket)
                    try:
                        await qmp.execute("quit")
                    finally:
                        await qmp.close()
                    await proc.wait()
            except (TimeoutError, QMPError) as exc:
                log.warning("microvm %s: QMP quit failed (%s); killing QEMU", spec.name, exc)
    finally:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
        for path in (spec.console_socket, spec.agent_socket, spec.qmp_socket):
            path.unlink(missing_ok=True)


async def _close(writer: asyncio.StreamWriter | None) -> None:
    if writer is not None:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


@contextlib.asynccontextmanager
async def start_microvm(
    spec: MicroVMSpec, *, ready_timeout: float = 30.0, stop_timeout: float = 5.0
) -> AsyncIterator[MicroVM]:
    """Boot `spec` to its ready line; see the module docstring."""
    for path in (spec.console_socket, spec.agent_socket, spec.qmp_socket):
        path.unlink(missing_ok=True)
    argv = microvm_argv(spec)
    start = time.monotonic()
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
    except OSError as exc:
        raise BootError(f"cannot start {argv[0]}: {exc}") from exc
    vm = MicroVM(spec=spec, pid=proc.pid)
    console_writer: asyncio.StreamWriter | None = None
    agent_writer: asyncio.StreamWriter | None = None
    drain: asyncio.Task[None] | None = None
    try:
        try:
            async with asyncio.timeout(ready_timeout):
                console_reader, console_writer = await _connect(spec.console_socket, proc)
                drain = asyncio.create_task(_drain(console_reader, vm.console_chunks))
                agent_reader, agent_writer = await _connect(spec.agent_socket, proc)
                await _wait_ready(agent_reader)
        except (TimeoutError, BootError) as exc:
            reason = await _failure(proc, exc, ready_timeout)
            raise BootError(
                f"microvm {spec.name}: {reason}; console: {vm.console[-2000:]!r}"
            ) from exc
        vm.ready_seconds = time.monotonic() - start
        log.info("microvm %s: ready in %.3fs (pid %d)", spec.name, vm.ready_seconds, vm.pid)
        yield vm
    finally:
        await _stop(proc, spec, stop_timeout)
        await _close(agent_writer)
        await _close(console_writer)
        if drain is not None:
            drain.cancel()
            with contextlib.suppress(asyncio.CancelledError, OSError):
                await drain
