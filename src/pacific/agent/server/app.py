"""The agent's stream server: kubelet's :10250 API, over WebSocket, for the API server only.

Every endpoint is a WebSocket (the internal leg; clients never talk to it directly):

    /containerLogs/{ns}/{pod}/{uid}/{container}?follow&previous&timestamps&tailLines
                                               &sinceNs&limitBytes     -> log bytes
    /exec/{ns}/{pod}/{uid}/{container}?command=..&stdin&stdout&stderr&tty  (v5/v4 channels)
    /attach/{ns}/{pod}/{uid}/{container}?stdin&stdout&stderr&tty            (v5/v4 channels)
    /portForward/{ns}/{pod}/{uid}?port=N                   -> one TCP connection (forward)

TLS with a required client certificate from the cluster CA whose CN is one of
`allowed_users` (system:pacific-apiserver). Everything that can be refused is refused
before the upgrade, as an HTTP error whose body is a Kubernetes `Status` (the API server
relays it unchanged): 401/403 for the caller, 400 for a bad request, 404 when the pod or
container is not on this host, 400 for a container with no log yet.
"""

from __future__ import annotations

import asyncio
import dataclasses
import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import orjson
from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from pacific.agent.server.forward import forward
from pacific.agent.server.logs import choose_file, stream_log
from pacific.agent.server.sessions import run_session
from pacific.agent.server.targets import (
    AgentServerConfig,
    ContainerTarget,
    PodRef,
    SandboxTarget,
    Targets,
)
from pacific.streams import channels
from pacific.streams.crilog import LogOptions

KINDS = ("containerLogs", "exec", "attach", "portForward")


