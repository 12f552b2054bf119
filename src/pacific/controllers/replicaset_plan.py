"""What a ReplicaSet needs done, as pure functions of the ReplicaSet and the pods seen.

`plan_replicaset(rs, pods, now)` compares desired (`spec.replicas` pods matching the
selector, controlled by the ReplicaSet) with actual and returns a `ReplicaSetPlan`:
- `adopt`: orphan pods (no controller) that match the selector, to be given our
  controller reference; `release`: pods we control that no longer match, to be let go.
  Nothing is adopted while the ReplicaSet itself is being deleted.
- `create`: how many pods to create from the template (capped by `burst` per pass);
  `delete`: which active pods to delete, chosen by `deletion_order` (kube's
  ActivePodsWithRanks: unscheduled before scheduled, Pending < Unknown < Running, not ready
  before ready, lower pod-deletion-cost first, more co-located siblings first, more recently
  ready first, more restarts first, newer first).
- `status`: the status the ReplicaSet should show if the plan succeeds
  (`replicaset_status` recomputes it with a ReplicaFailure condition when it does not).
Terminal pods (Succeeded/Failed) and pods being deleted do not count as replicas.
"""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pacific.api.selectors import LabelSelector, label_selector_from_object
from pacific.controllers.objects import (
    Obj,
    controller_ref,
    creation_time,
    deletion_cost,
    get_condition,
    is_deleting,
    is_pod_active,
    is_pod_available,
    is_pod_ready,
    labels_of,
    meta,
    name_of,
    namespace_of,
    new_controller_ref,
    pod_phase,
    ready_since,
    remove_condition,
    set_condition,
    uid_of,
)

BURST_REPLICAS = 500
REPLICA_FAILURE = "ReplicaFailure"
_PHASE_ORDER = {"Pending": 0, "Unknown": 1, "Running": 2}


@dataclass(frozen=True, slots=True)
class Claims:
    """Candidates sorted into what an owner keeps, adopts and releases."""

    owned: list[Obj] = field(default_factory=list)  # includes `adopt`
    adopt: list[Obj] = field(default_factory=list)
    release: list[Obj] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ReplicaSetPlan:
    adopt: list[Obj]
    release: list[Obj]
    create: int
    delete: list[Obj]
    status: Obj
    active: list[Obj]  # the active pods the ReplicaSet owns (after adoption)


def claim(owner: Obj, selector: LabelSelector, candidates: list[Obj]) -> Claims:
    """kube's ClaimObjects: keep matching controlled objects, adopt matching orphans,
    release controlled objects that stopped matching (not while the owner is deleting)."""
    out = Claims()
    owner_uid = uid_of(owner)
    deleting = is_deleting(owner)
    for obj in candidates:
        ref = controller_ref(obj)
        matches = selector.matches_object(obj)
        if ref is not None:
            if ref.get("uid") != owner_uid:
                continue
            if matches:
                out.owned.append(obj)
            elif not deleting:
                out.release.append(obj)
        elif matches and not deleting and not is_deleting(obj):
            out.owned.append(obj)
            out.adopt.append(obj)
    return out


def _zero_first_newest_first(moment: datetime | None) -> tuple[int, float]:
    if moment is None:
        return (0, 0.0)
    return (1, -moment.timestamp())


def _max_restarts(pod: Obj) -> int:
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    return max((int(s.get("restartCount") or 0) for s in statuses), default=0)


def deletion_order(pods: list[Obj], related: list[Obj] | None = None) -> list[Obj]:
    """`pods` sorted most-deletable first (see the module docstring)."""
    on_node = Counter(str((p.get("spec") or {}).get("nodeName") or "") for p in related or pods)

    def key(pod: Obj) -> tuple[Any, ...]:
        node = str((pod.get("spec") or {}).get("nodeName") or "")
        ready = is_pod_ready(pod)
        created = meta(pod).get("creationTimestamp")
        return (
            1 if node else 0,
            _PHASE_ORDER.get(pod_phase(pod), 0),
            1 if ready else 0,
            deletion_cost(pod),
            -on_node[node],
            _zero_first_newest_first(ready_since(pod)) if ready else (0, 0.0),
            -_max_restarts(pod),
            _zero_first_newest_first(creation_time(pod) if created else None),
        )

    return sorted(pods, key=key)


def fully_labeled(pod: Obj, template_labels: dict[str, str]) -> bool:
    labels = labels_of(pod)
    return all(labels.get(k) == v for k, v in template_labels.items())


def replicaset_status(
    rs: Obj, active: list[Obj], now: datetime, failure: tuple[str, str] | None = None
) -> Obj:
    """The status of `rs` given its active pods; `failure` (reason, message) when creating
    or deleting pods failed this pass."""
    spec = rs.get("spec") or {}
    old = rs.get("status") or {}
    template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    min_ready = int(spec.get("minReadySeconds") or 0)
    status: Obj = {
        "replicas": len(active),
        "fullyLabeledReplicas": sum(1 for p in active if fully_labeled(p, template_labels)),
        "readyReplicas": sum(1 for p in active if is_pod_ready(p)),
        "availableReplicas": sum(1 for p in active if is_pod_available(p, min_ready, now)),
        "observedGeneration": int(meta(rs).get("generation") or 0),
    }
    conditions = list(old.get("conditions") or [])
    current = get_condition(conditions, REPLICA_FAILURE)
    if failure is not None and current is None:
        reason, message = failure
        cond = {"type": REPLICA_FAILURE, "status": "True", "reason": reason, "message": message}
        conditions = set_condition(conditions, cond, now)
    elif failure is None and current is not None:
        conditions = remove_condition(conditions, REPLICA_FAILURE)
    if conditions:
        status["conditions"] = conditions
    return status


def plan_replicaset(
    rs: Obj, pods: list[Obj], now: datetime, *, burst: int = BURST_REPLICAS
) -> ReplicaSetPlan:
    """Compare `rs` with the pods in its namespace; see the module docstring."""
    spec = rs.get("spec") or {}
    selector = label_selector_from_object(spec.get("selector"))
    same_ns = [p for p in pods if namespace_of(p) == namespace_of(rs)]
    claims = claim(rs, selector, [p for p in same_ns if is_pod_active(p)])
    active = claims.owned
    desired = int(spec.get("replicas", 1) if spec.get("replicas") is not None else 1)
    create, delete = 0, []
    if not is_deleting(rs):
        diff = len(active) - desired
        if diff < 0:
            create = min(-diff, burst)
        elif diff > 0:
            delete = deletion_order(active)[: min(diff, burst)]
    return ReplicaSetPlan(
        adopt=claims.adopt,
        release=claims.release,
        create=create,
        delete=delete,
        status=replicaset_status(rs, active, now),
        active=active,
    )


def pod_from_template(rs: Obj) -> Obj:
    """A new pod for `rs`: template labels, annotations, finalizers and spec, a controller
    owner reference, and the name generated from `<rs name>-`."""
    template = (rs.get("spec") or {}).get("template") or {}
    tmeta = template.get("metadata") or {}
    pod_meta: Obj = {
        "generateName": f"{name_of(rs)}-",
        "namespace": namespace_of(rs),
        "ownerReferences": [new_controller_ref(rs)],
    }
    for key in ("labels", "annotations", "finalizers"):
        if tmeta.get(key):
            pod_meta[key] = copy.deepcopy(tmeta[key])
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": pod_meta,
        "spec": copy.deepcopy(template.get("spec") or {}),
    }
