import asyncio
from collections.abc import AsyncIterator

import orjson
import pytest

from pacific.api.errors import NotFound
from pacific.client.config import ClientConfig
from pacific.client.errors import TransportError
from pacific.scheduler.wire import WirePool, parse_head, read_body, request_head


class FakeServer:
    """A plain HTTP/1.1 server: answers each request by `answer`, counts connections."""

    def __init__(self) -> None:
        self.connections = 0
        self.requests: list[tuple[bytes, bytes]] = []
        self.close_after = 0  # close a connection after this many answers (0: never)
        self.status = 201
        self.chunked = False

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        served = 0
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                _, headers = parse_head(head.replace(b"POST", b"HTTP/1.1 200", 1))
                body = await reader.readexactly(int(headers["content-length"]))
                self.requests.append((head, body))
                writer.write(self.answer())
                await writer.drain()
                served += 1
                if self.close_after and served >= self.close_after:
                    break
        except asyncio.IncompleteReadError:
            pass
        writer.close()

    def answer(self) -> bytes:
        if self.status == 404:
            doc = {"kind": "Status", "code": 404, "reason": "NotFound", "message": "gone"}
        else:
            doc = {"kind": "Status", "status": "Success", "code": self.status}
        data = orjson.dumps(doc)
        if self.chunked:
            body = b"%x\r\n%s\r\n0\r\n\r\n" % (len(data), data)
            length = b"Transfer-Encoding: chunked"
        else:
            body, length = data, b"Content-Length: %d" % len(data)
        return b"HTTP/1.1 %d X\r\n%s\r\n\r\n%s" % (self.status, length, body)


@pytest.fixture
async def served() -> AsyncIterator[tuple[FakeServer, WirePool]]:
    fake = FakeServer()
    server = await asyncio.start_server(fake.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    pool = WirePool(url, ClientConfig(server=url, token="t0k"), 2, "test-agent")
    yield fake, pool
    await pool.aclose()
    server.close()


def test_head_and_parse() -> None:
    head = request_head("POST", "h:1", "/p", b"X-A: b\r\n", 7)
    assert head == (
        b"POST /p HTTP/1.1\r\nHost: h:1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 7\r\nX-A: b\r\n\r\n"
    )
    assert parse_head(b"HTTP/1.1 409 Conflict\r\nRetry-After: 1\r\n\r\n") == (
        409,
        {"retry-after": "1"},
    )
    with pytest.raises(TransportError):
        parse_head(b"SSH-2.0 hello\r\n\r\n")


async def test_read_body_chunked_and_sized() -> None:
    reader = asyncio.StreamReader()
    reader.feed_data(b"3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\nrest")
    assert await read_body(reader, {"transfer-encoding": "chunked"}) == b"abcde"
    assert await read_body(reader, {"content-length": "4"}) == b"rest"


async def test_requests_share_kept_alive_connections(
    served: tuple[FakeServer, WirePool],
) -> None:
    fake, pool = served
    await asyncio.gather(*(pool.post(f"/b/{i}", b'{"i":1}') for i in range(10)))
    assert len(fake.requests) == 10 and fake.connections == 2
    head, body = fake.requests[0]
    assert b"Authorization: Bearer t0k\r\n" in head and b"User-Agent: test-agent" in head
    assert body == b'{"i":1}'
    fake.chunked = True
    assert orjson.loads(await pool.post("/c", b"{}"))["status"] == "Success"


async def test_errors_are_api_errors(served: tuple[FakeServer, WirePool]) -> None:
    fake, pool = served
    fake.status = 404
    with pytest.raises(NotFound):
        await pool.post("/b", b"{}")
    fake.status = 201
    await pool.post("/b", b"{}")
    assert fake.connections == 1  # an error answer keeps the connection


async def test_a_connection_the_server_closed_is_replaced(
    served: tuple[FakeServer, WirePool],
) -> None:
    fake, pool = served
    fake.close_after = 1
    await pool.post("/a", b"{}")
    await asyncio.sleep(0.05)  # the close reaches us while the connection is idle
    await pool.post("/b", b"{}")
    assert fake.connections == 2 and len(fake.requests) == 2


async def test_unreachable_server_is_a_transport_error() -> None:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    url = f"http://127.0.0.1:{port}"
    pool = WirePool(url, ClientConfig(server=url), 1, "a")
    with pytest.raises(TransportError):
        await pool.post("/x", b"{}")
    with pytest.raises(TransportError):  # the failed connect gave its slot back
        await pool.post("/x", b"{}")
