"""One pass of the Deployment controller as a pure function: `plan_deployment`.

Given a Deployment, the ReplicaSets in its namespace, the pods (needed by Recreate) and the
time, return a `DeploymentPlan`: the ReplicaSet to create, the ReplicaSets to update
(replicas, annotations, minReadySeconds), old ReplicaSets to delete (revision history),
ReplicaSets to adopt or release, events to record, the Deployment's new revision
annotation, its new status and when to look again. The effectful controller applies these
in that order and stops at the first failure; the next pass recomputes everything from what
it then observes (level-based), so a partially applied plan converges.

The flow is kube's syncDeployment: claim ReplicaSets by selector; a deleting Deployment
only refreshes its status; paused Deployments and pure scaling events only resize
(proportionally) and clean up; otherwise Recreate (scale every old ReplicaSet to 0, wait for
their pods to go, then bring up the new one) or RollingUpdate (grow the new ReplicaSet
within maxSurge, shrink old ones within maxUnavailable, unhealthy replicas first).

The new ReplicaSet is the oldest one whose template equals the Deployment's ignoring the
pod-template-hash label; it is named `<deployment>-<hash>` and carries revision
`1 + max(old revisions)`, so `kubectl rollout undo` (which copies an old template back)
turns an old ReplicaSet into the new one with a fresh revision.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime

from pacific.api.selectors import label_selector_from_object
from pacific.controllers import deployment_scale as sc
from pacific.controllers import deployment_status as st
from pacific.controllers.objects import (
    Obj,
    annotations_of,
    controller_ref,
    get_condition,
    is_deleting,
    meta,
    name_of,
    namespace_of,
    new_controller_ref,
    pod_phase,
    same_status,
    uid_of,
)
from pacific.controllers.podtemplate import (
    HASH_LABEL,
    compute_hash,
    equal_ignoring_hash,
    selector_with_hash,
    with_hash_label,
)
from pacific.controllers.replicaset_plan import claim

NORMAL = "Normal"
WARNING = "Warning"
# Deployment annotations that never propagate to its ReplicaSets.
_NOT_COPIED = frozenset(
    {
        "kubectl.kubernetes.io/last-applied-configuration",
        sc.REVISION,
        "deployment.kubernetes.io/revision-history",
        sc.DESIRED_REPLICAS,
        sc.MAX_REPLICAS,
        "deprecated.deployment.rollback.to",
    }
)

Event = tuple[str, str, str]  # (type, reason, message)


@dataclass
class DeploymentPlan:
    create: Obj | None = None
    updates: list[Obj] = field(default_factory=list)
    deletes: list[Obj] = field(default_factory=list)
    adopt: list[Obj] = field(default_factory=list)
    release: list[Obj] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    revision: str | None = None  # the Deployment's revision annotation, when it changes
    status: Obj | None = None  # the Deployment's new status, when it changes
    requeue_after: float | None = None


class _Pass:
    """The working state of one pass: copies of the ReplicaSets, changed in place."""

    def __init__(self, d: Obj, rss: list[Obj], pods: list[Obj], now: datetime) -> None:
        self.d = d
        self.now = now
        self.pods = pods
        self.rss = [copy.deepcopy(rs) for rs in rss]
        self.status: Obj = copy.deepcopy(d.get("status") or {})
        self.plan = DeploymentPlan()
        self._changed: dict[str, Obj] = {}

    # -- replica sets ----------------------------------------------------------------------

    def find_new(self) -> Obj | None:
        template = (self.d.get("spec") or {}).get("template")
        for rs in sc.by_creation(self.rss):
            if equal_ignoring_hash((rs.get("spec") or {}).get("template"), template):
                return rs
        return None

    def olds(self, new_rs: Obj | None) -> list[Obj]:
        return [rs for rs in self.rss if rs is not new_rs]

    def touch(self, rs: Obj) -> None:
        if self.plan.create is not rs:
            self._changed[name_of(rs)] = rs

    def scale(self, rs: Obj, size: int, *, only_if_different: bool = False) -> bool:
        """Resize `rs` (and refresh its replica annotations); True if the size changed."""
        old = sc.rs_replicas(rs)
        if only_if_different and old == size:
            return False
        desired = sc.spec_replicas(self.d)
        annotated = sc.set_replicas_annotations(rs, desired, desired + sc.max_surge(self.d))
        if old != size:
            rs.setdefault("spec", {})["replicas"] = size
            direction = "up" if size > old else "down"
            self.plan.events.append(
                (
                    NORMAL,
                    "ScalingReplicaSet",
                    f"Scaled {direction} replica set {name_of(rs)} to {size} from {old}",
                )
            )
        if annotated or old != size:
            self.touch(rs)
        return old != size

    def sync_revision(self, revision: str) -> None:
        if annotations_of(self.d).get(sc.REVISION) != revision:
            self.plan.revision = revision

    def new_rs(self, create: bool) -> tuple[Obj | None, list[Obj]]:
        """getAllReplicaSetsAndSyncRevision: the new ReplicaSet (found, updated, or created
        when `create`) and the old ones."""
        existing = self.find_new()
        olds = self.olds(existing)
        revision = str(max((sc.revision_of(rs) for rs in olds), default=0) + 1)
        if existing is not None:
            changed = self._set_annotations(existing, revision, exists=True)
            min_ready = int((self.d.get("spec") or {}).get("minReadySeconds") or 0)
            if int((existing.get("spec") or {}).get("minReadySeconds") or 0) != min_ready:
                existing["spec"]["minReadySeconds"] = min_ready
                changed = True
            if changed:
                self.touch(existing)
            self.sync_revision(annotations_of(existing).get(sc.REVISION, revision))
            if (
                st.progress_deadline(self.d) is not None
                and get_condition(self.status.get("conditions"), st.PROGRESSING) is None
            ):
                msg = f'Found new replica set "{name_of(existing)}"'
                cond = st.new_condition(st.PROGRESSING, "True", st.FOUND_NEW_RS, msg, self.now)
                st.set_condition(self.status, cond)
            return existing, olds
        if not create:
            return None, olds
        created = self._build_new(olds, revision)
        self.rss.append(created)
        self.plan.create = created
        size = sc.rs_replicas(created)
        if size > 0:
            self.plan.events.append(
                (NORMAL, "ScalingReplicaSet", f"Scaled up replica set {name_of(created)} to {size}")
            )
        self.sync_revision(revision)
        if st.progress_deadline(self.d) is not None:
            msg = f'Created new replica set "{name_of(created)}"'
            cond = st.new_condition(st.PROGRESSING, "True", st.NEW_RS_CREATED, msg, self.now)
            st.set_condition(self.status, cond)
        return created, olds

    def _set_annotations(self, rs: Obj, revision: str, *, exists: bool) -> bool:
        annotations = meta(rs).setdefault("annotations", {})
        changed = False
        for key, value in annotations_of(self.d).items():
            if key not in _NOT_COPIED and annotations.get(key) != value:
                annotations[key] = value
                changed = True
        old = annotations.get(sc.REVISION, "")
        try:
            old_revision = int(old) if old else 0
        except ValueError:
            return changed
        if old_revision < int(revision):
            annotations[sc.REVISION] = revision
            changed = True
        if not exists:
            desired = sc.spec_replicas(self.d)
            changed |= sc.set_replicas_annotations(rs, desired, desired + sc.max_surge(self.d))
        return changed

    def _build_new(self, olds: list[Obj], revision: str) -> Obj:
        spec = self.d.get("spec") or {}
        collisions = (self.d.get("status") or {}).get("collisionCount")
        template = copy.deepcopy(spec.get("template") or {})
        hash_value = compute_hash(template, collisions)
        rs: Obj = {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": f"{name_of(self.d)}-{hash_value}",
                "namespace": namespace_of(self.d),
                "labels": {**(template.get("metadata") or {}).get("labels", {}),
                           HASH_LABEL: hash_value},
                "ownerReferences": [new_controller_ref(self.d)],
                "annotations": {},
            },
            "spec": {
                "replicas": 0,
                "minReadySeconds": int(spec.get("minReadySeconds") or 0),
                "selector": selector_with_hash(spec.get("selector"), hash_value),
                "template": with_hash_label(template, hash_value),
            },
        }  # fmt: skip
        self._set_annotations(rs, revision, exists=False)
        rs["spec"]["replicas"] = sc.new_rs_new_replicas(self.d, olds, None)
        return rs

    # -- strategies ------------------------------------------------------------------------

    def sync(self) -> None:
        """Scaling event or paused: resize proportionally, clean up when paused."""
        new_rs, olds = self.new_rs(create=False)
        self.scale_all(new_rs, olds)
        if (self.d.get("spec") or {}).get("paused"):
            self.cleanup(olds)
        self.finish_status(new_rs, rollout=False)

    def scale_all(self, new_rs: Obj | None, olds: list[Obj]) -> None:
        desired = sc.spec_replicas(self.d)
        target = sc.find_active_or_latest(new_rs, olds)
        if target is not None:
            self.scale(target, desired, only_if_different=True)
            return
        if sc.is_saturated(self.d, new_rs):
            for rs in sc.active(olds):
                self.scale(rs, 0, only_if_different=True)
            return
        if sc.is_rolling(self.d):
            sizes = sc.proportional_sizes(self.d, [*olds, *([new_rs] if new_rs else [])])
            for rs in sc.active([*olds, new_rs]):
                self.scale(rs, sizes[name_of(rs)])

    def is_scaling_event(self) -> bool:
        new_rs = self.find_new()
        desired = str(sc.spec_replicas(self.d))
        for rs in sc.active([*self.olds(new_rs), new_rs]):
            annotated = annotations_of(rs).get(sc.DESIRED_REPLICAS)
            if annotated is not None and annotated != desired:
                return True
        return False

    def rolling(self) -> None:
        new_rs, olds = self.new_rs(create=True)
        if new_rs is None:
            return
        all_rss = [*olds, new_rs]
        if self.reconcile_new(all_rss, new_rs) or self.reconcile_old(olds, new_rs):
            self.finish_status(new_rs, rollout=True)
            return
        if st.is_complete(self.d, self.d.get("status") or {}):
            self.cleanup(olds)
        self.finish_status(new_rs, rollout=True)

    def reconcile_new(self, all_rss: list[Obj], new_rs: Obj) -> bool:
        desired = sc.spec_replicas(self.d)
        current = sc.rs_replicas(new_rs)
        if current == desired:
            return False
        if current > desired:
            return self.scale(new_rs, desired)
        return self.scale(new_rs, sc.new_rs_new_replicas(self.d, all_rss, new_rs))

    def reconcile_old(self, olds: list[Obj], new_rs: Obj) -> bool:
        if sc.total_replicas(olds) == 0:
            return False
        all_rss = [*olds, new_rs]
        min_available = sc.spec_replicas(self.d) - sc.max_unavailable(self.d)
        new_unavailable = sc.rs_replicas(new_rs) - sc.status_count(new_rs, "availableReplicas")
        max_scaled_down = sc.total_replicas(all_rss) - min_available - new_unavailable
        if max_scaled_down <= 0:
            return False
        cleaned = self._cleanup_unhealthy(olds, max_scaled_down)
        return cleaned + self._scale_down_old(all_rss, olds, min_available) > 0

    def _cleanup_unhealthy(self, olds: list[Obj], limit: int) -> int:
        total = 0
        for rs in sc.by_creation(olds):
            if total >= limit:
                break
            size, ready = sc.rs_replicas(rs), sc.status_count(rs, "availableReplicas")
            if size == 0 or size == ready:
                continue
            down = min(limit - total, size - ready)
            self.scale(rs, size - down)
            total += down
        return total

    def _scale_down_old(self, all_rss: list[Obj], olds: list[Obj], min_available: int) -> int:
        available = sc.total_status(all_rss, "availableReplicas")
        if available <= min_available:
            return 0
        budget = available - min_available
        total = 0
        for rs in sc.by_creation(olds):
            if total >= budget:
                break
            size = sc.rs_replicas(rs)
            if size == 0:
                continue
            down = min(size, budget - total)
            self.scale(rs, size - down)
            total += down
        return total

    def recreate(self) -> None:
        new_rs, olds = self.new_rs(create=False)
        scaled = False
        for rs in sc.active(olds):
            scaled |= self.scale(rs, 0)
        if scaled or self._old_pods_running(new_rs, olds):
            self.finish_status(new_rs, rollout=True)
            return
        if new_rs is None:
            new_rs, olds = self.new_rs(create=True)
        if new_rs is not None:
            self.scale(new_rs, sc.spec_replicas(self.d), only_if_different=True)
        if st.is_complete(self.d, self.d.get("status") or {}):
            self.cleanup(olds)
        self.finish_status(new_rs, rollout=True)

    def _old_pods_running(self, new_rs: Obj | None, olds: list[Obj]) -> bool:
        if sc.total_status(olds, "replicas") > 0:
            return True
        old_uids = {uid_of(rs) for rs in olds} - ({uid_of(new_rs)} if new_rs else set())
        for pod in self.pods:
            ref = controller_ref(pod)
            if ref is None or ref.get("uid") not in old_uids:
                continue
            if pod_phase(pod) not in ("Failed", "Succeeded"):
                return True
        return False

    def cleanup(self, olds: list[Obj]) -> None:
        limit = (self.d.get("spec") or {}).get("revisionHistoryLimit", 10)
        if limit is None:
            return
        cleanable = [rs for rs in olds if not is_deleting(rs)]
        excess = len(cleanable) - int(limit)
        if excess <= 0:
            return
        for rs in sc.by_revision(cleanable)[:excess]:
            busy = sc.status_count(rs, "replicas") != 0 or sc.rs_replicas(rs) != 0
            stale = int(meta(rs).get("generation") or 0) > sc.status_count(rs, "observedGeneration")
            if not busy and not stale:
                self.plan.deletes.append(rs)

    def finish_status(self, new_rs: Obj | None, *, rollout: bool) -> None:
        all_rss = self.rss
        if rollout:
            status = st.rollout_status(self.d, self.status, all_rss, new_rs, self.now)
        else:
            status = st.calculate_status(
                {**self.d, "status": self.status}, all_rss, new_rs, self.now
            )
        self.status = status
        if rollout:
            self.plan.requeue_after = st.requeue_after(self.d, status, self.now)

    def result(self) -> DeploymentPlan:
        self.plan.updates = [rs for rs in self._changed.values() if rs is not self.plan.create]
        if not same_status(self.status, self.d.get("status")):
            self.plan.status = self.status
        return self.plan


def plan_deployment(
    d: Obj, replicasets: list[Obj], pods: list[Obj], now: datetime
) -> DeploymentPlan:
    """One level-based pass over `d`; see the module docstring."""
    spec = d.get("spec") or {}
    selector = label_selector_from_object(spec.get("selector"))
    if selector.empty:
        work = _Pass(d, [], pods, now)
        work.plan.events.append(
            (
                WARNING,
                "SelectingAll",
                "This deployment is selecting all pods. A non-empty selector is required.",
            )
        )
        work.status["observedGeneration"] = int(meta(d).get("generation") or 0)
        return work.result()
    candidates = [rs for rs in replicasets if namespace_of(rs) == namespace_of(d)]
    claims = claim(d, selector, candidates)
    work = _Pass(d, claims.owned, pods, now)
    work.plan.adopt = claims.adopt
    work.plan.release = claims.release
    if is_deleting(d):
        new_rs, _ = work.new_rs(create=False)
        work.finish_status(new_rs, rollout=False)
        return work.result()
    st.paused_condition(d, work.status, now)
    if spec.get("paused") or work.is_scaling_event():
        work.sync()
    elif sc.is_rolling(d):
        work.rolling()
    else:
        work.recreate()
    return work.result()
