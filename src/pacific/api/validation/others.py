"""Small kinds: ServiceAccount, RuntimeClass (node.k8s.io), Lease (coordination.k8s.io).

A RuntimeClass's handler is a DNS label and never changes; its overhead is a valid
resource list and its scheduling tolerations valid tolerations. A Lease's duration is
positive and its transition count non-negative.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pacific.api.errors import Cause
from pacific.api.validation.field import immutable, invalid, nonnegative, required
from pacific.api.validation.metadata import validate_labels
from pacific.api.validation.names import dns1123_label_errors, dns1123_subdomain_errors
from pacific.api.validation.pod import validate_tolerations
from pacific.api.validation.resources import validate_resource_list


def validate_service_account(obj: Mapping[str, Any]) -> list[Cause]:
    errs: list[Cause] = []
    for key in ("secrets", "imagePullSecrets"):
        for i, ref in enumerate(obj.get(key) or []):
            name = ref.get("name") or ""
            if key == "imagePullSecrets" and not name:
                errs.append(required(f"{key}[{i}].name"))
            elif name:
                errs += [
                    invalid(f"{key}[{i}].name", name, msg) for msg in dns1123_subdomain_errors(name)
                ]
    return errs


def validate_runtime_class(obj: Mapping[str, Any]) -> list[Cause]:
    handler = obj.get("handler") or ""
    errs = [invalid("handler", handler, msg) for msg in dns1123_label_errors(handler)]
    overhead = obj.get("overhead") or {}
    errs += validate_resource_list(overhead.get("podFixed"), "overhead.podFixed")[1]
    scheduling = obj.get("scheduling") or {}
    errs += validate_labels(scheduling.get("nodeSelector"), "scheduling.nodeSelector")
    errs += validate_tolerations(scheduling.get("tolerations"), "scheduling.tolerations")
    return errs


def validate_runtime_class_update(obj: Mapping[str, Any], old: Mapping[str, Any]) -> list[Cause]:
    return immutable("handler", obj.get("handler"), old.get("handler"))


def validate_lease(obj: Mapping[str, Any]) -> list[Cause]:
    spec = obj.get("spec") or {}
    errs: list[Cause] = []
    duration = spec.get("leaseDurationSeconds")
    if isinstance(duration, int) and duration <= 0:
        errs.append(invalid("spec.leaseDurationSeconds", duration, "must be greater than 0"))
    errs += nonnegative("spec.leaseTransitions", spec.get("leaseTransitions"))
    return errs
