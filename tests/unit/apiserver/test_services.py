import datetime as dt
import random
from typing import Any

import pytest

from pacific.api.errors import Invalid
from pacific.api.kinds import by_resource
from pacific.api.resources import Obj, ResourceType
from pacific.apiserver.deletion import DeleteOptions
from pacific.apiserver.registry import Registry
from pacific.apiserver.services import ServiceAllocator, keep_allocated
from pacific.store.memory import MemoryStore

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def svc(name: str = "s", kind: str = "ClusterIP", **spec: Any) -> Obj:
    ports = spec.pop("ports", [{"port": 80, "protocol": "TCP"}])
    return {
        "metadata": {"name": name, "namespace": "ns"},
        "spec": {"type": kind, "ports": ports, **spec},
    }


def alloc() -> ServiceAllocator:
    return ServiceAllocator("10.96.0.0/12", (30000, 30010), rng=random.Random(7))


def test_create_gets_an_ip_in_range_never_the_reserved_one() -> None:
    a = alloc()
    s = svc()
    a.reserve_update(None, s, dry_run=False).commit()
    ip = s["spec"]["clusterIP"]
    assert s["spec"]["clusterIPs"] == [ip]
    assert ip.startswith("10.") and ip != "10.96.0.1"
    assert a.ips.is_taken(ip)


def test_kubernetes_service_gets_the_first_address() -> None:
    a = alloc()
    s = svc("kubernetes")
    s["metadata"]["namespace"] = "default"
    a.reserve_update(None, s, dry_run=False).commit()
    assert s["spec"]["clusterIP"] == "10.96.0.1"


def test_requested_ip_taken_twice_is_invalid_with_kubes_text() -> None:
    a = alloc()
    a.reserve_update(None, svc("a", clusterIP="10.96.0.5"), dry_run=False).commit()
    with pytest.raises(Invalid) as exc:
        a.reserve_update(None, svc("b", clusterIP="10.96.0.5"), dry_run=False)
    assert exc.value.message == (
        'Service "b" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.5"}: '
        "failed to allocate IP 10.96.0.5: provided IP is already allocated"
    )


def test_requested_ip_out_of_range() -> None:
    with pytest.raises(Invalid) as exc:
        alloc().reserve_update(None, svc(clusterIPs=["1.1.1.1"]), dry_run=False)
    assert exc.value.message.endswith(
        "failed to allocate IP 1.1.1.1: the provided IP (1.1.1.1) is not in the valid range. "
        "The range of valid IPs is 10.96.0.0/12"
    )


def test_headless_and_external_name_take_no_ip() -> None:
    a = alloc()
    headless = svc(clusterIP="None")
    a.reserve_update(None, headless, dry_run=False).commit()
    assert headless["spec"]["clusterIPs"] == ["None"]
    external = svc(kind="ExternalName", externalName="example.com")
    a.reserve_update(None, external, dry_run=False).commit()
    assert "clusterIP" not in external["spec"]
    assert not a.ips.alloc.taken


def test_node_ports_allocated_requested_and_checked() -> None:
    a = alloc()
    s = svc(kind="NodePort", ports=[{"port": 80}, {"port": 81, "nodePort": 30005}])
    a.reserve_update(None, s, dry_run=False).commit()
    first = s["spec"]["ports"][0]["nodePort"]
    assert 30000 <= first <= 30010 and first != 30005
    with pytest.raises(Invalid) as exc:
        a.reserve_update(None, svc("b", "NodePort", ports=[{"port": 1, "nodePort": 30005}]), False)
    assert exc.value.message == (
        'Service "b" is invalid: spec.ports[0].nodePort: Invalid value: 30005: provided port '
        "is already allocated"
    )
    with pytest.raises(Invalid, match="The range of valid ports is 30000-30010"):
        a.reserve_update(None, svc("c", "NodePort", ports=[{"port": 1, "nodePort": 8080}]), False)


def test_failed_reservation_takes_nothing() -> None:
    a = alloc()
    a.reserve_update(None, svc("a", "NodePort", ports=[{"port": 1, "nodePort": 30001}]), False)
    before_ips, before_ports = set(a.ips.alloc.taken), set(a.ports.alloc.taken)
    bad = svc("b", "NodePort", ports=[{"port": 1}, {"port": 2, "nodePort": 30001}])
    with pytest.raises(Invalid):
        a.reserve_update(None, bad, dry_run=False)
    assert a.ips.alloc.taken == before_ips and a.ports.alloc.taken == before_ports


