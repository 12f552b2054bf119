"""The node lifecycle controller: the effectful loop around `plan_node`.

Watches Nodes, their heartbeat Leases in `kube-node-lease` and pods (shared informers), and
keeps an index of pods by host. One pass over a node key (the Node's name) plans with the
node, its Lease and its pods at `clock.now()`, then writes, in this order:

1. the node's conditions (status subresource), guarded by the node's resourceVersion so a
   host agent's concurrent report is never overwritten with a stale view (409 -> retry);
2. its taints (guarded the same way, on the version the first write produced);
3. evictions: each pod first gets `DisruptionTarget=True` (reason DeletionByTaintManager),
   then a `TaintManagerEviction` Event, then is deleted (default grace, uid precondition),
   as kube 1.32's taint manager does; the pod's controller recreates it elsewhere;
4. VM pods on a lost host get / lose the `pacific.dev/host-lost` annotation and an Event.

The key is looked at again when the plan says so (`requeue_after`: lease expiry or the next
toleration deadline), so a healthy host costs one pass per grace period, not one per
heartbeat. A renewed Lease wakes its node only while the node is marked lost; a pod newly
bound to a host with NoExecute taints wakes that host. Node Ready transitions are recorded
as `NodeNotReady` / `NodeReady` Events on the Node.
"""

from __future__ import annotations

import logging

from pacific.api.errors import Conflict, NotFound
from pacific.client import NORMAL, WARNING, Client, Clock, EventRecorder, WorkQueue
from pacific.client.clock import rfc3339
from pacific.controllers.informers import Requeue, SharedInformers, resource, run_workers
from pacific.controllers.nodelifecycle_plan import (
    DEFAULT_GRACE_PERIOD,
    HOST_LOST,
    NO_EXECUTE,
    STATUS_UNKNOWN,
    NodePlan,
    plan_node,
)
from pacific.controllers.objects import (
    Obj,
    get_condition,
    meta,
    name_of,
    namespace_of,
    set_condition,
    uid_of,
)

log = logging.getLogger(__name__)

LEASE_NAMESPACE = "kube-node-lease"
DISRUPTION_REASON = "DeletionByTaintManager"
DISRUPTION_MESSAGE = "Taint manager: deleting due to NoExecute taint"
PodKey = tuple[str, str]


def _node_of(pod: Obj) -> str:
    return str((pod.get("spec") or {}).get("nodeName") or "")


def _marked_lost(node: Obj) -> bool:
    ready = get_condition((node.get("status") or {}).get("conditions"), "Ready") or {}
    return ready.get("status") == "Unknown"


def _has_no_execute(node: Obj) -> bool:
    return any(t.get("effect") == NO_EXECUTE for t in (node.get("spec") or {}).get("taints") or [])


