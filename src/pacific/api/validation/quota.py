"""ResourceQuota and LimitRange.

A quota's `hard` map holds non-negative quantities of standard or qualified resource
names, with known scopes. A LimitRange item has a type (Container, Pod or
PersistentVolumeClaim) and per resource keeps min <= defaultRequest <= default <= max and
maxLimitRequestRatio >= 1; Pod items have no defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pacific.api.errors import Cause
from pacific.api.validation.field import GoText, forbidden, invalid, not_supported, required
from pacific.api.validation.quantity import Quantity
from pacific.api.validation.resources import validate_resource_list

SCOPES = (
    "BestEffort",
    "CrossNamespacePodAffinity",
    "NotBestEffort",
    "NotTerminating",
    "PriorityClass",
    "Terminating",
    "VolumeAttributesClass",
)
LIMIT_TYPES = ("Container", "PersistentVolumeClaim", "Pod")


def validate_resource_quota(obj: Mapping[str, Any]) -> list[Cause]:
    spec = obj.get("spec") or {}
    errs = validate_resource_list(spec.get("hard"), "spec.hard")[1]
    errs += validate_resource_list((obj.get("status") or {}).get("hard"), "status.hard")[1]
    errs += validate_resource_list((obj.get("status") or {}).get("used"), "status.used")[1]
    for scope in spec.get("scopes") or []:
        if scope not in SCOPES:
            errs.append(not_supported("spec.scopes", scope, SCOPES))
    return errs


def _q(q: Quantity) -> GoText:
    return GoText(q.canonical())


def _ordered(
    p: str,
    lo_key: str,
    lo: dict[str, Quantity],
    hi_key: str,
    hi: dict[str, Quantity],
    lo_name: str,
    hi_name: str,
) -> list[Cause]:
    errs = []
    for name, low in lo.items():
        high = hi.get(name)
        if high is not None and low.value > high.value:
            errs.append(
                invalid(
                    f"{p}.{lo_key}[{name}]",
                    _q(low),
                    f"{lo_name} value {low.canonical()} is greater than {hi_name} value "
                    f"{high.canonical()}",
                )
            )
    return errs


def validate_limit_range(obj: Mapping[str, Any]) -> list[Cause]:
    errs: list[Cause] = []
    for i, item in enumerate((obj.get("spec") or {}).get("limits") or []):
        p = f"spec.limits[{i}]"
        kind = item.get("type") or ""
        if not kind:
            errs.append(required(f"{p}.type"))
        elif kind not in LIMIT_TYPES:
            errs.append(not_supported(f"{p}.type", kind, LIMIT_TYPES))
        lists: dict[str, dict[str, Quantity]] = {}
        for key in ("max", "min", "default", "defaultRequest", "maxLimitRequestRatio"):
            lists[key], list_errs = validate_resource_list(item.get(key), f"{p}.{key}")
            errs += list_errs
        if kind == "Pod":
            for key in ("default", "defaultRequest"):
                if item.get(key):
                    errs.append(
                        forbidden(f"{p}.{key}", "may not be specified when `type` is 'Pod'")
                    )
        mx, mn, df, dr = lists["max"], lists["min"], lists["default"], lists["defaultRequest"]
        errs += _ordered(p, "min", mn, "max", mx, "min", "max")
        errs += _ordered(p, "default", mn, "default", df, "min", "default")
        errs += _ordered(p, "default", df, "max", mx, "default", "max")
        errs += _ordered(p, "defaultRequest", mn, "defaultRequest", dr, "min", "default request")
        errs += _ordered(p, "defaultRequest", dr, "max", mx, "default request", "max")
        errs += _ordered(p, "defaultRequest", dr, "default", df, "default request", "default limit")
        for name, ratio in lists["maxLimitRequestRatio"].items():
            if ratio.value < 1:
                errs.append(
                    invalid(
                        f"{p}.maxLimitRequestRatio[{name}]",
                        _q(ratio),
                        f"ratio {ratio.canonical()} is less than 1",
                    )
                )
    return errs