class Refused(Exception):
    """A request answered with a Status before any upgrade."""

    def __init__(self, code: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.code, self.reason, self.message = code, reason, message

    def response(self) -> Response:
        body = orjson.dumps(
            {
                "kind": "Status",
                "apiVersion": "v1",
                "metadata": {},
                "status": "Failure",
                "message": self.message,
                "reason": self.reason,
                "code": self.code,
            }
        )
        headers = Headers(
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        )
        return Response(self.code, self.reason, headers, body)


@dataclass(frozen=True, slots=True)
class Action:
    kind: str
    pod: PodRef
    container: str
    query: dict[str, list[str]]
    target: ContainerTarget | SandboxTarget | None = None
    log_path: Path | None = None

    def flag(self, name: str, default: bool = False) -> bool:
        values = self.query.get(name)
        if not values:
            return default
        return values[-1].lower() in ("1", "true", "yes")

    def number(self, name: str) -> int | None:
        values = self.query.get(name)
        if not values:
            return None
        if not values[-1].lstrip("-").isdigit():
            raise Refused(400, "BadRequest", f"invalid {name}: {values[-1]!r}")
        return int(values[-1])


def parse_path(raw: str) -> Action:
    """The action a request path names (no lookups); Refused(404) otherwise."""
    split = urlsplit(raw)
    parts = [unquote(p) for p in split.path.split("/") if p]
    query = parse_qs(split.query, keep_blank_values=True)
    if parts and parts[0] in KINDS:
        wanted = 4 if parts[0] == "portForward" else 5
        if len(parts) == wanted and all(parts):
            container = parts[4] if wanted == 5 else ""
            return Action(parts[0], PodRef(parts[1], parts[2], parts[3]), container, query)
    raise Refused(404, "NotFound", f"no such endpoint: {split.path}")


def log_options(action: Action) -> LogOptions:
    return LogOptions(
        follow=action.flag("follow"),
        previous=action.flag("previous"),
        timestamps=action.flag("timestamps"),
        tail_lines=action.number("tailLines"),
        since_ns=action.number("sinceNs"),
        limit_bytes=action.number("limitBytes"),
    )


class AgentAPI:
    """Request checks and dispatch; one per server."""

    def __init__(self, config: AgentServerConfig, targets: Targets, log_root: Path) -> None:
        self.config = config
        self.targets = targets
        self.log_root = log_root
        self._actions: dict[ServerConnection, Action] = {}

    def _check_peer(self, connection: ServerConnection) -> None:
        cert: Any = connection.transport.get_extra_info("peercert")
        names = [v for rdn in (cert or {}).get("subject", ()) for k, v in rdn if k == "commonName"]
        if not names:
            raise Refused(401, "Unauthorized", "a client certificate is required")
        if names[0] not in self.config.allowed_users:
            raise Refused(403, "Forbidden", f'user "{names[0]}" may not use the node API')

    async def resolve(self, connection: ServerConnection, request: Request) -> Action:
        self._check_peer(connection)
        action = parse_path(request.path)
        pod = action.pod
        if action.kind == "portForward":
            if action.number("port") is None or not 0 < (action.number("port") or 0) <= 0xFFFF:
                raise Refused(400, "BadRequest", "a valid ?port= is required")
            sandbox = await self.targets.sandbox(pod)
            if sandbox is None:
                raise Refused(404, "NotFound", f'pod "{pod.name}" is not running on this host')
            return dataclasses.replace(action, target=sandbox)
        if action.kind == "containerLogs":
            opts = log_options(action)
            path = choose_file(self.log_root, pod, action.container, opts.previous)
            if path is None:
                what = f'container "{action.container}" in pod "{pod.name}"'
                message = (
                    f"previous terminated {what} not found"
                    if opts.previous
                    else f"{what} is waiting to start: ContainerCreating"
                )
                raise Refused(400, "BadRequest", message)
            return dataclasses.replace(action, log_path=path)
        container = await self.targets.container(pod, action.container)
        if container is None or not container.running:
            raise Refused(
                400,
                "BadRequest",
                f'container "{action.container}" in pod "{pod.name}" is not running',
            )
        if action.kind == "exec" and not action.query.get("command"):
            raise Refused(400, "BadRequest", "you must specify at least 1 command")
        return dataclasses.replace(action, target=container)

    async def process_request(
        self, connection: ServerConnection, request: Request
    ) -> Response | None:
        try:
            self._actions[connection] = await self.resolve(connection, request)
        except Refused as refused:
            return refused.response()
        return None

    async def handle(self, connection: ServerConnection) -> None:
        action = self._actions.pop(connection)
        target = action.target
        if action.kind == "containerLogs" and action.log_path is not None:
            await stream_log(
                connection,
                action.log_path,
                log_options(action),
                targets=self.targets,
                pod=action.pod,
                container=action.container,
                poll_s=self.config.log_poll_s,
            )
        elif action.kind == "portForward" and isinstance(target, SandboxTarget):
            await forward(connection, target, action.number("port") or 0)
        elif isinstance(target, ContainerTarget):
            command: Sequence[str] | None = None
            if action.kind == "exec":
                command = action.query["command"]
            await run_session(
                connection,
                target,
                command=command,
                tty=action.flag("tty"),
                stdout=action.flag("stdout", True),
                stderr=action.flag("stderr", True),
            )


def select_subprotocol(
    connection: ServerConnection, offered: Sequence[Subprotocol]
) -> Subprotocol | None:
    """v5/v4 for sessions; logs and port-forward offer none and get none."""
    chosen = channels.choose(offered)
    return Subprotocol(chosen) if chosen is not None else None


def server_tls(config: AgentServerConfig) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(config.client_ca_path))
    ctx.load_cert_chain(str(config.cert_path), str(config.key_path))
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


async def serve_agent_api(
    config: AgentServerConfig,
    *,
    runtime_lookup: Targets,
    log_root: Path,
    sock: socket.socket | None = None,
    started: asyncio.Event | None = None,
) -> None:
    """Serve the stream API until cancelled (the agent runs it in its TaskGroup).

    `runtime_lookup` finds pods' containers and sandboxes on this host; `log_root` is where
    the runtime writes CRI logs (/var/log/pods). `sock`, if given, is an already bound
    listening socket (tests); `started` is set once the server accepts connections.
    """
    api = AgentAPI(config, runtime_lookup, log_root)
    where: dict[str, Any] = (
        {"sock": sock} if sock is not None else {"host": config.host, "port": config.port}
    )
    async with serve(
        api.handle,
        ssl=server_tls(config),
        process_request=api.process_request,
        select_subprotocol=select_subprotocol,
        compression=None,
        max_size=config.max_message_bytes,
        ping_interval=None,
        **where,
    ) as server:
        if started is not None:
            started.set()
        await server.serve_forever()
