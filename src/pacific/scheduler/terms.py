"""Placement terms compiled once per workload: node selector terms, pod affinity terms,
topology spread constraints and tolerations, with the pure matching rules kube applies.

Invariants (from the Kubernetes API reference, matched by `component-helpers`):
- NodeSelectorTerms are ORed; inside a term, expressions and fields are ANDed; a term with
  neither matches no node; an invalid term (bad operator, bad Gt/Lt value) matches none.
  `matchFields` may only name `metadata.name`.
- A toleration with an empty effect matches every effect; an empty key with `Exists`
  matches every taint; `Equal` (the default operator) compares values.
- A pod affinity term with no namespaces and no namespaceSelector means the workload's own
  namespace; `namespaceSelector: {}` means every namespace.
- A spread constraint's selector is extended with `matchLabelKeys` from the workload's
  own labels; `nodeAffinityPolicy` defaults to Honor and `nodeTaintsPolicy` to Ignore.
Invalid selectors never raise here: they select nothing (the API server validated them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pacific.api.errors import APIError
from pacific.api.selectors import (
    LabelSelector,
    Operator,
    Requirement,
    label_selector_from_object,
)

Obj = Mapping[str, Any]

NO_SCHEDULE = "NoSchedule"
PREFER_NO_SCHEDULE = "PreferNoSchedule"
NO_EXECUTE = "NoExecute"
DO_NOT_SCHEDULE = "DoNotSchedule"

_NODE_OPERATORS = {
    "In": Operator.IN,
    "NotIn": Operator.NOT_IN,
    "Exists": Operator.EXISTS,
    "DoesNotExist": Operator.DOES_NOT_EXIST,
    "Gt": Operator.GREATER_THAN,
    "Lt": Operator.LESS_THAN,
}


def selector_or_nothing(sel: Obj | None) -> LabelSelector:
    """Compile a metav1.LabelSelector; an invalid one selects nothing."""
    try:
        return label_selector_from_object(sel)
    except APIError:
        return LabelSelector(nothing=True)


@dataclass(frozen=True, slots=True)
class NodeSelectorTerm:
    expressions: tuple[Requirement, ...]
    names: tuple[Requirement, ...]  # matchFields on metadata.name
    valid: bool = True

    def matches(self, name: str, labels: Mapping[str, str]) -> bool:
        if not self.valid or not (self.expressions or self.names):
            return False
        if not all(r.matches(labels) for r in self.expressions):
            return False
        fields = {"metadata.name": name}
        return all(r.matches(fields) for r in self.names)


def _requirement(expr: Obj) -> Requirement | None:
    op = _NODE_OPERATORS.get(str(expr.get("operator", "")))
    if op is None:
        return None
    values = tuple(str(v) for v in expr.get("values") or ())
    numeric = op in (Operator.GREATER_THAN, Operator.LESS_THAN)
    if numeric and (len(values) != 1 or not values[0].lstrip("+-").isdigit()):
        return None
    return Requirement(str(expr.get("key", "")), op, values)


def _term(raw: Obj) -> NodeSelectorTerm:
    exprs = [_requirement(e) for e in raw.get("matchExpressions") or ()]
    fields = [_requirement(e) for e in raw.get("matchFields") or ()]
    valid = all(r is not None for r in exprs + fields) and all(
        r is not None and r.key == "metadata.name" for r in fields
    )
    return NodeSelectorTerm(
        tuple(r for r in exprs if r is not None),
        tuple(r for r in fields if r is not None),
        valid,
    )


def node_selector_terms(raw: Iterable[Obj]) -> tuple[NodeSelectorTerm, ...]:
    return tuple(_term(t) for t in raw)


def match_node_terms(
    terms: tuple[NodeSelectorTerm, ...], name: str, labels: Mapping[str, str]
) -> bool:
    """ORed terms; an empty list of terms matches every node (no requirement given)."""
    return not terms or any(t.matches(name, labels) for t in terms)


@dataclass(frozen=True, slots=True)
class Toleration:
    key: str = ""
    operator: str = "Equal"
    value: str = ""
    effect: str = ""

    def tolerates(self, key: str, value: str, effect: str) -> bool:
        if self.effect and self.effect != effect:
            return False
        if self.key and self.key != key:
            return False
        if self.operator == "Exists":
            return True
        return bool(self.key) and self.value == value


def tolerations_of(raw: Iterable[Obj]) -> tuple[Toleration, ...]:
    return tuple(
        Toleration(
            str(t.get("key") or ""),
            str(t.get("operator") or "Equal"),
            str(t.get("value") or ""),
            str(t.get("effect") or ""),
        )
        for t in raw
    )


@dataclass(frozen=True, slots=True)
class PodAffinityTerm:
    selector: LabelSelector
    topology_key: str
    namespaces: frozenset[str]
    namespace_selector: LabelSelector | None = None  # None: only `namespaces`

    def selects_namespace(self, namespace: str, ns_labels: Mapping[str, str] | None) -> bool:
        if namespace in self.namespaces:
            return True
        sel = self.namespace_selector
        return sel is not None and (sel.empty or sel.matches(ns_labels or {}))

    def selects(
        self, namespace: str, labels: Mapping[str, str], ns_labels: Mapping[str, str] | None
    ) -> bool:
        return self.selects_namespace(namespace, ns_labels) and self.selector.matches(labels)


def pod_affinity_terms(raw: Iterable[Obj], own_namespace: str) -> tuple[PodAffinityTerm, ...]:
    out = []
    for t in raw:
        namespaces = frozenset(str(n) for n in t.get("namespaces") or ())
        ns_sel_raw = t.get("namespaceSelector")
        ns_sel = selector_or_nothing(ns_sel_raw) if ns_sel_raw is not None else None
        if not namespaces and ns_sel is None:
            namespaces = frozenset((own_namespace,))
        out.append(
            PodAffinityTerm(
                selector_or_nothing(t.get("labelSelector")),
                str(t.get("topologyKey") or ""),
                namespaces,
                ns_sel,
            )
        )
    return tuple(out)


@dataclass(frozen=True, slots=True)
class SpreadConstraint:
    max_skew: int
    topology_key: str
    when_unsatisfiable: str
    selector: LabelSelector
    min_domains: int = 1
    honor_node_affinity: bool = True
    honor_node_taints: bool = False


def spread_constraints(raw: Iterable[Obj], metadata: Obj) -> tuple[SpreadConstraint, ...]:
    labels: Mapping[str, Any] = metadata.get("labels") or {}
    out = []
    for c in raw:
        sel_raw = dict(c.get("labelSelector") or {}) if c.get("labelSelector") else None
        if sel_raw is not None:
            keys = [k for k in c.get("matchLabelKeys") or () if k in labels]
            if keys:
                match = dict(sel_raw.get("matchLabels") or {})
                match.update({k: labels[k] for k in keys})
                sel_raw["matchLabels"] = match
        out.append(
            SpreadConstraint(
                max_skew=int(c.get("maxSkew") or 1),
                topology_key=str(c.get("topologyKey") or ""),
                when_unsatisfiable=str(c.get("whenUnsatisfiable") or DO_NOT_SCHEDULE),
                selector=selector_or_nothing(sel_raw),
                min_domains=int(c.get("minDomains") or 1),
                honor_node_affinity=c.get("nodeAffinityPolicy", "Honor") == "Honor",
                honor_node_taints=c.get("nodeTaintsPolicy", "Ignore") == "Honor",
            )
        )
    return tuple(out)
