"""The `pods/eviction` subresource: `POST /api/v1/namespaces/{ns}/pods/{name}/eviction`.

Model (kube-apiserver's EvictionREST with no PodDisruptionBudget in the way — Pacific
serves no PDBs, so an eviction is never refused with 429 TooManyRequests):

1. The body is a policy/v1 (or policy/v1beta1) `Eviction` naming the pod; its optional
   `deleteOptions` (gracePeriodSeconds, preconditions, propagationPolicy, dryRun) are the
   options of the delete that follows. `?dryRun=All` on the URL works as well.
2. Unless dry-run, the pod first gets the `DisruptionTarget=True` condition (reason
   `EvictionByEvictionAPI`), in the same status write that checks the preconditions — so
   whoever watches the pod sees why it goes before it goes. A resourceVersion precondition
   is then moved to the version that write produced (we are the ones who changed it).
3. The pod is deleted through the ordinary deletion path (graceful for a pod bound to a
   host: the host agent confirms).
4. The answer is `201 Created` with a Success `Status`, like kube; a missing pod is 404.

Invariants: nothing is written for a dry run; the condition write and the delete both name
the pod's uid, so an eviction never hits a pod recreated under the same name in between.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from pacific.api.errors import BadRequest, Conflict, Details, NotFound
from pacific.api.resources import Obj, ResourceType
from pacific.apiserver import admission, bodies, params, render
from pacific.apiserver.context import Call, Response, Server
from pacific.apiserver.deletion import POLICIES, DeleteOptions
from pacific.apiserver.strategy import rfc3339

EVICTION_VERSIONS = ("policy/v1", "policy/v1beta1")
DISRUPTION_TARGET = "DisruptionTarget"
EVICTION_REASON = "EvictionByEvictionAPI"
EVICTION_MESSAGE = "Eviction API: evicting"


def check_eviction(eviction: Obj, pod_name: str, namespace: str | None) -> None:
    """The body must be an Eviction of this pod (its name and namespace, when given)."""
    api_version = eviction.get("apiVersion") or "policy/v1"
    kind = eviction.get("kind") or "Eviction"
    if api_version not in EVICTION_VERSIONS or kind != "Eviction":
        raise BadRequest(
            f'{kind} in version "{api_version}" cannot be handled as a Eviction: '
            "the body must be a policy/v1 Eviction"
        )
    meta = eviction.get("metadata") or {}
    if not isinstance(meta, dict):
        raise BadRequest("Eviction.metadata must be an object")
    if meta.get("name") and meta["name"] != pod_name:
        raise BadRequest("name in URL does not match name in Eviction object")
    if meta.get("namespace") and namespace and meta["namespace"] != namespace:
        raise BadRequest(
            "the namespace of the provided object does not match the namespace sent on the request"
        )


def _int_or_none(value: Any, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest(f"deleteOptions.{field}: must be an integer")
    return value


def eviction_delete_options(eviction: Obj, query_dry_run: bool) -> DeleteOptions:
    """The DeleteOptions an eviction carries (all optional), with the URL's dryRun."""
    raw = eviction.get("deleteOptions") or {}
    if not isinstance(raw, dict):
        raise BadRequest("Eviction.deleteOptions must be an object")
    pre = raw.get("preconditions") or {}
    if not isinstance(pre, dict):
        raise BadRequest("deleteOptions.preconditions must be an object")
    policy = raw.get("propagationPolicy")
    if policy is None and raw.get("orphanDependents") is not None:
        policy = "Orphan" if raw["orphanDependents"] else "Background"
    if policy is not None and policy not in POLICIES:
        raise BadRequest(
            f'propagationPolicy: Unsupported value: "{policy}": supported values: '
            '"Foreground", "Background", "Orphan"'
        )
    dry_run = raw.get("dryRun") or []
    if not isinstance(dry_run, list) or any(d != "All" for d in dry_run):
        raise BadRequest('deleteOptions.dryRun: Unsupported value: supported values: "All"')
    return DeleteOptions(
        grace_period_seconds=_int_or_none(raw.get("gracePeriodSeconds"), "gracePeriodSeconds"),
        propagation_policy=policy,
        precondition_uid=pre.get("uid") or None,
        precondition_resource_version=pre.get("resourceVersion") or None,
        dry_run=query_dry_run or bool(dry_run),
    )


