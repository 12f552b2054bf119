"""Resource names and resource lists (`{"cpu": "100m", "memory": "1Gi"}`).

Used by container resources, pod overhead, quotas, limit ranges, PVCs and PVs. A resource
name is a qualified name; unprefixed names must be one of the standard names. Native
resources (unprefixed or `kubernetes.io/`) may be overcommitted (request < limit); extended
resources (`example.com/gpu`) must be whole numbers and requested exactly at the limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pacific.api.errors import Cause
from pacific.api.validation.field import NEGATIVE, invalid
from pacific.api.validation.names import qualified_name_errors
from pacific.api.validation.quantity import Quantity, QuantityError, parse

CONTAINER_RESOURCES = frozenset({"cpu", "memory", "ephemeral-storage"})
_QUOTA_RESOURCES = frozenset(
    {
        "pods",
        "services",
        "replicationcontrollers",
        "resourcequotas",
        "secrets",
        "configmaps",
        "persistentvolumeclaims",
        "services.nodeports",
        "services.loadbalancers",
        "storage",
        "requests.cpu",
        "requests.memory",
        "requests.storage",
        "requests.ephemeral-storage",
        "limits.cpu",
        "limits.memory",
        "limits.ephemeral-storage",
    }
)
STANDARD_RESOURCES = CONTAINER_RESOURCES | _QUOTA_RESOURCES
INTEGER_RESOURCES = frozenset(
    {
        "pods",
        "services",
        "replicationcontrollers",
        "resourcequotas",
        "secrets",
        "configmaps",
        "persistentvolumeclaims",
        "services.nodeports",
        "services.loadbalancers",
    }
)
NOT_INTEGER = "must be an integer"


def is_hugepages(name: str) -> bool:
    return name.startswith("hugepages-") or name.startswith("requests.hugepages-")


def is_native(name: str) -> bool:
    return "/" not in name or name.startswith("kubernetes.io/") or ".kubernetes.io/" in name


def is_extended(name: str) -> bool:
    return not is_native(name) and not name.startswith("requests.")


def is_standard(name: str) -> bool:
    return name in STANDARD_RESOURCES or is_hugepages(name)


def overcommit_allowed(name: str) -> bool:
    return is_native(name) and not is_hugepages(name)


def resource_name_errors(name: str, path: str) -> list[Cause]:
    """validateResourceName: qualified, and standard when unprefixed."""
    errs = [invalid(path, name, msg) for msg in qualified_name_errors(name)]
    if "/" not in name and not is_standard(name):
        errs.append(invalid(path, name, "must be a standard resource type or fully qualified"))
    return errs


def container_resource_name_errors(name: str, path: str) -> list[Cause]:
    errs = resource_name_errors(name, path)
    if "/" not in name:
        if name not in CONTAINER_RESOURCES and not name.startswith("hugepages-"):
            errs.append(invalid(path, name, "must be a standard resource for containers"))
    elif not is_native(name) and not is_extended(name):
        errs.append(invalid(path, name, "doesn't follow extended resource name standard"))
    return errs


def quantity_errors(name: str, raw: Any, path: str) -> tuple[Quantity | None, list[Cause]]:
    """Parse one quantity of a resource list; (value, errors)."""
    try:
        q = parse(raw)
    except (QuantityError, TypeError, AttributeError) as exc:
        return None, [invalid(path, raw, str(exc) if isinstance(exc, QuantityError) else "")]
    errs = []
    if q.value < 0:
        errs.append(invalid(path, q.canonical(), NEGATIVE))
    if (name in INTEGER_RESOURCES or is_extended(name)) and q.value != q.value.to_integral_value():
        errs.append(invalid(path, q.canonical(), NOT_INTEGER))
    return q, errs


def validate_resource_list(
    resources: Any, path: str, *, containers: bool = False
) -> tuple[dict[str, Quantity], list[Cause]]:
    """Check names and quantities of a resource list; returns the parsed values too."""
    if not isinstance(resources, Mapping):
        return {}, []
    values: dict[str, Quantity] = {}
    errs: list[Cause] = []
    for name, raw in resources.items():
        p = f"{path}[{name}]"
        check_name = container_resource_name_errors if containers else resource_name_errors
        errs += check_name(name, p)
        value, q_errs = quantity_errors(name, raw, p)
        errs += q_errs
        if value is not None:
            values[name] = value
    return values, errs


def validate_resource_requirements(resources: Any, path: str) -> list[Cause]:
    """Container `resources`: valid lists, and every request within its limit."""
    if not isinstance(resources, Mapping):
        return []
    limits, errs = validate_resource_list(
        resources.get("limits"), f"{path}.limits", containers=True
    )
    requests, req_errs = validate_resource_list(
        resources.get("requests"), f"{path}.requests", containers=True
    )
    errs += req_errs
    for name, request in requests.items():
        if name not in limits:
            continue
        limit, shown = limits[name].canonical(), request.canonical()
        if request.value != limits[name].value and not overcommit_allowed(name):
            errs.append(
                invalid(f"{path}.requests", shown, f"must be equal to {name} limit of {limit}")
            )
        elif request.value > limits[name].value:
            errs.append(
                invalid(
                    f"{path}.requests",
                    shown,
                    f"must be less than or equal to {name} limit of {limit}",
                )
            )
    return errs
