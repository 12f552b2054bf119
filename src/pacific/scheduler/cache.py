"""The scheduler's cache: hosts and the workloads placed on them, bound or assumed.

Model: informers feed Nodes (`set_node`/`delete_node`) and bound Pods (`add_bound`/
`remove`); the scheduling loop adds its own decisions with `assume` before the binding
is even sent, so the next decision already sees them (the informer lags by a watch
round-trip). When the bound pod then arrives from the informer, it replaces the assumed
entry (same uid) instead of counting twice; `forget` drops an assumption whose binding
failed. An assumption whose binding succeeded but never showed up (the pod was deleted
in between) expires `ASSUMED_TTL` seconds after `finish_binding`.

Nominations: a workload that preempted others is nominated to the host it freed
(`nominate`, also rebuilt from a pending pod's `status.nominatedNodeName` after a restart)
until it is placed anywhere or deleted; decisions see nominated workloads as placed on that
host for workloads of lower or equal priority (`ClusterView.nominated`).

Invariants:
- A uid is placed on at most one host (`_placed[uid]` names it).
- Workloads may reference a host the cache has not seen yet (informers race): the host
  then exists as a placeholder that is not offered to decisions until its Node arrives.
- `view()` lists offered hosts in a stable order (sorted by name, rebuilt only when the
  set of hosts changes), so rotating the start index walks every host.
- The view's `HostIndex` (classes of hosts in equal state, `pacific.scheduler.hostindex`)
  covers exactly that order: it is rebuilt with the order and told of every change to a
  host's workloads or Node fields, so plain decisions never scan hosts.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import Any

from pacific.scheduler.framework import ClusterView
from pacific.scheduler.hostindex import HostIndex
from pacific.scheduler.nodeinfo import NodeInfo, node_info_from_node
from pacific.scheduler.numa import numa_node_of
from pacific.scheduler.workload import Resources, Workload, workload_from_pod

ASSUMED_TTL = 30.0

Obj = Mapping[str, Any]


def _placeholder(name: str) -> NodeInfo:
    return NodeInfo(name=name, labels={}, allocatable=Resources(), allowed_pods=0)


class SchedulerCache:
    def __init__(self) -> None:
        self._nodes: dict[str, NodeInfo] = {}
        self._known: set[str] = set()
        self._order: list[NodeInfo] | None = None
        self._placed: dict[str, str] = {}
        self._assumed: dict[str, float | None] = {}  # uid -> expiry (None: still binding)
        self._expiries: deque[tuple[float, str]] = deque()  # (expiry, uid), in time order
        self._anti: dict[str, Workload] = {}
        self.namespace_labels: dict[str, Mapping[str, str]] = {}
        self._nominated: dict[str, tuple[Workload, str]] = {}  # uid -> (workload, host)
        self._by_host: dict[str, tuple[Workload, ...]] | None = {}
        self._index = HostIndex()

    # -- hosts -------------------------------------------------------------------------------

    def set_node(self, node: Obj) -> NodeInfo:
        fresh = node_info_from_node(node)
        info = self._nodes.get(fresh.name)
        if info is None:
            self._nodes[fresh.name] = info = fresh
        else:
            info.update_from(fresh)
        if fresh.name not in self._known:
            self._known.add(fresh.name)
            self._order = None
        elif self._order is not None:
            self._index.update(info)
        return info

    def delete_node(self, name: str) -> None:
        if name in self._known:
            self._known.discard(name)
            self._order = None
        info = self._nodes.get(name)
        if info is not None and not info.workloads:
            del self._nodes[name]

    def node(self, name: str) -> NodeInfo | None:
        return self._nodes.get(name) if name in self._known else None

    def __len__(self) -> int:
        return len(self._known)

    # -- workloads ---------------------------------------------------------------------------

    def add_bound(self, pod: Obj) -> None:
        """A bound pod from the informer; confirms an assumption with the same uid."""
        node_name = str((pod.get("spec") or {}).get("nodeName") or "")
        if not node_name:
            return
        w = workload_from_pod(pod)
        annotations = (pod.get("metadata") or {}).get("annotations")
        self._assumed.pop(w.uid, None)
        self._place(w, node_name, numa_node_of(annotations) if w.pinned else None)

    def assume(self, w: Workload, node_name: str, numa_node: int | None) -> None:
        self._assumed[w.uid] = None
        self._place(w, node_name, numa_node)

    def is_assumed(self, uid: str) -> bool:
        return uid in self._assumed

    def finish_binding(self, uid: str, now: float) -> None:
        if uid in self._assumed:
            self._assumed[uid] = at = now + ASSUMED_TTL
            self._expiries.append((at, uid))

    def forget(self, uid: str) -> None:
        """Drop an assumption (its binding failed)."""
        if self._assumed.pop(uid, False) is not False:
            self.remove(uid)

    def expire(self, now: float) -> None:
        """Forget assumptions whose binding finished `ASSUMED_TTL` ago and never showed up.
        Cheap per decision: expiries are kept in time order (`finish_binding` appends with
        a constant TTL), and entries already confirmed or forgotten are just dropped."""
        expiries = self._expiries
        while expiries and expiries[0][0] <= now:
            at, uid = expiries.popleft()
            if self._assumed.get(uid) == at:
                self.forget(uid)

    def remove(self, uid: str) -> None:
        node_name = self._placed.pop(uid, None)
        self._assumed.pop(uid, None)
        self._anti.pop(uid, None)
        if node_name is None:
            return
        info = self._nodes.get(node_name)
        if info is None:
            return
        info.remove(uid)
        self._index.update(info)
        if not info.workloads and node_name not in self._known:
            del self._nodes[node_name]

    # -- nominations -------------------------------------------------------------------------

    def nominate(self, w: Workload, node_name: str) -> None:
        self._nominated[w.uid] = (w, node_name)
        self._by_host = None

    def clear_nomination(self, uid: str) -> None:
        if self._nominated.pop(uid, None) is not None:
            self._by_host = None

    def nominated_node(self, uid: str) -> str | None:
        entry = self._nominated.get(uid)
        return entry[1] if entry is not None else None

    def _nominations(self) -> dict[str, tuple[Workload, ...]]:
        if self._by_host is None:
            hosts: dict[str, list[Workload]] = {}
            for w, host in self._nominated.values():
                hosts.setdefault(host, []).append(w)
            self._by_host = {host: tuple(ws) for host, ws in hosts.items()}
        return self._by_host

    def _place(self, w: Workload, node_name: str, numa_node: int | None) -> None:
        self.clear_nomination(w.uid)
        if self._placed.get(w.uid) not in (None, node_name):
            self.remove(w.uid)
        info = self._nodes.get(node_name)
        if info is None:
            self._nodes[node_name] = info = _placeholder(node_name)
        info.add(w, numa_node)
        self._index.update(info)
        self._placed[w.uid] = node_name
        if w.pod_anti_affinity:
            self._anti[w.uid] = w
        else:
            self._anti.pop(w.uid, None)

    # -- decisions ---------------------------------------------------------------------------

    def view(self) -> ClusterView:
        if self._order is None:
            self._order = [self._nodes[name] for name in sorted(self._known)]
            self._index.rebuild(self._order)
        holders = [
            (w, self._nodes[self._placed[uid]])
            for uid, w in self._anti.items()
            if self._placed.get(uid) in self._nodes
        ]
        return ClusterView(
            self._order, holders, self.namespace_labels, self._nominations(), self._index
        )
