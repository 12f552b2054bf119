"""Priority admission (kube's `Priority` plugin) as pure functions on plain dicts.

Model: a PriorityClass (scheduling.k8s.io/v1, cluster-scoped) maps a name to an integer
`value` and a `preemptionPolicy`. On Pod create the pod's `spec.priorityClassName` is
resolved against the classes that exist:
- a name that exists sets `spec.priority` to the class's value and `spec.preemptionPolicy`
  to the class's policy;
- no name: the global default class (`globalDefault: true`, the lowest value among several,
  as kube picks) gives its name, value and policy; without one the priority is 0;
- an unknown name is refused with 403 `no PriorityClass with name x was found`.
A pod that sets `spec.priority` or `spec.preemptionPolicy` itself must agree with what was
computed (kube's texts). Defaulting has already written `priority: 0` and
`preemptionPolicy: PreemptLowerPriority` when the pod left them out, so those two default
values count as "not set" here; any other disagreeing value is refused.

PriorityClass writes: only one class may be the global default ("... is already marked as
default. Only one default can exist"). The built-in classes `system-cluster-critical` and
`system-node-critical` are `SYSTEM_PRIORITY_CLASSES`, created by the system controller.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pacific.api.errors import Details, Forbidden
from pacific.api.resources import ResourceType

Obj = Mapping[str, Any]

PREEMPT_LOWER_PRIORITY = "PreemptLowerPriority"
NEVER = "Never"
DEFAULT_PRIORITY = 0
HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000
SYSTEM_CRITICAL_PRIORITY = 2 * HIGHEST_USER_DEFINABLE_PRIORITY
SYSTEM_PREFIX = "system-"
SYSTEM_CLUSTER_CRITICAL = "system-cluster-critical"
SYSTEM_NODE_CRITICAL = "system-node-critical"

SYSTEM_PRIORITY_CLASSES: tuple[dict[str, Any], ...] = (
    {
        "apiVersion": "scheduling.k8s.io/v1",
        "kind": "PriorityClass",
        "metadata": {"name": SYSTEM_NODE_CRITICAL},
        "value": SYSTEM_CRITICAL_PRIORITY + 1000,
        "description": "Used for system critical pods that must not be moved from their "
        "current node.",
        "preemptionPolicy": PREEMPT_LOWER_PRIORITY,
    },
    {
        "apiVersion": "scheduling.k8s.io/v1",
        "kind": "PriorityClass",
        "metadata": {"name": SYSTEM_CLUSTER_CRITICAL},
        "value": SYSTEM_CRITICAL_PRIORITY,
        "description": "Used for system critical pods that must run in the cluster, but can "
        "be moved to another node if necessary.",
        "preemptionPolicy": PREEMPT_LOWER_PRIORITY,
    },
)


def forbidden(rt: ResourceType, name: str, message: str) -> Forbidden:
    """admission.NewForbidden: `pods "x" is forbidden: <message>` (403)."""
    return Forbidden(
        f'{rt.qualified} "{name}" is forbidden: {message}',
        Details(name=name, group=rt.group, kind=rt.plural),
    )


def known_system_class(name: str, value: Any, global_default: Any) -> str | None:
    """None if (name, value, globalDefault) is a built-in class as kube defines it, else
    kube's reason (IsKnownSystemPriorityClass)."""
    for pc in SYSTEM_PRIORITY_CLASSES:
        if pc["metadata"]["name"] != name:
            continue
        if value != pc["value"]:
            return f"value of {name} PriorityClass must be {pc['value']}"
        if bool(global_default):
            return f"globalDefault of {name} PriorityClass must be false"
        return None
    return f"{name} is not a known system priority class"


def _name(pc: Obj) -> str:
    return str((pc.get("metadata") or {}).get("name") or "")


def global_default(classes: Iterable[Obj]) -> Obj | None:
    """The global default class: the lowest value among those marked (kube's choice)."""
    marked = [pc for pc in classes if pc.get("globalDefault")]
    if not marked:
        return None
    return min(marked, key=lambda pc: int(pc.get("value") or 0))


def resolve_pod_priority(
    rt: ResourceType, pod: dict[str, Any], classes: Iterable[Obj], name: str
) -> None:
    """Set spec.priorityClassName/priority/preemptionPolicy of a new pod in place, or raise
    Forbidden (`name` is the pod name kube's message shows)."""
    spec = pod.setdefault("spec", {})
    by_name = {_name(pc): pc for pc in classes}
    wanted = str(spec.get("priorityClassName") or "")
    if wanted:
        pc = by_name.get(wanted)
        if pc is None:
            raise forbidden(rt, name, f"no PriorityClass with name {wanted} was found")
    else:
        pc = global_default(by_name.values())
    priority = int(pc.get("value") or 0) if pc is not None else DEFAULT_PRIORITY
    policy = str((pc or {}).get("preemptionPolicy") or PREEMPT_LOWER_PRIORITY)
    given = spec.get("priority")
    if given is not None and given not in (priority, DEFAULT_PRIORITY):
        raise forbidden(
            rt,
            name,
            f"the integer value of priority ({given}) must not be provided in pod spec; "
            f"priority admission controller computed {priority} from the given "
            "PriorityClass name",
        )
    given_policy = spec.get("preemptionPolicy")
    if given_policy is not None and given_policy not in (policy, PREEMPT_LOWER_PRIORITY):
        raise forbidden(
            rt,
            name,
            f"the string value of PreemptionPolicy ({given_policy}) must not be provided in "
            f"pod spec; priority admission controller computed {policy} from the given "
            "PriorityClass name",
        )
    if pc is not None:
        spec["priorityClassName"] = _name(pc)
    spec["priority"] = priority
    spec["preemptionPolicy"] = policy


def check_global_default(rt: ResourceType, pc: Obj, classes: Iterable[Obj]) -> None:
    """Refuse a second global default class (on create or update of `pc`)."""
    if not pc.get("globalDefault"):
        return
    name = _name(pc)
    for other in classes:
        if other.get("globalDefault") and _name(other) != name:
            raise forbidden(
                rt,
                name,
                f"PriorityClass {_name(other)} is already marked as default. "
                "Only one default can exist",
            )
