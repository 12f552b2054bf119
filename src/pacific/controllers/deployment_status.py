"""A Deployment's status and conditions, computed from its ReplicaSets (pure).

Counts (kube's calculateStatus): `replicas`, `updatedReplicas`, `readyReplicas` and
`availableReplicas` add up the ReplicaSets' own status counts (updated = the new one's);
`unavailableReplicas` is the desired total of all ReplicaSets minus the available ones.

Conditions (type, status, reason):
- Available: True MinimumReplicasAvailable when at least `replicas - maxUnavailable` pods
  are available, else False MinimumReplicasUnavailable.
- Progressing (only with a progress deadline): NewReplicaSetCreated / FoundNewReplicaSet /
  ReplicaSetUpdated (True) while the rollout moves, NewReplicaSetAvailable (True) once
  complete, ProgressDeadlineExceeded (False) when nothing moved for
  `progressDeadlineSeconds`, DeploymentPaused / DeploymentResumed (Unknown).
- ReplicaFailure: copied from the first ReplicaSet that reports one.
Every condition carries `lastUpdateTime` (bumped on any change of reason, and each time
the rollout makes progress) and `lastTransitionTime` (bumped when the status flips).
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta

from pacific.client.clock import rfc3339
from pacific.controllers.deployment_scale import (
    max_unavailable,
    spec_replicas,
    total_replicas,
    total_status,
)
from pacific.controllers.objects import Obj, get_condition, meta, name_of, parse_time

PROGRESSING = "Progressing"
AVAILABLE = "Available"
REPLICA_FAILURE = "ReplicaFailure"
NEW_RS_CREATED = "NewReplicaSetCreated"
FOUND_NEW_RS = "FoundNewReplicaSet"
RS_UPDATED = "ReplicaSetUpdated"
NEW_RS_AVAILABLE = "NewReplicaSetAvailable"
TIMED_OUT = "ProgressDeadlineExceeded"
PAUSED = "DeploymentPaused"
RESUMED = "DeploymentResumed"
MIN_AVAILABLE = "MinimumReplicasAvailable"
MIN_UNAVAILABLE = "MinimumReplicasUnavailable"
NO_DEADLINE = 2**31 - 1


def new_condition(type_: str, status: str, reason: str, message: str, now: datetime) -> Obj:
    stamp = rfc3339(now)
    return {
        "type": type_,
        "status": status,
        "reason": reason,
        "message": message,
        "lastUpdateTime": stamp,
        "lastTransitionTime": stamp,
    }


def set_condition(status: Obj, cond: Obj) -> None:
    """SetDeploymentCondition on `status` (mutated): same status and reason is a no-op;
    same status keeps the old lastTransitionTime."""
    conditions = list(status.get("conditions") or [])
    current = get_condition(conditions, cond["type"])
    if current is not None:
        if current.get("status") == cond["status"] and current.get("reason") == cond["reason"]:
            return
        if current.get("status") == cond["status"]:
            cond = {**cond, "lastTransitionTime": current.get("lastTransitionTime")}
    status["conditions"] = [*(c for c in conditions if c.get("type") != cond["type"]), cond]


def remove_condition(status: Obj, type_: str) -> None:
    conditions = [c for c in status.get("conditions") or [] if c.get("type") != type_]
    if conditions:
        status["conditions"] = conditions
    else:
        status.pop("conditions", None)


def progress_deadline(d: Obj) -> int | None:
    value = (d.get("spec") or {}).get("progressDeadlineSeconds", 600)
    if value is None or int(value) == NO_DEADLINE:
        return None
    return int(value)


def calculate_status(d: Obj, all_rss: list[Obj], new_rs: Obj | None, now: datetime) -> Obj:
    old = d.get("status") or {}
    available = total_status(all_rss, "availableReplicas")
    status: Obj = {
        "observedGeneration": int(meta(d).get("generation") or 0),
        "replicas": total_status(all_rss, "replicas"),
        "updatedReplicas": total_status([new_rs] if new_rs else [], "replicas"),
        "readyReplicas": total_status(all_rss, "readyReplicas"),
        "availableReplicas": available,
        "unavailableReplicas": max(0, total_replicas(all_rss) - available),
    }
    if old.get("collisionCount") is not None:
        status["collisionCount"] = old["collisionCount"]
    if old.get("conditions"):
        status["conditions"] = copy.deepcopy(old["conditions"])
    if available >= spec_replicas(d) - max_unavailable(d):
        cond = new_condition(
            AVAILABLE, "True", MIN_AVAILABLE, "Deployment has minimum availability.", now
        )
    else:
        cond = new_condition(
            AVAILABLE,
            "False",
            MIN_UNAVAILABLE,
            "Deployment does not have minimum availability.",
            now,
        )
    set_condition(status, cond)
    return status


def is_complete(d: Obj, status: Obj) -> bool:
    desired = spec_replicas(d)
    return (
        int(status.get("updatedReplicas") or 0) == desired
        and int(status.get("replicas") or 0) == desired
        and int(status.get("availableReplicas") or 0) == desired
        and int(status.get("observedGeneration") or 0) >= int(meta(d).get("generation") or 0)
    )


def is_progressing(d: Obj, new: Obj) -> bool:
    old = d.get("status") or {}

    def count(status: Obj, key: str) -> int:
        return int(status.get(key) or 0)

    old_old = count(old, "replicas") - count(old, "updatedReplicas")
    new_old = count(new, "replicas") - count(new, "updatedReplicas")
    return (
        count(new, "updatedReplicas") > count(old, "updatedReplicas")
        or new_old < old_old
        or count(new, "readyReplicas") > count(old, "readyReplicas")
        or count(new, "availableReplicas") > count(old, "availableReplicas")
    )


def timed_out(d: Obj, status: Obj, now: datetime) -> bool:
    deadline = progress_deadline(d)
    cond = get_condition(status.get("conditions"), PROGRESSING)
    if deadline is None or cond is None or cond.get("reason") == NEW_RS_AVAILABLE:
        return False
    if cond.get("reason") == TIMED_OUT:
        return True
    since = parse_time(cond.get("lastUpdateTime"))
    return since is not None and since + timedelta(seconds=deadline) < now


def rollout_status(
    d: Obj, work_status: Obj, all_rss: list[Obj], new_rs: Obj | None, now: datetime
) -> Obj:
    """syncRolloutStatus: counts plus Progressing/Available/ReplicaFailure conditions.

    `work_status` is the Deployment's status as this pass has already changed it (e.g. a
    FoundNewReplicaSet condition); counts are compared with the stored `d.status`."""
    status = calculate_status({**d, "status": work_status}, all_rss, new_rs, now)
    deadline = progress_deadline(d)
    if deadline is None:
        remove_condition(status, PROGRESSING)
    current = get_condition(work_status.get("conditions"), PROGRESSING)
    done = (
        status.get("replicas", 0) == status.get("updatedReplicas", 0)
        and current is not None
        and current.get("reason") == NEW_RS_AVAILABLE
    )
    subject = f'ReplicaSet "{name_of(new_rs)}"' if new_rs else f'Deployment "{name_of(d)}"'
    if deadline is not None and not done:
        if is_complete(d, status):
            msg = f"{subject} has successfully progressed."
            set_condition(status, new_condition(PROGRESSING, "True", NEW_RS_AVAILABLE, msg, now))
        elif is_progressing(d, status):
            cond = new_condition(PROGRESSING, "True", RS_UPDATED, f"{subject} is progressing.", now)
            if current is not None:
                if current.get("status") == "True":
                    cond["lastTransitionTime"] = current.get("lastTransitionTime")
                remove_condition(status, PROGRESSING)
            set_condition(status, cond)
        elif timed_out(d, status, now):
            msg = f"{subject} has timed out progressing."
            set_condition(status, new_condition(PROGRESSING, "False", TIMED_OUT, msg, now))
    failure = _replica_failure([*([new_rs] if new_rs else []), *all_rss])
    if failure is not None:
        cond = new_condition(
            REPLICA_FAILURE,
            str(failure.get("status")),
            str(failure.get("reason")),
            str(failure.get("message")),
            now,
        )
        set_condition(status, cond)
    else:
        remove_condition(status, REPLICA_FAILURE)
    return status


def _replica_failure(rss: list[Obj]) -> Obj | None:
    for rs in rss:
        cond = get_condition((rs.get("status") or {}).get("conditions"), REPLICA_FAILURE)
        if cond is not None and cond.get("status") == "True":
            return cond
    return None


def requeue_after(d: Obj, status: Obj, now: datetime) -> float | None:
    """When to look again at a rollout that is not moving, to notice its deadline."""
    deadline = progress_deadline(d)
    cond = get_condition(status.get("conditions"), PROGRESSING)
    if deadline is None or cond is None:
        return None
    if is_complete(d, status) or cond.get("reason") in (TIMED_OUT, NEW_RS_AVAILABLE):
        return None
    since = parse_time(cond.get("lastUpdateTime"))
    if since is None:
        return None
    left = (since + timedelta(seconds=deadline) - now).total_seconds()
    return 0.0 if left < 1 else left + 1


def paused_condition(d: Obj, status: Obj, now: datetime) -> None:
    """checkPausedConditions on `status` (mutated)."""
    if progress_deadline(d) is None:
        return
    cond = get_condition(status.get("conditions"), PROGRESSING)
    if cond is not None and cond.get("reason") == TIMED_OUT:
        return
    paused_now = cond is not None and cond.get("reason") == PAUSED
    if (d.get("spec") or {}).get("paused") and not paused_now:
        set_condition(
            status, new_condition(PROGRESSING, "Unknown", PAUSED, "Deployment is paused", now)
        )
    elif not (d.get("spec") or {}).get("paused") and paused_now:
        set_condition(
            status, new_condition(PROGRESSING, "Unknown", RESUMED, "Deployment is resumed", now)
        )
