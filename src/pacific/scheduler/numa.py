"""NUMA topology as hosts publish it, and the scheduler's NUMA placement rule.

Wire format: a host publishes its NUMA layout as the Node annotation
`pacific.dev/numa-topology`, a JSON list with one entry per NUMA node:

    [{"id": 0, "cpus": "0-31", "memory": "256Gi"},
     {"id": 1, "cpus": "32-63", "memory": "256Gi"}]

`id` is the NUMA node number, `cpus` a Linux cpu list ("0-3,8,10-11") of the logical
CPUs on that node, `memory` a Kubernetes quantity. A missing or malformed annotation means
"no NUMA information": the host then counts as one NUMA node holding all its allocatable.

Placement rule (the one ESXi applies to VMs and kubelet's static CPU manager to pods): a
pinned workload (guaranteed, whole CPUs) must fit inside one NUMA node's free cpu and
memory. The scheduler records the chosen node as the workload annotation
`pacific.dev/numa-node` (the decimal id), and the host agent pins it there. Free capacity
of a NUMA node = its CPUs and memory minus what pinned workloads recorded on it use;
unpinned workloads float and count only against the host's totals.

Choice among NUMA nodes that fit: the one with the most free CPU left afterwards (then
most memory, then the lowest id), which keeps NUMA nodes balanced like the default
least-allocated host score keeps hosts balanced.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from pacific.api.validation.quantity import QuantityError, parse_quantity

TOPOLOGY_ANNOTATION = "pacific.dev/numa-topology"
NUMA_NODE_ANNOTATION = "pacific.dev/numa-node"


@dataclass(frozen=True, slots=True)
class NumaNode:
    id: int
    cpu: int  # millicores (logical CPUs x 1000)
    memory: int  # bytes


def cpu_list_size(text: str) -> int:
    """How many CPUs a Linux cpu list names ("0-3,8" -> 5); ValueError when malformed."""
    count = 0
    for part in text.split(","):
        part = part.strip()
        if not part:
            raise ValueError(f"empty element in cpu list {text!r}")
        low, sep, high = part.partition("-")
        first, last = int(low), int(high) if sep else int(low)
        if first < 0 or last < first:
            raise ValueError(f"bad range {part!r} in cpu list {text!r}")
        count += last - first + 1
    return count


def parse_topology(text: str | None) -> tuple[NumaNode, ...]:
    """The NUMA nodes of a `pacific.dev/numa-topology` value; () when absent or invalid."""
    if not text:
        return ()
    try:
        raw = json.loads(text)
        if not isinstance(raw, list):
            return ()
        nodes = tuple(
            NumaNode(
                int(entry["id"]),
                cpu_list_size(str(entry["cpus"])) * 1000,
                int(parse_quantity(str(entry["memory"]))),
            )
            for entry in raw
        )
    except (ValueError, KeyError, TypeError, QuantityError):
        return ()
    if len({n.id for n in nodes}) != len(nodes):
        return ()
    return tuple(sorted(nodes, key=lambda n: n.id))


def format_topology(nodes: tuple[NumaNode, ...], cpus_per_node: int) -> str:
    """The annotation value for `nodes` with consecutive cpu ranges (simulated hosts)."""
    out = []
    for i, node in enumerate(nodes):
        first = i * cpus_per_node
        out.append(
            {
                "id": node.id,
                "cpus": f"{first}-{first + cpus_per_node - 1}",
                "memory": str(node.memory),
            }
        )
    return json.dumps(out, separators=(",", ":"))


def numa_node_of(annotations: Mapping[str, str] | None) -> int | None:
    """The NUMA node a workload was pinned to, from its `pacific.dev/numa-node` annotation."""
    value = (annotations or {}).get(NUMA_NODE_ANNOTATION)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def choose_numa_node(
    nodes: tuple[NumaNode, ...], used: Mapping[int, tuple[int, int]], cpu: int, memory: int
) -> int | None:
    """The NUMA node a pinned workload of (cpu, memory) goes to, or None if none fits.

    `used` maps NUMA id -> (millicores, bytes) already pinned there."""
    best: tuple[int, int, int] | None = None
    chosen: int | None = None
    for node in nodes:
        used_cpu, used_mem = used.get(node.id, (0, 0))
        free_cpu, free_mem = node.cpu - used_cpu - cpu, node.memory - used_mem - memory
        if free_cpu < 0 or free_mem < 0:
            continue
        rank = (free_cpu, free_mem, -node.id)
        if best is None or rank > best:
            best, chosen = rank, node.id
    return chosen
