"""The registry of every resource the API serves.

Each served resource is one `ResourceType` (pacific.api.resources), filled in as
kube-apiserver 1.32 advertises it in discovery: singular name, short names, categories,
verbs, scope and subresources, plus the field selectors its registry accepts besides
`metadata.name` / `metadata.namespace`. The schema of a kind is found by its definition
name (`ResourceType.schema_name`) through pacific.api.schema.

Invariants of a `Registry`:
- (group, version, plural) and (group, version, kind) each identify at most one resource;
  registering a duplicate is an error, never a silent replacement.
- Every registered resource has a schema: built-ins take theirs from the `kubernetes`
  models, registered kinds (Pacific's own) bring theirs to `register()`.
- `groups()` lists core first, then the built-in groups in kube-apiserver's discovery
  order, then registered groups in the order they were first registered.

`DEFAULT` is the registry the process serves; the module-level functions read it. Tests
and embedders that need another set of kinds build their own `Registry`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pacific.api.resources import ALL_VERBS, ResourceType
from pacific.api.schema import Schema, define, schema_for
from pacific.api.vmservice.kinds import KINDS as VMSERVICE_KINDS

_CRUD = ("create", "delete", "get", "list", "patch", "update", "watch")
_CREATE = ("create",)
_ALL = ("all",)


def _rt(
    group: str,
    kind: str,
    plural: str,
    *,
    namespaced: bool = True,
    short: tuple[str, ...] = (),
    categories: tuple[str, ...] = (),
    verbs: tuple[str, ...] = ALL_VERBS,
    sub: Iterable[str] = (),
    fields: tuple[str, ...] = (),
    stored: bool = True,
) -> ResourceType:
    return ResourceType(
        group=group,
        version="v1",
        kind=kind,
        plural=plural,
        singular=kind.lower(),
        namespaced=namespaced,
        short_names=short,
        categories=categories,
        verbs=verbs,
        subresources=frozenset(sub),
        schema_name=_schema_name(group, kind),
        field_selectors=fields,
        stored=stored,
    )


def _schema_name(group: str, kind: str) -> str:
    package = (group or "core").split(".")[0]
    return f"io.k8s.api.{package}.v1.{kind}"


_POD_FIELDS = (
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.schedulerName",
    "spec.serviceAccountName",
    "spec.hostNetwork",
    "status.phase",
    "status.podIP",
    "status.podIPs",
    "status.nominatedNodeName",
)
_EVENT_FIELDS = (
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "reason",
    "reportingComponent",
    "source",
    "type",
)
_POD_SUBRESOURCES = (
    "status",
    "binding",
    "log",
    "exec",
    "attach",
    "portforward",
    "eviction",
    "ephemeralcontainers",
)

KINDS: tuple[ResourceType, ...] = (
    # core/v1
    _rt("", "Namespace", "namespaces", namespaced=False, short=("ns",), verbs=_CRUD,
        sub=("status", "finalize"), fields=("status.phase",)),
    _rt("", "Pod", "pods", short=("po",), categories=_ALL, sub=_POD_SUBRESOURCES,
        fields=_POD_FIELDS),
    _rt("", "Node", "nodes", namespaced=False, short=("no",), sub=("status", "proxy"),
        fields=("spec.unschedulable",)),
    _rt("", "Event", "events", short=("ev",), fields=_EVENT_FIELDS),
    _rt("", "ConfigMap", "configmaps", short=("cm",)),
    _rt("", "Secret", "secrets", fields=("type",)),
    _rt("", "Service", "services", short=("svc",), categories=_ALL, sub=("status",),
        fields=("spec.clusterIP", "spec.type")),
    _rt("", "Endpoints", "endpoints", short=("ep",)),
    _rt("", "ServiceAccount", "serviceaccounts", short=("sa",), sub=("token",)),
    _rt("", "PersistentVolumeClaim", "persistentvolumeclaims", short=("pvc",),
        sub=("status",)),
    _rt("", "PersistentVolume", "persistentvolumes", namespaced=False, short=("pv",),
        sub=("status",)),
    _rt("", "ResourceQuota", "resourcequotas", short=("quota",), sub=("status",)),
    _rt("", "LimitRange", "limitranges", short=("limits",)),
    _rt("", "Binding", "bindings", verbs=_CREATE, stored=False),
    # apps/v1
    _rt("apps", "Deployment", "deployments", short=("deploy",), categories=_ALL,
        sub=("status", "scale")),
    _rt("apps", "ReplicaSet", "replicasets", short=("rs",), categories=_ALL,
        sub=("status", "scale"), fields=("status.replicas",)),
    # authentication.k8s.io/v1, authorization.k8s.io/v1
    _rt("authentication.k8s.io", "SelfSubjectReview", "selfsubjectreviews",
        namespaced=False, verbs=_CREATE, stored=False),
    _rt("authorization.k8s.io", "SelfSubjectAccessReview", "selfsubjectaccessreviews",
        namespaced=False, verbs=_CREATE, stored=False),
    # rbac.authorization.k8s.io/v1
    _rt("rbac.authorization.k8s.io", "Role", "roles"),
    _rt("rbac.authorization.k8s.io", "RoleBinding", "rolebindings"),
    _rt("rbac.authorization.k8s.io", "ClusterRole", "clusterroles", namespaced=False),
    _rt("rbac.authorization.k8s.io", "ClusterRoleBinding", "clusterrolebindings",
        namespaced=False),
    # storage.k8s.io/v1, coordination.k8s.io/v1, node.k8s.io/v1
    _rt("storage.k8s.io", "StorageClass", "storageclasses", namespaced=False, short=("sc",)),
    _rt("coordination.k8s.io", "Lease", "leases"),
    _rt("node.k8s.io", "RuntimeClass", "runtimeclasses", namespaced=False),
    # scheduling.k8s.io/v1
    _rt("scheduling.k8s.io", "PriorityClass", "priorityclasses", namespaced=False,
        short=("pc",)),
)  # fmt: skip

# kube-apiserver's discovery order of the built-in groups Pacific serves.
_GROUP_ORDER = (
    "",
    "apps",
    "events.k8s.io",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "autoscaling",
    "batch",
    "policy",
    "rbac.authorization.k8s.io",
    "storage.k8s.io",
    "scheduling.k8s.io",
    "coordination.k8s.io",
    "node.k8s.io",
)


@dataclass(frozen=True, slots=True)
class Subresource:
    """How discovery advertises `parent/name`: the kind it takes and returns, its verbs."""

    name: str
    group: str  # group and version of `kind`; "" with version "" means the parent's own
    version: str
    kind: str
    verbs: tuple[str, ...]


_SUBRESOURCES = {
    "status": Subresource("status", "", "", "", ("get", "patch", "update")),
    "scale": Subresource("scale", "autoscaling", "v1", "Scale", ("get", "patch", "update")),
    "binding": Subresource("binding", "", "v1", "Binding", ("create",)),
    "log": Subresource("log", "", "v1", "Pod", ("get",)),
    "exec": Subresource("exec", "", "v1", "PodExecOptions", ("create", "get")),
    "attach": Subresource("attach", "", "v1", "PodAttachOptions", ("create", "get")),
    "portforward": Subresource("portforward", "", "v1", "PodPortForwardOptions", ("create", "get")),
    "eviction": Subresource("eviction", "policy", "v1", "Eviction", ("create",)),
    "ephemeralcontainers": Subresource(
        "ephemeralcontainers", "", "v1", "Pod", ("get", "patch", "update")
    ),
    "proxy": Subresource(
        "proxy", "", "v1", "NodeProxyOptions", ("create", "delete", "get", "patch", "update")
    ),
    "token": Subresource("token", "authentication.k8s.io", "v1", "TokenRequest", ("create",)),
    "finalize": Subresource("finalize", "", "", "", ("update",)),
}


def subresource(rt: ResourceType, name: str) -> Subresource | None:
    """`rt`'s subresource `name` with its own kind resolved; None if rt has no such one."""
    if name not in rt.subresources:
        return None
    sub = _SUBRESOURCES.get(name)
    if sub is None:
        return Subresource(name, rt.group, rt.version, rt.kind, ("get",))
    if not sub.kind:
        return Subresource(name, rt.group, rt.version, rt.kind, sub.verbs)
    return sub


