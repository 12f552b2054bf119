"""Subresources with their own representation: `scale`, `binding` (and core `bindings`).

- scale (deployments, replicasets): an autoscaling/v1 Scale view of the parent — spec.replicas
  from the parent's spec, status.replicas and the selector as a string from its status and
  spec. Writes (PUT, or json/merge patches of the Scale) change only the parent's
  spec.replicas; a resourceVersion in the Scale is the parent's (409 when stale).
- binding (pods/x/binding and POST namespaces/ns/bindings): sets spec.nodeName of an
  unbound pod and marks it PodScheduled; 409 Conflict if it is already bound.
"""

from __future__ import annotations

import copy
from typing import Any

from pacific.api.errors import (
    FIELD_VALUE_INVALID,
    BadRequest,
    Cause,
    Conflict,
    Details,
    Invalid,
    NotFound,
)
from pacific.api.resources import Obj, ResourceType
from pacific.api.selectors import label_selector_from_object
from pacific.apiserver import admission, bodies, params, render
from pacific.apiserver.context import Call, Response, Server
from pacific.apiserver.negotiation import Body, body_format
from pacific.apiserver.strategy import prepare_update, rfc3339
from pacific.apiserver.writes import apply_patch

SCALE_TYPE = ("autoscaling/v1", "Scale")


def scale_of(obj: Obj) -> Obj:
    meta = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    scale_meta = {
        k: meta[k]
        for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
        if k in meta
    }
    selector = spec.get("selector")
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": scale_meta,
        "spec": {"replicas": int(spec.get("replicas", 0) or 0)},
        "status": {
            "replicas": int(status.get("replicas", 0) or 0),
            "selector": str(label_selector_from_object(selector)) if selector else "",
        },
    }


def _replicas(scale: Obj) -> int:
    value = (scale.get("spec") or {}).get("replicas", 0)
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadRequest("Scale.spec.replicas must be an integer")
    return value


async def get_scale(server: Server, call: Call) -> Response:
    obj = await server.registry.get(call.rt, call.namespace, call.route.name)
    return render.json_response(scale_of(obj))


async def write_scale(server: Server, call: Call) -> Response:
    rt = call.rt
    opts = params.write_options(call.query, call.header(b"user-agent"))
    if call.method == "PATCH":
        fmt = body_format(call.header(b"content-type"), patch=True)
        if fmt is Body.APPLY_PATCH:
            raise BadRequest("apply patches are not supported on the scale subresource")
        document: Any = bodies.load_patch(call.body, fmt)
        body: Obj | None = None
    else:
        fmt = Body.JSON
        document = None
        body = bodies.load_object(call.body, call.header(b"content-type"))
        bodies.check_type(rt, body, SCALE_TYPE)

    async def transform(old: Obj) -> Obj:
        current = scale_of(old)
        scale = body if body is not None else apply_patch(server, rt, fmt, current, document)
        if (scale.get("metadata") or {}).get("name", call.route.name) != call.route.name:
            raise BadRequest("the name of the object does not match the name on the URL")
        replicas = _replicas(scale)
        if replicas < 0:
            raise Invalid.of(
                "Scale",
                "autoscaling",
                call.route.name,
                [
                    Cause(
                        FIELD_VALUE_INVALID,
                        f"Invalid value: {replicas}: must be greater than or equal to 0",
                        "spec.replicas",
                    )
                ],
            )
        new = copy.deepcopy(old)
        new.setdefault("spec", {})["replicas"] = replicas
        wanted = (scale.get("metadata") or {}).get("resourceVersion")
        new["metadata"]["resourceVersion"] = wanted or old["metadata"]["resourceVersion"]
        prepare_update(rt, new, old)
        return admission.admit_update(server.kinds, rt, new, old, opts, server.clock(), "scale")

    obj, _ = await server.registry.update(
        rt, call.namespace, call.route.name, transform, dry_run=opts.dry_run
    )
    return render.json_response(scale_of(obj))


async def bind(server: Server, call: Call, pods: ResourceType, pod_name: str) -> Response:
    """POST a Binding: assign the pod to the target node."""
    opts = params.write_options(call.query, call.header(b"user-agent"))
    binding = bodies.load_object(call.body, call.header(b"content-type"))
    bodies.check_type(call.rt, binding, ("v1", "Binding"))
    meta = binding.get("metadata") or {}
    name = pod_name or meta.get("name", "")
    if pod_name and meta.get("name") and meta["name"] != pod_name:
        raise BadRequest(f"Binding name {meta['name']!r} does not match the pod {pod_name!r}")
    target = binding.get("target") or {}
    node = target.get("name")
    if not node:
        raise BadRequest("Binding.target.name: Required value")
    if target.get("kind", "Node") not in ("Node", ""):
        raise BadRequest(f'Binding.target.kind: Unsupported value: "{target.get("kind")}"')
    namespace = call.route.namespace

    async def transform(old: Obj) -> Obj:
        current = (old.get("spec") or {}).get("nodeName")
        if current:
            raise Conflict(
                f'Operation cannot be fulfilled on pods/binding "{name}": pod {name} is already '
                f'assigned to node "{current}"',
                Details(name=name, kind="pods/binding"),
            )
        if "deletionTimestamp" in (old.get("metadata") or {}):
            raise Conflict(
                f'Operation cannot be fulfilled on pods/binding "{name}": pod {name} is being '
                "deleted, cannot be assigned to a host",
                Details(name=name, kind="pods/binding"),
            )
        new = copy.deepcopy(old)
        new.setdefault("spec", {})["nodeName"] = node
        annotations = meta.get("annotations") or {}
        if annotations:
            new["metadata"].setdefault("annotations", {}).update(annotations)
        status = new.setdefault("status", {})
        conditions = [c for c in status.get("conditions") or [] if c.get("type") != "PodScheduled"]
        conditions.append(
            {
                "type": "PodScheduled",
                "status": "True",
                "lastProbeTime": None,
                "lastTransitionTime": rfc3339(server.clock()),
            }
        )
        status["conditions"] = conditions
        return admission.record(server.kinds, pods, old, new, opts, server.clock(), "binding")

    try:
        await server.registry.update(pods, namespace, name, transform, dry_run=opts.dry_run)
    except NotFound:
        raise NotFound.of("pods", "", name) from None
    return render.json_response(
        {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201},
        status=201,
    )
