"""Server-side apply: merge, ownership, conflicts, force, pruning, and kubectl's migration
from client-side apply."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from pacific.api.apply import server_side_apply
from pacific.api.errors import BadRequest, Conflict
from pacific.api.managedfields import record_update
from pacific.api.patch import apply_json_patch
from pacific.api.schema import schema_for

DEPLOYMENT = schema_for("io.k8s.api.apps.v1.Deployment")
T0, T1, T2, T3 = (f"2024-01-01T00:0{i}:00Z" for i in range(4))


def config(replicas: int | None = 2, image: str = "nginx", **labels: str) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "nginx", "image": image}]},
        },
    }
    if replicas is not None:
        spec["replicas"] = replicas
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app": "web", **labels}},
        "spec": spec,
    }


def apply(
    live: Any, cfg: Any, manager: str = "kubectl", force: bool = False, now: str = T1
) -> dict[str, Any]:
    return server_side_apply(
        live, cfg, DEPLOYMENT, manager=manager, force=force, now=now, api_version="apps/v1"
    )


def entries(obj: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["manager"]: e for e in obj["metadata"].get("managedFields", [])}


def containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = obj["spec"]["template"]["spec"]["containers"]
    return result


def stored(obj: dict[str, Any]) -> dict[str, Any]:
    """What the apiserver would persist after a create: uid and resourceVersion set."""
    out = copy.deepcopy(obj)
    out["metadata"].update(uid="u1", resourceVersion="1", namespace="default")
    return out


def test_apply_creates_with_one_apply_entry() -> None:
    out = apply(None, config(), now=T0)
    assert out["spec"]["replicas"] == 2
    [entry] = out["metadata"]["managedFields"]
    assert {k: entry[k] for k in ("manager", "operation", "apiVersion", "time")} == {
        "manager": "kubectl",
        "operation": "Apply",
        "apiVersion": "apps/v1",
        "time": T0,
    }
    assert entry["fieldsV1"]["f:metadata"] == {"f:labels": {"f:app": {}}}
    assert entry["fieldsV1"]["f:spec"]["f:replicas"] == {}
    assert "subresource" not in entry


def test_conflict_with_an_update_manager_has_kube_texts() -> None:
    live = stored(
        record_update(
            None,
            config(replicas=1),
            DEPLOYMENT,
            manager="kubectl-client-side-apply",
            now=T0,
            api_version="apps/v1",
        )
    )
    with pytest.raises(Conflict) as err:
        apply(live, config(replicas=3))
    status = err.value.status()
    assert status["code"] == 409 and status["reason"] == "Conflict"
    assert status["message"] == (
        'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" '
        "using apps/v1: .spec.replicas"
    )
    assert status["details"]["causes"] == [
        {
            "reason": "FieldManagerConflict",
            "message": 'conflict with "kubectl-client-side-apply" using apps/v1',
            "field": ".spec.replicas",
        }
    ]


def test_several_conflicts_are_listed_per_manager() -> None:
    live = stored(apply(None, config(replicas=1), manager="other", now=T0))
    with pytest.raises(Conflict) as err:
        apply(live, config(replicas=3, image="nginx:2"))
    assert err.value.message == (
        'Apply failed with 2 conflicts: conflicts with "other":\n'
        "- .spec.replicas\n"
        '- .spec.template.spec.containers[name="nginx"].image'
    )
    fields = [c.field for c in err.value.details.causes] if err.value.details else []
    assert fields == [".spec.replicas", '.spec.template.spec.containers[name="nginx"].image']


def test_force_takes_ownership() -> None:
    live = stored(apply(None, config(replicas=1), manager="other", now=T0))
    out = apply(live, config(replicas=3), force=True)
    assert out["spec"]["replicas"] == 3
    by = entries(out)
    assert by["kubectl"]["fieldsV1"]["f:spec"]["f:replicas"] == {}
    assert "f:replicas" not in by["other"]["fieldsV1"]["f:spec"]
    assert by["other"]["time"] == T0


def test_applying_the_same_value_shares_ownership() -> None:
    live = stored(apply(None, config(replicas=2), manager="other", now=T0))
    out = apply(live, config(replicas=2))
    by = entries(out)
    assert by["kubectl"]["fieldsV1"]["f:spec"]["f:replicas"] == {}
    assert by["other"]["fieldsV1"]["f:spec"]["f:replicas"] == {}


def test_fields_dropped_from_the_configuration_are_removed() -> None:
    live = stored(apply(None, config(tier="fe"), now=T0))
    out = apply(live, config(replicas=None))
    assert out["metadata"]["labels"] == {"app": "web"}
    assert "replicas" not in out["spec"]
    assert "f:replicas" not in entries(out)["kubectl"]["fieldsV1"]["f:spec"]


def test_dropped_fields_owned_by_someone_else_stay() -> None:
    live = stored(apply(None, config(tier="fe"), now=T0))
    live = stored(apply(live, config(tier="fe"), manager="other", now=T1))
    out = apply(live, config(), now=T2)
    assert out["metadata"]["labels"] == {"app": "web", "tier": "fe"}
    assert "f:tier" not in entries(out)["kubectl"]["fieldsV1"]["f:metadata"]["f:labels"]


def test_map_list_elements_merge_by_key_and_prune() -> None:
    two = config()
    containers(two).append({"name": "sidecar", "image": "envoy"})
    live = stored(apply(None, two, now=T0))
    # Another writer adds a field to the applied container: it is kept by the next apply.
    edited = copy.deepcopy(live)
    containers(edited)[0]["imagePullPolicy"] = "Always"
    live = record_update(live, edited, DEPLOYMENT, manager="editor", now=T1, api_version="apps/v1")
    out = apply(live, config(image="nginx:2"), now=T2)
    assert containers(out) == [{"name": "nginx", "image": "nginx:2", "imagePullPolicy": "Always"}]


def test_atomic_lists_are_replaced_whole() -> None:
    cfg = config()
    containers(cfg)[0]["args"] = ["a", "b"]
    live = stored(apply(None, cfg, now=T0))
    cfg2 = config()
    containers(cfg2)[0]["args"] = ["c"]
    out = apply(live, cfg2)
    assert containers(out)[0]["args"] == ["c"]
    args = entries(out)["kubectl"]["fieldsV1"]["f:spec"]["f:template"]["f:spec"]["f:containers"]
    assert args['k:{"name":"nginx"}']["f:args"] == {}


def test_null_in_the_configuration_removes_the_field() -> None:
    live = stored(apply(None, config(tier="fe"), now=T0))
    cfg = config()
    cfg["metadata"]["labels"]["tier"] = None
    out = apply(live, cfg)
    assert out["metadata"]["labels"] == {"app": "web"}


def test_noop_apply_keeps_the_entry_time() -> None:
    live = stored(apply(None, config(), now=T0))
    out = apply(live, config(), now=T3)
    assert entries(out)["kubectl"]["time"] == T0


def test_managed_fields_in_the_configuration_are_rejected() -> None:
    cfg = config()
    cfg["metadata"]["managedFields"] = []
    with pytest.raises(BadRequest, match="managedFields must be nil"):
        apply(None, cfg)


def test_element_without_key_is_a_bad_request() -> None:
    cfg = config()
    del containers(cfg)[0]["name"]
    with pytest.raises(BadRequest, match='omits key field "name"'):
        apply(None, cfg)


def test_apply_never_mutates_inputs() -> None:
    live = stored(apply(None, config(), now=T0))
    live_before, cfg = copy.deepcopy(live), config(replicas=5)
    cfg_before = copy.deepcopy(cfg)
    out = apply(live, cfg, force=True)
    containers(out)[0]["image"] = "mutated"
    assert live == live_before and cfg == cfg_before


def test_client_side_apply_then_server_side_upgrade() -> None:
    # 1. `kubectl apply` (client-side): an Update by kubectl-client-side-apply.
    csa = config(replicas=1)
    csa["metadata"]["annotations"] = {"kubectl.kubernetes.io/last-applied-configuration": "{}"}
    live = stored(
        record_update(
            None,
            csa,
            DEPLOYMENT,
            manager="kubectl-client-side-apply",
            now=T0,
            api_version="apps/v1",
        )
    )
    # 2. `kubectl apply --server-side` with the same values: no conflict, shared ownership.
    shared = apply(live, config(replicas=1), now=T1)
    assert set(entries(shared)) == {"kubectl", "kubectl-client-side-apply"}
    # 3. Changing a value the client-side applier owns conflicts...
    with pytest.raises(Conflict, match='"kubectl-client-side-apply" using apps/v1'):
        apply(live, config(replicas=4), now=T1)
    # 4. ...unless kubectl first migrates the ownership (csaupgrade sends a JSON patch that
    #    rewrites managedFields; the write is recorded as an ordinary update).
    fields = copy.deepcopy(live["metadata"]["managedFields"])
    fields[0].update(manager="kubectl", operation="Apply")
    migrated = record_update(
        live,
        apply_json_patch(
            live, [{"op": "replace", "path": "/metadata/managedFields", "value": fields}]
        ),
        DEPLOYMENT,
        manager="kubectl",
        now=T2,
        api_version="apps/v1",
    )
    assert [(e["manager"], e["operation"]) for e in migrated["metadata"]["managedFields"]] == [
        ("kubectl", "Apply")
    ]
    out = apply(migrated, config(replicas=4), now=T3)
    assert out["spec"]["replicas"] == 4
    # The annotation was in kubectl's migrated set and is not in its new configuration.
    assert "annotations" not in out["metadata"] or not out["metadata"]["annotations"]
