"""URL parsing: a request path and method become one typed `Route`.

Model (kube-apiserver's RequestInfo): every path is either a *non-resource* path
(/version, /healthz, /openapi/v3/..., discovery documents) or a *resource* path

    /api/v1[/watch][/namespaces/{ns}]/{resource}[/{name}[/{subresource}]]
    /apis/{group}/{version}[/watch][/namespaces/{ns}]/{resource}[/{name}[/{subresource}]]

`namespaces/{ns}/status` and `namespaces/{ns}/finalize` are subresources of the namespace
itself, not a resource inside it. The verb comes from the method plus whether a name is
present (GET with name: get, without: list, or watch with ?watch=true / the legacy
/watch/ prefix). Parsing is pure: it knows nothing of which resources exist.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from pacific.api.errors import MethodNotAllowed, NotFound

NAMESPACE_SUBRESOURCES = frozenset({"status", "finalize"})


class Verb(enum.Enum):
    GET = "get"
    LIST = "list"
    WATCH = "watch"
    CREATE = "create"
    UPDATE = "update"
    PATCH = "patch"
    DELETE = "delete"
    DELETECOLLECTION = "deletecollection"


class Page(enum.Enum):
    """Non-resource endpoints."""

    API_VERSIONS = "api"  # /api
    API_GROUPS = "apis"  # /apis
    API_GROUP = "group"  # /apis/{group}
    RESOURCE_LIST = "resources"  # /api/v1, /apis/{group}/{version}
    VERSION = "version"
    HEALTHZ = "healthz"
    LIVEZ = "livez"
    READYZ = "readyz"
    OPENAPI_V3_INDEX = "openapi-v3-index"
    OPENAPI_V3 = "openapi-v3"  # /openapi/v3/{api/v1|apis/g/v}
    OPENAPI_V2 = "openapi-v2"


@dataclass(frozen=True, slots=True)
class PageRoute:
    page: Page
    group: str = ""
    version: str = ""
    rest: str = ""  # e.g. the group-version path after /openapi/v3/


@dataclass(frozen=True, slots=True)
class ResourceRoute:
    verb: Verb
    group: str
    version: str
    resource: str
    namespace: str | None
    name: str
    subresource: str

    @property
    def has_name(self) -> bool:
        return bool(self.name)


NOT_FOUND_MESSAGE = "the server could not find the requested resource"


def not_found() -> NotFound:
    return NotFound(NOT_FOUND_MESSAGE)


def _page(path: str) -> PageRoute | None:
    if path in ("/version", "/version/"):
        return PageRoute(Page.VERSION)
    for prefix, page in (("/healthz", Page.HEALTHZ), ("/livez", Page.LIVEZ)):
        if path == prefix or path.startswith(prefix + "/"):
            return PageRoute(page, rest=path[len(prefix) + 1 :])
    if path == "/readyz" or path.startswith("/readyz/"):
        return PageRoute(Page.READYZ, rest=path[len("/readyz") + 1 :])
    if path in ("/openapi/v3", "/openapi/v3/"):
        return PageRoute(Page.OPENAPI_V3_INDEX)
    if path.startswith("/openapi/v3/"):
        return PageRoute(Page.OPENAPI_V3, rest=path[len("/openapi/v3/") :])
    if path == "/openapi/v2" or path.startswith("/openapi/v2/"):
        return PageRoute(Page.OPENAPI_V2)
    return None


def _verb(method: str, has_name: bool, watch: bool) -> Verb:
    if method in ("GET", "HEAD"):
        if watch:
            return Verb.WATCH
        return Verb.GET if has_name else Verb.LIST
    if method == "POST":
        return Verb.CREATE
    if method == "PUT":
        return Verb.UPDATE
    if method == "PATCH":
        return Verb.PATCH
    if method == "DELETE":
        return Verb.DELETE if has_name else Verb.DELETECOLLECTION
    raise MethodNotAllowed(
        f"the server does not allow this method on the requested resource ({method})"
    )


def parse(method: str, path: str, *, watch_param: bool = False) -> PageRoute | ResourceRoute:
    """Parse a request; raises NotFound for paths that name nothing the API could serve."""
    page = _page(path)
    if page is not None:
        return page
    parts = [p for p in path.split("/") if p]
    if not parts:
        raise not_found()
    if parts[0] == "api":
        if len(parts) == 1:
            return PageRoute(Page.API_VERSIONS)
        group, version, rest = "", parts[1], parts[2:]
    elif parts[0] == "apis":
        if len(parts) == 1:
            return PageRoute(Page.API_GROUPS)
        if len(parts) == 2:
            return PageRoute(Page.API_GROUP, group=parts[1])
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        raise not_found()
    if not rest:
        return PageRoute(Page.RESOURCE_LIST, group=group, version=version)
    watch = watch_param
    legacy_watch = rest[0] == "watch"
    if legacy_watch:
        watch, rest = True, rest[1:]
        if not rest:
            raise not_found()
    namespace: str | None = None
    if rest[0] == "namespaces" and len(rest) > 1:
        namespace = rest[1]
        if len(rest) > 2 and rest[2] not in NAMESPACE_SUBRESOURCES:
            rest = rest[2:]
        else:
            namespace = None
    if len(rest) > 3:
        raise not_found()
    resource = rest[0]
    name = rest[1] if len(rest) > 1 else ""
    subresource = rest[2] if len(rest) > 2 else ""
    # ?watch=true turns a list into a watch; only the legacy /watch/ prefix watches one name.
    verb = _verb(method, bool(name), watch and (legacy_watch or not name))
    if watch and subresource:
        raise not_found()
    return ResourceRoute(verb, group, version, resource, namespace, name, subresource)