def test_dry_run_fills_values_but_takes_nothing() -> None:
    a = alloc()
    s = svc(kind="NodePort")
    a.reserve_update(None, s, dry_run=True)
    assert s["spec"]["clusterIP"] and s["spec"]["ports"][0]["nodePort"]
    assert not a.ips.alloc.taken and not a.ports.alloc.taken


def test_keep_allocated_fills_what_an_update_left_out() -> None:
    old = svc(kind="NodePort", clusterIP="10.96.0.9", clusterIPs=["10.96.0.9"])
    old["spec"]["ports"][0]["nodePort"] = 30003
    new = svc(kind="NodePort")
    keep_allocated(new, old)
    assert new["spec"]["clusterIP"] == "10.96.0.9"
    assert new["spec"]["clusterIPs"] == ["10.96.0.9"]
    assert new["spec"]["ports"][0]["nodePort"] == 30003


def test_keep_allocated_drops_node_ports_when_type_no_longer_needs_them() -> None:
    old = svc(kind="NodePort", ports=[{"port": 80, "protocol": "TCP", "nodePort": 30003}])
    new = svc(kind="ClusterIP", ports=[{"port": 80, "protocol": "TCP", "nodePort": 30003}])
    keep_allocated(new, old)
    assert "nodePort" not in new["spec"]["ports"][0]


def test_update_type_change_frees_ports_on_commit_only() -> None:
    a = alloc()
    old = svc(kind="NodePort")
    a.reserve_update(None, old, dry_run=False).commit()
    port = old["spec"]["ports"][0]["nodePort"]
    new = svc(kind="ClusterIP", clusterIP=old["spec"]["clusterIP"])
    res = a.reserve_update(old, new, dry_run=False)
    assert a.ports.is_taken(port)
    res.commit()
    assert not a.ports.is_taken(port)
    assert a.ips.is_taken(old["spec"]["clusterIP"])


def test_rebuild_marks_stored_values() -> None:
    a = alloc()
    stored = svc(kind="NodePort", clusterIP="10.96.0.7", ports=[{"port": 1, "nodePort": 30002}])
    a.rebuild([stored, svc("x", clusterIP="None"), svc("y", clusterIP="8.8.8.8")])
    assert a.ips.is_taken("10.96.0.7") and a.ports.is_taken(30002)
    assert a.ips.alloc.taken == {int(a.ips.network.network_address) + 7}


def rt(plural: str) -> ResourceType:
    found = by_resource("", "v1", plural)
    assert found is not None
    return found


async def registry() -> Registry:
    services = rt("services")
    reg = Registry(MemoryStore(), lambda: NOW, {services.prefix(): alloc()})
    await reg.create(rt("namespaces"), None, {"metadata": {"name": "ns"}}, dry_run=False)
    return reg


async def test_registry_releases_on_delete_and_rebuilds_from_the_store() -> None:
    reg = await registry()
    services = rt("services")
    created = await reg.create(services, "ns", svc("a", "NodePort"), dry_run=False)
    ip = created["spec"]["clusterIP"]
    port = created["spec"]["ports"][0]["nodePort"]
    fresh = Registry(reg.store, lambda: NOW, {services.prefix(): alloc()})
    await fresh.load_allocations()
    allocator = fresh.allocators[services.prefix()]
    assert isinstance(allocator, ServiceAllocator)
    assert allocator.ips.is_taken(ip) and allocator.ports.is_taken(port)
    await fresh.delete(services, "ns", "a", DeleteOptions())
    assert not allocator.ips.is_taken(ip) and not allocator.ports.is_taken(port)


async def test_registry_rolls_back_when_the_store_write_fails() -> None:
    reg = await registry()
    services = rt("services")
    await reg.create(services, "ns", svc("a", clusterIP="10.96.0.20"), dry_run=False)
    allocator = reg.allocators[services.prefix()]
    assert isinstance(allocator, ServiceAllocator)
    taken = set(allocator.ips.alloc.taken)
    with pytest.raises(Exception, match="already exists"):
        await reg.create(services, "ns", svc("a"), dry_run=False)
    assert allocator.ips.alloc.taken == taken


async def test_registry_update_adds_node_ports_when_type_changes() -> None:
    reg = await registry()
    services = rt("services")
    await reg.create(services, "ns", svc("a"), dry_run=False)

    async def to_node_port(old: Obj) -> Obj:
        new = {**old, "spec": {**old["spec"], "type": "NodePort"}}
        return new

    updated, _ = await reg.update(services, "ns", "a", to_node_port, dry_run=False)
    port = updated["spec"]["ports"][0]["nodePort"]
    allocator = reg.allocators[services.prefix()]
    assert isinstance(allocator, ServiceAllocator)
    assert allocator.ports.is_taken(port)
