"""`paths` of an OpenAPI v3 document: the REST operations of each resource.

For every resource the document lists the URLs kube-apiserver serves (namespaced and
all-namespaces collections, the object, the watch forms and the `status` / `scale`
subresources), each operation tagged with `x-kubernetes-action` (get, list, watch,
watchlist, post, put, patch, delete, deletecollection) and a single
`x-kubernetes-group-version-kind` object. Every PATCH declares the `fieldValidation`,
`dryRun`, `fieldManager` and `force` query parameters: kubectl looks for `fieldValidation`
there before it leaves validation to the server.
"""

from __future__ import annotations

from typing import Any

from pacific.api.openapi_schemas import ref
from pacific.api.resources import ResourceType

META = "io.k8s.apimachinery.pkg.apis.meta.v1."
STATUS = META + "Status"
DELETE_OPTIONS = META + "DeleteOptions"
WATCH_EVENT = META + "WatchEvent"
PATCH = META + "Patch"
SCALE = "io.k8s.api.autoscaling.v1.Scale"
JSON_TYPES = ("application/json", "application/yaml", "application/vnd.kubernetes.protobuf")
PATCH_TYPES = (
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
)


def _query(name: str, kind: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "description": description,
        "schema": {"type": kind, "uniqueItems": True},
    }


def _path_param(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "description": description,
        "required": True,
        "schema": {"type": "string", "uniqueItems": True},
    }


PRETTY = _query("pretty", "string", "If 'true', then the output is pretty printed.")
NAMESPACE = _path_param("namespace", "object name and auth scope, such as for teams and projects")
DRY_RUN = _query(
    "dryRun",
    "string",
    "When present, indicates that modifications should not be persisted. The only valid "
    "value is All: process the request fully but store nothing.",
)
FIELD_MANAGER = _query(
    "fieldManager", "string", "A name associated with the actor or entity making these changes."
)
FIELD_VALIDATION = _query(
    "fieldValidation",
    "string",
    "How the server treats unknown and duplicate fields in the request body: Ignore drops "
    "them, Warn (the default) drops them and returns a warning, Strict fails the request.",
)
FORCE = _query(
    "force",
    "boolean",
    'Force is going to "force" Apply requests: re-acquire fields owned by other managers. '
    "Must be unset for non-apply patch requests.",
)
LIST_PARAMS = (
    _query("allowWatchBookmarks", "boolean", "Request watch events of type BOOKMARK."),
    _query("continue", "string", "The continue token of the previous page of a list."),
    _query("fieldSelector", "string", "Restrict the returned objects by their fields."),
    _query("labelSelector", "string", "Restrict the returned objects by their labels."),
    _query("limit", "integer", "The maximum number of objects to return in one page."),
    _query("resourceVersion", "string", "The resourceVersion the list or watch starts from."),
    _query("resourceVersionMatch", "string", "How resourceVersion applies to a list."),
    _query("sendInitialEvents", "boolean", "Begin a watch with the current state as events."),
    _query("timeoutSeconds", "integer", "Timeout of the list or watch call."),
    _query("watch", "boolean", "Watch for changes and return them as a stream of events."),
)
DELETE_PARAMS = (
    DRY_RUN,
    _query("gracePeriodSeconds", "integer", "The duration in seconds before deletion."),
    _query("orphanDependents", "boolean", "Deprecated: use propagationPolicy."),
    _query("propagationPolicy", "string", "Orphan, Background or Foreground."),
)


def _content(schema: dict[str, Any], types: tuple[str, ...] = JSON_TYPES) -> dict[str, Any]:
    return {t: {"schema": schema} for t in types}


def _responses(schema: dict[str, Any], *codes: str) -> dict[str, Any]:
    out = {code: {"description": _REASONS[code], "content": _content(schema)} for code in codes}
    out["401"] = {"description": "Unauthorized"}
    return out


_REASONS = {"200": "OK", "201": "Created", "202": "Accepted"}


def _camel(text: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in text.replace("-", ".").split("."))


def _id_part(rt: ResourceType) -> str:
    group = rt.group.removesuffix(".k8s.io") if rt.group else "core"
    return _camel(group) + _camel(rt.version)


