"""Defaults of scheduling.k8s.io/v1 kinds (kube's SetDefaults_PriorityClass)."""

from __future__ import annotations

from typing import Any

PREEMPT_LOWER_PRIORITY = "PreemptLowerPriority"


def default_priority_class(obj: dict[str, Any]) -> None:
    """A PriorityClass without preemptionPolicy preempts lower priorities."""
    obj.setdefault("preemptionPolicy", PREEMPT_LOWER_PRIORITY)
