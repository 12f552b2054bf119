"""Namespace lifecycle decisions as pure functions.

A namespace being deleted (deletionTimestamp set; the apiserver shows phase Terminating and
keeps it while `spec.finalizers` holds "kubernetes") is emptied by the namespace controller:
every namespaced object of every kind is deleted, and what is left is reported through the
namespace's conditions, like kube's namespaced-resources deleter:

    NamespaceDeletionDiscoveryFailure   False ResourcesDiscovered / True DiscoveryFailed
    NamespaceDeletionGroupVersionParsing False ParsedGroupVersions
    NamespaceDeletionContentFailure     False ContentDeleted / True ContentDeletionFailed
    NamespaceContentRemaining           False ContentRemoved / True SomeResourcesRemain
    NamespaceFinalizersRemaining        False ContentHasNoFinalizers / True SomeFinalizersRemain

Only when nothing remains is "kubernetes" removed from spec.finalizers (through the
`finalize` subresource); the apiserver then removes the namespace.

Every live namespace holds ServiceAccount "default" and ConfigMap "kube-root-ca.crt" with
the cluster CA (`ca.crt`); `default_service_account` / `root_ca_configmap` build them.
"""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from pacific.controllers.objects import Obj, finalizers_of, set_condition

KUBERNETES_FINALIZER = "kubernetes"
ROOT_CA_CONFIGMAP = "kube-root-ca.crt"
ROOT_CA_KEY = "ca.crt"
DEFAULT_SERVICE_ACCOUNT = "default"


@dataclass
class Content:
    """What is left in a terminating namespace after one deletion pass."""

    remaining: Counter[str] = field(default_factory=Counter)  # "pods", "deployments.apps"
    finalizers: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    discovery_errors: list[str] = field(default_factory=list)

    def add(self, resource: str, objects: list[Obj]) -> None:
        if objects:
            self.remaining[resource] += len(objects)
        for obj in objects:
            for name in finalizers_of(obj):
                self.finalizers[name] += 1

    @property
    def empty(self) -> bool:
        return not self.remaining and not self.errors and not self.discovery_errors


def _cond(type_: str, failing: bool, reasons: tuple[str, str], messages: tuple[str, str]) -> Obj:
    return {
        "type": type_,
        "status": "True" if failing else "False",
        "reason": reasons[1] if failing else reasons[0],
        "message": messages[1] if failing else messages[0],
    }


def deletion_conditions(conditions: list[Obj] | None, content: Content, now: datetime) -> list[Obj]:
    """The namespace's conditions after a deletion pass that found `content`."""
    remaining = ", ".join(
        sorted(f"{res} has {n} resource instances" for res, n in content.remaining.items())
    )
    finalizers = ", ".join(
        sorted(f"{name} in {n} resource instances" for name, n in content.finalizers.items())
    )
    new = [
        _cond(
            "NamespaceDeletionDiscoveryFailure",
            bool(content.discovery_errors),
            ("ResourcesDiscovered", "DiscoveryFailed"),
            ("All resources successfully discovered", "; ".join(content.discovery_errors)),
        ),
        _cond(
            "NamespaceDeletionGroupVersionParsing",
            False,
            ("ParsedGroupVersions", "FailedParsingGroupVersion"),
            ("All legacy kube types successfully parsed", ""),
        ),
        _cond(
            "NamespaceDeletionContentFailure",
            bool(content.errors),
            ("ContentDeleted", "ContentDeletionFailed"),
            (
                "All content successfully deleted, may be waiting on finalization",
                "; ".join(content.errors),
            ),
        ),
        _cond(
            "NamespaceContentRemaining",
            bool(content.remaining),
            ("ContentRemoved", "SomeResourcesRemain"),
            ("All content successfully removed", f"Some resources are remaining: {remaining}"),
        ),
        _cond(
            "NamespaceFinalizersRemaining",
            bool(content.finalizers),
            ("ContentHasNoFinalizers", "SomeFinalizersRemain"),
            (
                "All content-preserving finalizers finished",
                f"Some content in the namespace has finalizers remaining: {finalizers}",
            ),
        ),
    ]
    out = list(conditions or [])
    for cond in new:
        out = set_condition(out, cond, now)
    return out


def finalized(ns: Obj) -> Obj | None:
    """The namespace with "kubernetes" removed from spec.finalizers, or None if absent."""
    spec_finalizers = list((ns.get("spec") or {}).get("finalizers") or [])
    if KUBERNETES_FINALIZER not in spec_finalizers:
        return None
    out = copy.deepcopy(ns)
    out.setdefault("spec", {})["finalizers"] = [
        f for f in spec_finalizers if f != KUBERNETES_FINALIZER
    ]
    return out


def default_service_account(namespace: str) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": DEFAULT_SERVICE_ACCOUNT, "namespace": namespace},
    }


def root_ca_configmap(namespace: str, ca_pem: str) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": ROOT_CA_CONFIGMAP,
            "namespace": namespace,
            "annotations": {
                "kubernetes.io/description": (
                    "Contains a CA bundle that can be used to verify the kube-apiserver "
                    "when using internal endpoints such as the internal service IP or "
                    "kubernetes.default.svc. No other usage is guaranteed across "
                    "distributions of Kubernetes clusters."
                )
            },
        },
        "data": {ROOT_CA_KEY: ca_pem},
    }
