from ipaddress import IPv4Address, IPv4Network

import pytest

from pacific.agent.network import ipam
from pacific.agent.network.errors import AddressesExhausted, LeaseConflict, LeaseFileCorrupt

NET = IPv4Network("10.9.0.0/29")  # .0 network, .1 gateway, .2-.6 pods, .7 broadcast
VETH = ipam.LeaseKind.VETH


def test_first_address_after_gateway() -> None:
    _, lease = ipam.allocate(ipam.IPAMState(), NET, "a", VETH, "ns", "pod-a")
    assert lease == ipam.Lease("a", IPv4Address("10.9.0.2"), VETH, "ns", "pod-a")


def test_allocation_is_idempotent() -> None:
    state, first = ipam.allocate(ipam.IPAMState(), NET, "a", VETH)
    again_state, again = ipam.allocate(state, NET, "a", VETH)
    assert again == first
    assert again_state is state


def test_kind_conflict() -> None:
    state, _ = ipam.allocate(ipam.IPAMState(), NET, "a", VETH)
    with pytest.raises(LeaseConflict):
        ipam.allocate(state, NET, "a", ipam.LeaseKind.TAP)


def test_never_twice_and_exhaustion() -> None:
    state = ipam.IPAMState()
    got = []
    for uid in "abcde":
        state, lease = ipam.allocate(state, NET, uid, VETH)
        got.append(lease.ip)
    assert got == [IPv4Address(f"10.9.0.{n}") for n in range(2, 7)]
    with pytest.raises(AddressesExhausted):
        ipam.allocate(state, NET, "f", VETH)


def test_round_robin_does_not_reuse_a_released_address_at_once() -> None:
    state = ipam.IPAMState()
    state, a = ipam.allocate(state, NET, "a", VETH)
    state, _ = ipam.allocate(state, NET, "b", VETH)
    state, released = ipam.release(state, "a")
    assert released == a
    state, c = ipam.allocate(state, NET, "c", VETH)
    assert c.ip == IPv4Address("10.9.0.4")
    for uid in "de":
        state, _ = ipam.allocate(state, NET, uid, VETH)
    state, wrapped = ipam.allocate(state, NET, "f", VETH)  # wraps to the freed .2
    assert wrapped.ip == a.ip
    assert len(state.used()) == len(state.leases) == 5


def test_release_unknown_is_a_no_op() -> None:
    state = ipam.IPAMState()
    assert ipam.release(state, "nobody") == (state, None)


def test_last_outside_the_subnet_restarts_at_the_first_address() -> None:
    state = ipam.IPAMState(last=IPv4Address("192.0.2.9"))
    _, lease = ipam.allocate(state, NET, "a", VETH)
    assert lease.ip == IPv4Address("10.9.0.2")


def test_tiny_subnet_has_no_pod_addresses() -> None:
    with pytest.raises(AddressesExhausted):
        ipam.allocate(ipam.IPAMState(), IPv4Network("10.9.0.0/31"), "a", VETH)


def test_json_round_trip() -> None:
    state = ipam.IPAMState()
    state, _ = ipam.allocate(state, NET, "b", VETH, "ns", "b")
    state, _ = ipam.allocate(state, NET, "a", ipam.LeaseKind.TAP, "ns", "vm")
    doc = ipam.to_json(state)
    assert list(doc["leases"]) == ["a", "b"]
    back = ipam.from_json(doc)
    assert dict(back.leases) == dict(state.leases)
    assert back.last == state.last


@pytest.mark.parametrize(
    "doc",
    [
        [],
        {"version": 99, "leases": {}},
        {"version": 1, "last": None, "leases": {"a": {"ip": "nope", "kind": "veth"}}},
        {"version": 1, "last": None, "leases": {"a": {"ip": "10.0.0.2", "kind": "bogus"}}},
        {"version": 1, "last": None},
        {
            "version": 1,
            "last": None,
            "leases": {
                "a": {"ip": "10.0.0.2", "kind": "veth"},
                "b": {"ip": "10.0.0.2", "kind": "veth"},
            },
        },
    ],
)
def test_from_json_rejects_bad_documents(doc: object) -> None:
    with pytest.raises(LeaseFileCorrupt):
        ipam.from_json(doc)
