"""What the scheduler's informers keep of a Pod: the fields it reads, nothing else.

The scheduler sees every pod three or four times (created, bound, its status filled in)
and at a thousand pods a second the informers' default transform (`compact`: strip
bookkeeping, then intern every string of the object) costs more than a decision. So the
scheduler's pod informers keep a *view* built by `pod_view`, one shallow pass over the
top of the object:

- `apiVersion`, `kind` and `metadata` minus `managedFields`, `ownerReferences`,
  `finalizers` and the last-applied annotation (events name the object by kind, name,
  uid and resourceVersion; decisions read labels, annotations, timestamps);
- `spec` as sent (requests, placement, priority: everything a decision reads);
- of `status`, only what the scheduler reads or writes back: `phase`, `conditions`,
  `nominatedNodeName`, `startTime`.

As with every informer view (see `pacific.client.informer_transform`), a cached pod is
read-only and never written back whole.
"""

from __future__ import annotations

from typing import Any

from pacific.client.informer_transform import LAST_APPLIED

Obj = dict[str, Any]

_DROPPED_METADATA = frozenset({"managedFields", "ownerReferences", "finalizers"})
_KEPT_STATUS = ("phase", "conditions", "nominatedNodeName", "startTime")


def pod_view(pod: Obj) -> Obj:
    """The scheduler's view of a freshly decoded Pod (see the module docstring)."""
    view: Obj = {"apiVersion": pod.get("apiVersion") or "v1", "kind": pod.get("kind") or "Pod"}
    meta = pod.get("metadata")
    if isinstance(meta, dict):
        kept = {k: v for k, v in meta.items() if k not in _DROPPED_METADATA}
        annotations = kept.get("annotations")
        if isinstance(annotations, dict) and LAST_APPLIED in annotations:
            kept["annotations"] = {k: v for k, v in annotations.items() if k != LAST_APPLIED}
        view["metadata"] = kept
    if "spec" in pod:
        view["spec"] = pod["spec"]
    status = pod.get("status")
    if isinstance(status, dict):
        view["status"] = {k: status[k] for k in _KEPT_STATUS if k in status}
    return view
