import pytest

from pacific.scheduler.numa import (
    NumaNode,
    choose_numa_node,
    cpu_list_size,
    format_topology,
    numa_node_of,
    parse_topology,
)

GI = 1024**3


@pytest.mark.parametrize(("text", "size"), [("0-31", 32), ("0-3,8,10-11", 7), ("5", 1)])
def test_cpu_list_size(text: str, size: int) -> None:
    assert cpu_list_size(text) == size


@pytest.mark.parametrize("text", ["", "3-1", "a", "0-", "1,,2"])
def test_cpu_list_size_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        cpu_list_size(text)


def test_parse_topology() -> None:
    text = '[{"id":1,"cpus":"32-63","memory":"256Gi"},{"id":0,"cpus":"0-31","memory":"256Gi"}]'
    assert parse_topology(text) == (NumaNode(0, 32000, 256 * GI), NumaNode(1, 32000, 256 * GI))


@pytest.mark.parametrize(
    "text",
    [None, "", "{}", "not json", '[{"id":0}]', '[{"id":0,"cpus":"x","memory":"1Gi"}]',
     '[{"id":0,"cpus":"0","memory":"1Gi"},{"id":0,"cpus":"1","memory":"1Gi"}]'],
)  # fmt: skip
def test_parse_topology_invalid_is_empty(text: str | None) -> None:
    assert parse_topology(text) == ()


def test_format_round_trips() -> None:
    nodes = (NumaNode(0, 8000, GI), NumaNode(1, 8000, GI))
    assert parse_topology(format_topology(nodes, 8)) == nodes


def test_numa_node_of() -> None:
    assert numa_node_of({"pacific.dev/numa-node": "1"}) == 1
    assert numa_node_of({"pacific.dev/numa-node": "x"}) is None
    assert numa_node_of(None) is None


NODES = (NumaNode(0, 8000, 16 * GI), NumaNode(1, 8000, 16 * GI))


@pytest.mark.parametrize(
    ("used", "cpu", "memory", "chosen"),
    [
        ({}, 4000, GI, 0),  # tie: lowest id
        ({0: (2000, 0)}, 4000, GI, 1),  # most free cpu afterwards
        ({1: (6000, 0)}, 4000, GI, 0),
        ({0: (6000, 0), 1: (6000, 0)}, 4000, GI, None),  # 4 free cpus in total, 2 per node
        ({0: (0, 15 * GI)}, 1000, 2 * GI, 1),
        ({}, 9000, GI, None),
    ],
)
def test_choose_numa_node(
    used: dict[int, tuple[int, int]], cpu: int, memory: int, chosen: int | None
) -> None:
    assert choose_numa_node(NODES, used, cpu, memory) == chosen
