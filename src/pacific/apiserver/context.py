"""What a handler gets: the server's shared parts (`Server`) and one request (`Call`).

`Server` is built once by `build_app` and holds no per-request state; `Call` is built by the
ASGI entry for each resource request after routing, authentication and negotiation, so
handlers are plain async functions `(Server, Call) -> Response`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from pacific.api.kinds import Registry as Kinds
from pacific.api.openapi import OpenAPIV3
from pacific.api.resources import ResourceType
from pacific.apiserver.auth import Authenticator, User
from pacific.apiserver.config import ServerConfig
from pacific.apiserver.negotiation import Output
from pacific.apiserver.registry import Registry
from pacific.apiserver.routes import ResourceRoute
from pacific.apiserver.strategy import generate_name
from pacific.apiserver.watchcache import WatchCaches


@dataclass(slots=True)
class Server:
    config: ServerConfig
    kinds: Kinds
    registry: Registry
    caches: WatchCaches
    auth: Authenticator
    clock: Callable[[], dt.datetime]
    # generateName -> name (random suffix); injectable so tests can force collisions.
    names: Callable[[str], str] = generate_name
    # Pre-encoded documents (discovery, OpenAPI) keyed by path + variant.
    documents: dict[str, bytes] = field(default_factory=dict)
    openapi: OpenAPIV3 | None = None
    ready: bool = False
    shutting_down: bool = False


@dataclass(slots=True)
class Call:
    method: str
    route: ResourceRoute
    rt: ResourceType
    query: dict[str, str]
    headers: dict[bytes, bytes]
    user: User
    output: Output
    body: bytes = b""

    @property
    def namespace(self) -> str | None:
        return self.route.namespace if self.rt.namespaced else None

    def header(self, name: bytes) -> str:
        return self.headers.get(name, b"").decode("latin-1")


@dataclass(slots=True)
class Response:
    """A whole response. A large body may be given as `parts` (sent in pieces, never joined
    into one buffer); `body` is then empty."""

    status: int
    body: bytes
    content_type: str = "application/json"
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    parts: tuple[bytes, ...] = ()

    @property
    def length(self) -> int:
        return sum(map(len, self.parts)) if self.parts else len(self.body)
