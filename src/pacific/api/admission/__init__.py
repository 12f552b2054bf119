"""Namespaces as tenants: LimitRange and ResourceQuota admission as pure functions.

    workload.py    the Workload view (units with requests/limits) shared by Pods and VMs
    limitrange.py  LimitRanger: defaults and min/max/ratio checks (403 Forbidden)
    usage.py       what an object counts towards a quota (kube's evaluators)
    quota.py       quota admission (check and reservation) and status recomputation

Everything here works on plain JSON dicts and raises `pacific.api.errors.Forbidden` with
kube-apiserver's messages. The apiserver (`pacific.apiserver.admission_quota`) reads the
namespace's LimitRanges and ResourceQuotas and writes reservations; the quota controller
(`pacific.controllers.quota`) recomputes status.used.
"""

from pacific.api.admission.limitrange import (
    apply_limit_ranges,
    check_limit_ranges,
    limit_range_violations,
    workload_violations,
)
from pacific.api.admission.quota import (
    check_quota,
    new_usage,
    quota_status,
    used_in_namespace,
)
from pacific.api.admission.usage import tracked, usage_of, workload_usage
from pacific.api.admission.workload import Unit, Workload, pod_workload

__all__ = [
    "Unit",
    "Workload",
    "apply_limit_ranges",
    "check_limit_ranges",
    "check_quota",
    "limit_range_violations",
    "new_usage",
    "pod_workload",
    "quota_status",
    "tracked",
    "usage_of",
    "used_in_namespace",
    "workload_usage",
    "workload_violations",
]
