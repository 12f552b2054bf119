"""Reading API objects the way controllers need to: metadata, owner references, pod state.

Objects are the plain JSON dicts the client returns. Everything here is a pure function
that never mutates its argument (controllers share informer-cached objects, which must stay
read-only). Times on the wire are RFC 3339 strings; `parse_time` turns them into aware
datetimes.

Conditions follow the shape every Kubernetes status uses: a list of dicts with `type`,
`status` ("True"/"False"/"Unknown"), `reason`, `message` and timestamps.
`set_condition` keeps `lastTransitionTime` while the status does not change, so writing the
same condition again is a no-op.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pacific.client.clock import rfc3339

Obj = dict[str, Any]

POD_DELETION_COST = "controller.kubernetes.io/pod-deletion-cost"


def meta(obj: Obj) -> Obj:
    value = obj.get("metadata")
    return value if isinstance(value, dict) else {}


def name_of(obj: Obj) -> str:
    return str(meta(obj).get("name") or "")


def namespace_of(obj: Obj) -> str:
    return str(meta(obj).get("namespace") or "")


def uid_of(obj: Obj) -> str:
    return str(meta(obj).get("uid") or "")


def labels_of(obj: Obj) -> dict[str, str]:
    return dict(meta(obj).get("labels") or {})


def annotations_of(obj: Obj) -> dict[str, str]:
    return dict(meta(obj).get("annotations") or {})


def finalizers_of(obj: Obj) -> list[str]:
    return list(meta(obj).get("finalizers") or [])


def is_deleting(obj: Obj) -> bool:
    return bool(meta(obj).get("deletionTimestamp"))


def owner_refs(obj: Obj) -> list[Obj]:
    return [r for r in meta(obj).get("ownerReferences") or [] if isinstance(r, dict)]


def controller_ref(obj: Obj) -> Obj | None:
    """The owner reference marked `controller: true`, if any (there is at most one)."""
    for ref in owner_refs(obj):
        if ref.get("controller"):
            return ref
    return None


def is_controlled_by(obj: Obj, owner: Obj) -> bool:
    ref = controller_ref(obj)
    return ref is not None and ref.get("uid") == uid_of(owner)


def new_controller_ref(owner: Obj) -> Obj:
    """A controller owner reference to `owner` that blocks the owner's foreground deletion."""
    return {
        "apiVersion": owner.get("apiVersion", ""),
        "kind": owner.get("kind", ""),
        "name": name_of(owner),
        "uid": uid_of(owner),
        "controller": True,
        "blockOwnerDeletion": True,
    }


def parse_time(value: Any) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def creation_time(obj: Obj) -> datetime:
    return parse_time(meta(obj).get("creationTimestamp")) or datetime.min.replace(tzinfo=UTC)


# -- conditions -------------------------------------------------------------------------------


def get_condition(conditions: list[Obj] | None, type_: str) -> Obj | None:
    for cond in conditions or []:
        if cond.get("type") == type_:
            return cond
    return None


def set_condition(conditions: list[Obj] | None, cond: Obj, now: datetime) -> list[Obj]:
    """`conditions` with `cond` replacing any of its type; lastTransitionTime is kept when
    the status is unchanged, otherwise set to `now`."""
    old = get_condition(conditions, str(cond["type"]))
    new = dict(cond)
    if old is not None and old.get("status") == new.get("status"):
        new["lastTransitionTime"] = old.get("lastTransitionTime") or rfc3339(now)
    else:
        new["lastTransitionTime"] = rfc3339(now)
    rest = [c for c in conditions or [] if c.get("type") != cond["type"]]
    return [*rest, new]


def remove_condition(conditions: list[Obj] | None, type_: str) -> list[Obj]:
    return [c for c in conditions or [] if c.get("type") != type_]


# -- pods -------------------------------------------------------------------------------------


def pod_phase(pod: Obj) -> str:
    return str((pod.get("status") or {}).get("phase") or "Pending")


def is_pod_active(pod: Obj) -> bool:
    """Counts toward a controller's replicas: not terminal and not being deleted."""
    return pod_phase(pod) not in ("Succeeded", "Failed") and not is_deleting(pod)


def pod_ready_condition(pod: Obj) -> Obj | None:
    return get_condition((pod.get("status") or {}).get("conditions"), "Ready")


def is_pod_ready(pod: Obj) -> bool:
    cond = pod_ready_condition(pod)
    return cond is not None and cond.get("status") == "True"


def ready_since(pod: Obj) -> datetime | None:
    cond = pod_ready_condition(pod)
    if cond is None or cond.get("status") != "True":
        return None
    return parse_time(cond.get("lastTransitionTime"))


def is_pod_available(pod: Obj, min_ready_seconds: int, now: datetime) -> bool:
    """Ready for at least `min_ready_seconds` (podutil.IsPodAvailable)."""
    if not is_pod_ready(pod):
        return False
    if min_ready_seconds <= 0:
        return True
    since = ready_since(pod)
    return since is not None and (now - since).total_seconds() >= min_ready_seconds


def restart_count(pod: Obj) -> int:
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    return sum(int(s.get("restartCount") or 0) for s in statuses)


def deletion_cost(pod: Obj) -> int:
    try:
        return int(annotations_of(pod).get(POD_DELETION_COST, "0"))
    except ValueError:
        return 0


def _significant(value: Any) -> bool:
    return value not in (None, 0, "", [], {}, False)


def same_status(a: Obj | None, b: Obj | None) -> bool:
    """Status equality the way Go's `omitempty` sees it: zero and empty fields are absent."""
    left = {k: v for k, v in (a or {}).items() if _significant(v)}
    right = {k: v for k, v in (b or {}).items() if _significant(v)}
    return left == right
