"""The Deployment controller: the effectful loop around `plan_deployment`.

Watches Deployments, ReplicaSets and pods (shared informers). A pass applies the plan in
order — adopt/release ReplicaSets, create the new ReplicaSet, resize/annotate ReplicaSets
(each patch guarded by the ReplicaSet's resourceVersion), delete surplus history, record
events, set the revision annotation, write the status — and stops at the first failure;
the key is then retried from fresh state.

Creating the new ReplicaSet may find its name taken. If the existing ReplicaSet is ours
with the same template, the informer simply has not shown it yet: retry. Otherwise the
hash collided: `status.collisionCount` is bumped (giving a new hash and name) and the key
retried, as kube does.

ReplicaSet events map to their controlling Deployment (by uid); orphan ReplicaSets wake
the Deployments whose selector matches; a deleted pod wakes the Deployment of its
ReplicaSet (Recreate waits for old pods to go).
"""

from __future__ import annotations

import contextlib

from pacific.api.errors import AlreadyExists, APIError, NotFound
from pacific.api.selectors import label_selector_from_object
from pacific.client import Client, Clock, EventRecorder, WorkQueue, key_of
from pacific.controllers import deployment_scale as sc
from pacific.controllers.deployment_plan import DeploymentPlan, plan_deployment
from pacific.controllers.informers import Requeue, SharedInformers, resource, run_workers
from pacific.controllers.objects import (
    Obj,
    controller_ref,
    is_controlled_by,
    labels_of,
    meta,
    name_of,
    namespace_of,
    new_controller_ref,
    owner_refs,
    uid_of,
)
from pacific.controllers.patches import guarded, patch_status, set_owner_refs
from pacific.controllers.podtemplate import equal_ignoring_hash


class DeploymentController:
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
        self.deploy_type = resource("apps", "Deployment")
        self.rs_type = resource("apps", "ReplicaSet")
        self.deployments = informers.get(self.deploy_type)
        self.replicasets = informers.get(self.rs_type)
        self.pods = informers.get(resource("", "Pod"))
        self.queue: WorkQueue[str] = WorkQueue(clock=clock, name="deployment")
        self.recorder = recorder or EventRecorder(client, "deployment-controller", clock=clock)
        self.deployments.on_add(self._enqueue)
        self.deployments.on_update(lambda old, new: self._enqueue(new))
        self.deployments.on_delete(self._enqueue)
        self.replicasets.on_add(self._rs_changed)
        self.replicasets.on_update(self._rs_updated)
        self.replicasets.on_delete(self._rs_changed)
        self.pods.on_delete(self._pod_deleted)

    async def run(self) -> None:
        informers = [self.deployments, self.replicasets, self.pods]
        await run_workers(self.queue, self.reconcile, informers, self.workers)

    # -- event handlers --------------------------------------------------------------------

    def _enqueue(self, d: Obj) -> None:
        self.queue.add(key_of(d))

    def _owner(self, rs: Obj) -> Obj | None:
        ref = controller_ref(rs)
        if ref is None or ref.get("kind") != "Deployment":
            return None
        d = self.deployments.get(namespace_of(rs), str(ref.get("name")))
        return d if d is not None and uid_of(d) == ref.get("uid") else None

    def _rs_changed(self, rs: Obj) -> None:
        d = self._owner(rs)
        if d is not None:
            self._enqueue(d)
        elif controller_ref(rs) is None:
            for candidate in self.deployments.list(namespace_of(rs)):
                try:
                    sel = label_selector_from_object((candidate.get("spec") or {}).get("selector"))
                except APIError:
                    continue
                if not sel.empty and sel.matches(labels_of(rs)):
                    self._enqueue(candidate)

    def _rs_updated(self, old: Obj, new: Obj) -> None:
        if controller_ref(old) != controller_ref(new) or labels_of(old) != labels_of(new):
            self._rs_changed(old)
        self._rs_changed(new)

    def _pod_deleted(self, pod: Obj) -> None:
        ref = controller_ref(pod)
        if ref is None or ref.get("kind") != "ReplicaSet":
            return
        rs = self.replicasets.get(namespace_of(pod), str(ref.get("name")))
        if rs is not None:
            d = self._owner(rs)
            if d is not None and not sc.is_rolling(d):
                self._enqueue(d)

    # -- reconcile -------------------------------------------------------------------------

    async def reconcile(self, key: str) -> None:
        namespace, _, name = key.partition("/")
        d = self.deployments.get(namespace, name)
        if d is None:
            return
        plan = plan_deployment(
            d, self.replicasets.list(namespace), self.pods.list(namespace), self.clock.now()
        )
        await self._apply(d, plan)
        if plan.requeue_after is not None:
            self.queue.add_after(key, plan.requeue_after)

    async def _apply(self, d: Obj, plan: DeploymentPlan) -> None:
        for rs in plan.adopt:
            await set_owner_refs(
                self.client, self.rs_type, rs, [*owner_refs(rs), new_controller_ref(d)]
            )
        for rs in plan.release:
            refs = [r for r in owner_refs(rs) if r.get("uid") != uid_of(d)]
            await set_owner_refs(self.client, self.rs_type, rs, refs)
        if plan.create is not None:
            await self._create(d, plan.create)
        for rs in plan.updates:
            spec = rs.get("spec") or {}
            patch = guarded(rs, {"annotations": meta(rs).get("annotations") or {}})
            patch["spec"] = {
                "replicas": spec.get("replicas"),
                "minReadySeconds": spec.get("minReadySeconds") or 0,
            }
            await self.client.patch(self.rs_type, name_of(rs), patch, namespace=namespace_of(rs))
        for rs in plan.deletes:
            with contextlib.suppress(NotFound):
                await self.client.delete(
                    self.rs_type, name_of(rs), namespace_of(rs), preconditions={"uid": uid_of(rs)}
                )
        for type_, reason, message in plan.events:
            await self.recorder.event(d, type_, reason, message)
        if plan.revision is not None:
            patch = {"metadata": {"annotations": {sc.REVISION: plan.revision}}}
            await self.client.patch(self.deploy_type, name_of(d), patch, namespace=namespace_of(d))
        if plan.status is not None:
            await patch_status(self.client, self.deploy_type, d, plan.status)

    async def _create(self, d: Obj, rs: Obj) -> None:
        try:
            await self.client.create(self.rs_type, rs)
            return
        except AlreadyExists:
            existing = await self.client.get(self.rs_type, name_of(rs), namespace_of(rs))
        same = equal_ignoring_hash(
            (existing.get("spec") or {}).get("template"), (d.get("spec") or {}).get("template")
        )
        if is_controlled_by(existing, d) and same:
            raise Requeue(f"replica set {name_of(rs)} exists but is not in the cache yet")
        collisions = int((d.get("status") or {}).get("collisionCount") or 0) + 1
        await self.client.patch(
            self.deploy_type,
            name_of(d),
            {"status": {"collisionCount": collisions}},
            namespace=namespace_of(d),
            subresource="status",
        )
        raise Requeue(f"hash collision on replica set {name_of(rs)}; collisionCount {collisions}")
