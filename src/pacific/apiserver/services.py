"""Service cluster IPs and NodePorts, allocated in the write path as kube's service registry does.

What a Service needs (by its spec after defaults):
- a cluster IP unless it is `ExternalName` or headless (`clusterIP: None`, which is stored as
  `clusterIP: None`, `clusterIPs: [None]`);
- a NodePort for each port when it is `NodePort`, or `LoadBalancer` with
  `allocateLoadBalancerNodePorts` not false; a `healthCheckNodePort` when it is a
  `LoadBalancer` with `externalTrafficPolicy: Local`.

Create: a requested address (`spec.clusterIPs[0]`, else `spec.clusterIP`) or port must be in
range and free, else 422 Invalid with kube's text (`spec.clusterIPs: Invalid value:
[]string{"10.0.0.1"}: failed to allocate IP 10.0.0.1: provided IP is already allocated`);
unrequested ones are allocated. `default/kubernetes` asking for none gets the range's first
address, which is otherwise never handed out.
Update: `keep_allocated(new, old)` runs before validation and fills in what the client left
out (the cluster IP, each port's NodePort by port and protocol), keeps `clusterIP` and
`clusterIPs[0]` in step when a client changed only one, and clears type-dependent values
the client did not change when the type no longer needs them. Then only the
difference is allocated; values the old object held and the new does not are released once
the write is stored. Delete: everything held is released once the object is gone.

`Reservation` makes that transactional around a store write: `commit()` after it succeeded
(frees what the new object let go), `rollback()` after it failed (frees what was taken for
it). A dry run checks the same things and takes nothing.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from pacific.api.errors import InternalError, Invalid
from pacific.api.resources import Obj
from pacific.api.validation.field import go_list, invalid
from pacific.apiserver.ranges import AllocationError, IPRange, PortRange, RangeFull

HEADLESS = "None"
DEFAULT_SERVICE_CIDR = "10.96.0.0/12"
DEFAULT_NODE_PORTS = (30000, 32767)


def _spec(svc: Obj) -> dict[str, Any]:
    spec = svc.get("spec")
    return spec if isinstance(spec, dict) else {}


def _ports(svc: Obj) -> list[dict[str, Any]]:
    return [p for p in _spec(svc).get("ports") or [] if isinstance(p, dict)]


def needs_cluster_ip(svc: Obj) -> bool:
    spec = _spec(svc)
    return spec.get("type") != "ExternalName" and spec.get("clusterIP") != HEADLESS


def needs_node_ports(svc: Obj) -> bool:
    spec = _spec(svc)
    kind = spec.get("type")
    return kind == "NodePort" or (
        kind == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts") is not False
    )


def needs_health_check_port(svc: Obj) -> bool:
    spec = _spec(svc)
    return spec.get("type") == "LoadBalancer" and spec.get("externalTrafficPolicy") == "Local"


def cluster_ip_of(svc: Obj) -> str:
    """The requested or held primary cluster IP ("" for none, "None" for headless)."""
    spec = _spec(svc)
    ips = spec.get("clusterIPs") or []
    first = ips[0] if ips and isinstance(ips[0], str) else ""
    return first or str(spec.get("clusterIP") or "")


def held_ips(svc: Obj) -> set[str]:
    ip = cluster_ip_of(svc)
    return {ip} if ip and ip != HEADLESS and needs_cluster_ip(svc) else set()


def held_ports(svc: Obj) -> set[int]:
    out: set[int] = set()
    if needs_node_ports(svc):
        out |= {p["nodePort"] for p in _ports(svc) if isinstance(p.get("nodePort"), int)}
    health = _spec(svc).get("healthCheckNodePort")
    if needs_health_check_port(svc) and isinstance(health, int) and health:
        out.add(health)
    out.discard(0)
    return out


def _name(svc: Obj) -> str:
    return str((svc.get("metadata") or {}).get("name") or "")


def _namespace(svc: Obj) -> str:
    return str((svc.get("metadata") or {}).get("namespace") or "")


def _port_key(port: dict[str, Any]) -> tuple[Any, Any]:
    return port.get("port"), port.get("protocol", "TCP")


def keep_allocated(new: Obj, old: Obj) -> None:
    """Fill in allocated values an update left out; drop those its new type does not use.

    kube's patchAllocatedValues, NormalizeClusterIPs and dropTypeDependentFields, in place.
    """
    spec, old_spec = new.get("spec"), _spec(old)
    if not isinstance(spec, dict):
        return
    if needs_cluster_ip(old) and needs_cluster_ip(new):
        if not spec.get("clusterIP") and old_spec.get("clusterIP"):
            spec["clusterIP"] = old_spec["clusterIP"]
        if not spec.get("clusterIPs") and old_spec.get("clusterIPs"):
            spec["clusterIPs"] = list(old_spec["clusterIPs"])
    elif needs_cluster_ip(old) and spec.get("type") == "ExternalName":
        if spec.get("clusterIP") == old_spec.get("clusterIP"):
            spec.pop("clusterIP", None)
        if spec.get("clusterIPs") == old_spec.get("clusterIPs"):
            spec.pop("clusterIPs", None)
    _normalize_cluster_ips(spec, old_spec)
    _keep_node_ports(new, old)


def _keep_node_ports(new: Obj, old: Obj) -> None:
    spec, old_spec = _spec(new), _spec(old)
    old_ports = {_port_key(p): p.get("nodePort") for p in _ports(old)}
    if needs_node_ports(old) and needs_node_ports(new):
        for port in _ports(new):
            held = old_ports.get(_port_key(port))
            if not port.get("nodePort") and held:
                port["nodePort"] = held
    elif needs_node_ports(old):
        for port in _ports(new):
            if port.get("nodePort") == old_ports.get(_port_key(port)):
                port.pop("nodePort", None)
    old_health = old_spec.get("healthCheckNodePort")
    if needs_health_check_port(old) and needs_health_check_port(new):
        if not spec.get("healthCheckNodePort") and old_health:
            spec["healthCheckNodePort"] = old_health
    elif not needs_health_check_port(new) and spec.get("healthCheckNodePort") == old_health:
        spec.pop("healthCheckNodePort", None)


def _normalize_cluster_ips(spec: dict[str, Any], old_spec: dict[str, Any]) -> None:
    """Keep clusterIP and clusterIPs[0] in step when a client changed only one of them."""
    old_ip, new_ip = old_spec.get("clusterIP"), spec.get("clusterIP")
    old_ips = old_spec.get("clusterIPs")
    if old_ips and not spec.get("clusterIPs") and old_ip == new_ip:
        spec["clusterIPs"] = list(old_ips)
    if old_ip == new_ip or spec.get("clusterIPs") != old_ips:
        return  # nothing changed, or both changed: validation judges the pair
    if old_ip and not new_ip:
        spec.pop("clusterIPs", None)
    elif old_ips:
        spec["clusterIPs"] = [new_ip, *old_ips[1:]]


@dataclass(slots=True)
class Reservation:
    """What one write took and will let go of; see the module docstring."""

    ips: IPRange
    ports: PortRange
    taken_ips: list[str] = field(default_factory=list)
    taken_ports: list[int] = field(default_factory=list)
    freed_ips: set[str] = field(default_factory=set)
    freed_ports: set[int] = field(default_factory=set)

    def commit(self) -> None:
        for ip in self.freed_ips:
            self.ips.release(ip)
        for port in self.freed_ports:
            self.ports.release(port)

    def rollback(self) -> None:
        for ip in self.taken_ips:
            self.ips.release(ip)
        for port in self.taken_ports:
            self.ports.release(port)
        self.taken_ips.clear()
        self.taken_ports.clear()


class ServiceAllocator:
    """Cluster IPs and NodePorts of every stored Service (rebuilt from them at start)."""

    def __init__(
        self,
        cidr: str = DEFAULT_SERVICE_CIDR,
        node_ports: tuple[int, int] = DEFAULT_NODE_PORTS,
        *,
        rng: random.Random | None = None,
    ) -> None:
        self.ips = IPRange(cidr, rng=rng)
        self.ports = PortRange(*node_ports, rng=rng)

    def rebuild(self, services: Iterable[Obj]) -> None:
        """Mark what stored Services hold; values outside the ranges are left alone."""
        for svc in services:
            for ip in held_ips(svc):
                with contextlib.suppress(AllocationError):
                    self.ips.allocate(ip)
            for port in held_ports(svc):
                with contextlib.suppress(AllocationError):
                    self.ports.allocate(port)

    def release(self, svc: Obj) -> None:
        for ip in held_ips(svc):
            self.ips.release(ip)
        for port in held_ports(svc):
            self.ports.release(port)

    def reserve_update(self, old: Obj | None, new: Obj, dry_run: bool) -> Reservation:
        """Take what `new` holds beyond `old` (filling unrequested values into `new`)."""
        res = Reservation(self.ips, self.ports)
        before_ips = held_ips(old) if old is not None else set()
        before_ports = held_ports(old) if old is not None else set()
        try:
            self._cluster_ip(new, before_ips, res, dry_run)
            self._node_ports(new, before_ports, res, dry_run)
        except BaseException:
            res.rollback()
            raise
        res.freed_ips = before_ips - held_ips(new)
        res.freed_ports = before_ports - held_ports(new)
        return res

    def _cluster_ip(self, svc: Obj, before: set[str], res: Reservation, dry_run: bool) -> None:
        spec = _spec(svc)
        if not isinstance(svc.get("spec"), dict):
            return
        if spec.get("clusterIP") == HEADLESS:
            spec["clusterIPs"] = [HEADLESS]
            return
        if not needs_cluster_ip(svc):
            return
        ip = cluster_ip_of(svc)
        if ip in before:
            return
        if not ip:
            ip = self._pick_ip(svc, dry_run)
        else:
            _take(self.ips.check if dry_run else self.ips.allocate, ip, _ip_error(svc, ip))
        if not dry_run:
            res.taken_ips.append(ip)
        spec["clusterIP"] = ip
        spec["clusterIPs"] = [ip]

    def _pick_ip(self, svc: Obj, dry_run: bool) -> str:
        first = self.ips.first_address
        if (_namespace(svc), _name(svc)) == ("default", "kubernetes") and not self.ips.is_taken(
            first
        ):
            if not dry_run:
                self.ips.allocate(first)
            return first
        try:
            return self.ips.next_free() if dry_run else self.ips.allocate_next()
        except RangeFull as exc:
            raise InternalError(
                f"Internal error occurred: failed to allocate a serviceIP: {exc}"
            ) from None

    def _node_ports(self, svc: Obj, before: set[int], res: Reservation, dry_run: bool) -> None:
        mine = set(before)  # held by this Service already, or taken for it by this write
        for path, requested, assign in _port_slots(svc):
            if not requested:
                value = self._next_port(dry_run)
                if not dry_run:
                    res.taken_ports.append(value)
                mine.add(value)
                assign(value)
            elif requested not in mine:
                op = self.ports.check if dry_run else self.ports.allocate
                _take(op, requested, _port_error(svc, path, requested))
                if not dry_run:
                    res.taken_ports.append(requested)
                mine.add(requested)

    def _next_port(self, dry_run: bool) -> int:
        try:
            return self.ports.next_free() if dry_run else self.ports.allocate_next()
        except RangeFull as exc:
            raise InternalError(
                f"Internal error occurred: failed to allocate a nodePort: {exc}"
            ) from None


Slot = tuple[str, int, Callable[[int], None]]


def _port_slots(svc: Obj) -> list[Slot]:
    """(field path, requested port or 0, setter) for every NodePort the Service needs."""
    slots: list[Slot] = []
    if needs_node_ports(svc):
        for i, port in enumerate(_ports(svc)):
            number = port.get("nodePort")
            requested = number if isinstance(number, int) else 0
            slots.append(
                (f"spec.ports[{i}].nodePort", requested, partial(port.__setitem__, "nodePort"))
            )
    if needs_health_check_port(svc):
        spec = _spec(svc)
        health = spec.get("healthCheckNodePort")
        requested = health if isinstance(health, int) else 0
        slots.append(
            (
                "spec.healthCheckNodePort",
                requested,
                partial(spec.__setitem__, "healthCheckNodePort"),
            )
        )
    return slots


def _take(
    op: Callable[[Any], None], value: Any, error: Callable[[AllocationError], Invalid]
) -> None:
    try:
        op(value)
    except AllocationError as exc:
        raise error(exc) from None


def _ip_error(svc: Obj, ip: str) -> Callable[[AllocationError], Invalid]:
    def build(exc: AllocationError) -> Invalid:
        cause = invalid("spec.clusterIPs", go_list([ip]), f"failed to allocate IP {ip}: {exc}")
        return Invalid.of("Service", "", _name(svc), [cause])

    return build


def _port_error(svc: Obj, path: str, port: int) -> Callable[[AllocationError], Invalid]:
    def build(exc: AllocationError) -> Invalid:
        return Invalid.of("Service", "", _name(svc), [invalid(path, port, str(exc))])

    return build
