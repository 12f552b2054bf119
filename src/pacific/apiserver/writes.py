"""POST, PUT, PATCH, DELETE and DELETE-collection on a resource (and its /status).

Every write: parse the body (bodies), run admission (admission), then one registry call
(create / compare-and-swap update / delete). `dryRun=All` runs everything and stores
nothing. Warnings from fieldValidation=Warn go out as `Warning: 299 - "..."` headers.

Update paths (PUT and PATCH share them): the main resource keeps status; `/status` keeps
everything but status (and labels/annotations); `namespaces/x/finalize` changes only
spec.finalizers. An apply patch on a missing object creates it.
"""

from __future__ import annotations

import copy
from typing import Any

from pacific.api.apply import server_side_apply
from pacific.api.defaults import apply_defaults
from pacific.api.errors import (
    AlreadyExists,
    BadRequest,
    Details,
    MethodNotAllowed,
    NotFound,
)
from pacific.api.patch import apply_json_patch, apply_merge_patch
from pacific.api.resources import Obj, ResourceType
from pacific.api.strategicmerge import apply_strategic_merge_patch
from pacific.api.validation import validate_create
from pacific.apiserver import (
    admission,
    admission_priority,
    admission_quota,
    admission_vm,
    bodies,
    params,
    render,
)
from pacific.apiserver.context import Call, Response, Server
from pacific.apiserver.deletion import DeleteOptions
from pacific.apiserver.negotiation import Body, body_format
from pacific.apiserver.reads import make_filter
from pacific.apiserver.registry import decode
from pacific.apiserver.strategy import (
    needs_generated_name,
    prepare_create,
    prepare_status_update,
    prepare_update,
    rfc3339,
)

# Kinds whose DELETE returns the object (kube's ReturnDeletedObject); others a Status.
RETURNS_DELETED_OBJECT = frozenset({("", "pods"), ("", "namespaces"), ("", "services")})
# A create whose generated name is taken is retried with a new name (KEP-4420): 8 tries.
GENERATE_NAME_ATTEMPTS = 8


def warning_headers(warnings: list[str]) -> list[tuple[bytes, bytes]]:
    out = []
    for w in warnings:
        text = w.replace("\\", "\\\\").replace('"', '\\"')
        out.append((b"warning", f'299 - "{text}"'.encode()))
    return out


def _respond(server: Server, call: Call, obj: Obj, status: int, warnings: list[str]) -> Response:
    resp = render.object_response(call.rt, obj, call.output, status=status, now=server.clock())
    resp.headers.extend(warning_headers(warnings))
    return resp


def set_namespace(rt: ResourceType, call: Call, obj: Obj) -> None:
    meta = obj.setdefault("metadata", {})
    if not isinstance(meta, dict):
        raise BadRequest("metadata must be an object")
    if not rt.namespaced:
        meta.pop("namespace", None)
        return
    body_ns = meta.get("namespace")
    if body_ns and body_ns != call.route.namespace:
        raise BadRequest(
            "the namespace of the provided object does not match the namespace sent on the request"
        )
    if call.route.namespace:
        meta["namespace"] = call.route.namespace


def _check_name(call: Call, obj: Obj) -> None:
    name = (obj.get("metadata") or {}).get("name")
    if name != call.route.name:
        raise BadRequest(
            f"the name of the object ({name}) does not match the name on the URL "
            f"({call.route.name})"
        )


async def create(server: Server, call: Call) -> Response:
    rt = call.rt
    if call.route.name:
        raise MethodNotAllowed("the server does not allow this method on the requested resource")
    if rt.namespaced and not call.route.namespace:
        raise NotFound("the server could not find the requested resource")
    opts = params.write_options(call.query, call.header(b"user-agent"))
    content_type = call.header(b"content-type")
    obj = bodies.load_object(call.body, content_type)
    bodies.check_type(rt, obj)
    warnings = admission.check(
        server.kinds, rt, obj, opts, raw=bodies.json_text(call.body, content_type)
    )
    set_namespace(rt, call, obj)
    generated = needs_generated_name(obj)
    obj = admission.admit_create(server.kinds, rt, obj, opts, server.clock(), server.names)
    await admission_vm.admit(server, rt, obj)
    admission_priority.admit(server, rt, obj, None)
    await admission_quota.admit(server, rt, obj, None, dry_run=opts.dry_run)
    attempts = 1
    while True:
        try:
            created = await server.registry.create(rt, call.namespace, obj, dry_run=opts.dry_run)
            return _respond(server, call, created, 201, warnings)
        except AlreadyExists:
            if not generated:
                raise
            meta = obj["metadata"]
            if attempts == GENERATE_NAME_ATTEMPTS:
                raise generate_name_conflict(rt, meta["name"]) from None
            attempts += 1
            meta["name"] = server.names(meta["generateName"])


