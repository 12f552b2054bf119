"""Service allocation through the HTTP write paths (create, PUT, patch, apply, delete)."""

from __future__ import annotations

from typing import Any

from .conftest import InProcess

SVCS = "/api/v1/namespaces/ns/services"
MERGE = {"content-type": "application/merge-patch+json"}


def service(name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {"ports": [{"port": 80}], **spec},
    }


async def test_create_sets_cluster_ip_and_delete_releases_it(api: InProcess) -> None:
    r = await api.client.post(SVCS, json=service("a"))
    assert r.status_code == 201, r.text
    ip = r.json()["spec"]["clusterIP"]
    assert r.json()["spec"]["clusterIPs"] == [ip]
    clash = await api.client.post(SVCS, json=service("b", clusterIP=ip))
    assert clash.status_code == 422
    assert clash.json()["message"] == (
        f'Service "b" is invalid: spec.clusterIPs: Invalid value: []string{{"{ip}"}}: '
        f"failed to allocate IP {ip}: provided IP is already allocated"
    )
    assert (await api.client.delete(f"{SVCS}/a")).status_code == 200
    again = await api.client.post(SVCS, json=service("b", clusterIP=ip))
    assert again.status_code == 201, again.text


async def test_put_without_cluster_ip_keeps_it(api: InProcess) -> None:
    created = (await api.client.post(SVCS, json=service("a", type="NodePort"))).json()
    body = service("a", type="NodePort")
    body["metadata"]["resourceVersion"] = created["metadata"]["resourceVersion"]
    r = await api.client.put(f"{SVCS}/a", json=body)
    assert r.status_code == 200, r.text
    assert r.json()["spec"]["clusterIP"] == created["spec"]["clusterIP"]
    assert r.json()["spec"]["ports"][0]["nodePort"] == created["spec"]["ports"][0]["nodePort"]


async def test_changing_the_cluster_ip_is_rejected(api: InProcess) -> None:
    await api.client.post(SVCS, json=service("a", clusterIP="10.96.0.50"))
    r = await api.client.patch(
        f"{SVCS}/a", json={"spec": {"clusterIP": "10.96.0.51"}}, headers=MERGE
    )
    assert r.status_code == 422
    assert "spec.clusterIPs[0]" in r.json()["message"]


async def test_patch_to_node_port_allocates_and_back_releases(api: InProcess) -> None:
    await api.client.post(SVCS, json=service("a"))
    r = await api.client.patch(f"{SVCS}/a", json={"spec": {"type": "NodePort"}}, headers=MERGE)
    assert r.status_code == 200, r.text
    port = r.json()["spec"]["ports"][0]["nodePort"]
    assert 30000 <= port <= 32767
    back = await api.client.patch(f"{SVCS}/a", json={"spec": {"type": "ClusterIP"}}, headers=MERGE)
    assert back.status_code == 200, back.text
    assert "nodePort" not in back.json()["spec"]["ports"][0]
    reuse = service("b", type="NodePort", ports=[{"port": 80, "nodePort": port}])
    assert (await api.client.post(SVCS, json=reuse)).status_code == 201


async def test_server_side_apply_keeps_allocations(api: InProcess) -> None:
    apply = {"content-type": "application/apply-patch+yaml"}
    body = service("a", type="NodePort")
    first = await api.client.patch(f"{SVCS}/a?fieldManager=me", json=body, headers=apply)
    assert first.status_code == 201, first.text
    second = await api.client.patch(f"{SVCS}/a?fieldManager=me", json=body, headers=apply)
    assert second.status_code == 200, second.text
    assert second.json()["spec"]["clusterIP"] == first.json()["spec"]["clusterIP"]


async def test_node_port_out_of_range_stores_nothing(api: InProcess) -> None:
    rev = await api.store.current_revision()
    bad = service("a", type="NodePort", ports=[{"port": 80, "nodePort": 8080}])
    r = await api.client.post(SVCS, json=bad)
    assert r.status_code == 422
    assert r.json()["message"] == (
        'Service "a" is invalid: spec.ports[0].nodePort: Invalid value: 8080: provided port is '
        "not in the valid range. The range of valid ports is 30000-32767"
    )
    assert await api.store.current_revision() == rev


async def test_dry_run_takes_nothing(api: InProcess) -> None:
    r = await api.client.post(SVCS + "?dryRun=All", json=service("a", clusterIP="10.96.0.9"))
    assert r.status_code == 201, r.text
    again = await api.client.post(SVCS, json=service("b", clusterIP="10.96.0.9"))
    assert again.status_code == 201, again.text
