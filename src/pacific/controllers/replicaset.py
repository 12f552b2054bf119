"""The ReplicaSet controller: the effectful loop around `plan_replicaset`.

Watches ReplicaSets and pods (shared informers). Each pass over one ReplicaSet key:
adopt/release pods, then — only when the controller's own earlier creates and deletes
have all been observed (`Expectations`) — create or delete pods, then write the status.
Creates go out in slow-start batches (1, 2, 4, …) so a failing create (quota, admission)
costs one request, not hundreds; a failure sets the ReplicaFailure condition and the key is
retried with backoff. Events: SuccessfulCreate / FailedCreate / SuccessfulDelete /
FailedDelete on the ReplicaSet.

Pod events map to ReplicaSets through the pod's controller reference (checked by uid);
orphan pods wake every ReplicaSet in their namespace whose selector matches, so they can be
adopted. With minReadySeconds the key is looked at again once pods can have become
available.
"""

from __future__ import annotations

import logging

from pacific.api.errors import APIError, NotFound
from pacific.api.selectors import label_selector_from_object
from pacific.client import NORMAL, WARNING, Client, Clock, EventRecorder, WorkQueue, key_of
from pacific.controllers.expectations import Expectations
from pacific.controllers.informers import Requeue, SharedInformers, resource, run_workers
from pacific.controllers.objects import (
    Obj,
    controller_ref,
    is_deleting,
    labels_of,
    name_of,
    namespace_of,
    new_controller_ref,
    owner_refs,
    same_status,
    uid_of,
)
from pacific.controllers.patches import patch_status, set_owner_refs
from pacific.controllers.replicaset_plan import (
    plan_replicaset,
    pod_from_template,
    replicaset_status,
)

log = logging.getLogger(__name__)


