"""containerLogs: a container's CRI log file, filtered, sent as binary WebSocket messages.

Which file: `<log_root>/<ns>_<pod>_<uid>/<container>/<N>.log`, N the newest restart count
(or the one before with `previous`). The file is read once, `tailLines` applied to what is
there, then (with `follow`) polled for growth every `poll_s`; a follow ends once the
container is no longer running (or was replaced by a newer instance) and the file holds
nothing more, or when `limitBytes` is reached. A record still being written (no newline
yet) waits for its newline. The connection closes normally at the end.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from websockets.asyncio.server import ServerConnection

from pacific.agent.server.targets import PodRef, Targets
from pacific.streams import crilog
from pacific.streams.crilog import LogFilter, LogOptions

CHUNK = 64 * 1024


def choose_file(log_root: Path, pod: PodRef, container: str, previous: bool) -> Path | None:
    directory = log_root / pod.log_directory_name / container
    try:
        names = os.listdir(directory)
    except OSError:
        return None
    name = crilog.log_file(names, previous)
    return directory / name if name is not None else None


async def stream_log(
    ws: ServerConnection,
    path: Path,
    options: LogOptions,
    *,
    targets: Targets,
    pod: PodRef,
    container: str,
    poll_s: float,
) -> None:
    out = LogFilter(options)
    first = await asyncio.to_thread(path.read_bytes)
    offset = len(first)
    lines, rest = crilog.split_lines(first)
    records = crilog.parse_records(lines)
    if options.tail_lines is not None:
        records = crilog.tail(records, options.tail_lines)
    await _send(ws, out.render(records))
    if not options.follow or options.previous:
        return
    watched = await targets.container(pod, container)
    while not out.exhausted:
        chunk = await asyncio.to_thread(_read_from, path, offset)
        if chunk:
            offset += len(chunk)
            lines, rest = crilog.split_lines(rest + chunk)
            await _send(ws, out.render(crilog.parse_records(lines)))
            continue
        current = await targets.container(pod, container)
        if current is None or watched is None or not current.running or current.id != watched.id:
            break
        await asyncio.sleep(poll_s)


def _read_from(path: Path, offset: int) -> bytes:
    with path.open("rb") as f:
        f.seek(offset)
        return f.read(CHUNK)


async def _send(ws: ServerConnection, data: bytes) -> None:
    for start in range(0, len(data), CHUNK):
        await ws.send(data[start : start + CHUNK])