class Registry:
    """A set of served resources with their schemas; see the module docstring."""

    def __init__(self, kinds: Iterable[ResourceType] = ()) -> None:
        self._kinds: list[ResourceType] = []
        self._by_resource: dict[tuple[str, str, str], ResourceType] = {}
        self._by_kind: dict[tuple[str, str, str], ResourceType] = {}
        self._schemas: dict[tuple[str, str, str], Schema] = {}
        for rt in kinds:
            self._add(rt)

    @property
    def kinds(self) -> tuple[ResourceType, ...]:
        return tuple(self._kinds)

    def _add(self, rt: ResourceType) -> None:
        by_resource = (rt.group, rt.version, rt.plural)
        by_kind = (rt.group, rt.version, rt.kind)
        if by_resource in self._by_resource:
            raise ValueError(f"resource {rt.qualified}/{rt.version} is already registered")
        if by_kind in self._by_kind:
            raise ValueError(f"kind {rt.group_version}/{rt.kind} is already registered")
        self._kinds.append(rt)
        self._by_resource[by_resource] = rt
        self._by_kind[by_kind] = rt

    def register(self, rt: ResourceType, schema: Schema) -> None:
        """Serve `rt` (Pacific's own kinds) with `schema`, published as rt.schema_name."""
        if schema.name != rt.schema_name:
            raise ValueError(
                f"schema {schema.name!r} does not match {rt.kind}'s {rt.schema_name!r}"
            )
        define(schema)
        self._add(rt)
        self._schemas[(rt.group, rt.version, rt.plural)] = schema

    def by_resource(self, group: str, version: str, plural: str) -> ResourceType | None:
        return self._by_resource.get((group, version, plural))

    def by_kind(self, group: str, version: str, kind: str) -> ResourceType | None:
        return self._by_kind.get((group, version, kind))

    def groups(self) -> list[tuple[str, list[str]]]:
        """(group, [versions]) in discovery order; versions in registration order."""
        versions: dict[str, list[str]] = {}
        for rt in self._kinds:
            known = versions.setdefault(rt.group, [])
            if rt.version not in known:
                known.append(rt.version)
        rank = {g: i for i, g in enumerate(_GROUP_ORDER)}
        arrival = {g: i for i, g in enumerate(versions)}
        order = sorted(versions, key=lambda g: (rank.get(g, len(rank)), arrival[g]))
        return [(g, versions[g]) for g in order]

    def schema_of(self, rt: ResourceType) -> Schema:
        """The schema of `rt`'s kind; KeyError if rt is not served here."""
        key = (rt.group, rt.version, rt.plural)
        if self._by_resource.get(key) is not rt:
            raise KeyError(f"{rt.qualified}/{rt.version} is not served")
        own = self._schemas.get(key)
        return own if own is not None else schema_for(rt.schema_name)


DEFAULT = Registry(KINDS)
for _rt_vm, _schema_vm in VMSERVICE_KINDS:  # vmoperator.vmware.com/v1alpha3
    DEFAULT.register(_rt_vm, _schema_vm)


def by_resource(group: str, version: str, plural: str) -> ResourceType | None:
    return DEFAULT.by_resource(group, version, plural)


def by_kind(group: str, version: str, kind: str) -> ResourceType | None:
    return DEFAULT.by_kind(group, version, kind)


def groups() -> list[tuple[str, list[str]]]:
    return DEFAULT.groups()


def schema_of(rt: ResourceType) -> Schema:
    return DEFAULT.schema_of(rt)


def register(rt: ResourceType, schema: Schema) -> None:
    DEFAULT.register(rt, schema)


def all_kinds() -> tuple[ResourceType, ...]:
    """Every resource DEFAULT serves: KINDS and whatever was registered since."""
    return DEFAULT.kinds
