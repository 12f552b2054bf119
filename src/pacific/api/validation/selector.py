"""metav1.LabelSelector: validation and matching.

A selector is `matchLabels` (a map; each pair must match) ANDed with `matchExpressions`
(`In`/`NotIn` need values, `Exists`/`DoesNotExist` forbid them). An empty selector matches
everything; a missing one (None) matches nothing, as in kube's LabelSelectorAsSelector.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pacific.api.errors import Cause
from pacific.api.validation.field import GoText, forbidden, go_quote, invalid, required
from pacific.api.validation.metadata import validate_labels
from pacific.api.validation.names import label_value_errors, qualified_name_errors

OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


def validate_label_selector(selector: Any, path: str) -> list[Cause]:
    if not isinstance(selector, Mapping):
        return []
    errs = validate_labels(selector.get("matchLabels"), f"{path}.matchLabels")
    for i, expr in enumerate(selector.get("matchExpressions") or []):
        p = f"{path}.matchExpressions[{i}]"
        op = expr.get("operator", "")
        values = expr.get("values") or []
        if op in ("In", "NotIn"):
            if not values:
                errs.append(
                    required(f"{p}.values", "must be specified when `operator` is 'In' or 'NotIn'")
                )
        elif op in ("Exists", "DoesNotExist"):
            if values:
                errs.append(
                    forbidden(
                        f"{p}.values",
                        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                    )
                )
        else:
            errs.append(invalid(f"{p}.operator", op, "not a valid selector operator"))
        key = expr.get("key", "")
        errs += [invalid(f"{p}.key", key, msg) for msg in qualified_name_errors(key)]
        for j, value in enumerate(values):
            errs += [
                invalid(f"{p}.values[{j}]", value, msg) for msg in label_value_errors(str(value))
            ]
    return errs


def is_empty(selector: Any) -> bool:
    return not (
        isinstance(selector, Mapping)
        and (selector.get("matchLabels") or selector.get("matchExpressions"))
    )


def selector_matches(selector: Any, labels: Mapping[str, str] | None) -> bool:
    """Whether `labels` satisfy the selector (None matches nothing, {} everything)."""
    if not isinstance(selector, Mapping):
        return False
    labels = labels or {}
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        present = key in labels
        if op == "In" and not (present and labels[key] in values):
            return False
        if op == "NotIn" and present and labels[key] in values:
            return False
        if op == "Exists" and not present:
            return False
        if op == "DoesNotExist" and present:
            return False
    return True


def go_selector(selector: Any) -> GoText:
    """A LabelSelector as its Go String() prints it, for `Invalid value:` texts."""
    selector = selector if isinstance(selector, Mapping) else {}
    labels = selector.get("matchLabels") or {}
    pairs = "".join(f"{k}: {labels[k]}," for k in sorted(labels))
    exprs = ",".join(
        f"LabelSelectorRequirement{{Key:{e.get('key', '')},Operator:{e.get('operator', '')},"
        f"Values:[]string{{{','.join(go_quote(str(v)) for v in e.get('values') or [])}}},}}"
        for e in selector.get("matchExpressions") or []
    )
    return GoText(
        f"&LabelSelector{{MatchLabels:map[string]string{{{pairs}}},"
        f"MatchExpressions:[]LabelSelectorRequirement{{{exprs}}},}}"
    )
