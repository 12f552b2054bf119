"""Where a resource lives on the wire: REST paths and query parameters, as pure functions.

    core:    /api/v1[/namespaces/{ns}]/{plural}[/{name}[/{subresource}]]
    grouped: /apis/{group}/{version}[/namespaces/{ns}]/{plural}[/{name}[/{subresource}]]

Cluster-scoped resources ignore `namespace`; a namespaced collection without a namespace is
the all-namespaces collection. Names are percent-encoded so a name can never add a path
segment. Query values are strings; booleans are written `true`/`false` as the Go client does.
"""

from __future__ import annotations

from urllib.parse import quote

from pacific.api.resources import ResourceType

QueryValue = str | int | bool | None


def group_version_path(rt: ResourceType) -> str:
    return f"/apis/{rt.group}/{rt.version}" if rt.group else f"/api/{rt.version}"


def _segment(value: str) -> str:
    if not value or value in (".", ".."):
        raise ValueError(f"invalid path segment {value!r}")
    return quote(value, safe="")


def collection_path(rt: ResourceType, namespace: str | None = None) -> str:
    base = group_version_path(rt)
    if rt.namespaced and namespace:
        base = f"{base}/namespaces/{_segment(namespace)}"
    return f"{base}/{rt.plural}"


def object_path(
    rt: ResourceType, name: str, namespace: str | None = None, subresource: str | None = None
) -> str:
    if rt.namespaced and not namespace:
        raise ValueError(f"{rt.qualified} is namespaced: a namespace is required")
    path = f"{collection_path(rt, namespace)}/{_segment(name)}"
    return f"{path}/{_segment(subresource)}" if subresource else path


def query(params: dict[str, QueryValue]) -> dict[str, str]:
    """Drop unset (None or empty) parameters and write the rest as Kubernetes expects."""
    out: dict[str, str] = {}
    for key, value in params.items():
        if value is None or value == "":
            continue
        out[key] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return out
