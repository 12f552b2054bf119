"""Serving the app with uvicorn: uvloop, httptools, HTTPS with optional client certificates.

The HTTP protocol is uvicorn's httptools one, extended in two ways at connection time:
TCP_NODELAY is set explicitly on every accepted socket (without it, Nagle plus delayed ACK
adds ~40 ms to small keep-alive responses), and the verified client certificate (if any)
is turned into a `User` once per connection and handed to the app in
`scope["extensions"][PEER_USER]`.

`serve(config, store)` runs until cancelled on the caller's loop (the process entry point
runs it under uvloop: `uvloop.run(...)`); on cancellation uvicorn stops accepting,
the lifespan shutdown closes every watch, and in-flight requests finish. It also sets the
process's GC thresholds (`ServerConfig.gc_thresholds`), since GC pauses set its tail latency.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import socket
import ssl
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from pacific.api.kinds import Registry as Kinds
from pacific.apiserver.app import PEER_USER, build_app
from pacific.apiserver.auth import User, user_from_peer_cert
from pacific.apiserver.config import ServerConfig
from pacific.apiserver.streams.wsprotocol import KubeWebSocketProtocol
from pacific.store.protocol import Store


class PacificHTTPProtocol(HttpToolsProtocol):
    """httptools protocol with TCP_NODELAY and the client certificate's user in the scope."""

    peer_user: User | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        ssl_object = transport.get_extra_info("ssl_object")
        if ssl_object is not None:
            cert = ssl_object.getpeercert()
            if cert:
                self.peer_user = user_from_peer_cert(cert)

    def shutdown(self) -> None:
        # An idle keep-alive connection is dropped at once: a TLS close would wait for the
        # client's close_notify, which an idle client never sends, holding shutdown up for
        # the whole grace period (Go's http.Server.Shutdown also just closes idle ones).
        if self.cycle is None or self.cycle.response_complete:
            self.transport.abort()
        else:
            super().shutdown()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self.peer_user is not None:
            scope: Any = self.scope
            scope["extensions"] = {PEER_USER: self.peer_user}


def uvicorn_config(config: ServerConfig, app: Any, *, fd: int | None = None) -> uvicorn.Config:
    tls: dict[str, Any] = {}
    if config.tls_cert_path is not None and config.tls_key_path is not None:
        tls = {"ssl_certfile": str(config.tls_cert_path), "ssl_keyfile": str(config.tls_key_path)}
        if config.client_ca_path is not None:
            tls["ssl_ca_certs"] = str(config.client_ca_path)
            tls["ssl_cert_reqs"] = ssl.CERT_OPTIONAL
    return uvicorn.Config(
        app,
        host=config.host,
        port=config.port,
        fd=fd,
        loop="uvloop",
        http=PacificHTTPProtocol,
        ws=KubeWebSocketProtocol,
        lifespan="on",
        log_level=config.log_level,
        access_log=False,
        server_header=False,
        timeout_keep_alive=90,
        timeout_graceful_shutdown=5,
        **tls,
    )


async def serve(
    config: ServerConfig,
    store: Store,
    *,
    kinds: Kinds | None = None,
    sock: socket.socket | None = None,
    started: asyncio.Event | None = None,
) -> None:
    """Serve until cancelled. `sock` (already bound) avoids a port race in tests;
    `started` is set once the server accepts connections and every cache is loaded."""
    if config.gc_thresholds is not None:
        gc.set_threshold(*config.gc_thresholds)
    app = build_app(config, store, kinds=kinds)
    server = uvicorn.Server(uvicorn_config(config, app))
    task = asyncio.create_task(server.serve(sockets=[sock] if sock is not None else None))
    try:
        while not server.started:
            if task.done():
                await task
                return
            await asyncio.sleep(0.01)
        if started is not None:
            started.set()
        await asyncio.shield(task)
    finally:
        # Close watches first: uvicorn waits for open connections before the lifespan ends.
        app.server.shutting_down = True
        app.server.caches.close_watchers()
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await task