def generate_name_conflict(rt: ResourceType, name: str) -> AlreadyExists:
    """Every generated name was taken (kube's NewGenerateNameConflict)."""
    qualified = f"{rt.plural}.{rt.group}" if rt.group else rt.plural
    return AlreadyExists(
        f"The POST operation against {qualified} could not be completed at this time, "
        "please try again.",
        Details(name=name, group=rt.group, kind=rt.plural, retry_after_seconds=1),
    )


def prepare(rt: ResourceType, subresource: str, new: Obj, old: Obj) -> Obj:
    """The object a write to `subresource` ("" for the main resource) would store."""
    if subresource == "status":
        return prepare_status_update(new, old)
    if subresource == "finalize":
        out = copy.deepcopy(old)
        out.setdefault("spec", {})["finalizers"] = list(
            (new.get("spec") or {}).get("finalizers") or []
        )
        if (new.get("metadata") or {}).get("resourceVersion"):
            out["metadata"]["resourceVersion"] = new["metadata"]["resourceVersion"]
        return out
    prepare_update(rt, new, old)
    return new


async def update(server: Server, call: Call) -> Response:
    rt, sub = call.rt, call.route.subresource
    opts = params.write_options(call.query, call.header(b"user-agent"))
    content_type = call.header(b"content-type")
    body = bodies.load_object(call.body, content_type)
    bodies.check_type(rt, body)
    warnings = admission.check(
        server.kinds, rt, body, opts, raw=bodies.json_text(call.body, content_type)
    )
    set_namespace(rt, call, body)
    _check_name(call, body)

    async def transform(old: Obj) -> Obj:
        new = prepare(rt, sub, copy.deepcopy(body), old)
        admission_vm.mutate_update(server, rt, sub, new, old)
        return admission.admit_update(server.kinds, rt, new, old, opts, server.clock(), sub)

    obj, _deleted = await server.registry.update(
        rt, call.namespace, call.route.name, transform, dry_run=opts.dry_run
    )
    return _respond(server, call, obj, 200, warnings)


def apply_patch(server: Server, rt: ResourceType, fmt: Body, old: Obj, patch: Any) -> Obj:
    """`old` with a JSON, merge or strategic merge patch applied (apply patches go elsewhere)."""
    if fmt is Body.JSON_PATCH:
        return apply_json_patch(old, patch)
    if fmt is Body.MERGE_PATCH:
        return apply_merge_patch(old, patch)
    return apply_strategic_merge_patch(old, patch, server.kinds.schema_of(rt))


async def patch(server: Server, call: Call) -> Response:
    rt, sub = call.rt, call.route.subresource
    opts = params.write_options(call.query, call.header(b"user-agent"))
    fmt = body_format(call.header(b"content-type"), patch=True)
    document = bodies.load_patch(call.body, fmt)
    if fmt is Body.APPLY_PATCH:
        return await _apply(server, call, opts, document)
    warnings: list[str] = []

    async def transform(old: Obj) -> Obj:
        patched = apply_patch(server, rt, fmt, old, document)
        bodies.check_type(rt, patched)
        warnings[:] = admission.check(server.kinds, rt, patched, opts, wrap=False)
        set_namespace(rt, call, patched)
        _check_name(call, patched)
        new = prepare(rt, sub, patched, old)
        unconditional(new, old)
        admission_vm.mutate_update(server, rt, sub, new, old)
        return admission.admit_update(server.kinds, rt, new, old, opts, server.clock(), sub)

    obj, _deleted = await server.registry.update(
        rt, call.namespace, call.route.name, transform, dry_run=opts.dry_run
    )
    return _respond(server, call, obj, 200, warnings)


def unconditional(new: Obj, old: Obj) -> None:
    """A patch that did not change metadata.resourceVersion carries no precondition: drop
    the version it inherited from `old`, so a concurrent write makes the registry retry the
    patch on the newer object (kube's GuaranteedUpdate) instead of answering 409."""
    meta, old_meta = new.get("metadata"), old.get("metadata") or {}
    if isinstance(meta, dict) and meta.get("resourceVersion") == old_meta.get("resourceVersion"):
        meta.pop("resourceVersion", None)