class ReplicaSetController:
    def __init__(
        self,
        client: Client,
        informers: SharedInformers,
        clock: Clock,
        *,
        workers: int = 5,
        recorder: EventRecorder | None = None,
    ) -> None:
        self.client = client
        self.clock = clock
        self.workers = workers
        self.rs_type = resource("apps", "ReplicaSet")
        self.pod_type = resource("", "Pod")
        self.replicasets = informers.get(self.rs_type)
        self.pods = informers.get(self.pod_type)
        self.queue: WorkQueue[str] = WorkQueue(clock=clock, name="replicaset")
        self.expectations = Expectations(clock)
        self.recorder = recorder or EventRecorder(client, "replicaset-controller", clock=clock)
        self.replicasets.on_add(self._enqueue)
        self.replicasets.on_update(lambda old, new: self._enqueue(new))
        self.replicasets.on_delete(self._rs_deleted)
        self.pods.on_add(self._pod_added)
        self.pods.on_update(self._pod_updated)
        self.pods.on_delete(self._pod_deleted)

    async def run(self) -> None:
        await run_workers(self.queue, self.reconcile, [self.replicasets, self.pods], self.workers)

    # -- event handlers --------------------------------------------------------------------

    def _enqueue(self, rs: Obj) -> None:
        self.queue.add(key_of(rs))

    def _rs_deleted(self, rs: Obj) -> None:
        self.expectations.forget(key_of(rs))
        self._enqueue(rs)

    def _owner(self, pod: Obj) -> Obj | None:
        ref = controller_ref(pod)
        if ref is None or ref.get("kind") != "ReplicaSet":
            return None
        rs = self.replicasets.get(namespace_of(pod), str(ref.get("name")))
        if rs is None or uid_of(rs) != ref.get("uid"):
            return None
        return rs

    def _matching(self, pod: Obj) -> list[Obj]:
        out = []
        for rs in self.replicasets.list(namespace_of(pod)):
            try:
                selector = label_selector_from_object((rs.get("spec") or {}).get("selector"))
            except APIError:
                continue
            if not selector.empty and selector.matches(labels_of(pod)):
                out.append(rs)
        return out

    def _pod_added(self, pod: Obj) -> None:
        if is_deleting(pod):
            self._pod_deleted(pod)
            return
        rs = self._owner(pod)
        if rs is not None:
            self.expectations.creation_observed(key_of(rs))
            self._enqueue(rs)
        elif controller_ref(pod) is None:
            for match in self._matching(pod):
                self._enqueue(match)

    def _pod_updated(self, old: Obj, new: Obj) -> None:
        if is_deleting(new) and not is_deleting(old):
            self._pod_deleted(new)
            return
        if labels_of(old) != labels_of(new) or controller_ref(old) != controller_ref(new):
            previous = self._owner(old)
            if previous is not None:
                self._enqueue(previous)
        rs = self._owner(new)
        if rs is not None:
            self._enqueue(rs)
        elif controller_ref(new) is None:
            for match in self._matching(new):
                self._enqueue(match)

    def _pod_deleted(self, pod: Obj) -> None:
        rs = self._owner(pod)
        if rs is not None:
            self.expectations.deletion_observed(key_of(rs), uid_of(pod))
            self._enqueue(rs)

    # -- reconcile -------------------------------------------------------------------------

    async def reconcile(self, key: str) -> None:
        namespace, _, name = key.partition("/")
        rs = self.replicasets.get(namespace, name)
        if rs is None:
            self.expectations.forget(key)
            return
        in_sync = self.expectations.satisfied(key)
        plan = plan_replicaset(rs, self.pods.list(namespace), self.clock.now())
        for pod in plan.adopt:
            await set_owner_refs(
                self.client, self.pod_type, pod, [*owner_refs(pod), new_controller_ref(rs)]
            )
        for pod in plan.release:
            refs = [r for r in owner_refs(pod) if r.get("uid") != uid_of(rs)]
            await set_owner_refs(self.client, self.pod_type, pod, refs)
        failure: tuple[str, str] | None = None
        if in_sync and plan.create:
            failure = await self._create(rs, key, plan.create)
        elif in_sync and plan.delete:
            failure = await self._delete(rs, key, plan.delete)
        status = replicaset_status(rs, plan.active, self.clock.now(), failure)
        if not same_status(status, rs.get("status")):
            await patch_status(self.client, self.rs_type, rs, status)
        min_ready = int((rs.get("spec") or {}).get("minReadySeconds") or 0)
        if min_ready and status["readyReplicas"] != status["availableReplicas"]:
            self.queue.add_after(key, float(min_ready))
        if failure is not None:
            raise Requeue(failure[1])

    async def _create(self, rs: Obj, key: str, count: int) -> tuple[str, str] | None:
        self.expectations.expect_creations(key, count)
        pending, batch = count, 1
        while pending > 0:
            size = min(batch, pending)
            results = [await self._create_one(rs) for _ in range(size)]
            pending -= size
            errors = [r for r in results if r is not None]
            if errors:
                for _ in range(pending + len(errors)):
                    self.expectations.creation_observed(key)
                return ("FailedCreate", errors[0])
            batch *= 2
        return None

    async def _create_one(self, rs: Obj) -> str | None:
        try:
            pod = await self.client.create(self.pod_type, pod_from_template(rs))
        except APIError as exc:
            await self.recorder.event(rs, WARNING, "FailedCreate", f"Error creating: {exc}")
            return str(exc)
        await self.recorder.event(rs, NORMAL, "SuccessfulCreate", f"Created pod: {name_of(pod)}")
        return None

    async def _delete(self, rs: Obj, key: str, pods: list[Obj]) -> tuple[str, str] | None:
        self.expectations.expect_deletions(key, [uid_of(p) for p in pods])
        failure = None
        for pod in pods:
            try:
                await self.client.delete(
                    self.pod_type,
                    name_of(pod),
                    namespace_of(pod),
                    preconditions={"uid": uid_of(pod)},
                )
            except NotFound:
                self.expectations.deletion_observed(key, uid_of(pod))
                continue
            except APIError as exc:
                self.expectations.deletion_observed(key, uid_of(pod))
                message = f"Error deleting: {exc}"
                await self.recorder.event(rs, WARNING, "FailedDelete", message)
                failure = ("FailedDelete", str(exc))
                continue
            message = f"Deleted pod: {name_of(pod)}"
            await self.recorder.event(rs, NORMAL, "SuccessfulDelete", message)
        return failure
