"""rbac.authorization.k8s.io/v1: Role, ClusterRole, RoleBinding, ClusterRoleBinding.

A rule needs verbs; a resource rule needs apiGroups and resources, a non-resource rule
(ClusterRole only) needs nonResourceURLs and no resources. A binding's roleRef names a Role
(RoleBinding only) or ClusterRole in the RBAC group and never changes after creation.
Subjects are ServiceAccounts (core group, a namespace unless bound in a namespace), Users
or Groups (RBAC group).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pacific.api.errors import Cause
from pacific.api.validation.field import GoText, go_list, go_quote, invalid, not_supported, required
from pacific.api.validation.names import (
    dns1123_label_errors,
    dns1123_subdomain_errors,
    path_segment_errors,
)
from pacific.api.validation.selector import validate_label_selector

GROUP = "rbac.authorization.k8s.io"
SUBJECT_KINDS = ("ServiceAccount", "User", "Group")


def _validate_rules(rules: Any, namespaced: bool) -> list[Cause]:
    errs: list[Cause] = []
    for i, rule in enumerate(rules or []):
        p = f"rules[{i}]"
        if not rule.get("verbs"):
            errs.append(required(f"{p}.verbs", "verbs must contain at least one value"))
        urls = rule.get("nonResourceURLs") or []
        if urls:
            if namespaced:
                errs.append(
                    invalid(
                        f"{p}.nonResourceURLs",
                        go_list(urls),
                        "namespaced rules cannot apply to non-resource URLs",
                    )
                )
            if rule.get("apiGroups") or rule.get("resources") or rule.get("resourceNames"):
                errs.append(
                    invalid(
                        f"{p}.nonResourceURLs",
                        go_list(urls),
                        "rules cannot apply to both regular resources and non-resource URLs",
                    )
                )
            continue
        if not rule.get("apiGroups"):
            errs.append(
                required(f"{p}.apiGroups", "resource rules must supply at least one api group")
            )
        if not rule.get("resources"):
            errs.append(
                required(f"{p}.resources", "resource rules must supply at least one resource")
            )
    return errs


def validate_role(obj: Mapping[str, Any]) -> list[Cause]:
    return _validate_rules(obj.get("rules"), namespaced=True)


def validate_cluster_role(obj: Mapping[str, Any]) -> list[Cause]:
    errs = _validate_rules(obj.get("rules"), namespaced=False)
    aggregation = obj.get("aggregationRule")
    if isinstance(aggregation, Mapping):
        selectors = aggregation.get("clusterRoleSelectors") or []
        if not selectors:
            errs.append(
                required(
                    "aggregationRule.clusterRoleSelectors",
                    "at least one clusterRoleSelector required if aggregationRule is non-nil",
                )
            )
        for i, selector in enumerate(selectors):
            errs += validate_label_selector(selector, f"aggregationRule.clusterRoleSelectors[{i}]")
    return errs


def _validate_subjects(subjects: Any, namespaced: bool) -> list[Cause]:
    errs: list[Cause] = []
    for i, subject in enumerate(subjects or []):
        p = f"subjects[{i}]"
        kind = subject.get("kind") or ""
        name = subject.get("name") or ""
        group = subject.get("apiGroup") or ""
        if not name:
            errs.append(required(f"{p}.name"))
        if kind == "ServiceAccount":
            if name:
                errs += [invalid(f"{p}.name", name, m) for m in dns1123_subdomain_errors(name)]
            if group:
                errs.append(not_supported(f"{p}.apiGroup", group, ("",)))
            namespace = subject.get("namespace") or ""
            if not namespace and not namespaced:
                errs.append(required(f"{p}.namespace"))
            elif namespace:
                errs += [
                    invalid(f"{p}.namespace", namespace, m) for m in dns1123_label_errors(namespace)
                ]
        elif kind in ("User", "Group"):
            if group != GROUP:
                errs.append(not_supported(f"{p}.apiGroup", group, (GROUP,)))
        else:
            errs.append(not_supported(f"{p}.kind", kind, SUBJECT_KINDS))
    return errs


def _validate_binding(obj: Mapping[str, Any], namespaced: bool) -> list[Cause]:
    ref = obj.get("roleRef") or {}
    errs: list[Cause] = []
    group = ref.get("apiGroup") or ""
    if group != GROUP:
        errs.append(not_supported("roleRef.apiGroup", group, (GROUP,)))
    kinds = ("ClusterRole", "Role") if namespaced else ("ClusterRole",)
    kind = ref.get("kind") or ""
    if kind not in kinds:
        errs.append(not_supported("roleRef.kind", kind, kinds))
    name = ref.get("name") or ""
    if not name:
        errs.append(required("roleRef.name"))
    else:
        errs += [invalid("roleRef.name", name, m) for m in path_segment_errors(name)]
    return errs + _validate_subjects(obj.get("subjects"), namespaced)


def validate_role_binding(obj: Mapping[str, Any]) -> list[Cause]:
    return _validate_binding(obj, namespaced=True)


def validate_cluster_role_binding(obj: Mapping[str, Any]) -> list[Cause]:
    return _validate_binding(obj, namespaced=False)


def _go_role_ref(ref: Mapping[str, Any]) -> GoText:
    return GoText(
        f"rbac.RoleRef{{APIGroup:{go_quote(ref.get('apiGroup') or '')}, "
        f"Kind:{go_quote(ref.get('kind') or '')}, Name:{go_quote(ref.get('name') or '')}}}"
    )


def validate_binding_update(obj: Mapping[str, Any], old: Mapping[str, Any]) -> list[Cause]:
    ref, old_ref = obj.get("roleRef") or {}, old.get("roleRef") or {}
    if ref == old_ref:
        return []
    return [invalid("roleRef", _go_role_ref(ref), "cannot change roleRef")]
