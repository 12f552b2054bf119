"""The ASGI application: the request path from bytes on the wire to a handler and back.

    scope -> route (routes.parse) -> authenticate (auth) -> resource lookup (kinds)
          -> negotiate output (negotiation) -> read body (<= max_body_bytes, else 413)
          -> handler (reads / writes / watch / subresources / reviews) -> Response

Every failure anywhere on that path, including routing and authentication, becomes a
`Status` body through `APIError.status()` in `_error` — the one place errors are written.
Anything else escaping a handler is logged with its traceback and answered as a 500
InternalError that leaks nothing.

Lifespan: startup runs the watch caches under a TaskGroup owned by the lifespan call and
marks the server ready once every cache has loaded; shutdown closes all watches and stops
the caches.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

import orjson

from pacific.api.errors import (
    APIError,
    InternalError,
    MethodNotAllowed,
    NotFound,
    RequestEntityTooLarge,
)
from pacific.api.kinds import DEFAULT as DEFAULT_KINDS
from pacific.api.kinds import Registry as Kinds
from pacific.apiserver import (
    eviction,
    pages,
    reads,
    reviews,
    streams,
    subresources,
    watch,
    writes,
)
from pacific.apiserver.auth import Authenticator, User
from pacific.apiserver.config import ServerConfig
from pacific.apiserver.context import Call, Response, Server
from pacific.apiserver.negotiation import JSON, choose_output
from pacific.apiserver.params import flag, parse_query
from pacific.apiserver.registry import Allocator, Registry
from pacific.apiserver.routes import Page, PageRoute, Verb, not_found, parse
from pacific.apiserver.services import ServiceAllocator
from pacific.apiserver.watchcache import WatchCaches
from pacific.store.protocol import Store

log = logging.getLogger(__name__)

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PEER_USER = "pacific.peer_user"  # scope["extensions"] key set by server.py's protocol
PUBLIC_PAGES = frozenset({Page.HEALTHZ, Page.LIVEZ, Page.READYZ, Page.VERSION})
READ_VERBS = {Verb.GET: "get", Verb.LIST: "list"}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _error(err: APIError) -> Response:
    return Response(err.code, orjson.dumps(err.status()), JSON)


SEND_CHUNK = 256 * 1024  # bytes per write of a body given in parts


async def _send(send: Send, resp: Response, head: bool = False) -> None:
    headers = [
        (b"content-type", resp.content_type.encode()),
        (b"content-length", str(resp.length).encode()),
        *resp.headers,
    ]
    await send({"type": "http.response.start", "status": resp.status, "headers": headers})
    if head or not resp.parts:
        await send({"type": "http.response.body", "body": b"" if head else resp.body})
        return
    # A big list goes out in ~256 KiB writes: no buffer of its full size is ever allocated,
    # so serving it does not leave the heap grown by that much.
    batch: list[bytes] = []
    size = 0
    for part in resp.parts:
        batch.append(part)
        size += len(part)
        if size >= SEND_CHUNK:
            await send({"type": "http.response.body", "body": b"".join(batch), "more_body": True})
            batch, size = [], 0
    await send({"type": "http.response.body", "body": b"".join(batch)})


async def _read_body(receive: Receive, limit: int, declared: bytes | None) -> bytes:
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise RequestEntityTooLarge(f"Request entity too large: limit is {limit}")
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise RequestEntityTooLarge(f"Request entity too large: limit is {limit}")
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks)


class App:
    """The ASGI callable; `server` holds everything shared between requests."""

    def __init__(self, server: Server) -> None:
        self.server = server

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.http(scope, receive, send)
        elif scope["type"] == "websocket":
            await self.websocket(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self.lifespan(receive, send)

    async def run(self, started: Callable[[], Awaitable[None]], stop: asyncio.Event) -> None:
        """Run the watch caches until `stop` is set; `started` is awaited once ready."""
        server = self.server
        for rt in server.kinds.kinds:  # build every schema now, not on the first write
            server.kinds.schema_of(rt)
        await server.registry.load_allocations()
        async with asyncio.TaskGroup() as tg:
            caches = tg.create_task(server.caches.run())
            await server.caches.wait_ready()
            server.ready = True
            await started()
            await stop.wait()
            server.shutting_down = True
            server.caches.close_watchers()
            caches.cancel()

    async def lifespan(self, receive: Receive, send: Send) -> None:
        message = await receive()
        if message["type"] != "lifespan.startup":
            return
        stop = asyncio.Event()

        async def started() -> None:
            await send({"type": "lifespan.startup.complete"})

        async def wait_shutdown() -> None:
            while (await receive())["type"] != "lifespan.shutdown":
                pass
            stop.set()

        async with asyncio.TaskGroup() as tg:
            tg.create_task(wait_shutdown())
            await self.run(started, stop)
        await send({"type": "lifespan.shutdown.complete"})

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        method: str = scope["method"]
        try:
            handled = await self.dispatch(scope, receive, send)
            if handled is not None:
                await _send(send, handled, head=method == "HEAD")
        except APIError as err:
            await _send(send, _error(err))
        except Exception:
            log.exception("internal error serving %s %s", method, scope.get("path"))
            await _send(
                send,
                _error(
                    InternalError(
                        "an error on the server has prevented the request from succeeding"
                    )
                ),
            )

    def _user(self, scope: Scope, headers: dict[bytes, bytes], public: bool) -> User | None:
        peer = (scope.get("extensions") or {}).get(PEER_USER)
        authorization = headers.get(b"authorization")
        if public and not authorization and peer is None:
            return None
        return self.server.auth.authenticate(authorization, peer)

    async def dispatch(self, scope: Scope, receive: Receive, send: Send) -> Response | None:
        server = self.server
        headers = dict(scope["headers"])
        query = parse_query(scope.get("query_string", b""))
        path: str = scope["path"]
        method: str = scope["method"]
        route = parse(method, path, watch_param=flag(query, "watch"))
        public = isinstance(route, PageRoute) and route.page in PUBLIC_PAGES
        user = self._user(scope, headers, public)
        if isinstance(route, PageRoute):
            return self.page(route, method, headers, query)
        if user is None:  # only public pages may be anonymous
            raise not_found()
        rt = server.kinds.by_resource(route.group, route.version, route.resource)
        if rt is None:
            raise not_found()
        if route.subresource and route.subresource not in rt.subresources:
            raise not_found()
        if route.verb.value not in rt.verbs and not route.subresource:
            raise MethodNotAllowed(
                "the server does not allow this method on the requested resource"
            )
        output = choose_output(headers.get(b"accept", b"").decode("latin-1"))
        call = Call(method, route, rt, query, headers, user, output)
        if route.verb is Verb.WATCH:
            await watch.watch(server, call, send, receive)
            return None
        if rt.plural == "pods" and not rt.group and route.subresource in streams.SUBRESOURCES:
            await streams.serve_http(server, call, send, receive)
            return None
        if method in ("POST", "PUT", "PATCH", "DELETE"):
            call.body = await _read_body(
                receive, server.config.max_body_bytes, headers.get(b"content-length")
            )
        return await self.resource(call)

    async def websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """WebSocket requests: only pods' exec, attach and portforward are served."""
        try:
            route = parse("GET", scope["path"])
            user = self._user(scope, dict(scope["headers"]), False)
            if (
                user is None
                or isinstance(route, PageRoute)
                or route.group
                or route.resource != "pods"
                or route.namespace is None
                or route.subresource not in streams.SUBRESOURCES
            ):
                raise not_found()
        except APIError as err:
            await streams.asgi.deny(send, err)
            return
        await streams.serve_websocket(
            self.server,
            scope,
            receive,
            send,
            namespace=route.namespace,
            name=route.name,
            subresource=route.subresource,
            query=parse_qs(scope.get("query_string", b"").decode("latin-1")),
        )

    def page(
        self, route: PageRoute, method: str, headers: dict[bytes, bytes], query: dict[str, str]
    ) -> Response:
        if method not in ("GET", "HEAD"):
            raise MethodNotAllowed(
                "the server does not allow this method on the requested resource"
            )
        server = self.server
        if route.page in (Page.HEALTHZ, Page.LIVEZ, Page.READYZ):
            return pages.health(server, route, "verbose" in query)
        if route.page is Page.VERSION:
            return Response(200, orjson.dumps(pages.version_info(server)), JSON)
        if route.page in (Page.OPENAPI_V3_INDEX, Page.OPENAPI_V3, Page.OPENAPI_V2):
            return pages.openapi_page(
                server,
                route,
                headers.get(b"if-none-match", b"").decode("latin-1"),
                query.get("hash", ""),
            )
        address = server.config.advertise_address or (
            headers.get(b"host", b"").decode("latin-1")
            or f"{server.config.host}:{server.config.port}"
        )
        return pages.discovery_page(
            server, route, headers.get(b"accept", b"").decode("latin-1"), address
        )

    async def resource(self, call: Call) -> Response:
        server, route, rt = self.server, call.route, call.rt
        sub = route.subresource
        verb = route.verb
        if not rt.stored:
            if rt.plural == "bindings" and verb is Verb.CREATE:
                pods = server.kinds.by_resource("", "v1", "pods")
                if pods is None:
                    raise not_found()
                return await subresources.bind(server, call, pods, "")
            if verb is Verb.CREATE:
                return await reviews.review(server, call)
            raise MethodNotAllowed(
                "the server does not allow this method on the requested resource"
            )
        if sub == "scale":
            if verb is Verb.GET:
                return await subresources.get_scale(server, call)
            if verb in (Verb.UPDATE, Verb.PATCH):
                return await subresources.write_scale(server, call)
        elif sub == "binding":
            if verb is Verb.CREATE:
                return await subresources.bind(server, call, rt, route.name)
        elif sub == "eviction":
            if verb is Verb.CREATE:
                return await eviction.evict(server, call, rt, route.name)
        elif sub in ("", "status", "finalize"):
            if verb is Verb.GET and sub != "finalize":
                return await reads.get_object(server, call)
            if verb is Verb.UPDATE:
                return await writes.update(server, call)
            if verb is Verb.PATCH and sub != "finalize":
                return await writes.patch(server, call)
            if sub == "":
                if verb is Verb.LIST:
                    return await reads.list_objects(server, call)
                if verb is Verb.CREATE:
                    return await writes.create(server, call)
                if verb is Verb.DELETE:
                    return await writes.delete(server, call)
                if verb is Verb.DELETECOLLECTION:
                    return await writes.delete_collection(server, call)
        else:
            # Streaming subresources (log, exec, attach, portforward, proxy, ...) are served
            # by the node agents' proxy, which is not wired in yet.
            raise NotFound(f"the server could not find the requested resource ({rt.plural}/{sub})")
        raise MethodNotAllowed("the server does not allow this method on the requested resource")


def build_server(
    config: ServerConfig,
    store: Store,
    *,
    kinds: Kinds | None = None,
    clock: Callable[[], dt.datetime] = utcnow,
) -> Server:
    served = kinds if kinds is not None else DEFAULT_KINDS
    allocators: dict[str, Allocator] = {}
    services = served.by_resource("", "v1", "services")
    if services is not None:
        allocators[services.prefix()] = ServiceAllocator(
            config.service_cidr, config.node_port_range
        )
    return Server(
        config=config,
        kinds=served,
        registry=Registry(store, clock, allocators),
        caches=WatchCaches(
            store,
            list(served.kinds),
            ring_size=config.event_ring_size,
            queue_size=config.watch_queue_size,
        ),
        auth=Authenticator.from_token_file(config.token_file_path),
        clock=clock,
    )


def build_app(config: ServerConfig, store: Store, *, kinds: Kinds | None = None) -> App:
    """The ASGI application serving `store`; run its lifespan (or `App.run`) to serve."""
    return App(build_server(config, store, kinds=kinds))


__all__ = ["ASGIApp", "App", "NotFound", "build_app", "build_server"]