class NodeLifecycleController:
    def __init__(
        self,
        client: Client,
        informers: SharedInformers,
        clock: Clock,
        *,
        grace_period: float = DEFAULT_GRACE_PERIOD,
        workers: int = 5,
        recorder: EventRecorder | None = None,
    ) -> None:
        self.client = client
        self.clock = clock
        self.grace_period = grace_period
        self.workers = workers
        self.node_type = resource("", "Node")
        self.pod_type = resource("", "Pod")
        self.nodes = informers.get(self.node_type)
        self.leases = informers.get(resource("coordination.k8s.io", "Lease"))
        self.pods = informers.get(self.pod_type)
        self.queue: WorkQueue[str] = WorkQueue(clock=clock, name="nodelifecycle")
        self.recorder = recorder or EventRecorder(client, "node-controller", clock=clock)
        self.pods_by_node: dict[str, set[PodKey]] = {}
        self.started = clock.now()
        self.nodes.on_add(lambda node: self.queue.add(name_of(node)))
        self.nodes.on_update(lambda _old, new: self.queue.add(name_of(new)))
        self.leases.on_add(self._lease_seen)
        self.leases.on_update(lambda _old, new: self._lease_seen(new))
        self.pods.on_add(self._pod_added)
        self.pods.on_update(self._pod_updated)
        self.pods.on_delete(self._pod_deleted)

    async def run(self) -> None:
        await run_workers(
            self.queue, self.reconcile, [self.nodes, self.leases, self.pods], self.workers
        )

    # -- event handlers --------------------------------------------------------------------

    def _lease_seen(self, lease: Obj) -> None:
        if namespace_of(lease) != LEASE_NAMESPACE:
            return
        node = self.nodes.get(None, name_of(lease))
        if node is not None and _marked_lost(node):
            self.queue.add(name_of(node))

    def _index(self, pod: Obj) -> None:
        host = _node_of(pod)
        if not host:
            return
        self.pods_by_node.setdefault(host, set()).add((namespace_of(pod), name_of(pod)))
        node = self.nodes.get(None, host)
        if node is not None and (_has_no_execute(node) or _marked_lost(node)):
            self.queue.add(host)

    def _unindex(self, pod: Obj) -> None:
        keys = self.pods_by_node.get(_node_of(pod))
        if keys is None:
            return
        keys.discard((namespace_of(pod), name_of(pod)))
        if not keys:
            del self.pods_by_node[_node_of(pod)]

    def _pod_added(self, pod: Obj) -> None:
        self._index(pod)

    def _pod_updated(self, old: Obj, new: Obj) -> None:
        if _node_of(old) != _node_of(new):
            self._unindex(old)
            self._index(new)

    def _pod_deleted(self, pod: Obj) -> None:
        self._unindex(pod)

    def pods_on(self, host: str) -> list[Obj]:
        out = []
        for namespace, name in sorted(self.pods_by_node.get(host, ())):
            pod = self.pods.get(namespace, name)
            if pod is not None:
                out.append(pod)
        return out

    # -- reconcile -------------------------------------------------------------------------

    async def reconcile(self, name: str) -> None:
        node = self.nodes.get(None, name)
        if node is None:
            return
        lease = self.leases.get(LEASE_NAMESPACE, name)
        now = self.clock.now()
        plan = plan_node(
            node,
            lease,
            self.pods_on(name),
            now,
            grace_period=self.grace_period,
            watching_since=self.started,
        )
        try:
            await self._write_node(node, plan)
        except Conflict as exc:
            raise Requeue(f"node {name} changed while updating it") from exc
        except NotFound:
            return
        for pod in plan.evict:
            await self._evict(pod)
        for pod in plan.mark_lost:
            await self._mark_lost(pod, name, lost=True)
        for pod in plan.unmark_lost:
            await self._mark_lost(pod, name, lost=False)
        if plan.requeue_after is not None:
            self.queue.add_after(name, plan.requeue_after)

    async def _write_node(self, node: Obj, plan: NodePlan) -> None:
        name = name_of(node)
        version = meta(node).get("resourceVersion")
        if plan.conditions is not None:
            written = await self.client.patch(
                self.node_type,
                name,
                {
                    "metadata": {"resourceVersion": version},
                    "status": {"conditions": plan.conditions},
                },
                subresource="status",
            )
            version = meta(written).get("resourceVersion")
        if plan.taints is not None:
            await self.client.patch(
                self.node_type,
                name,
                {"metadata": {"resourceVersion": version}, "spec": {"taints": plan.taints or None}},
            )
        if plan.ready_changed:
            if plan.ready_status == "True":
                reason = "NodeReady"
                log.info("node %s is ready again", name)
            else:
                reason = "NodeNotReady"
                log.warning("node %s is not ready (Ready=%s)", name, plan.ready_status)
            await self.recorder.event(node, NORMAL, reason, f"Node {name} status is now: {reason}")

    async def _evict(self, pod: Obj) -> None:
        name, namespace = name_of(pod), namespace_of(pod)
        conditions = set_condition(
            (pod.get("status") or {}).get("conditions"),
            {
                "type": "DisruptionTarget",
                "status": "True",
                "reason": DISRUPTION_REASON,
                "message": DISRUPTION_MESSAGE,
                "lastProbeTime": None,
            },
            self.clock.now(),
        )
        try:
            await self.client.patch(
                self.pod_type,
                name,
                {
                    "metadata": {"resourceVersion": meta(pod).get("resourceVersion")},
                    "status": {"conditions": conditions},
                },
                namespace=namespace,
                subresource="status",
            )
            await self.recorder.event(
                pod, NORMAL, "TaintManagerEviction", f"Marking for deletion Pod {namespace}/{name}"
            )
            await self.client.delete(
                self.pod_type, name, namespace, preconditions={"uid": uid_of(pod)}
            )
        except NotFound:
            return
        except Conflict as exc:
            raise Requeue(f"pod {namespace}/{name} changed while evicting it") from exc
        log.info("evicted pod %s/%s from a NoExecute-tainted host", namespace, name)

    async def _mark_lost(self, pod: Obj, host: str, *, lost: bool) -> None:
        name, namespace = name_of(pod), namespace_of(pod)
        value = rfc3339(self.clock.now()) if lost else None
        try:
            await self.client.patch(
                self.pod_type,
                name,
                {"metadata": {"annotations": {HOST_LOST: value}}},
                namespace=namespace,
            )
        except NotFound:
            return
        if lost:
            message = (
                f"Host {host} is unreachable ({STATUS_UNKNOWN}); the virtual machine is left "
                "in place until it is restarted elsewhere"
            )
            await self.recorder.event(pod, WARNING, "HostLost", message)
        else:
            await self.recorder.event(pod, NORMAL, "HostReturned", f"Host {host} is back")
