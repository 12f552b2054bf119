"""A minimal QMP client: connect to QEMU's monitor socket, negotiate, run commands.

Model: QMP is newline-delimited JSON over a unix socket. QEMU speaks first with a greeting,
the client must send `qmp_capabilities` before anything else, then each command gets exactly
one reply (`{"return": ...}` or `{"error": ...}`); asynchronous `{"event": ...}` messages
may arrive in between and are collected in `events`. One command at a time per client
(callers serialise), which is all the microVM lifecycle needs (quit, stop/cont, query).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path
from typing import Any

from pacific.agent.runtimes.microvm.errors import QMPError

__all__ = ["QMPClient"]

_LIMIT = 1 << 20


class QMPClient:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self.events: list[dict[str, Any]] = []

    @classmethod
    async def connect(cls, path: Path) -> QMPClient:
        """Connect to `path`, read the greeting and leave negotiation mode."""
        try:
            reader, writer = await asyncio.open_unix_connection(str(path), limit=_LIMIT)
        except OSError as exc:
            raise QMPError(f"QMP socket {path}: {exc}") from exc
        client = cls(reader, writer)
        greeting = await client._read()
        if "QMP" not in greeting:
            await client.close()
            raise QMPError(f"QMP socket {path}: unexpected greeting {greeting!r}")
        await client.execute("qmp_capabilities")
        return client

    async def _read(self) -> dict[str, Any]:
        try:
            line = await self._reader.readline()
        except (OSError, ValueError) as exc:
            raise QMPError(f"QMP read failed: {exc}") from exc
        if not line:
            raise QMPError("QMP connection closed by QEMU")
        try:
            message = json.loads(line)
        except ValueError as exc:
            raise QMPError(f"QMP sent invalid JSON: {line[:200]!r}") from exc
        if not isinstance(message, dict):
            raise QMPError(f"QMP sent a non-object: {line[:200]!r}")
        return message

    async def execute(self, command: str, arguments: dict[str, Any] | None = None) -> Any:
        """Run `command`; return its `return` value or raise `QMPError` with QEMU's error."""
        request: dict[str, Any] = {"execute": command}
        if arguments:
            request["arguments"] = arguments
        try:
            self._writer.write(json.dumps(request).encode() + b"\n")
            await self._writer.drain()
        except OSError as exc:
            raise QMPError(f"QMP {command}: {exc}") from exc
        while True:
            message = await self._read()
            if "event" in message:
                self.events.append(message)
                continue
            if "error" in message:
                err = message["error"]
                raise QMPError(f"QMP {command}: {err.get('class')}: {err.get('desc')}")
            if "return" in message:
                return message["return"]
            raise QMPError(f"QMP {command}: unexpected reply {message!r}")

    async def close(self) -> None:
        self._writer.close()
        with contextlib.suppress(OSError):
            await self._writer.wait_closed()
