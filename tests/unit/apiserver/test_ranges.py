import random

import pytest

from pacific.apiserver.ranges import (
    AlreadyAllocated,
    IPRange,
    NotInRange,
    PortRange,
    RangeAllocator,
    RangeFull,
)


def test_allocate_by_value_then_taken() -> None:
    r = RangeAllocator(10, 12)
    r.allocate(11, "out", "taken")
    assert r.is_taken(11)
    with pytest.raises(AlreadyAllocated, match="taken"):
        r.allocate(11, "out", "taken")
    with pytest.raises(NotInRange, match="out"):
        r.allocate(13, "out", "taken")


def test_allocate_next_fills_every_value_then_is_full() -> None:
    r = RangeAllocator(1, 5, rng=random.Random(1))
    got = {r.allocate_next("full") for _ in range(5)}
    assert got == {1, 2, 3, 4, 5}
    with pytest.raises(RangeFull):
        r.allocate_next("full")
    r.release(3)
    assert r.allocate_next("full") == 3


def test_reserved_values_only_by_request() -> None:
    r = RangeAllocator(1, 3, reserved=frozenset({1}), rng=random.Random(0))
    assert {r.allocate_next("full"), r.allocate_next("full")} == {2, 3}
    with pytest.raises(RangeFull):
        r.allocate_next("full")
    r.allocate(1, "out", "taken")


def test_check_takes_nothing() -> None:
    r = RangeAllocator(1, 3)
    r.check(2, "out", "taken")
    assert not r.is_taken(2)
    assert r.next_free("full") in (1, 2, 3)
    assert not r.taken


def test_ip_range_excludes_network_and_broadcast_and_reserves_first() -> None:
    ips = IPRange("10.0.0.0/29", rng=random.Random(3))
    assert ips.first_address == "10.0.0.1"
    got = {ips.allocate_next() for _ in range(5)}
    assert got == {f"10.0.0.{i}" for i in range(2, 7)}
    with pytest.raises(RangeFull):
        ips.allocate_next()
    ips.allocate("10.0.0.1")


def test_ip_range_messages_are_kubes() -> None:
    ips = IPRange("10.96.0.0/12")
    with pytest.raises(NotInRange) as exc:
        ips.allocate("192.168.1.1")
    assert str(exc.value) == (
        "the provided IP (192.168.1.1) is not in the valid range. The range of valid IPs is "
        "10.96.0.0/12"
    )
    with pytest.raises(NotInRange):
        ips.allocate("10.111.255.255")  # broadcast
    with pytest.raises(NotInRange):
        ips.allocate("fd00::1")
    ips.allocate("10.96.0.10")
    with pytest.raises(AlreadyAllocated, match=r"^provided IP is already allocated$"):
        ips.allocate("10.96.0.10")
    ips.release("10.96.0.10")
    ips.allocate("10.96.0.10")


def test_port_range_messages_are_kubes() -> None:
    ports = PortRange(30000, 32767)
    with pytest.raises(NotInRange) as exc:
        ports.allocate(8080)
    assert str(exc.value) == (
        "provided port is not in the valid range. The range of valid ports is 30000-32767"
    )
    ports.allocate(30080)
    with pytest.raises(AlreadyAllocated, match=r"^provided port is already allocated$"):
        ports.allocate(30080)
    assert 30000 <= ports.allocate_next() <= 32767