class _Builder:
    def __init__(self, rt: ResourceType, root: str) -> None:
        self.rt = rt
        self.root = root
        self.gvk = {"group": rt.group, "kind": rt.kind, "version": rt.version}
        self.obj = ref(rt.schema_name)
        self.list = ref(list_definition(rt))
        self.scope = "Namespaced" if rt.namespaced else ""
        self.paths: dict[str, dict[str, Any]] = {}

    def op(
        self,
        verb: str,
        action: str,
        suffix: str,
        *,
        params: tuple[dict[str, Any], ...] = (),
        gvk: dict[str, str] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        return {
            "tags": [_id_part(self.rt)[0].lower() + _id_part(self.rt)[1:]],
            "description": f"{action} {suffix or self.rt.kind}",
            "operationId": f"{verb}{_id_part(self.rt)}{self.scope}{self.rt.kind}{suffix}",
            **({"parameters": list(params)} if params else {}),
            **extra,
            "x-kubernetes-action": action,
            "x-kubernetes-group-version-kind": gvk or self.gvk,
        }

    def add(self, path: str, params: list[dict[str, Any]], **ops: dict[str, Any]) -> None:
        self.paths[path] = {**ops, "parameters": [*params, PRETTY]}

    def body(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {"requestBody": {"content": _content(schema, ("*/*",)), "required": True}}

    def patch_body(self) -> dict[str, Any]:
        types = (
            PATCH_TYPES
            if not _custom(self.rt)
            else tuple(t for t in PATCH_TYPES if "strategic" not in t)
        )
        return {"requestBody": {"content": _content(ref(PATCH), types), "required": True}}


def _custom(rt: ResourceType) -> bool:
    return "." in rt.group and not rt.group.endswith(".k8s.io")


def list_definition(rt: ResourceType) -> str:
    """The definition name of a kind's list, next to the kind's own definition."""
    return rt.schema_name.rsplit(".", 1)[0] + "." + rt.list_kind


def resource_paths(rt: ResourceType) -> dict[str, dict[str, Any]]:
    """All paths of one resource, keyed by URL template."""
    root = "/api/" + rt.version if not rt.group else f"/apis/{rt.group}/{rt.version}"
    b = _Builder(rt, root)
    ns = f"namespaces/{{namespace}}/{rt.plural}" if rt.namespaced else rt.plural
    scope = [NAMESPACE] if rt.namespaced else []
    name = _path_param("name", f"name of the {rt.kind}")
    verbs = set(rt.verbs)
    writes = (DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION)
    patch_params = (*writes, FORCE)
    ok = ref(STATUS)

    collection: dict[str, Any] = {}
    if "list" in verbs:
        collection["get"] = b.op(
            "list", "list", "", params=LIST_PARAMS, responses=_responses(b.list, "200")
        )
    if "create" in verbs:
        collection["post"] = b.op(
            "create",
            "post",
            "",
            params=writes,
            **b.body(b.obj),
            responses=_responses(b.obj, "200", "201", "202"),
        )
    if "deletecollection" in verbs:
        collection["delete"] = b.op(
            "deletecollection",
            "deletecollection",
            "",
            params=(*LIST_PARAMS, *DELETE_PARAMS),
            **b.body(ref(DELETE_OPTIONS)),
            responses=_responses(ok, "200"),
        )
    if collection:
        b.add(f"{root}/{ns}", scope, **collection)
    if rt.namespaced and "list" in verbs:
        b.add(
            f"{root}/{rt.plural}",
            [],
            get=b.op(
                "list",
                "list",
                "ForAllNamespaces",
                params=LIST_PARAMS,
                responses=_responses(b.list, "200"),
            ),
        )

    item: dict[str, Any] = {}
    if "get" in verbs:
        item["get"] = b.op("read", "get", "", responses=_responses(b.obj, "200"))
    if "update" in verbs:
        item["put"] = b.op(
            "replace",
            "put",
            "",
            params=writes,
            **b.body(b.obj),
            responses=_responses(b.obj, "200", "201"),
        )
    if "patch" in verbs:
        item["patch"] = b.op(
            "patch",
            "patch",
            "",
            params=patch_params,
            **b.patch_body(),
            responses=_responses(b.obj, "200", "201"),
        )
    if "delete" in verbs:
        item["delete"] = b.op(
            "delete",
            "delete",
            "",
            params=DELETE_PARAMS,
            **b.body(ref(DELETE_OPTIONS)),
            responses=_responses(ok, "200", "202"),
        )
    if item:
        b.add(f"{root}/{ns}/{{name}}", [name, *scope], **item)

    if "watch" in verbs:
        event = ref(WATCH_EVENT)
        b.add(
            f"{root}/watch/{ns}",
            scope,
            get=b.op(
                "watch", "watchlist", "List", params=LIST_PARAMS, responses=_responses(event, "200")
            ),
        )
        b.add(
            f"{root}/watch/{ns}/{{name}}",
            [name, *scope],
            get=b.op("watch", "watch", "", params=LIST_PARAMS, responses=_responses(event, "200")),
        )
        if rt.namespaced:
            b.add(
                f"{root}/watch/{rt.plural}",
                [],
                get=b.op(
                    "watch",
                    "watchlist",
                    "ListForAllNamespaces",
                    params=LIST_PARAMS,
                    responses=_responses(event, "200"),
                ),
            )

    for sub in sorted(rt.subresources & {"status", "scale"}):
        target = b.obj if sub == "status" else ref(SCALE)
        gvk = (
            None if sub == "status" else {"group": "autoscaling", "kind": "Scale", "version": "v1"}
        )
        suffix = sub.capitalize()
        b.add(
            f"{root}/{ns}/{{name}}/{sub}",
            [name, *scope],
            get=b.op("read", "get", suffix, gvk=gvk, responses=_responses(target, "200")),
            put=b.op(
                "replace",
                "put",
                suffix,
                gvk=gvk,
                params=writes,
                **b.body(target),
                responses=_responses(target, "200", "201"),
            ),
            patch=b.op(
                "patch",
                "patch",
                suffix,
                gvk=gvk,
                params=patch_params,
                **b.patch_body(),
                responses=_responses(target, "200", "201"),
            ),
        )
    return b.paths