async def _apply(server: Server, call: Call, opts: params.WriteOptions, applied: Obj) -> Response:
    rt, sub = call.rt, call.route.subresource
    if not call.query.get("fieldManager"):
        raise BadRequest("PATCH /apply requests require a fieldManager")
    bodies.check_type(rt, applied)
    set_namespace(rt, call, applied)
    _check_name(call, applied)
    warnings = admission.check(server.kinds, rt, applied, opts)
    schema = server.kinds.schema_of(rt)

    def run(live: Obj | None) -> Obj:
        return server_side_apply(
            live,
            applied,
            schema,
            manager=opts.field_manager,
            force=opts.force,
            now=rfc3339(server.clock()),
            api_version=rt.api_version,
            subresource=sub,
        )

    async def transform(old: Obj) -> Obj:
        new = prepare(rt, sub, run(old), old)
        unconditional(new, old)
        admission_vm.mutate_update(server, rt, sub, new, old)
        admission.admit_applied(rt, new, old)
        return new

    try:
        obj, _deleted = await server.registry.update(
            rt, call.namespace, call.route.name, transform, dry_run=opts.dry_run
        )
        return _respond(server, call, obj, 200, warnings)
    except NotFound:
        if sub:
            raise
    created = run(None)
    prepare_create(rt, created, server.clock())
    apply_defaults(rt, created)
    validate_create(rt, created)
    await admission_vm.admit(server, rt, created)
    stored = await server.registry.create(rt, call.namespace, created, dry_run=opts.dry_run)
    return _respond(server, call, stored, 201, warnings)


def delete_options(call: Call) -> DeleteOptions:
    body: Obj = {}
    if call.body.strip():
        doc = bodies.load_json(call.body)
        if not isinstance(doc, dict):
            raise BadRequest("DeleteOptions must be an object")
        body = doc
    query = call.query
    grace = params.integer(query, "gracePeriodSeconds")
    if grace is None and body.get("gracePeriodSeconds") is not None:
        grace = int(body["gracePeriodSeconds"])
    policy = query.get("propagationPolicy") or body.get("propagationPolicy")
    orphan = query.get("orphanDependents")
    if policy is None and orphan is not None:
        policy = "Orphan" if params.flag(query, "orphanDependents") else "Background"
    if policy is None and body.get("orphanDependents") is not None:
        policy = "Orphan" if body["orphanDependents"] else "Background"
    pre = body.get("preconditions") or {}
    dry = query.get("dryRun") == "All" or "All" in (body.get("dryRun") or [])
    return DeleteOptions(
        grace_period_seconds=grace,
        propagation_policy=policy,
        precondition_uid=pre.get("uid"),
        precondition_resource_version=pre.get("resourceVersion"),
        dry_run=dry,
    )


async def delete(server: Server, call: Call) -> Response:
    rt = call.rt
    if call.route.subresource:
        raise MethodNotAllowed("the server does not allow this method on the requested resource")
    options = delete_options(call)
    obj, removed = await server.registry.delete(rt, call.namespace, call.route.name, options)
    if removed and (rt.group, rt.plural) not in RETURNS_DELETED_OBJECT:
        return render.json_response(_success(rt, obj))
    return render.object_response(rt, obj, call.output, now=server.clock())


def _success(rt: ResourceType, obj: Obj) -> Obj:
    meta = obj.get("metadata") or {}
    details: Obj = {"name": meta.get("name", ""), "kind": rt.plural}
    if rt.group:
        details["group"] = rt.group
    if meta.get("uid"):
        details["uid"] = meta["uid"]
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": details,
    }


async def delete_collection(server: Server, call: Call) -> Response:
    rt = call.rt
    options = delete_options(call)
    accept = make_filter(rt, call.query)
    page = await server.registry.list_page(
        rt.prefix(call.namespace), start_after="", limit=0, revision=0
    )
    deleted: list[Obj] = []
    for kv in page.items:
        obj = decode(kv.value, kv.mod_revision)
        if accept is not None and not accept(obj):
            continue
        name = obj["metadata"]["name"]
        try:
            out, _removed = await server.registry.delete(
                rt, obj["metadata"].get("namespace") if rt.namespaced else None, name, options
            )
        except NotFound:
            continue
        deleted.append(out)
    meta = render.list_meta(await server.registry.current_revision())
    return render.list_response(rt, deleted, meta, call.output, now=server.clock())
