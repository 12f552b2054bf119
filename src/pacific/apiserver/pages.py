"""Non-resource endpoints: discovery, /version, health checks, OpenAPI v3.

Documents are encoded once and kept as bytes in `Server.documents`. OpenAPI documents carry
an ETag (their hash); a request with a matching If-None-Match gets 304, and one addressed
with `?hash=` is cacheable for a year, as kube serves them.
"""

from __future__ import annotations

import platform
import sys

import orjson

from pacific.api.errors import NotFound
from pacific.api.openapi import OpenAPIV3
from pacific.apiserver import discovery
from pacific.apiserver.context import Response, Server
from pacific.apiserver.negotiation import DISCOVERY_V2, JSON, wants_aggregated_discovery
from pacific.apiserver.routes import Page, PageRoute, not_found

HEALTH_CHECKS = ("ping", "log", "etcd", "poststarthook/start-watch-caches")
TEXT = "text/plain; charset=utf-8"


def _cached(server: Server, key: str, build: object) -> bytes:
    body = server.documents.get(key)
    if body is None:
        if build is None:
            raise not_found()
        body = orjson.dumps(build)
        server.documents[key] = body
    return body


def version_info(server: Server) -> dict[str, str]:
    from pacific.apiserver.config import KUBE_VERSION

    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)
    return {
        "major": str(KUBE_VERSION[0]),
        "minor": str(KUBE_VERSION[1]),
        "gitVersion": server.config.git_version,
        "gitCommit": "",
        "gitTreeState": "clean",
        "buildDate": "",
        "goVersion": f"python{sys.version_info.major}.{sys.version_info.minor}",
        "compiler": "cpython",
        "platform": f"{sys.platform}/{arch}",
    }


def health(server: Server, route: PageRoute, verbose: bool) -> Response:
    ok = route.page is not Page.READYZ or (server.ready and not server.shutting_down)
    checks = list(HEALTH_CHECKS)
    if route.page is Page.READYZ:
        checks.append("shutdown")
    if route.rest:
        if route.rest not in checks:
            raise not_found()
        checks = [route.rest]
    if verbose:
        lines = [f"[+]{c} ok" if ok else f"[-]{c} failed: reason withheld" for c in checks]
        name = route.page.value
        lines.append(f"{name} check passed" if ok else f"{name} check failed")
        body = "\n".join(lines) + "\n"
    else:
        body = "ok" if ok else f"[-]{route.page.value} failed: not serving yet\n"
    return Response(200 if ok else 500, body.encode(), TEXT)


def discovery_page(server: Server, route: PageRoute, accept: str, address: str) -> Response:
    kinds = server.kinds
    page = route.page
    if page in (Page.API_VERSIONS, Page.API_GROUPS) and wants_aggregated_discovery(accept):
        legacy = page is Page.API_VERSIONS
        body = _cached(server, f"aggregated:{legacy}", discovery.aggregated(kinds, legacy=legacy))
        return Response(200, body, DISCOVERY_V2)
    if page is Page.API_VERSIONS:
        return Response(200, orjson.dumps(discovery.api_versions(kinds, address)), JSON)
    if page is Page.API_GROUPS:
        return Response(200, _cached(server, "apis", discovery.api_group_list(kinds)), JSON)
    if page is Page.API_GROUP:
        doc = discovery.api_group(kinds, route.group)
        return Response(200, _cached(server, f"group:{route.group}", doc), JSON)
    doc = discovery.resource_list(kinds, route.group, route.version)
    return Response(200, _cached(server, f"resources:{route.group}/{route.version}", doc), JSON)


def openapi_page(server: Server, route: PageRoute, if_none_match: str, query_hash: str) -> Response:
    spec = server.openapi
    if spec is None:
        spec = server.openapi = OpenAPIV3(server.kinds.kinds)
    if route.page is Page.OPENAPI_V2:
        raise NotFound("the server could not find the requested resource")
    if route.page is Page.OPENAPI_V3_INDEX:
        body = server.documents.get("openapi:index")
        if body is None:
            body = orjson.dumps(spec.index())
            server.documents["openapi:index"] = body
        return Response(200, body, JSON, [(b"cache-control", b"no-cache, private")])
    gv = spec.group_version_of(route.rest)
    if gv is None:
        raise not_found()
    etag = spec.etag(gv)
    headers = [(b"etag", f'"{etag}"'.encode())]
    if query_hash == etag:
        headers.append((b"cache-control", b"public, immutable"))
        headers.append((b"expires", b"Thu, 31 Dec 2099 23:59:59 GMT"))
    else:
        headers.append((b"cache-control", b"no-cache, private"))
    if if_none_match.strip('"') == etag:
        return Response(304, b"", JSON, headers)
    key = f"openapi:{gv}"
    body = server.documents.get(key)
    if body is None:
        body = orjson.dumps(spec.document(gv))
        server.documents[key] = body
    return Response(200, body, JSON, headers)
