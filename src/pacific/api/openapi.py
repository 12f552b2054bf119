"""OpenAPI v3 as kube-apiserver serves it: `/openapi/v3` and one document per group-version.

`document(group_version, kinds)` builds the document of one group-version: `paths` with
every operation of its resources (`pacific.api.openapi_paths`) and `components.schemas`
with every definition reachable from its kinds (`pacific.api.openapi_schemas`), each
top-level kind tagged with `x-kubernetes-group-version-kind`. `kubectl explain` reads it,
and kubectl's field-validation probe finds `fieldValidation` on the PATCH operations.

Output is deterministic (sorted keys in `hash_of`, sorted definitions and paths), so
`hash_of` is a stable etag: `index` advertises each document as
`/openapi/v3/<path>?hash=<etag>`, which clients cache forever.

`OpenAPIV3` owns the cache: documents and their hashes are computed once per
group-version, on first use, and reused; it is built from the served kinds and immutable.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

import orjson

from pacific.api.openapi_paths import (
    DELETE_OPTIONS,
    PATCH,
    SCALE,
    STATUS,
    WATCH_EVENT,
    list_definition,
    resource_paths,
)
from pacific.api.openapi_schemas import Components, ref
from pacific.api.resources import ResourceType

LIST_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta"
INFO = {"title": "Kubernetes", "version": "v1.32.0"}
SECURITY = {"BearerToken": {"type": "apiKey", "name": "authorization", "in": "header"}}


def url_path(group_version: str) -> str:
    """`api/v1` for the core group, `apis/<group>/<version>` otherwise."""
    return f"apis/{group_version}" if "/" in group_version else f"api/{group_version}"


def _list_schema(rt: ResourceType) -> dict[str, Any]:
    return {
        "description": f"{rt.list_kind} is a list of {rt.kind}.",
        "type": "object",
        "properties": {
            "apiVersion": {"description": "APIVersion of this representation.", "type": "string"},
            "items": {
                "description": f"List of {rt.plural}.",
                "type": "array",
                "items": {"allOf": [ref(rt.schema_name)], "default": {}},
            },
            "kind": {"description": "Kind of this representation.", "type": "string"},
            "metadata": {"allOf": [ref(LIST_META)], "default": {}},
        },
        "required": ["items"],
        "x-kubernetes-group-version-kind": [
            {"group": rt.group, "kind": rt.list_kind, "version": rt.version}
        ],
    }


def document(group_version: str, kinds: Iterable[ResourceType]) -> dict[str, Any]:
    """The OpenAPI v3 document of one group-version, from the kinds it serves."""
    served = sorted(
        (rt for rt in kinds if rt.group_version == group_version and rt.schema_name),
        key=lambda rt: rt.plural,
    )
    components = Components()
    paths: dict[str, Any] = {}
    for name in (STATUS, DELETE_OPTIONS, WATCH_EVENT, LIST_META):
        components.add_named(name)
    components.define(
        PATCH,
        {
            "description": "Patch is provided to give a concrete name and type to the "
            "Kubernetes PATCH request body.",
            "type": "object",
        },
    )
    for rt in served:
        components.add_kind(rt.schema_name, rt.group, rt.version, rt.kind)
        if rt.stored:
            components.define(list_definition(rt), _list_schema(rt))
        if "scale" in rt.subresources:
            components.add_kind(SCALE, "autoscaling", "v1", "Scale")
        paths.update(resource_paths(rt))
    return {
        "openapi": "3.0.0",
        "info": dict(INFO),
        "paths": {p: paths[p] for p in sorted(paths)},
        "components": {"schemas": components.schemas(), "securitySchemes": SECURITY},
    }


def hash_of(doc: Mapping[str, Any]) -> str:
    """The document's etag: SHA-512 of its canonical JSON, upper-case hex (like kube)."""
    return hashlib.sha512(orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)).hexdigest().upper()


def index(hashes: Mapping[str, str]) -> dict[str, Any]:
    """The `/openapi/v3` discovery document for {group_version: etag}."""
    return {
        "paths": {
            url_path(gv): {"serverRelativeURL": f"/openapi/v3/{url_path(gv)}?hash={hashes[gv]}"}
            for gv in sorted(hashes, key=url_path)
        }
    }


class OpenAPIV3:
    """Documents of the served kinds, computed lazily once per group-version."""

    def __init__(self, kinds: Iterable[ResourceType]) -> None:
        self._kinds = tuple(kinds)
        self._docs: dict[str, tuple[dict[str, Any], str]] = {}

    def group_versions(self) -> list[str]:
        return sorted({rt.group_version for rt in self._kinds}, key=url_path)

    def group_version_of(self, path: str) -> str | None:
        """The group-version served at `api/v1` / `apis/<group>/<version>`, if any."""
        for gv in self.group_versions():
            if url_path(gv) == path.strip("/"):
                return gv
        return None

    def _entry(self, group_version: str) -> tuple[dict[str, Any], str]:
        if group_version not in self._docs:
            if group_version not in self.group_versions():
                raise KeyError(group_version)
            doc = document(group_version, self._kinds)
            self._docs[group_version] = (doc, hash_of(doc))
        return self._docs[group_version]

    def document(self, group_version: str) -> dict[str, Any]:
        """The document of a served group-version; KeyError if it is not served."""
        return self._entry(group_version)[0]

    def etag(self, group_version: str) -> str:
        return self._entry(group_version)[1]

    def index(self) -> dict[str, Any]:
        return index({gv: self.etag(gv) for gv in self.group_versions()})
