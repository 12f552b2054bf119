"""exec and attach: a WebSocket channel session (v4/v5) around the runtime's Streamer.

`ChannelStreams` adapts the connection to the runtime's `Streams`: channel 0 feeds stdin,
channel 4 resizes, `[255, 0]` (v5) or the connection's end closes stdin; stdout and stderr
are written on channels 1 and 2. The session ends with one Status on channel 3 (exit code
or failure, `channels.exit_status`) and a normal close. When the client goes away first,
the exec/attach call is cancelled: the runtime owns killing what it started.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from pacific.agent.runtimes.protocol import RuntimeFailure
from pacific.agent.server.targets import ContainerTarget
from pacific.streams import channels
from pacific.streams.errors import ChannelError

log = logging.getLogger(__name__)


class ChannelStreams:
    """The runtime's `Streams` over one channel WebSocket."""

    def __init__(self, ws: ServerConnection, *, stdout: bool = True, stderr: bool = True) -> None:
        self._ws = ws
        self._stdout, self._stderr = stdout, stderr
        self._stdin: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._resizes: asyncio.Queue[tuple[int, int] | None] = asyncio.Queue()
        self._stdin_closed = False

    async def pump(self) -> None:
        """Read the client's messages until it closes; returns when it is gone."""
        try:
            async for message in self._ws:
                if isinstance(message, str) or not message:
                    continue
                self._dispatch(*channels.split(message))
        except ConnectionClosed:
            pass
        finally:
            self._close_stdin()
            self._resizes.put_nowait(None)

    def _dispatch(self, channel: int, payload: bytes) -> None:
        if channel == channels.STDIN:
            if payload and not self._stdin_closed:
                self._stdin.put_nowait(payload)
        elif channel == channels.RESIZE:
            try:
                self._resizes.put_nowait(channels.parse_resize(payload))
            except ChannelError as exc:
                log.debug("ignoring resize: %s", exc)
        elif channel == channels.CLOSE and payload[:1] == bytes((channels.STDIN,)):
            self._close_stdin()

    def _close_stdin(self) -> None:
        if not self._stdin_closed:
            self._stdin_closed = True
            self._stdin.put_nowait(None)

    async def read_stdin(self) -> bytes | None:
        return await self._stdin.get()

    async def write_stdout(self, data: bytes) -> None:
        if data and self._stdout:
            await self._ws.send(channels.frame(channels.STDOUT, data))

    async def write_stderr(self, data: bytes) -> None:
        if data and self._stderr:
            await self._ws.send(channels.frame(channels.STDERR, data))

    async def resizes(self) -> AsyncIterator[tuple[int, int]]:
        """As the protocol declares it: awaited, it gives the iterator of (cols, rows)."""
        return self._sizes()

    async def _sizes(self) -> AsyncIterator[tuple[int, int]]:
        while (size := await self._resizes.get()) is not None:
            yield size


async def run_session(
    ws: ServerConnection,
    target: ContainerTarget,
    *,
    command: Sequence[str] | None,
    tty: bool,
    stdout: bool,
    stderr: bool,
) -> None:
    """exec `command` (or attach when None) and report its end on channel 3."""
    streams = ChannelStreams(ws, stdout=stdout, stderr=stderr)
    status: bytes | None = None
    async with asyncio.TaskGroup() as tg:
        pump = tg.create_task(streams.pump())
        work = tg.create_task(_work(target, streams, command, tty))
        await asyncio.wait({pump, work}, return_when=asyncio.FIRST_COMPLETED)
        if work.done():
            status = work.result()
            pump.cancel()
        else:  # the client went away: stop the session
            work.cancel()
    if status is not None:
        with contextlib.suppress(ConnectionClosed):
            await ws.send(channels.frame(channels.ERROR, status))
            await ws.close()


async def _work(
    target: ContainerTarget,
    streams: ChannelStreams,
    command: Sequence[str] | None,
    tty: bool,
) -> bytes | None:
    """The Status to send; None when the client is already gone."""
    try:
        if command is None:
            await target.streamer.attach(target.id, tty=tty, streams=streams)
            return channels.exit_status(0)
        result = await target.streamer.exec(target.id, command, tty=tty, streams=streams)
    except ConnectionClosed:
        return None
    except RuntimeFailure as exc:
        return channels.error_status(str(exc) or exc.reason)
    except OSError as exc:
        return channels.error_status(f"failed to run the command: {exc}")
    return channels.exit_status(result.exit_code)
