"""Workloads as LimitRange and quota admission see them: units with requests and limits.

A `Workload` is a list of `Unit`s, each with resource requests and limits, plus an
overhead. A Pod's units are its containers and init containers; a VirtualMachine is one
unit whose requests and limits come from its class. LimitRange checks, LimitRange defaults
and the compute part of quota usage all read this view, so Pods and VMs are limited and
counted by the same code.

Adapters:

    pod_workload(pod: Obj) -> Workload
        units are the pod's live container dicts: defaults written through `set_default`
        land in the pod itself.
    vm_workload(vm: Obj, vm_class: Obj) -> Workload        (the VM Service issue adds it)
        one Unit(name=<vm name>, kind="virtual machine", container={"resources": {...}})
        built from the class's spec.hardware.cpus / spec.hardware.memory and
        spec.policies.resources.{requests,limits}; defaults written to that synthetic
        container are simply not copied back (a class fixes a VM's size).

Sums follow kube's component-helpers PodRequests/PodLimits: containers add up; a sidecar
(an init container with restartPolicy Always) runs alongside them and adds too; a regular
init container runs alone with the sidecars started before it, so the pod needs the max of
that and the running sum. Quantities that do not parse are left out (validation reports
them); a sum keeps the format of its first non-zero term, as resource.Quantity.Add does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pacific.api.validation.quantity import Quantity, QuantityError, parse

Obj = dict[str, Any]
Resources = dict[str, Quantity]

CONTAINER = "container"
INIT_CONTAINER = "init container"


@dataclass(slots=True)
class Unit:
    """One container (or a VM's whole size): `container` is the dict holding `resources`."""

    name: str
    kind: str  # "container", "init container", "virtual machine": used in annotations
    container: Obj
    sidecar: bool = False

    def requests(self) -> Resources:
        return quantities(_resources(self.container).get("requests"))

    def limits(self) -> Resources:
        return quantities(_resources(self.container).get("limits"))

    def set_default(self, which: str, name: str, value: Any) -> None:
        """Write one default into `resources.<which>` (creating the maps as needed)."""
        resources = self.container.get("resources")
        if not isinstance(resources, dict):
            resources = self.container["resources"] = {}
        target = resources.get(which)
        if not isinstance(target, dict):
            target = resources[which] = {}
        target[name] = value


@dataclass(slots=True)
class Workload:
    units: list[Unit]  # regular containers first, then init containers in order
    overhead: Resources = field(default_factory=dict)


def _resources(container: Mapping[str, Any]) -> Mapping[str, Any]:
    resources = container.get("resources")
    return resources if isinstance(resources, dict) else {}


def quantities(raw: object) -> Resources:
    """A ResourceList parsed; entries that are not quantities are skipped."""
    if not isinstance(raw, dict):
        return {}
    out: Resources = {}
    for name, value in raw.items():
        try:
            out[str(name)] = parse(value)
        except (QuantityError, TypeError):
            continue
    return out


def pod_workload(pod: Obj) -> Workload:
    spec = pod.get("spec")
    if not isinstance(spec, dict):
        return Workload([])
    units = [
        Unit(str(c.get("name", "")), CONTAINER, c)
        for c in spec.get("containers") or []
        if isinstance(c, dict)
    ]
    units += [
        Unit(str(c.get("name", "")), INIT_CONTAINER, c, sidecar=c.get("restartPolicy") == "Always")
        for c in spec.get("initContainers") or []
        if isinstance(c, dict)
    ]
    return Workload(units, quantities(spec.get("overhead")))


def add(total: Resources, more: Mapping[str, Quantity]) -> Resources:
    """`total + more` per name; a sum keeps the format of its first non-zero term."""
    out = dict(total)
    for name, q in more.items():
        have = out.get(name)
        if have is None or have.value == 0:  # Quantity.Add: a zero takes the other's format
            out[name] = q
        else:
            out[name] = Quantity(have.value + q.value, have.format)
    return out


def maximum(a: Resources, b: Mapping[str, Quantity]) -> Resources:
    out = dict(a)
    for name, q in b.items():
        if name not in out or q.value > out[name].value:
            out[name] = q
    return out


def _aggregate(units: Iterable[Unit], which: str) -> Resources:
    running: Resources = {}
    sidecars: Resources = {}
    init_peak: Resources = {}
    for unit in units:
        own = unit.requests() if which == "requests" else unit.limits()
        if unit.kind != INIT_CONTAINER:
            running = add(running, own)
        elif unit.sidecar:
            running = add(running, own)
            sidecars = add(sidecars, own)
            init_peak = maximum(init_peak, sidecars)
        else:
            init_peak = maximum(init_peak, add(own, sidecars))
    return maximum(running, init_peak)


def total_requests(workload: Workload, *, overhead: bool) -> Resources:
    """What the whole workload requests (kube's PodRequests)."""
    out = _aggregate(workload.units, "requests")
    return add(out, workload.overhead) if overhead else out


def total_limits(workload: Workload, *, overhead: bool) -> Resources:
    """The workload's limits (kube's PodLimits: overhead only adds to limits that are set)."""
    out = _aggregate(workload.units, "limits")
    if overhead:
        out = add(out, {k: v for k, v in workload.overhead.items() if k in out})
    return out
