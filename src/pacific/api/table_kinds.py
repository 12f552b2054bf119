"""Table columns and cells of each built-in kind, as kube-apiserver prints them.

One `Printer` per (group, kind): its columns and a pure function from (object, now) to the
row's cells, following kubernetes pkg/printers/internalversion/printers.go. The server
always prints the wide (priority 1) columns too; kubectl hides them unless `-o wide`.
Kinds without an entry here get the default columns chosen by `pacific.api.table`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from pacific.api.errors import BadRequest
from pacific.api.selectors import format_label_selector, label_selector_from_object
from pacific.api.table_format import (
    AGE,
    NAME,
    Cells,
    Column,
    Obj,
    Printer,
    age,
    container_cells,
    count,
    created_age,
    dig,
    format_labels,
    name_of,
    size,
    text,
)
from pacific.api.table_pods import POD_COLUMNS, pod_cells
from pacific.api.table_storage import STORAGE_PRINTERS

V1 = "io.k8s.api.core.v1."
APPS = "io.k8s.api.apps.v1."
CONTAINERS = Column("Containers", priority=1, doc="Names of each container in the template.")
IMAGES = Column("Images", priority=1, doc="Images referenced by each container in the template.")


def _deployment(obj: Obj, now: datetime) -> list[Any]:
    spec = obj.get("spec") or {}
    try:
        selector = str(label_selector_from_object(spec.get("selector")))
    except BadRequest:
        selector = "<invalid>"
    names, images = container_cells(dig(spec, "template", "spec"))
    desired = spec.get("replicas", 1)
    ready = count(obj, "status", "readyReplicas")
    return [
        name_of(obj),
        f"{ready}/{desired}",
        count(obj, "status", "updatedReplicas"),
        count(obj, "status", "availableReplicas"),
        created_age(obj, now),
        names,
        images,
        selector,
    ]


def _replicaset(obj: Obj, now: datetime) -> list[Any]:
    spec = obj.get("spec") or {}
    names, images = container_cells(dig(spec, "template", "spec"))
    return [
        name_of(obj),
        spec.get("replicas", 1),
        count(obj, "status", "replicas"),
        count(obj, "status", "readyReplicas"),
        created_age(obj, now),
        names,
        images,
        format_label_selector(spec.get("selector")),
    ]


def _load_balancer(svc: Obj) -> str:
    found = set()
    for ingress in dig(svc, "status", "loadBalancer", "ingress") or []:
        if ingress.get("ip"):
            found.add(ingress["ip"])
        elif ingress.get("hostname"):
            found.add(ingress["hostname"])
    # The server prints the wide form: never clipped.
    return ",".join(sorted(found))


def _external_ip(svc: Obj) -> str:
    spec = svc.get("spec") or {}
    kind = spec.get("type", "ClusterIP")
    external = spec.get("externalIPs") or []
    if kind in ("ClusterIP", "NodePort"):
        return ",".join(external) if external else "<none>"
    if kind == "LoadBalancer":
        lb = _load_balancer(svc)
        if external:
            return ",".join([*(lb.split(",") if lb else []), *external])
        return lb or "<pending>"
    if kind == "ExternalName":
        return text(spec, "externalName")
    return "<unknown>"


def _ports(ports: list[Obj]) -> str:
    out = []
    for p in ports:
        proto = p.get("protocol", "TCP")
        node = count(p, "nodePort")
        out.append(f"{p.get('port')}:{node}/{proto}" if node > 0 else f"{p.get('port')}/{proto}")
    return ",".join(out)


def _service(obj: Obj, now: datetime) -> list[Any]:
    spec = obj.get("spec") or {}
    cluster_ips = spec.get("clusterIPs") or []
    return [
        name_of(obj),
        spec.get("type", "ClusterIP"),
        cluster_ips[0] if cluster_ips else "<none>",
        _external_ip(obj),
        _ports(spec.get("ports") or []) or "<none>",
        created_age(obj, now),
        format_labels(spec.get("selector")),
    ]


def _node(obj: Obj, now: datetime) -> list[Any]:
    status = obj.get("status") or {}
    states = [
        ("Ready" if c.get("status") == "True" else "NotReady")
        for c in (status.get("conditions") or [])[::-1]
        if c.get("type") == "Ready"
    ][:1] or ["Unknown"]
    if dig(obj, "spec", "unschedulable"):
        states.append("SchedulingDisabled")
    roles = set()
    for key, value in (dig(obj, "metadata", "labels") or {}).items():
        if key.startswith("node-role.kubernetes.io/") and len(key) > 24:
            roles.add(key[24:])
        elif key == "kubernetes.io/role" and value:
            roles.add(value)
    info = status.get("nodeInfo") or {}

    def address(kind: str) -> str:
        for a in status.get("addresses") or []:
            if a.get("type") == kind:
                return str(a.get("address", ""))
        return "<none>"

    return [
        name_of(obj),
        ",".join(states),
        ",".join(sorted(roles)) or "<none>",
        created_age(obj, now),
        text(info, "kubeletVersion"),
        address("InternalIP"),
        address("ExternalIP"),
        text(info, "osImage") or "<unknown>",
        text(info, "kernelVersion") or "<unknown>",
        text(info, "containerRuntimeVersion") or "<unknown>",
    ]


def _event(obj: Obj, now: datetime) -> list[Any]:
    first = age(obj.get("firstTimestamp"), now)
    if not obj.get("firstTimestamp"):
        first = age(obj.get("eventTime"), now)
    last = age(obj.get("lastTimestamp"), now) if obj.get("lastTimestamp") else first
    seen = count(obj, "count")
    series = obj.get("series")
    if series is not None:
        last = age(series.get("lastObservedTime"), now)
        seen = count(series, "count")
    elif seen == 0:
        seen = 1
    involved = obj.get("involvedObject") or {}
    kind = text(involved, "kind").lower()
    target = f"{kind}/{involved['name']}" if involved.get("name") else kind
    component = text(obj, "source", "component") or text(obj, "reportingComponent")
    host = text(obj, "source", "host") or text(obj, "reportingInstance")
    return [
        last,
        text(obj, "type"),
        text(obj, "reason"),
        target,
        text(involved, "fieldPath"),
        f"{component}, {host}" if host else component,
        text(obj, "message").strip(),
        first,
        seen,
        name_of(obj),
    ]


def _endpoints(obj: Obj, now: datetime) -> list[Any]:
    shown: list[str] = []
    total, limit = 0, 3
    for subset in obj.get("subsets") or []:
        addresses = [str(a.get("ip", "")) for a in subset.get("addresses") or []]
        ports = subset.get("ports") or []
        if not ports:
            total += len(addresses)
            shown.extend(addresses[: limit - len(shown)])
            continue
        for port in ports:
            total += len(addresses)
            for ip in addresses[: limit - len(shown)]:
                host = f"[{ip}]" if ":" in ip else ip
                shown.append(f"{host}:{port.get('port', 0)}")
    cell = ",".join(shown) if obj.get("subsets") else "<none>"
    if total > limit:
        cell = f"{cell} + {total - limit} more..."
    return [name_of(obj), cell, created_age(obj, now)]


def _binding(obj: Obj, now: datetime) -> list[Any]:
    users, groups, sas = [], [], []
    for s in obj.get("subjects") or []:
        kind = s.get("kind")
        if kind == "ServiceAccount":
            sas.append(f"{text(s, 'namespace')}/{text(s, 'name')}")
        elif kind == "User":
            users.append(text(s, "name"))
        elif kind == "Group":
            groups.append(text(s, "name"))
    role = f"{text(obj, 'roleRef', 'kind')}/{text(obj, 'roleRef', 'name')}"
    return [
        name_of(obj),
        role,
        created_age(obj, now),
        ", ".join(users),
        ", ".join(groups),
        ", ".join(sas),
    ]


_SCHEDULING = "io.k8s.api.scheduling.v1."


def _priority_class(obj: Obj, now: datetime) -> list[Any]:
    """printPriorityClass: name, value, globalDefault, age, preemptionPolicy."""
    return [
        name_of(obj),
        int(obj.get("value") or 0),
        bool(obj.get("globalDefault")),
        created_age(obj, now),
        text(obj, "preemptionPolicy"),
    ]


def _simple(*cells: Callable[[Obj], Any]) -> Cells:
    """Name, the given cells, then Age."""

    def build(obj: Obj, now: datetime) -> list[Any]:
        return [name_of(obj), *(cell(obj) for cell in cells), created_age(obj, now)]

    return build


def _doc(definition: str, field: str) -> tuple[str, str]:
    return (definition, field)


_BINDING_COLUMNS = (
    NAME,
    Column("Role", doc=_doc("io.k8s.api.rbac.v1.RoleBinding", "roleRef")),
    AGE,
    Column("Users", priority=1, doc="Users in the roleBinding"),
    Column("Groups", priority=1, doc="Groups in the roleBinding"),
    Column("ServiceAccounts", priority=1, doc="ServiceAccounts in the roleBinding"),
)
_CLUSTER_BINDING_COLUMNS = (
    NAME,
    Column("Role", doc=_doc("io.k8s.api.rbac.v1.ClusterRoleBinding", "roleRef")),
    AGE,
    Column("Users", priority=1, doc="Users in the clusterRoleBinding"),
    Column("Groups", priority=1, doc="Groups in the clusterRoleBinding"),
    Column("ServiceAccounts", priority=1, doc="ServiceAccounts in the clusterRoleBinding"),
)

PRINTERS: dict[tuple[str, str], Printer] = {
    ("", "Pod"): Printer(POD_COLUMNS, pod_cells),
    ("apps", "Deployment"): Printer(
        (
            NAME,
            Column("Ready", doc="Number of the pod with ready state"),
            Column("Up-to-date", doc=_doc(APPS + "DeploymentStatus", "updatedReplicas")),
            Column("Available", doc=_doc(APPS + "DeploymentStatus", "availableReplicas")),
            AGE,
            CONTAINERS,
            IMAGES,
            Column("Selector", priority=1, doc=_doc(APPS + "DeploymentSpec", "selector")),
        ),
        _deployment,
    ),
    ("apps", "ReplicaSet"): Printer(
        (
            NAME,
            Column("Desired", "integer", _doc(APPS + "ReplicaSetSpec", "replicas")),
            Column("Current", "integer", _doc(APPS + "ReplicaSetStatus", "replicas")),
            Column("Ready", "integer", _doc(APPS + "ReplicaSetStatus", "readyReplicas")),
            AGE,
            CONTAINERS,
            IMAGES,
            Column("Selector", priority=1, doc=_doc(APPS + "ReplicaSetSpec", "selector")),
        ),
        _replicaset,
    ),
    ("", "Service"): Printer(
        (
            NAME,
            Column("Type", doc=_doc(V1 + "ServiceSpec", "type")),
            Column("Cluster-IP", doc=_doc(V1 + "ServiceSpec", "clusterIP")),
            Column("External-IP", doc=_doc(V1 + "ServiceSpec", "externalIPs")),
            Column("Port(s)", doc=_doc(V1 + "ServiceSpec", "ports")),
            AGE,
            Column("Selector", priority=1, doc=_doc(V1 + "ServiceSpec", "selector")),
        ),
        _service,
    ),
    ("", "Namespace"): Printer(
        (NAME, Column("Status", doc="The status of the namespace"), AGE),
        _simple(lambda o: text(o, "status", "phase")),
    ),
    ("", "Node"): Printer(
        (
            NAME,
            Column("Status", doc="The status of the node"),
            Column("Roles", doc="The roles of the node"),
            AGE,
            Column("Version", doc=_doc(V1 + "NodeSystemInfo", "kubeletVersion")),
            Column("Internal-IP", priority=1, doc=_doc(V1 + "NodeStatus", "addresses")),
            Column("External-IP", priority=1, doc=_doc(V1 + "NodeStatus", "addresses")),
            Column("OS-Image", priority=1, doc=_doc(V1 + "NodeSystemInfo", "osImage")),
            Column("Kernel-Version", priority=1, doc=_doc(V1 + "NodeSystemInfo", "kernelVersion")),
            Column(
                "Container-Runtime",
                priority=1,
                doc=_doc(V1 + "NodeSystemInfo", "containerRuntimeVersion"),
            ),
        ),
        _node,
    ),
    ("", "Event"): Printer(
        (
            Column("Last Seen", doc=_doc(V1 + "Event", "lastTimestamp")),
            Column("Type", doc=_doc(V1 + "Event", "type")),
            Column("Reason", doc=_doc(V1 + "Event", "reason")),
            Column("Object", doc=_doc(V1 + "Event", "involvedObject")),
            Column("Subobject", priority=1, doc=_doc(V1 + "ObjectReference", "fieldPath")),
            Column("Source", priority=1, doc=_doc(V1 + "Event", "source")),
            Column("Message", doc=_doc(V1 + "Event", "message")),
            Column("First Seen", priority=1, doc=_doc(V1 + "Event", "firstTimestamp")),
            Column("Count", priority=1, doc=_doc(V1 + "Event", "count")),
            Column("Name", priority=1, format="name", doc=NAME.doc),
        ),
        _event,
    ),
    ("", "ConfigMap"): Printer(
        (NAME, Column("Data", doc=_doc(V1 + "ConfigMap", "data")), AGE),
        _simple(lambda o: size(o, "data") + size(o, "binaryData")),
    ),
    ("", "Secret"): Printer(
        (
            NAME,
            Column("Type", doc=_doc(V1 + "Secret", "type")),
            Column("Data", doc=_doc(V1 + "Secret", "data")),
            AGE,
        ),
        _simple(lambda o: text(o, "type"), lambda o: size(o, "data")),
    ),
    ("", "Endpoints"): Printer(
        (NAME, Column("Endpoints", doc=_doc(V1 + "Endpoints", "subsets")), AGE), _endpoints
    ),
    ("", "ServiceAccount"): Printer(
        (NAME, Column("Secrets", doc=_doc(V1 + "ServiceAccount", "secrets")), AGE),
        _simple(lambda o: size(o, "secrets")),
    ),
    ("coordination.k8s.io", "Lease"): Printer(
        (
            NAME,
            Column("Holder", doc=_doc("io.k8s.api.coordination.v1.LeaseSpec", "holderIdentity")),
            AGE,
        ),
        _simple(lambda o: text(o, "spec", "holderIdentity")),
    ),
    ("node.k8s.io", "RuntimeClass"): Printer(
        (NAME, Column("Handler", doc=_doc("io.k8s.api.node.v1.RuntimeClass", "handler")), AGE),
        _simple(lambda o: text(o, "handler")),
    ),
    ("scheduling.k8s.io", "PriorityClass"): Printer(
        (
            NAME,
            Column("Value", "integer", _doc(_SCHEDULING + "PriorityClass", "value")),
            Column(
                "Global-Default", "boolean", _doc(_SCHEDULING + "PriorityClass", "globalDefault")
            ),
            AGE,
            Column("PreemptionPolicy", doc=_doc(_SCHEDULING + "PriorityClass", "preemptionPolicy")),
        ),
        _priority_class,
    ),
    ("rbac.authorization.k8s.io", "RoleBinding"): Printer(_BINDING_COLUMNS, _binding),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"): Printer(
        _CLUSTER_BINDING_COLUMNS, _binding
    ),
    **STORAGE_PRINTERS,
}
