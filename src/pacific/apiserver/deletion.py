"""Deletion semantics as pure functions: finalizers, propagation policy, graceful pods.

`plan_delete(rt, obj, options, now)` says what a DELETE does to a stored object: either
remove it now (returns None) or store an updated object marked for deletion. Rules (kube's
`BeforeDelete` + generic registry):

- preconditions (uid, resourceVersion) mismatching the object: 409 Conflict;
- propagationPolicy Orphan / Foreground adds the `orphan` / `foregroundDeletion` finalizer
  (and drops the other one); Background drops both;
- a Pod bound to a node and not terminal is deleted gracefully: deletionTimestamp =
  now + grace, deletionGracePeriodSeconds = grace; the node agent's later delete with grace 0
  removes it. Unbound or terminal pods go at once;
- a Namespace with spec.finalizers is marked Terminating; the namespace controller empties
  it and clears the finalizers through `/finalize`;
- any object with metadata.finalizers gets deletionTimestamp and stays until the last
  finalizer is removed (`should_delete_on_update` tells the update path to remove it then).
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass

from pacific.api.errors import BadRequest, Conflict, Details
from pacific.api.resources import Obj, ResourceType
from pacific.apiserver.strategy import rfc3339

ORPHAN = "orphan"
FOREGROUND = "foregroundDeletion"
POLICIES = ("Orphan", "Background", "Foreground")
DEFAULT_POD_GRACE = 30


@dataclass(frozen=True, slots=True)
class DeleteOptions:
    grace_period_seconds: int | None = None
    propagation_policy: str | None = None
    precondition_uid: str | None = None
    precondition_resource_version: str | None = None
    dry_run: bool = False

    def __post_init__(self) -> None:
        if self.propagation_policy is not None and self.propagation_policy not in POLICIES:
            raise BadRequest(
                f'propagationPolicy: Unsupported value: "{self.propagation_policy}": '
                'supported values: "Foreground", "Background", "Orphan"'
            )
        if self.grace_period_seconds is not None and self.grace_period_seconds < 0:
            raise BadRequest("gracePeriodSeconds: Invalid value: must be >= 0")


def _is(rt: ResourceType, group: str, plural: str) -> bool:
    return rt.group == group and rt.plural == plural


def check_preconditions(rt: ResourceType, obj: Obj, options: DeleteOptions) -> None:
    meta = obj.get("metadata") or {}
    name = str(meta.get("name", ""))
    uid = options.precondition_uid
    if uid is not None and uid != meta.get("uid"):
        raise Conflict(
            f"Precondition failed: UID in precondition: {uid}, UID in object meta: "
            f"{meta.get('uid', '')}",
            Details(name=name, group=rt.group, kind=rt.plural),
        )
    rv = options.precondition_resource_version
    if rv is not None and rv != meta.get("resourceVersion"):
        raise Conflict(
            f"Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in "
            f"object meta: {meta.get('resourceVersion', '')}",
            Details(name=name, group=rt.group, kind=rt.plural),
        )


def _apply_policy(finalizers: list[str], policy: str | None) -> list[str]:
    if policy is None:
        return finalizers
    out = [f for f in finalizers if f not in (ORPHAN, FOREGROUND)]
    if policy == "Orphan":
        out.append(ORPHAN)
    elif policy == "Foreground":
        out.append(FOREGROUND)
    return out


def _pod_grace(obj: Obj, options: DeleteOptions) -> int:
    spec = obj.get("spec") or {}
    phase = (obj.get("status") or {}).get("phase")
    if not spec.get("nodeName") or phase in ("Succeeded", "Failed"):
        return 0
    if options.grace_period_seconds is not None:
        return options.grace_period_seconds
    configured = spec.get("terminationGracePeriodSeconds")
    return int(configured) if configured is not None else DEFAULT_POD_GRACE


def plan_delete(rt: ResourceType, obj: Obj, options: DeleteOptions, now: dt.datetime) -> Obj | None:
    """The object to store marked for deletion, or None to remove it now."""
    check_preconditions(rt, obj, options)
    out = copy.deepcopy(obj)
    meta = out.setdefault("metadata", {})
    finalizers = _apply_policy(list(meta.get("finalizers") or []), options.propagation_policy)
    if finalizers:
        meta["finalizers"] = finalizers
    else:
        meta.pop("finalizers", None)
    pending = False
    if _is(rt, "", "pods"):
        grace = _pod_grace(obj, options)
        current = meta.get("deletionGracePeriodSeconds")
        if grace > 0:
            if current is None or grace < int(current):
                meta["deletionTimestamp"] = rfc3339(now + dt.timedelta(seconds=grace))
                meta["deletionGracePeriodSeconds"] = grace
            pending = True
        elif "deletionTimestamp" in meta:
            meta["deletionGracePeriodSeconds"] = 0
    if _is(rt, "", "namespaces") and (out.get("spec") or {}).get("finalizers"):
        out.setdefault("status", {})["phase"] = "Terminating"
        pending = True
    if finalizers:
        pending = True
    if not pending:
        return None
    if "deletionTimestamp" not in meta:
        meta["deletionTimestamp"] = rfc3339(now)
        meta["deletionGracePeriodSeconds"] = 0
    return out


def should_delete_on_update(rt: ResourceType, obj: Obj) -> bool:
    """An update that leaves a deleting object with nothing holding it removes it."""
    meta = obj.get("metadata") or {}
    if "deletionTimestamp" not in meta or meta.get("finalizers"):
        return False
    if _is(rt, "", "namespaces"):
        return not (obj.get("spec") or {}).get("finalizers")
    return int(meta.get("deletionGracePeriodSeconds") or 0) == 0
