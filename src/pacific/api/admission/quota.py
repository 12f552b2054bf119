"""ResourceQuota admission (kube's quota evaluator), as pure functions on plain dicts.

    new_usage(quotas, rt, new_obj, old_obj) -> {quota name: new status.used}
    check_quota(quotas, rt, new_obj, old_obj) -> None
    quota_status(quota, used) -> the status a quota controller writes
    used_in_namespace(quota, objects) -> status.used recomputed from every object

Model, as kube-apiserver's ResourceQuota plugin:
- A quota limits what is in its `status.hard` (the quota controller mirrors spec.hard
  there): a quota whose status has not been written yet limits nothing.
- A quota applies when its scopes select the object and it has hard limits on names the
  object's kind counts towards (`usage.tracked`). Each applicable quota must have
  status.used for those names, else `status unknown for quota: q, resources: r`.
- The pod evaluator insists that when a quota limits cpu or memory, every container
  declares it: `failed quota: q: must specify limits.cpu for: c`.
- The charge is the object's usage (on update, what grew since the old object); if any
  applicable quota would go over, the request fails with `exceeded quota: q, requested:
  pods=1, used: pods=3, limited: pods=3` (names sorted, only the exceeded ones). Otherwise
  each applicable quota's used grows by the charge; the caller must write those new used
  values with a compare-and-swap before storing the object (that is the reservation).
- All messages are wrapped as admission.NewForbidden: `pods "x" is forbidden: ...` (403).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from pacific.api.admission.limitrange import forbidden, is_pod, request_name
from pacific.api.admission.usage import handles, scopes_match, tracked, usage_of
from pacific.api.admission.workload import Obj, Resources, add, pod_workload, quantities
from pacific.api.resources import ResourceType
from pacific.api.validation.quantity import DECIMAL_SI, Quantity

# Quota names that force every container to declare the resource (BACKWARD COMPATIBILITY
# in kube's pod evaluator).
CONSTRAINED = ("cpu", "limits.cpu", "limits.memory", "memory", "requests.cpu", "requests.memory")
ZERO = Quantity(Decimal(0), DECIMAL_SI)


def hard_of(quota: Mapping[str, Any]) -> Resources:
    return quantities((quota.get("status") or {}).get("hard"))


def used_of(quota: Mapping[str, Any]) -> Resources:
    return quantities((quota.get("status") or {}).get("used"))


def pretty(resources: Mapping[str, Quantity]) -> str:
    """prettyPrint: `a=1,b=2Gi`, names sorted."""
    return ",".join(f"{k}={resources[k].canonical()}" for k in sorted(resources))


def format_used(resources: Mapping[str, Quantity]) -> dict[str, str]:
    return {k: resources[k].canonical() for k in sorted(resources)}


def missing_declarations(names: set[str], pod: Obj) -> str:
    """The pod evaluator's Constraints: '' or `limits.cpu for: a,b; requests.memory for: a`."""
    required = names.intersection(CONSTRAINED)
    if not required:
        return ""
    missing: dict[str, set[str]] = {}
    for unit in pod_workload(pod).units:
        requests, limits = unit.requests(), unit.limits()
        have: set[str] = {n for n in ("cpu", "memory") if n in requests}
        have |= {f"requests.{n}" for n in ("cpu", "memory") if n in requests}
        have |= {f"limits.{n}" for n in ("cpu", "memory") if n in limits}
        for name in required - have:
            missing.setdefault(name, set()).add(unit.name)
    return "; ".join(f"{n} for: {','.join(sorted(missing[n]))}" for n in sorted(missing))


def _charge(
    rt: ResourceType, new_obj: Obj, old_obj: Obj | None, now: dt.datetime | None
) -> Resources:
    """The object's usage; on update only what grew since `old_obj` (never negative)."""
    usage = usage_of(rt, new_obj, now)
    if old_obj is None:
        return usage
    before = usage_of(rt, old_obj, now)
    return {
        name: Quantity(q.value - before[name].value, q.format)
        if name in before and before[name].value < q.value
        else (ZERO if name in before else q)
        for name, q in usage.items()
    }


