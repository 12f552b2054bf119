"""The binding path on the wire: a few raw HTTP/1.1 keep-alive connections.

Model: a binding is one small POST whose answer the scheduler only checks for success,
and at 1,000 bindings a second the general client's per-request bookkeeping (its
connection pool scans every pooled connection, its locks look up the async library
on every request) costs more than the decision itself. `WirePool` keeps up to `size`
persistent connections (TLS, the client's own credentials) and sends one request at a
time on each: HTTP/1.1 servers do not pipeline in practice, so parallelism comes from
several connections. Bodies are encoded with orjson by the caller; answers are read by
Content-Length or chunked transfer coding.

Errors: a non-2xx answer is raised as the `pacific.api.errors` class the server sent
(`error_from_response`, as `Client.request` does); a connection that fails is closed and
`TransportError` raised. A POST is never resent on a fresh connection (it may have been
processed), except when a kept-alive connection is found closed before anything was
written, the usual fate of an idle connection the server dropped.

Invariants: a connection is either idle in `_idle` or held by exactly one request;
`_open` counts both, and never exceeds `size`.
"""

from __future__ import annotations

import asyncio
import ssl
from urllib.parse import urlsplit

from pacific.client.config import ClientConfig, ssl_context
from pacific.client.errors import TransportError, error_from_response

Headers = dict[str, str]
_CRLF = b"\r\n"


def request_head(
    method: str,
    host: str,
    path: str,
    extra: bytes,
    length: int,
    content_type: str = "application/json",
) -> bytes:
    """The request line and headers (`extra`: preformatted header lines)."""
    text = (
        f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {length}\r\n"
    )
    return text.encode() + extra + _CRLF


def parse_head(head: bytes) -> tuple[int, Headers]:
    """(status code, lower-cased headers) of a response head ending in CRLF CRLF."""
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
        raise TransportError(f"not an HTTP/1.1 answer: {lines[0][:80]!r}")
    headers: Headers = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    return int(parts[1]), headers


async def read_body(reader: asyncio.StreamReader, headers: Headers) -> bytes:
    if "chunked" in headers.get("transfer-encoding", "").lower():
        chunks: list[bytes] = []
        while True:
            size = int((await reader.readuntil(_CRLF)).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(_CRLF)  # no trailers are sent to us
                return b"".join(chunks)
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
    return await reader.readexactly(int(headers.get("content-length", "0")))


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    def close(self) -> None:
        self.writer.close()


class WirePool:
    def __init__(self, base_url: str, config: ClientConfig, size: int, user_agent: str) -> None:
        url = urlsplit(base_url)
        self._tls: ssl.SSLContext | None = ssl_context(config) if url.scheme == "https" else None
        self._hostname = url.hostname or "localhost"
        self._port = url.port or (443 if self._tls else 80)
        self._host = url.netloc
        self._prefix = url.path.rstrip("/")
        extra = f"User-Agent: {user_agent}\r\nAccept: application/json\r\n"
        if config.token:
            extra += f"Authorization: Bearer {config.token}\r\n"
        self._extra = extra.encode()
        self._size = size
        self._idle: list[_Connection] = []
        self._open = 0
        self._freed = asyncio.Condition()

    async def _acquire(self) -> tuple[_Connection, bool]:
        """A connection and whether it was kept alive from an earlier request."""
        async with self._freed:
            while not self._idle and self._open >= self._size:
                await self._freed.wait()
            if self._idle:
                return self._idle.pop(), True
            self._open += 1
        try:
            reader, writer = await asyncio.open_connection(
                self._hostname, self._port, ssl=self._tls, limit=1 << 20
            )
        except OSError as exc:
            await self._discard(None)
            raise TransportError(f"connecting to {self._host}: {exc!r}") from exc
        return _Connection(reader, writer), False

    async def _release(self, conn: _Connection) -> None:
        async with self._freed:
            self._idle.append(conn)
            self._freed.notify()

    async def _discard(self, conn: _Connection | None) -> None:
        if conn is not None:
            conn.close()
        async with self._freed:
            self._open -= 1
            self._freed.notify()

    async def post(self, path: str, body: bytes) -> bytes:
        """POST `body` (JSON) to `path`; the answer's body, or the APIError it carries."""
        return await self.send("POST", path, body)

    async def send(
        self, method: str, path: str, body: bytes, content_type: str = "application/json"
    ) -> bytes:
        """Send one request with a body (POST, PUT, PATCH); as `post`."""
        head = request_head(
            method, self._host, self._prefix + path, self._extra, len(body), content_type
        )
        for _ in range(2):
            conn, reused = await self._acquire()
            if reused and conn.reader.at_eof():
                await self._discard(conn)
                continue
            try:
                conn.writer.write(head + body)
                await conn.writer.drain()
                code, headers = parse_head(await conn.reader.readuntil(_CRLF + _CRLF))
                answer = await read_body(conn.reader, headers)
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
                await self._discard(conn)
                raise TransportError(f"{method} {path}: {exc!r}") from exc
            except BaseException:
                await self._discard(conn)
                raise
            if headers.get("connection", "").lower() == "close":
                await self._discard(conn)
            else:
                await self._release(conn)
            if code >= 400:
                raise error_from_response(code, answer, headers)
            return answer
        raise TransportError(f"{method} {path}: no connection to {self._host} stayed open")

    async def aclose(self) -> None:
        async with self._freed:
            for conn in self._idle:
                conn.close()
            self._open -= len(self._idle)
            self._idle.clear()
