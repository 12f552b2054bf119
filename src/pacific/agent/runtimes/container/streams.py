"""Exec, attach and port-forward for crun containers (the `Streamer` protocol).

Model, one path per kind of session, every process through `pacific.host.run`:
- exec, captured (probes): `crun exec <id> argv`, output collected, under a timeout (a
  command still running then yields exit code 124 and a "timed out" stderr, as kubelet's
  probes report it);
- exec with a TTY: crun allocates the pty inside the container and hands its master over a
  console socket (`--console-socket`, SCM_RIGHTS); we pump it to the session's streams and
  apply resizes with TIOCSWINSZ;
- exec without a TTY: crun's stdio are three FIFOs (the host door has no live pipes);
  holding a second writer on the output FIFOs until crun exits keeps an early read from
  seeing end-of-file before crun opened them;
- attach: conmon's attach socket (SOCK_SEQPACKET, each packet one byte of stream id, 2 =
  stdout, 3 = stderr, then data; stdin written raw) and its `ctl` fifo for resizes
  ("1 <rows> <cols>");
- port-forward: a socket created inside the pod's network namespace (a short-lived thread
  does setns(2) and goes back), connected to 127.0.0.1:<port>.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import fcntl
import os
import secrets
import shutil
import socket
import stat
import struct
import tempfile
import termios
import threading
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import BinaryIO

from pacific.agent.runtimes.container import state
from pacific.agent.runtimes.container.crun import Crun
from pacific.agent.runtimes.container.errors import ContainerNotFound, SandboxNotFound
from pacific.agent.runtimes.protocol import ExecResult, Streams
from pacific.host import CommandTimeout, Completed, run

CLONE_NEWNET = 0x40000000
SESSION_TIMEOUT_S = 7 * 24 * 3600.0  # interactive sessions: effectively unbounded
TIMEOUT_EXIT_CODE = 124
ATTACH_STDOUT, ATTACH_STDERR = 2, 3
_READ = 65536


class ContainerStreamer:
    def __init__(self, crun: Crun, layout: state.Layout) -> None:
        self.crun = crun
        self.layout = layout

    def _bundle(self, container_id: str) -> Path:
        if state.load_container(self.layout, container_id) is None:
            raise ContainerNotFound(f"container {container_id} not found")
        return self.layout.container_dir(container_id)

    async def exec(
        self,
        container_id: str,
        argv: Sequence[str],
        *,
        tty: bool,
        streams: Streams | None,
        timeout_s: float = 0,
    ) -> ExecResult:
        self._bundle(container_id)
        limit = timeout_s or SESSION_TIMEOUT_S
        if streams is None:
            return await self._exec_captured(container_id, argv, tty=tty, timeout_s=limit)
        if tty:
            return await self._exec_tty(container_id, argv, streams, limit)
        return await self._exec_piped(container_id, argv, streams, limit)

    async def _exec_captured(
        self, cid: str, argv: Sequence[str], *, tty: bool, timeout_s: float
    ) -> ExecResult:
        cmd = self.crun.argv("exec", cid, *argv)
        try:
            done = await run(cmd, timeout=timeout_s, check=False, runner=self.crun.runner)
        except CommandTimeout:
            msg = f"command timed out after {timeout_s:g}s\n".encode()
            return ExecResult(TIMEOUT_EXIT_CODE, b"", msg)
        return ExecResult(done.returncode, done.stdout, done.stderr)

    async def _exec_tty(
        self, cid: str, argv: Sequence[str], streams: Streams, timeout_s: float
    ) -> ExecResult:
        # a short directory: socket paths are limited to 107 bytes, state roots may be long
        sock_dir = Path(tempfile.mkdtemp(prefix="pacific-console-"))
        path = sock_dir / "console.sock"
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(str(path))
        server.listen(1)
        server.setblocking(False)
        loop = asyncio.get_running_loop()
        cmd = self.crun.argv("exec", "--tty", "--console-socket", str(path), cid, *argv)
        try:
            proc = asyncio.ensure_future(
                run(cmd, timeout=timeout_s, check=False, runner=self.crun.runner)
            )
            accept = asyncio.ensure_future(_receive_fd(loop, server))
            await asyncio.wait({proc, accept}, return_when=asyncio.FIRST_COMPLETED)
            if not accept.done():
                accept.cancel()
                done = await proc
                return ExecResult(done.returncode, done.stdout, done.stderr)
            master = accept.result()
            try:
                done = await _pump_pty(master, proc, streams)
            finally:
                os.close(master)
        finally:
            server.close()
            shutil.rmtree(sock_dir, ignore_errors=True)
        return ExecResult(done.returncode)

    async def _exec_piped(
        self, cid: str, argv: Sequence[str], streams: Streams, timeout_s: float
    ) -> ExecResult:
        d = self.layout.root / f"exec-{secrets.token_hex(6)}"
        d.mkdir()
        fifos = [d / name for name in ("in", "out", "err")]
        for f in fifos:
            os.mkfifo(f, 0o600)
        wrap = 'i=$1 o=$2 e=$3; shift 3; exec "$@" <"$i" >"$o" 2>"$e"'
        cmd = ["/bin/sh", "-c", wrap, "sh", *map(str, fifos), *self.crun.argv("exec", cid, *argv)]
        stdin = _open_writer(fifos[0])
        readers = [os.open(f, os.O_RDONLY | os.O_NONBLOCK) for f in fifos[1:]]
        holders = [os.open(f, os.O_WRONLY | os.O_NONBLOCK) for f in fifos[1:]]

        async def feed() -> None:
            await _feed(stdin.write, streams)
            stdin.close()

        try:
            outs = [await _pipe_reader(fd) for fd in readers]
            proc = run(cmd, timeout=timeout_s, check=False, runner=self.crun.runner)
            async with asyncio.TaskGroup() as tg:
                tg.create_task(_copy_reader(outs[0], streams.write_stdout))
                tg.create_task(_copy_reader(outs[1], streams.write_stderr))
                feeding = tg.create_task(feed())
                done = await proc
                while holders:
                    os.close(holders.pop())
                feeding.cancel()
        finally:
            while holders:
                os.close(holders.pop())
            stdin.close()
            for f in fifos:
                f.unlink(missing_ok=True)
            d.rmdir()
        return ExecResult(done.returncode)

    async def attach(self, container_id: str, *, tty: bool, streams: Streams) -> None:
        bundle = self._bundle(container_id)
        loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        path_fd = os.open(bundle / "attach", os.O_PATH)
        try:
            sock.connect(f"/proc/self/fd/{path_fd}")
        finally:
            os.close(path_fd)
        sock.setblocking(False)

        async def send_stdin() -> None:
            while (data := await streams.read_stdin()) is not None:
                await loop.sock_sendall(sock, data)
            sock.shutdown(socket.SHUT_WR)

        async def resize() -> None:
            async for cols, rows in await streams.resizes():
                _write_ctl(bundle / "ctl", f"1 {rows} {cols}\n")

        try:
            async with asyncio.TaskGroup() as tg:
                feeding = tg.create_task(send_stdin())
                resizing = tg.create_task(resize())
                while packet := await loop.sock_recv(sock, 8193):
                    kind, data = packet[0], packet[1:]
                    if kind == ATTACH_STDERR and not tty:
                        await streams.write_stderr(data)
                    elif kind in (ATTACH_STDOUT, ATTACH_STDERR):
                        await streams.write_stdout(data)
                feeding.cancel()
                resizing.cancel()
        finally:
            sock.close()

    async def port_forward(
        self, sandbox_id: str, port: int
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        rec = state.load_sandbox(self.layout, sandbox_id)
        if rec is None:
            raise SandboxNotFound(f"sandbox {sandbox_id} not found")
        if not rec.netns_path:
            return await asyncio.open_connection("127.0.0.1", port)
        sock = await asyncio.to_thread(socket_in_netns, Path(rec.netns_path))
        sock.setblocking(False)
        try:
            await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
        except OSError:
            sock.close()
            raise
        return await asyncio.open_connection(sock=sock)


def socket_in_netns(netns: Path) -> socket.socket:
    """A TCP socket that belongs to `netns`, made by a thread that enters it and leaves."""
    result: list[socket.socket | BaseException] = []

    def work() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        target = os.open(netns, os.O_RDONLY)
        try:
            if libc.setns(target, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), f"setns {netns}")
            try:
                result.append(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            finally:
                if libc.setns(home, CLONE_NEWNET) != 0:
                    # this thread cannot go home: it ends here, so no other work runs in it
                    raise OSError(ctypes.get_errno(), "setns back")
        except BaseException as exc:  # handed to the caller below
            result.append(exc)
        finally:
            os.close(home)
            os.close(target)

    t = threading.Thread(target=work, name="netns-socket", daemon=True)
    t.start()
    t.join()
    found = [r for r in result if isinstance(r, socket.socket)]
    errors = [r for r in result if isinstance(r, BaseException)]
    if errors:
        for s in found:
            s.close()
        raise errors[0]
    return found[0]


async def _receive_fd(loop: asyncio.AbstractEventLoop, server: socket.socket) -> int:
    conn, _ = await loop.sock_accept(server)
    with conn:
        conn.setblocking(True)
        _, fds, _, _ = await asyncio.to_thread(socket.recv_fds, conn, 4096, 1)
    if not fds:
        raise OSError("crun sent no terminal")
    return fds[0]


async def _pump_pty(master: int, proc: asyncio.Future[Completed], streams: Streams) -> Completed:
    os.set_blocking(master, True)

    async def output() -> None:
        while True:
            try:
                data = await asyncio.to_thread(os.read, master, _READ)
            except OSError:  # EIO: every slave end closed, the session is over
                return
            if not data:
                return
            await streams.write_stdout(data)

    async def resize() -> None:
        async for cols, rows in await streams.resizes():
            fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    async with asyncio.TaskGroup() as tg:
        reading = tg.create_task(output())
        feeding = tg.create_task(_feed(lambda data: os.write(master, data), streams))
        resizing = tg.create_task(resize())
        done = await proc
        await reading
        feeding.cancel()
        resizing.cancel()
    return done


async def _feed(write: Callable[[bytes], object], streams: Streams) -> None:
    """Copy the session's stdin with `write` (blocking, so in a thread) until it ends."""
    while (data := await streams.read_stdin()) is not None:
        await asyncio.to_thread(write, data)


async def _pipe_reader(fd: int) -> asyncio.StreamReader:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    pipe = os.fdopen(fd, "rb", buffering=0)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), pipe)
    return reader


async def _copy_reader(
    reader: asyncio.StreamReader, write: Callable[[bytes], Awaitable[None]]
) -> None:
    while data := await reader.read(_READ):
        await write(data)


def _open_writer(fifo: Path) -> BinaryIO:
    """The session's end of the stdin fifo (closed at end of input: EOF for the process)."""
    return os.fdopen(os.open(fifo, os.O_RDWR), "wb", buffering=0)


def _write_ctl(ctl: Path, line: str) -> None:
    """Best effort: the fifo exists while conmon runs."""
    with contextlib.suppress(OSError):
        if stat.S_ISFIFO(os.stat(ctl).st_mode):
            fd = os.open(ctl, os.O_WRONLY | os.O_NONBLOCK)
            try:
                os.write(fd, line.encode())
            finally:
                os.close(fd)