def with_disruption_target(pod: Obj, now: dt.datetime) -> Obj:
    """`pod` (a copy) with DisruptionTarget=True, reason EvictionByEvictionAPI.

    Like podutil.UpdatePodCondition: lastTransitionTime moves only when the status does.
    """
    new = copy.deepcopy(pod)
    status = new.setdefault("status", {})
    conditions = list(status.get("conditions") or [])
    old = next((c for c in conditions if c.get("type") == DISRUPTION_TARGET), None)
    changed_at = rfc3339(now)
    if old is not None and old.get("status") == "True" and old.get("lastTransitionTime"):
        changed_at = old["lastTransitionTime"]
    condition = {
        "type": DISRUPTION_TARGET,
        "status": "True",
        "lastProbeTime": None,
        "lastTransitionTime": changed_at,
        "reason": EVICTION_REASON,
        "message": EVICTION_MESSAGE,
    }
    status["conditions"] = [c for c in conditions if c.get("type") != DISRUPTION_TARGET] + [
        condition
    ]
    return new


def check_preconditions(pod: Obj, options: DeleteOptions) -> None:
    meta = pod.get("metadata") or {}
    name = str(meta.get("name", ""))
    uid, rv = options.precondition_uid, options.precondition_resource_version
    if uid is not None and uid != meta.get("uid"):
        raise Conflict(
            f"Precondition failed: UID in precondition: {uid}, UID in object meta: "
            f"{meta.get('uid', '')}",
            Details(name=name, kind="pods"),
        )
    if rv is not None and rv != meta.get("resourceVersion"):
        raise Conflict(
            f"Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in "
            f"object meta: {meta.get('resourceVersion', '')}",
            Details(name=name, kind="pods"),
        )


async def evict(server: Server, call: Call, pods: ResourceType, pod_name: str) -> Response:
    """POST pods/{name}/eviction: mark the pod DisruptionTarget, then delete it."""
    opts = params.write_options(call.query, call.header(b"user-agent"))
    eviction = bodies.load_object(call.body, call.header(b"content-type"))
    namespace = call.namespace
    check_eviction(eviction, pod_name, namespace)
    options = eviction_delete_options(eviction, opts.dry_run)
    try:
        pod = await server.registry.get(pods, namespace, pod_name)
        check_preconditions(pod, options)
        uid = str((pod.get("metadata") or {}).get("uid", ""))
        if not options.dry_run:
            pod = await _mark(server, pods, namespace, pod_name, options, opts)
        await server.registry.delete(
            pods,
            namespace,
            pod_name,
            DeleteOptions(
                grace_period_seconds=options.grace_period_seconds,
                propagation_policy=options.propagation_policy,
                precondition_uid=options.precondition_uid or uid,
                precondition_resource_version=(
                    pod["metadata"]["resourceVersion"]
                    if options.precondition_resource_version
                    else None
                ),
                dry_run=options.dry_run,
            ),
        )
    except NotFound:
        raise NotFound.of("pods", "", pod_name) from None
    return render.json_response(
        {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201},
        status=201,
    )


async def _mark(
    server: Server,
    pods: ResourceType,
    namespace: str | None,
    name: str,
    options: DeleteOptions,
    opts: params.WriteOptions,
) -> Obj:
    async def transform(old: Obj) -> Obj:
        check_preconditions(old, options)
        new = with_disruption_target(old, server.clock())
        new["metadata"].pop("resourceVersion", None)
        return admission.record(server.kinds, pods, old, new, opts, server.clock(), "status")

    marked, _ = await server.registry.update(pods, namespace, name, transform, dry_run=False)
    return marked
