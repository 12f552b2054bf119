"""PriorityClass (scheduling.k8s.io/v1) validation, as kube's ValidatePriorityClass.

Names starting with `system-` are reserved for the built-in classes, which must carry
their exact values; any other class may not exceed the highest user-definable priority
(1,000,000,000). `preemptionPolicy` is `PreemptLowerPriority` or `Never`. `value` and
`preemptionPolicy` never change after creation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pacific.api.admission.priority import (
    HIGHEST_USER_DEFINABLE_PRIORITY,
    NEVER,
    PREEMPT_LOWER_PRIORITY,
    SYSTEM_PREFIX,
    known_system_class,
)
from pacific.api.errors import Cause
from pacific.api.validation.field import forbidden, immutable, not_supported, required

POLICIES = (NEVER, PREEMPT_LOWER_PRIORITY)


def validate_priority_class(obj: Mapping[str, Any]) -> list[Cause]:
    errs: list[Cause] = []
    name = str((obj.get("metadata") or {}).get("name") or "")
    value = obj.get("value")
    if name.startswith(SYSTEM_PREFIX):
        reason = known_system_class(name, value, obj.get("globalDefault"))
        if reason is not None:
            errs.append(
                forbidden(
                    "metadata.name",
                    f"priority class names with '{SYSTEM_PREFIX}' prefix are reserved for "
                    f"system use only. error: {reason}",
                )
            )
    elif isinstance(value, int) and value > HIGHEST_USER_DEFINABLE_PRIORITY:
        errs.append(
            forbidden(
                "value",
                "maximum allowed value of a user defined priority is "
                f"{HIGHEST_USER_DEFINABLE_PRIORITY}",
            )
        )
    policy = obj.get("preemptionPolicy")
    if policy is None:
        errs.append(required("preemptionPolicy"))
    elif policy not in POLICIES:
        errs.append(not_supported("preemptionPolicy", policy, POLICIES))
    return errs


def validate_priority_class_update(obj: Mapping[str, Any], old: Mapping[str, Any]) -> list[Cause]:
    errs: list[Cause] = []
    if obj.get("value") != old.get("value"):
        errs.append(forbidden("value", "may not be changed in an update."))
    errs += immutable("preemptionPolicy", obj.get("preemptionPolicy"), old.get("preemptionPolicy"))
    return errs
