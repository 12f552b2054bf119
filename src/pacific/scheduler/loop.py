"""The scheduling loop: informers in, decisions, bindings and status out.

    async with Client(...) as client:
        await run_scheduler(client, SchedulerConfig())

Model: five informers feed the cache and the queue. Pending pods are watched with the
field selector `spec.nodeName=` (not terminal) and queued when their `schedulerName` is
ours; bound pods (`spec.nodeName!=`) and Nodes fill the cache (both pod informers keep
only `podview.pod_view` of each pod); RuntimeClasses give the overhead of pods whose
`spec.overhead` is empty; Namespaces give labels for pod affinity namespace selectors.
Host changes and deletions of bound pods move unschedulable pods back to the queue;
status-only updates of a pending pod do not requeue it (our own condition write would
otherwise loop).

One decision at a time (`framework.schedule`, pure and fast); the result is assumed in
the cache at once and the API writes (binding + Scheduled event, or PodScheduled=False +
FailedScheduling event) run as tasks, at most `bind_concurrency` at a time, while the loop
goes on deciding. Bindings go over the scheduler's own keep-alive connections
(`pacific.scheduler.wire`, `bind_connections` of them) when the client talks to a real
server, else through the client. `Scheduled` events are rate-limited (`scheduled_events_per_second`,
bursts of 100; the rest are dropped), failure events never. A failed binding forgets the
assumption and retries after backoff.
Every task belongs to the TaskGroup of `Scheduler.run()`.

Preemption: when no host fits, `preemption.preempt` looks for victims. On success the
workload is nominated to the host in the cache at once (so the freed room stays its own),
its `status.nominatedNodeName` is written, and each victim gets the DisruptionTarget
condition, is deleted and gets a `Preempted` event. The workload then waits as
unschedulable; the victims' deletions move it back to the queue and it is placed like any
other (the nomination keeps workloads of lower or equal priority off that host meanwhile).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

import orjson

from pacific.api import kinds
from pacific.api.errors import APIError, Conflict, NotFound
from pacific.api.resources import ResourceType
from pacific.client import NORMAL, WARNING, Client, ClientError, EventRecorder, Informer
from pacific.client.events import involved_object, new_event
from pacific.client.informer import key_of, split_key
from pacific.client.paths import collection_path, object_path
from pacific.scheduler.binding import (
    bind_pod,
    binding_body,
    condition_patch,
    disruption_patch,
    nomination_patch,
)
from pacific.scheduler.cache import SchedulerCache
from pacific.scheduler.config import SchedulerConfig
from pacific.scheduler.framework import Placement, schedule
from pacific.scheduler.numa import NUMA_NODE_ANNOTATION
from pacific.scheduler.podview import pod_view
from pacific.scheduler.preemption import Candidate, preempt
from pacific.scheduler.queue import BOUND, ERROR, UNSCHEDULABLE, SchedulingQueue
from pacific.scheduler.ratelimit import TokenBucket
from pacific.scheduler.wire import WirePool
from pacific.scheduler.workload import Workload, workload_from_pod

log = logging.getLogger(__name__)

Obj = dict[str, Any]
EVENT_BURST = 100
USER_AGENT = "pacific-scheduler"
NOT_TERMINAL = "status.phase!=Succeeded,status.phase!=Failed"


def _rt(group: str, kind: str) -> ResourceType:
    rt = kinds.by_kind(group, "v1", kind)
    if rt is None:
        raise RuntimeError(f"kind {group}/v1 {kind} is not registered")
    return rt


def _placement_changed(old: Obj, new: Obj) -> bool:
    """Whether an update may change the decision (spec, labels, annotations)."""
    if old.get("spec") != new.get("spec"):
        return True
    om, nm = old.get("metadata") or {}, new.get("metadata") or {}
    keys = ("labels", "annotations", "deletionTimestamp")
    return any(om.get(k) != nm.get(k) for k in keys)


class Scheduler:
    def __init__(self, client: Client, config: SchedulerConfig) -> None:
        self.client = client
        self.config = config
        self.clock = client.clock
        self.pods = _rt("", "Pod")
        self.cache = SchedulerCache()
        self.queue = SchedulingQueue(
            self.clock,
            initial_backoff=config.initial_backoff,
            max_backoff=config.max_backoff,
            max_unschedulable=config.max_unschedulable,
        )
        self.pending = Informer(
            client, self.pods, field_selector="spec.nodeName=," + NOT_TERMINAL, transform=pod_view
        )
        self.bound = Informer(
            client, self.pods, field_selector="spec.nodeName!=," + NOT_TERMINAL, transform=pod_view
        )
        self.nodes = Informer(client, _rt("", "Node"))
        self.namespaces = Informer(client, _rt("", "Namespace"))
        self.runtime_classes = Informer(client, _rt("node.k8s.io", "RuntimeClass"))
        self.events = _rt("", "Event")
        self._event_nanos = 0
        self.recorder = EventRecorder(client, config.scheduler_name)
        self._slots = asyncio.Semaphore(config.bind_concurrency)
        self._connections = (
            WirePool(client.base_url, client.config, config.bind_connections, USER_AGENT)
            if client.config is not None
            else None
        )
        self._scheduled_events = TokenBucket(config.scheduled_events_per_second, EVENT_BURST)
        self._start = 0
        self.scheduled = 0
        self._wire()

    # -- informer handlers -----------------------------------------------------------------

    def _wire(self) -> None:
        self.pending.on_add(self._pending_added)
        self.pending.on_update(self._pending_updated)
        self.pending.on_delete(self._pending_deleted)
        self.bound.on_add(self.cache.add_bound)
        self.bound.on_update(lambda _old, new: self.cache.add_bound(new))
        self.bound.on_delete(self._bound_deleted)
        self.nodes.on_add(self._node_changed)
        self.nodes.on_update(lambda _old, new: self._node_changed(new))
        self.nodes.on_delete(lambda node: self.cache.delete_node(node["metadata"]["name"]))
        self.namespaces.on_add(self._namespace_changed)
        self.namespaces.on_update(lambda _old, new: self._namespace_changed(new))
        self.namespaces.on_delete(self._namespace_deleted)

    def _ours(self, pod: Obj) -> bool:
        spec = pod.get("spec") or {}
        name = spec.get("schedulerName") or "default-scheduler"
        meta = pod.get("metadata") or {}
        return name == self.config.scheduler_name and "deletionTimestamp" not in meta

    def _pending_added(self, pod: Obj) -> None:
        if self._ours(pod):
            self.queue.add(key_of(pod), int((pod.get("spec") or {}).get("priority") or 0))
            self._remember_nomination(pod)

    def _pending_updated(self, old: Obj, new: Obj) -> None:
        if not self._ours(new):
            self.queue.delete(key_of(new))
            self._pending_deleted(new)
        elif _placement_changed(old, new):
            self._pending_added(new)
        else:
            self._remember_nomination(new)

    def _pending_deleted(self, pod: Obj) -> None:
        self.queue.delete(key_of(pod))
        self.cache.clear_nomination(str((pod.get("metadata") or {}).get("uid") or ""))

    def _remember_nomination(self, pod: Obj) -> None:
        """A nomination written before a restart (or by another instance) counts too."""
        node = (pod.get("status") or {}).get("nominatedNodeName")
        uid = str((pod.get("metadata") or {}).get("uid") or "")
        if node and self.cache.nominated_node(uid) is None:
            self.cache.nominate(workload_from_pod(pod, self._overhead(pod)), str(node))

    def _bound_deleted(self, pod: Obj) -> None:
        self.cache.remove(str((pod.get("metadata") or {}).get("uid") or ""))
        self.queue.move_all()

    def _node_changed(self, node: Obj) -> None:
        self.cache.set_node(node)
        self.queue.move_all()

    def _namespace_changed(self, ns: Obj) -> None:
        meta = ns.get("metadata") or {}
        self.cache.namespace_labels[str(meta.get("name"))] = dict(meta.get("labels") or {})

    def _namespace_deleted(self, ns: Obj) -> None:
        self.cache.namespace_labels.pop(str((ns.get("metadata") or {}).get("name")), None)

    # -- the loop --------------------------------------------------------------------------

    async def run(self) -> None:
        """Run until cancelled."""
        try:
            await self._run()
        finally:
            if self._connections is not None:
                await self._connections.aclose()

    async def _run(self) -> None:
        async with asyncio.TaskGroup() as tg:
            informers = (self.nodes, self.bound, self.namespaces, self.runtime_classes)
            for informer in informers:
                tg.create_task(informer.run())
            for informer in informers:
                await informer.wait_synced()
            tg.create_task(self.pending.run())
            await self.pending.wait_synced()
            while True:
                await self.schedule_next(tg)

    def _overhead(self, pod: Obj) -> Mapping[str, Any] | None:
        name = (pod.get("spec") or {}).get("runtimeClassName")
        rc = self.runtime_classes.get(None, name) if name else None
        return ((rc or {}).get("overhead") or {}).get("podFixed")

    async def schedule_next(self, tg: asyncio.TaskGroup) -> None:
        """Take one key from the queue, decide, and start the writes."""
        key = await self.queue.pop()
        await asyncio.sleep(0)  # let informer events in between decisions
        self.cache.expire(self.clock.monotonic())
        namespace, name = split_key(key)
        pod = self.pending.get(namespace, name)
        if pod is None or not self._ours(pod) or (pod.get("spec") or {}).get("nodeName"):
            self.queue.done(key, BOUND)
            return
        w = workload_from_pod(pod, self._overhead(pod))
        if self.cache.is_assumed(w.uid):
            self.queue.done(key, BOUND)
            return
        view = self.cache.view()
        result = schedule(
            w,
            view,
            start=self._start,
            percentage=self.config.percentage_of_nodes_to_score,
            strategy=self.config.score_strategy,
            weights=self.config.weights,
        )
        self._start = result.next_start
        await self._slots.acquire()
        if isinstance(result, Placement):
            self.cache.assume(w, result.node, result.numa_node)
            tg.create_task(self._bind(key, pod, w, result))
        else:
            self.queue.done(key, UNSCHEDULABLE)
            nominated = self.cache.nominated_node(w.uid)
            outcome = preempt(
                w,
                view.nodes,
                start=self._start,
                nominated=self.cache.node(nominated) if nominated else None,
            )
            if isinstance(outcome, Candidate):
                self.cache.nominate(w, outcome.node)
                tg.create_task(self._preempt(pod, w, outcome, result.with_postfilter("")))
            else:
                message = result.with_postfilter(outcome.message)
                tg.create_task(self._report_unschedulable(pod, message))

    async def _bind(self, key: str, pod: Obj, w: Workload, placement: Placement) -> None:
        annotations = (
            {NUMA_NODE_ANNOTATION: str(placement.numa_node)}
            if placement.numa_node is not None
            else None
        )
        try:
            if self._connections is None:
                await bind_pod(
                    self.client, self.pods, w.namespace, w.name, placement.node, annotations
                )
            else:
                body = binding_body(w.namespace, w.name, placement.node, annotations)
                path = object_path(self.pods, w.name, w.namespace, "binding")
                await self._connections.post(path, orjson.dumps(body))
        except (NotFound, Conflict) as exc:
            # Deleted, or bound by someone else: the informers will tell the rest.
            log.info("binding %s to %s: %s", key, placement.node, exc)
            self.cache.forget(w.uid)
            self.queue.done(key, BOUND)
            self._slots.release()
            return
        except (APIError, ClientError) as exc:
            self.cache.forget(w.uid)
            self.queue.done(key, ERROR)
            self._slots.release()
            await self.recorder.event(pod, WARNING, "FailedScheduling", f"Binding rejected: {exc}")
            return
        self.cache.finish_binding(w.uid, self.clock.monotonic())
        self.queue.done(key, BOUND)
        self.scheduled += 1
        self._slots.release()
        if self._scheduled_events.allow(self.clock.monotonic()):
            message = f"Successfully assigned {w.namespace}/{w.name} to {placement.node}"
            await self._scheduled_event(pod, message)

    async def _scheduled_event(self, pod: Obj, message: str) -> None:
        """The `Scheduled` event: through the binding connections when there are some. It
        is one per pod, so the recorder's aggregation (and its lock) has nothing to add."""
        if self._connections is None:
            await self.recorder.event(pod, NORMAL, "Scheduled", message)
            return
        now = self.clock.now()
        self._event_nanos = max(int(now.timestamp() * 1_000_000) * 1000, self._event_nanos + 1)
        ref = involved_object(pod)
        body = new_event(
            ref, self.recorder.source, NORMAL, "Scheduled", message, now, self._event_nanos
        )
        path = collection_path(self.events, ref.get("namespace") or "default")
        try:
            await self._connections.post(path, orjson.dumps(body))
        except (APIError, ClientError) as exc:
            log.warning("could not record Scheduled on %s: %s", key_of(pod), exc)

    async def _preempt(self, pod: Obj, w: Workload, candidate: Candidate, message: str) -> None:
        """Nominate `pod` to the candidate host and evict the victims there."""
        meta = pod["metadata"]
        try:
            await self.client.patch(
                self.pods,
                meta["name"],
                nomination_patch(pod, candidate.node, message, self.clock.now()),
                namespace=meta["namespace"],
                patch_type="strategic",
                subresource="status",
            )
            for victim in candidate.victims:
                await self._evict(victim, w, candidate.node)
        except (APIError, ClientError) as exc:
            log.info("preemption for %s on %s: %s", key_of(pod), candidate.node, exc)
        finally:
            self._slots.release()
        await self.recorder.event(pod, WARNING, "FailedScheduling", message)

    async def _evict(self, victim: Workload, preemptor: Workload, node: str) -> None:
        obj = self.bound.get(victim.namespace, victim.name)
        if obj is None or (obj.get("metadata") or {}).get("uid") != victim.uid:
            return
        try:
            await self.client.patch(
                self.pods,
                victim.name,
                disruption_patch(self.config.scheduler_name, self.clock.now()),
                namespace=victim.namespace,
                patch_type="strategic",
                subresource="status",
            )
            await self.client.delete(
                self.pods, victim.name, victim.namespace, preconditions={"uid": victim.uid}
            )
        except NotFound:
            return
        message = f"Preempted by pod {preemptor.uid} on node {node}"
        await self.recorder.event(obj, NORMAL, "Preempted", message)

    async def _report_unschedulable(self, pod: Obj, message: str) -> None:
        try:
            patch = condition_patch(pod, message, self.clock.now())
            if patch is not None:
                meta = pod["metadata"]
                await self.client.patch(
                    self.pods,
                    meta["name"],
                    patch,
                    namespace=meta["namespace"],
                    patch_type="strategic",
                    subresource="status",
                )
        except (APIError, ClientError) as exc:
            log.info("could not set PodScheduled on %s: %s", key_of(pod), exc)
        finally:
            self._slots.release()
        await self.recorder.event(pod, WARNING, "FailedScheduling", message)


async def run_scheduler(client: Client, config: SchedulerConfig) -> None:
    """Schedule pods with `config` until cancelled."""
    await Scheduler(client, config).run()