def new_usage(
    quotas: list[Obj],
    rt: ResourceType,
    new_obj: Obj,
    old_obj: Obj | None = None,
    *,
    name: str | None = None,
    now: dt.datetime | None = None,
) -> dict[str, dict[str, str]]:
    """Check `new_obj` against every quota of its namespace; return the status.used each
    applicable quota must be moved to (by quota name). Raises Forbidden as kube does."""
    shown = name or request_name(new_obj)
    operation = "create" if old_obj is None else "update"
    if not handles(rt, operation):
        return {}
    applicable: list[tuple[Obj, set[str]]] = []
    for quota in quotas:
        if not scopes_match(quota, rt, new_obj):
            continue
        names = tracked(rt, hard_of(quota))
        quota_name = (quota.get("metadata") or {}).get("name", "")
        if is_pod(rt) and operation == "create":
            problem = missing_declarations(names, new_obj)
            if problem:
                raise forbidden(rt, shown, f"failed quota: {quota_name}: must specify {problem}")
        unknown = sorted(names - set(used_of(quota)))
        if unknown:
            raise forbidden(
                rt,
                shown,
                f"status unknown for quota: {quota_name}, resources: {','.join(unknown)}",
            )
        applicable.append((quota, names))
    charge = {k: q for k, q in _charge(rt, new_obj, old_obj, now).items() if q.value != 0}
    negative = sorted(k for k, q in charge.items() if q.value < 0)
    if negative:
        message = f"quota usage is negative for resource(s): {','.join(negative)}"
        raise forbidden(rt, shown, message)
    out: dict[str, dict[str, str]] = {}
    for quota, names in applicable:
        hard, used = hard_of(quota), used_of(quota)
        requested = {k: q for k, q in charge.items() if k in names}
        if not requested:
            continue
        grown = add(used, requested)
        exceeded = sorted(k for k in requested if grown[k].value > hard[k].value)
        if exceeded:
            raise forbidden(
                rt,
                shown,
                "exceeded quota: {}, requested: {}, used: {}, limited: {}".format(
                    (quota.get("metadata") or {}).get("name", ""),
                    pretty({k: requested[k] for k in exceeded}),
                    pretty({k: used[k] for k in exceeded if k in used}),
                    pretty({k: hard[k] for k in exceeded}),
                ),
            )
        out[str((quota.get("metadata") or {}).get("name", ""))] = format_used(grown)
    return out


def check_quota(
    quotas: list[Obj],
    rt: ResourceType,
    new_obj: Obj,
    old_obj: Obj | None = None,
    *,
    name: str | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Raise kube's 403 when `new_obj` does not fit the namespace's quotas."""
    new_usage(quotas, rt, new_obj, old_obj, name=name, now=now)


def used_in_namespace(
    quota: Mapping[str, Any],
    objects: Iterable[tuple[ResourceType, Iterable[Obj]]],
    now: dt.datetime | None = None,
) -> dict[str, str]:
    """status.used recomputed from every object of the namespace (the quota controller).

    `objects` pairs each counted kind with all of its objects in the quota's namespace
    (an empty list when there are none). Every name in spec.hard that one of those kinds
    counts starts at 0; names no kind counts keep their previous value, as in kube; the
    result covers spec.hard's names only.
    """
    hard = quantities((quota.get("spec") or {}).get("hard"))
    previous = used_of(quota)
    used: Resources = {k: previous[k] for k in hard if k in previous}
    for rt, items in objects:
        names = tracked(rt, hard)
        if not names:
            continue
        counted: Resources = dict.fromkeys(names, ZERO)
        for obj in items:
            if scopes_match(quota, rt, obj):
                usage = usage_of(rt, obj, now)
                counted = add(counted, {k: q for k, q in usage.items() if k in names})
        used.update(counted)
    return format_used(used)


def quota_status(quota: Mapping[str, Any], used: Mapping[str, str]) -> dict[str, Any]:
    """The status a quota controller writes: hard mirrors spec.hard, used as computed."""
    hard = (quota.get("spec") or {}).get("hard") or {}
    return {"hard": dict(hard), "used": dict(used)}
