"""apps/v1: Deployment and ReplicaSet.

Both carry a selector that must be non-empty and match the labels of their pod template,
and a template whose pods restart `Always`. The selector never changes after creation
(apps/v1 made it immutable). Deployments add a rollout strategy: RollingUpdate's
`maxSurge`/`maxUnavailable` are non-negative ints or percentages, not both zero, and
`maxUnavailable` at most 100%.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pacific.api.errors import Cause
from pacific.api.validation.field import (
    GoText,
    forbidden,
    immutable,
    invalid,
    nonnegative,
    not_supported,
    required,
)
from pacific.api.validation.metadata import validate_annotations, validate_labels
from pacific.api.validation.names import percent_errors
from pacific.api.validation.pod import validate_pod_spec
from pacific.api.validation.selector import (
    go_selector,
    is_empty,
    selector_matches,
    validate_label_selector,
)

STRATEGIES = ("Recreate", "RollingUpdate")


def validate_template(template: Any, selector: Any, path: str) -> list[Cause]:
    """ValidatePodTemplateSpecForReplicaSet."""
    if not isinstance(template, Mapping):
        return [required(path)]
    meta = template.get("metadata") or {}
    labels = meta.get("labels") or {}
    errs: list[Cause] = []
    if not is_empty(selector) and not selector_matches(selector, labels):
        errs.append(
            invalid(
                f"{path}.metadata.labels", labels, "`selector` does not match template `labels`"
            )
        )
    errs += validate_labels(labels, f"{path}.metadata.labels")
    errs += validate_annotations(meta.get("annotations"), f"{path}.metadata.annotations")
    spec = template.get("spec") or {}
    errs += validate_pod_spec(spec, f"{path}.spec")
    restart = spec.get("restartPolicy") or ""
    if restart and restart != "Always":
        errs.append(not_supported(f"{path}.spec.restartPolicy", restart, ("Always",)))
    if spec.get("activeDeadlineSeconds") is not None:
        errs.append(
            forbidden(
                f"{path}.spec.activeDeadlineSeconds",
                "activeDeadlineSeconds in ReplicaSet is not Supported",
            )
        )
    return errs


def _validate_selector(spec: Mapping[str, Any], kind: str) -> list[Cause]:
    selector = spec.get("selector")
    if selector is None:
        return [required("spec.selector")]
    errs = validate_label_selector(selector, "spec.selector")
    if is_empty(selector):
        errs.append(
            invalid("spec.selector", go_selector(selector), f"empty selector is invalid for {kind}")
        )
    return errs


def _int_or_percent(value: Any, path: str) -> list[Cause]:
    if isinstance(value, str):
        if percent_errors(value):
            return [invalid(path, GoText(value), "must be an integer or percentage (e.g '5%')")]
        return []
    return nonnegative(path, value)


def _scaled(value: Any) -> int:
    if isinstance(value, str) and value.endswith("%") and value[:-1].isdigit():
        return int(value[:-1])
    return value if isinstance(value, int) else 0


def _validate_strategy(strategy: Any, path: str) -> list[Cause]:
    strategy = strategy if isinstance(strategy, Mapping) else {}
    kind = strategy.get("type") or ""
    rolling = strategy.get("rollingUpdate")
    if kind == "Recreate":
        if rolling is not None:
            return [
                forbidden(
                    f"{path}.rollingUpdate",
                    "may not be specified when strategy `type` is 'Recreate'",
                )
            ]
        return []
    if kind != "RollingUpdate":
        return [not_supported(f"{path}.type", kind, STRATEGIES)]
    if not isinstance(rolling, Mapping):
        return [required(f"{path}.rollingUpdate", "this should be defaulted and never be nil")]
    p = f"{path}.rollingUpdate"
    unavailable, surge = rolling.get("maxUnavailable"), rolling.get("maxSurge")
    errs = _int_or_percent(unavailable, f"{p}.maxUnavailable")
    errs += _int_or_percent(surge, f"{p}.maxSurge")
    if _scaled(unavailable) == 0 and _scaled(surge) == 0:
        errs.append(
            invalid(
                f"{p}.maxUnavailable", GoText(str(unavailable)), "may not be 0 when `maxSurge` is 0"
            )
        )
    if isinstance(unavailable, str) and _scaled(unavailable) > 100:
        errs.append(
            invalid(f"{p}.maxUnavailable", GoText(unavailable), "must not be greater than 100%")
        )
    return errs


def validate_replica_set(obj: Mapping[str, Any]) -> list[Cause]:
    spec = obj.get("spec") or {}
    errs = nonnegative("spec.replicas", spec.get("replicas"))
    errs += nonnegative("spec.minReadySeconds", spec.get("minReadySeconds"))
    errs += _validate_selector(spec, "replicaset")
    errs += validate_template(spec.get("template"), spec.get("selector"), "spec.template")
    return errs


def validate_deployment(obj: Mapping[str, Any]) -> list[Cause]:
    spec = obj.get("spec") or {}
    errs = nonnegative("spec.replicas", spec.get("replicas"))
    errs += _validate_selector(spec, "deployment")
    errs += validate_template(spec.get("template"), spec.get("selector"), "spec.template")
    errs += _validate_strategy(spec.get("strategy"), "spec.strategy")
    min_ready = spec.get("minReadySeconds")
    errs += nonnegative("spec.minReadySeconds", min_ready)
    errs += nonnegative("spec.revisionHistoryLimit", spec.get("revisionHistoryLimit"))
    deadline = spec.get("progressDeadlineSeconds")
    if isinstance(deadline, int):
        errs += nonnegative("spec.progressDeadlineSeconds", deadline)
        if isinstance(min_ready, int) and deadline <= min_ready:
            errs.append(
                invalid(
                    "spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds"
                )
            )
    return errs


def validate_selector_update(obj: Mapping[str, Any], old: Mapping[str, Any]) -> list[Cause]:
    """apps/v1 selectors are immutable."""
    new_sel = (obj.get("spec") or {}).get("selector")
    old_sel = (old.get("spec") or {}).get("selector")
    if new_sel == old_sel:
        return []
    return immutable("spec.selector", go_selector(new_sel), go_selector(old_sel))
