"""The Endpoints object a Service with a selector should have, as a pure function.

For each pod in the Service's namespace that matches its selector and has an IP (and is
neither terminal nor being deleted, unless the Service publishes not-ready addresses):
- the address is ready when the pod's Ready condition is True (or the Service has
  `publishNotReadyAddresses`), else it goes to `notReadyAddresses`;
- each Service port is resolved against the pod: a numeric `targetPort` as is, a named one
  through the pod's container ports of that name and protocol (a pod without that port
  is left out for that port), no targetPort means the Service port.
Addresses with the same resolved ports share a subset. Everything is sorted (subsets by
ports, addresses by IP, ports by name) so the result is stable and an unchanged Service
never causes a write. Services without a selector are not managed here.
"""

from __future__ import annotations

from typing import Any

from pacific.api.selectors import LabelSelector, Operator, new_requirement
from pacific.controllers.objects import (
    Obj,
    is_deleting,
    is_pod_ready,
    labels_of,
    name_of,
    namespace_of,
    pod_phase,
    uid_of,
)

HEADLESS_LABEL = "service.kubernetes.io/headless"

PortKey = tuple[tuple[str, int, str, str], ...]


def service_selector(svc: Obj) -> LabelSelector | None:
    """The Service's selector as a LabelSelector, or None when it has none (unmanaged)."""
    selector = (svc.get("spec") or {}).get("selector")
    if not selector:
        return None
    reqs = [new_requirement(k, Operator.EQUALS, (str(v),)) for k, v in sorted(selector.items())]
    return LabelSelector(tuple(reqs))


def resolve_port(pod: Obj, port: Obj) -> int | None:
    """The pod's port number for a Service port (FindPort)."""
    target: Any = port.get("targetPort")
    if target is None or target == "" or target == 0:
        return int(port.get("port") or 0)
    if isinstance(target, int):
        return target
    text = str(target)
    if text.isdigit():
        return int(text)
    protocol = port.get("protocol") or "TCP"
    for container in (pod.get("spec") or {}).get("containers") or []:
        for cport in container.get("ports") or []:
            if cport.get("name") == text and (cport.get("protocol") or "TCP") == protocol:
                return int(cport.get("containerPort") or 0)
    return None


def _address(pod: Obj) -> Obj:
    status = pod.get("status") or {}
    spec = pod.get("spec") or {}
    addr: Obj = {
        "ip": status["podIP"],
        "targetRef": {
            "kind": "Pod",
            "namespace": namespace_of(pod),
            "name": name_of(pod),
            "uid": uid_of(pod),
        },
    }
    if spec.get("nodeName"):
        addr["nodeName"] = spec["nodeName"]
    return addr


def _with_hostname(addr: Obj, pod: Obj, svc: Obj) -> Obj:
    spec = pod.get("spec") or {}
    if spec.get("hostname") and spec.get("subdomain") == name_of(svc):
        return {**addr, "hostname": spec["hostname"]}
    return addr


def plan_subsets(svc: Obj, pods: list[Obj]) -> list[Obj]:
    """The Endpoints subsets for `svc` (see the module docstring)."""
    selector = service_selector(svc)
    if selector is None:
        return []
    spec = svc.get("spec") or {}
    publish_not_ready = bool(spec.get("publishNotReadyAddresses"))
    headless = spec.get("clusterIP") == "None"
    groups: dict[PortKey, tuple[list[Obj], list[Obj]]] = {}
    for pod in pods:
        if namespace_of(pod) != namespace_of(svc) or not selector.matches_object(pod):
            continue
        if not (pod.get("status") or {}).get("podIP"):
            continue
        terminal = pod_phase(pod) in ("Succeeded", "Failed")
        if terminal or (is_deleting(pod) and not publish_not_ready):
            continue
        ready = publish_not_ready or is_pod_ready(pod)
        addr = _with_hostname(_address(pod), pod, svc)
        ports = spec.get("ports") or []
        resolved: list[tuple[str, int, str, str]] = []
        for port in ports:
            number = resolve_port(pod, port)
            if number is not None:
                resolved.append(
                    (
                        str(port.get("name") or ""),
                        number,
                        str(port.get("protocol") or "TCP"),
                        str(port.get("appProtocol") or ""),
                    )
                )
        if not resolved and (ports or not headless):
            continue
        ready_addrs, not_ready = groups.setdefault(tuple(sorted(resolved)), ([], []))
        (ready_addrs if ready else not_ready).append(addr)
    subsets = [_subset(ready, not_ready, key) for key, (ready, not_ready) in groups.items()]
    return sorted(subsets, key=lambda s: repr(s.get("ports")))


def _subset(ready: list[Obj], not_ready: list[Obj], ports: PortKey) -> Obj:
    subset: Obj = {}
    if ready:
        subset["addresses"] = sorted(ready, key=lambda a: (a["ip"], a["targetRef"]["uid"]))
    if not_ready:
        subset["notReadyAddresses"] = sorted(
            not_ready, key=lambda a: (a["ip"], a["targetRef"]["uid"])
        )
    out_ports = []
    for name, number, protocol, app_protocol in ports:
        entry: Obj = {"port": number, "protocol": protocol}
        if name:
            entry["name"] = name
        if app_protocol:
            entry["appProtocol"] = app_protocol
        out_ports.append(entry)
    if out_ports:
        subset["ports"] = sorted(out_ports, key=lambda p: (p.get("name", ""), p["port"]))
    return subset


def endpoints_for(svc: Obj, subsets: list[Obj]) -> Obj:
    """The Endpoints object for `svc` with `subsets` (labels copied from the Service)."""
    labels = labels_of(svc)
    if (svc.get("spec") or {}).get("clusterIP") == "None":
        labels[HEADLESS_LABEL] = ""
    meta: Obj = {"name": name_of(svc), "namespace": namespace_of(svc)}
    if labels:
        meta["labels"] = labels
    out: Obj = {"apiVersion": "v1", "kind": "Endpoints", "metadata": meta}
    if subsets:
        out["subsets"] = subsets
    return out


def endpoints_differ(current: Obj, desired: Obj) -> bool:
    return bool(
        (current.get("subsets") or []) != (desired.get("subsets") or [])
        or labels_of(current) != labels_of(desired)
    )
