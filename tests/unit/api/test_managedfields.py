"""Field sets, their FieldsV1 encoding, and what non-apply writes do to managedFields."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from pacific.api.errors import BadRequest
from pacific.api.fieldset import FieldSet, from_paths, path_string
from pacific.api.fieldwalk import FieldPathError, compare, fields_of
from pacific.api.managedfields import decode_managed_fields, record_update
from pacific.api.schema import schema_for

DEPLOYMENT = schema_for("io.k8s.api.apps.v1.Deployment")
POD = schema_for("io.k8s.api.core.v1.Pod")
CONFIGMAP = schema_for("io.k8s.api.core.v1.ConfigMap")
T0, T1, T2 = "2024-01-01T00:00:00Z", "2024-01-01T00:01:00Z", "2024-01-01T00:02:00Z"


def deployment(replicas: int = 1, image: str = "nginx") -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "uid": "u1", "labels": {"app": "web"}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "nginx", "image": image}]},
            },
        },
    }


def entries(obj: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["manager"]: e for e in obj["metadata"].get("managedFields", [])}


def update(old: Any, new: Any, manager: str, now: str = T1, **kw: Any) -> dict[str, Any]:
    return record_update(
        old, new, DEPLOYMENT, manager=manager, now=now, api_version="apps/v1", **kw
    )


# --- FieldSet ----------------------------------------------------------------------------


def test_fields_v1_round_trip_and_member_encoding() -> None:
    raw = {
        "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
        "f:spec": {"f:containers": {'k:{"name":"nginx"}': {".": {}, "f:image": {}}}},
    }
    fs = FieldSet.from_fields_v1(raw)
    assert fs.to_fields_v1() == raw
    paths = {path_string(p) for p in fs.paths()}
    assert paths == {
        ".metadata.labels",
        ".metadata.labels.app",
        '.spec.containers[name="nginx"]',
        '.spec.containers[name="nginx"].image',
    }


def test_fields_v1_rejects_garbage() -> None:
    with pytest.raises(ValueError):
        FieldSet.from_fields_v1({"x:bad": {}})
    with pytest.raises(ValueError):
        FieldSet.from_fields_v1({"f:a": 3})


def test_set_algebra_keeps_children_when_removing_a_node() -> None:
    a = from_paths(("f:a",), ("f:a", "f:b"), ("f:c",))
    b = from_paths(("f:a",), ("f:c",))
    assert a.difference(b) == from_paths(("f:a", "f:b"))
    assert a.intersection(b) == b
    assert b.union(from_paths(("f:a", "f:b"))) == a
    assert a.difference(a).is_empty()


def test_path_string_for_every_element_kind() -> None:
    assert path_string(("f:spec", 'k:{"containerPort":80,"protocol":"TCP"}')) == (
        '.spec[containerPort=80,protocol="TCP"]'
    )
    assert path_string(("f:metadata", "f:finalizers", 'v:"a/b"')) == '.metadata.finalizers[="a/b"]'
    assert path_string(("f:x", "i:3")) == ".x[3]"


# --- walks ------------------------------------------------------------------------------


def test_fields_of_an_apply_configuration_matches_kubectl() -> None:
    config = {
        "metadata": {"name": "web", "labels": {"app": "web"}, "finalizers": ["a/b"]},
        "spec": {
            "replicas": 2,
            "template": {
                "spec": {
                    "containers": [
                        {"name": "nginx", "image": "nginx", "ports": [{"containerPort": 80}]}
                    ],
                    "securityContext": {},
                }
            },
        },
    }
    assert fields_of(config, DEPLOYMENT).to_fields_v1() == {
        "f:metadata": {"f:name": {}, "f:labels": {"f:app": {}}, "f:finalizers": {'v:"a/b"': {}}},
        "f:spec": {
            "f:replicas": {},
            "f:template": {
                "f:spec": {
                    "f:containers": {
                        'k:{"name":"nginx"}': {
                            ".": {},
                            "f:name": {},
                            "f:image": {},
                            "f:ports": {
                                'k:{"containerPort":80,"protocol":"TCP"}': {
                                    ".": {},
                                    "f:containerPort": {},
                                }
                            },
                        }
                    },
                    "f:securityContext": {},
                }
            },
        },
    }


def test_map_list_element_without_key_cannot_be_named() -> None:
    config = {"spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}}
    with pytest.raises(FieldPathError, match='omits key field "name"'):
        fields_of(config, DEPLOYMENT)


def test_compare_reports_added_modified_removed() -> None:
    old = deployment()
    new = copy.deepcopy(old)
    new["spec"]["replicas"] = 5
    new["metadata"]["labels"]["tier"] = "fe"
    del new["spec"]["selector"]
    diff = compare(old, new, DEPLOYMENT)
    assert diff.modified == from_paths(("f:spec", "f:replicas"))
    assert diff.added == from_paths(("f:metadata", "f:labels", "f:tier"))
    assert {path_string(p) for p in diff.removed.paths()} == {
        ".spec.selector",
        ".spec.selector.matchLabels",
        ".spec.selector.matchLabels.app",
    }
    assert compare(old, copy.deepcopy(old), DEPLOYMENT).is_same()


# --- record_update -----------------------------------------------------------------------


def test_create_records_one_update_entry_without_server_fields() -> None:
    out = update(None, deployment(), "kubectl-create", now=T0)
    [entry] = out["metadata"]["managedFields"]
    assert {k: entry[k] for k in ("manager", "operation", "apiVersion", "time", "fieldsType")} == {
        "manager": "kubectl-create",
        "operation": "Update",
        "apiVersion": "apps/v1",
        "time": T0,
        "fieldsType": "FieldsV1",
    }
    fields = entry["fieldsV1"]
    assert fields["f:metadata"] == {"f:labels": {".": {}, "f:app": {}}}
    assert "." not in fields["f:spec"]  # top-level structs exist in kube's zero object
    assert fields["f:spec"]["f:replicas"] == {}
    containers = fields["f:spec"]["f:template"]["f:spec"]["f:containers"]
    assert containers == {'k:{"name":"nginx"}': {".": {}, "f:image": {}, "f:name": {}}}
    assert "f:apiVersion" not in fields and "f:kind" not in fields


def test_create_configmap_data_map_is_a_member() -> None:
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": "v"}}
    out = record_update(None, cm, CONFIGMAP, manager="m", now=T0, api_version="v1")
    assert out["metadata"]["managedFields"][0]["fieldsV1"] == {"f:data": {".": {}, "f:k": {}}}


def test_update_moves_changed_fields_to_the_writer() -> None:
    created = update(None, deployment(), "kubectl-create", now=T0)
    scaled = copy.deepcopy(created)
    scaled["spec"]["replicas"] = 3
    out = update(created, scaled, "kube-controller-manager", now=T1)
    by = entries(out)
    assert by["kube-controller-manager"]["fieldsV1"] == {"f:spec": {"f:replicas": {}}}
    assert by["kube-controller-manager"]["time"] == T1
    assert "f:replicas" not in by["kubectl-create"]["fieldsV1"]["f:spec"]
    assert by["kubectl-create"]["time"] == T0


def test_noop_update_changes_nothing() -> None:
    created = update(None, deployment(), "kubectl-create", now=T0)
    out = update(created, copy.deepcopy(created), "other", now=T1)
    assert out["metadata"]["managedFields"] == created["metadata"]["managedFields"]


def test_removed_fields_leave_every_entry_and_empty_entries_vanish() -> None:
    created = update(None, deployment(), "a", now=T0)
    relabel = copy.deepcopy(created)
    relabel["metadata"]["labels"]["tier"] = "fe"
    labelled = update(created, relabel, "b", now=T1)
    unlabel = copy.deepcopy(labelled)
    del unlabel["metadata"]["labels"]["tier"]
    out = update(labelled, unlabel, "a", now=T2)
    assert set(entries(out)) == {"a"}


def test_same_manager_accumulates_and_takes_the_new_time() -> None:
    created = update(None, deployment(), "a", now=T0)
    changed = copy.deepcopy(created)
    changed["spec"]["replicas"] = 9
    out = update(created, changed, "a", now=T1)
    [entry] = out["metadata"]["managedFields"]
    assert entry["time"] == T1
    assert entry["fieldsV1"]["f:spec"]["f:replicas"] == {}
    assert entry["fieldsV1"]["f:metadata"] == {"f:labels": {".": {}, "f:app": {}}}


def test_subresource_entries_are_separate() -> None:
    created = update(None, deployment(), "a", now=T0)
    new = copy.deepcopy(created)
    new["status"] = {"replicas": 1}
    out = update(created, new, "kcm", now=T1, subresource="status")
    entry = entries(out)["kcm"]
    assert entry["subresource"] == "status"
    assert entry["fieldsV1"] == {"f:status": {".": {}, "f:replicas": {}}}


def test_written_managed_fields_replace_the_record() -> None:
    created = update(None, deployment(), "kubectl-client-side-apply", now=T0)
    rewritten = copy.deepcopy(created)
    [entry] = rewritten["metadata"]["managedFields"]
    entry["manager"], entry["operation"] = "kubectl", "Apply"
    out = update(created, rewritten, "kubectl", now=T1)
    [only] = out["metadata"]["managedFields"]
    assert (only["manager"], only["operation"], only["time"]) == ("kubectl", "Apply", T0)


def test_single_empty_entry_clears_and_garbage_falls_back_to_live() -> None:
    created = update(None, deployment(), "a", now=T0)
    cleared = copy.deepcopy(created)
    cleared["metadata"]["managedFields"] = [{}]
    assert "managedFields" not in update(created, cleared, "b")["metadata"]
    garbage = copy.deepcopy(created)
    garbage["metadata"]["managedFields"] = [{"operation": "Nope"}]
    out = update(created, garbage, "b")
    assert out["metadata"]["managedFields"] == created["metadata"]["managedFields"]


def test_record_update_does_not_mutate_inputs() -> None:
    created = update(None, deployment(), "a", now=T0)
    before = copy.deepcopy(created)
    new = copy.deepcopy(created)
    new["spec"]["replicas"] = 4
    new_before = copy.deepcopy(new)
    update(created, new, "b")
    assert created == before and new == new_before


def test_decode_rejects_malformed_entries() -> None:
    with pytest.raises(BadRequest):
        decode_managed_fields(
            {"metadata": {"managedFields": [{"operation": "Update", "fieldsType": "X"}]}}
        )
