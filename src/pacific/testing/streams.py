"""A fake Streamer and a running agent stream server, for stream tests.

`FakeStreamer` runs a few built-in commands instead of processes:

    echo ARGS...   stdout: the args and a newline        exit N   exits with N
    cat            stdin to stdout until stdin closes     err TEXT stderr: TEXT
    size           prints the first terminal size "COLSxROWS"

anything else fails like a missing executable. `attach` copies stdin to stdout until
stdin closes. `port_forward` connects to `ports[port]` on 127.0.0.1 (say, an echo server
from `echo_server`) and refuses other ports. `running_agent_api` serves
`pacific.agent.server` on 127.0.0.1 with certificates from the given cluster CA.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import socket
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pacific.agent.runtimes.protocol import ExecResult, RuntimeFailure, Streams
from pacific.agent.server import (
    AgentServerConfig,
    ContainerTarget,
    PodRef,
    SandboxTarget,
    serve_agent_api,
)
from pacific.pki import certs


@dataclass
class FakeStreamer:
    ports: Mapping[int, int] = field(default_factory=dict)  # pod port -> local port
    execs: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)

    async def exec(
        self,
        container_id: str,
        argv: Sequence[str],
        *,
        tty: bool,
        streams: Streams | None,
        timeout_s: float = 0,
    ) -> ExecResult:
        self.execs.append((container_id, tuple(argv)))
        if streams is None:
            return ExecResult(0)
        name, args = argv[0], list(argv[1:])
        if name == "echo":
            await streams.write_stdout((" ".join(args) + "\n").encode())
        elif name == "exit":
            return ExecResult(int(args[0]))
        elif name == "err":
            await streams.write_stderr(" ".join(args).encode())
        elif name == "cat":
            await _copy(streams)
        elif name == "size":
            async for cols, rows in await streams.resizes():
                await streams.write_stdout(f"{cols}x{rows}\n".encode())
                break
        else:
            raise RuntimeFailure(f'exec: "{name}": executable file not found in $PATH')
        return ExecResult(0)

    async def attach(self, container_id: str, *, tty: bool, streams: Streams) -> None:
        await _copy(streams)

    async def port_forward(
        self, sandbox_id: str, port: int
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if port not in self.ports:
            raise ConnectionRefusedError(f"dial tcp4 127.0.0.1:{port}: connect: connection refused")
        return await asyncio.open_connection("127.0.0.1", self.ports[port])


async def _copy(streams: Streams) -> None:
    while (data := await streams.read_stdin()) is not None:
        await streams.write_stdout(data)


@dataclass
class FakeTargets:
    """Pods by uid: container name -> (id, running)."""

    streamer: FakeStreamer
    containers: dict[str, dict[str, tuple[str, bool]]] = field(default_factory=dict)

    async def container(self, pod: PodRef, name: str) -> ContainerTarget | None:
        found = self.containers.get(pod.uid, {}).get(name)
        if found is None:
            return None
        return ContainerTarget(found[0], found[1], self.streamer)

    async def sandbox(self, pod: PodRef) -> SandboxTarget | None:
        if pod.uid not in self.containers:
            return None
        return SandboxTarget(f"sandbox-{pod.uid}", self.streamer)


@contextlib.asynccontextmanager
async def echo_server() -> AsyncIterator[int]:
    """A TCP echo server on 127.0.0.1; yields its port."""

    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    async with server:
        yield server.sockets[0].getsockname()[1]


@dataclass(frozen=True, slots=True)
class RunningAgentAPI:
    port: int
    client_cert: Path  # system:pacific-apiserver, for the API server's config
    client_key: Path


def _issue(ca_cert: Path, ca_key: Path, directory: Path) -> dict[str, Path]:
    now = dt.datetime.now(dt.UTC)
    ca = certs.KeyPair(ca_cert.read_bytes(), ca_key.read_bytes())
    serving = certs.make_serving_cert(ca, certs.serving_sans(["localhost"], ["127.0.0.1"]), now)
    client = certs.make_client_cert(ca, "system:pacific-apiserver", (), now)
    paths = {}
    for name, data in {
        "agent.crt": serving.cert_pem,
        "agent.key": serving.key_pem,
        "apiserver-agent.crt": client.cert_pem,
        "apiserver-agent.key": client.key_pem,
    }.items():
        paths[name] = directory / name
        paths[name].write_bytes(data)
    return paths


@contextlib.asynccontextmanager
async def running_agent_api(
    targets: FakeTargets, log_root: Path, ca_cert: Path, ca_key: Path, directory: Path
) -> AsyncIterator[RunningAgentAPI]:
    """Serve the agent API on 127.0.0.1 until the block exits."""
    paths = _issue(ca_cert, ca_key, directory)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = AgentServerConfig(
        cert_path=paths["agent.crt"],
        key_path=paths["agent.key"],
        client_ca_path=ca_cert,
        host="127.0.0.1",
        port=port,
        log_poll_s=0.02,
    )
    started = asyncio.Event()
    task = asyncio.create_task(
        serve_agent_api(
            config, runtime_lookup=targets, log_root=log_root, sock=sock, started=started
        )
    )
    try:
        await started.wait()
        yield RunningAgentAPI(port, paths["apiserver-agent.crt"], paths["apiserver-agent.key"])
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        sock.close()
