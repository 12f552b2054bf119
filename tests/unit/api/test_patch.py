"""JSON patch, merge patch and strategic merge patch: golden cases from the Kubernetes docs
("Update API Objects in Place Using kubectl patch") and apimachinery's semantics."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from pacific.api.errors import BadRequest, InternalError, Invalid, RequestEntityTooLarge
from pacific.api.patch import apply_json_patch, apply_merge_patch
from pacific.api.schema import Schema, Type, array, map_of, obj, scalar, schema_for
from pacific.api.strategicmerge import apply_strategic_merge_patch

DEPLOYMENT = schema_for("io.k8s.api.apps.v1.Deployment")
POD = schema_for("io.k8s.api.core.v1.Pod")


def deployment(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "patch-demo", "labels": {"app": "nginx"}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "nginx"}},
            "template": {
                "metadata": {"labels": {"app": "nginx"}},
                "spec": {
                    "containers": [{"name": "patch-demo-ctr", "image": "nginx"}],
                    "tolerations": [{"effect": "NoSchedule", "key": "dedicated", "value": "a"}],
                },
            },
            **spec,
        },
    }


def containers(d: dict[str, Any]) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = d["spec"]["template"]["spec"]["containers"]
    return result


# --- JSON patch --------------------------------------------------------------------------


def test_json_patch_add_replace_remove() -> None:
    d = deployment()
    out = apply_json_patch(
        d,
        [
            {"op": "replace", "path": "/spec/replicas", "value": 3},
            {"op": "add", "path": "/metadata/labels/tier", "value": "web"},
            {"op": "remove", "path": "/spec/template/spec/tolerations"},
            {"op": "add", "path": "/spec/template/spec/containers/-", "value": {"name": "b"}},
        ],
    )
    assert out["spec"]["replicas"] == 3
    assert out["metadata"]["labels"] == {"app": "nginx", "tier": "web"}
    assert "tolerations" not in out["spec"]["template"]["spec"]
    assert [c["name"] for c in containers(out)] == ["patch-demo-ctr", "b"]
    assert d == deployment()  # input untouched


def test_json_patch_result_shares_nothing_with_inputs() -> None:
    value = {"a": [1]}
    out = apply_json_patch({}, [{"op": "add", "path": "/x", "value": value}])
    out["x"]["a"].append(2)
    assert value == {"a": [1]}


def test_json_patch_failed_test_is_422_with_kube_message() -> None:
    with pytest.raises(Invalid) as err:
        apply_json_patch(
            deployment(), [{"op": "test", "path": "/metadata/resourceVersion", "value": "1"}]
        )
    status = err.value.status()
    assert status["code"] == 422
    assert status["reason"] == "Invalid"
    assert status["message"] == "the server rejected our request due to an error in our request"


@pytest.mark.parametrize(
    "ops",
    [
        [{"op": "remove", "path": "/spec/template/spec/affinity"}],
        [{"op": "replace", "path": "/nope/deeper", "value": 1}],
        [{"op": "frobnicate", "path": "/spec"}],
        [{"path": "/spec"}],
    ],
)
def test_json_patch_unappliable_operations_are_422(ops: Any) -> None:
    with pytest.raises(Invalid):
        apply_json_patch(deployment(), ops)


@pytest.mark.parametrize("body", [{"op": "add"}, "x", 3, None, ["not an op"]])
def test_json_patch_body_that_is_not_a_list_of_ops_is_400(body: Any) -> None:
    with pytest.raises(BadRequest):
        apply_json_patch(deployment(), body)


def test_json_patch_too_many_operations_is_413() -> None:
    ops = [{"op": "test", "path": "/kind", "value": "Deployment"}] * 10001
    with pytest.raises(RequestEntityTooLarge):
        apply_json_patch(deployment(), ops)


# --- merge patch -------------------------------------------------------------------------


def test_merge_patch_replaces_lists_and_deletes_nulls() -> None:
    d = deployment()
    out = apply_merge_patch(
        d,
        {
            "metadata": {"labels": {"app": None, "tier": "web"}},
            "spec": {"template": {"spec": {"containers": [{"name": "x", "image": "redis"}]}}},
        },
    )
    assert out["metadata"]["labels"] == {"tier": "web"}
    assert containers(out) == [{"name": "x", "image": "redis"}]
    assert (
        out["spec"]["template"]["spec"]["tolerations"]
        == d["spec"]["template"]["spec"]["tolerations"]
    )
    assert d == deployment()


def test_merge_patch_rfc7386_examples() -> None:
    target = {"a": "b", "c": {"d": "e", "f": "g"}}
    assert apply_merge_patch(target, {"a": "z", "c": {"f": None}}) == {"a": "z", "c": {"d": "e"}}
    assert apply_merge_patch({"a": [{"b": "c"}]}, {"a": [1]}) == {"a": [1]}
    assert apply_merge_patch({"a": "foo"}, {"a": {"bb": {"ccc": None}}}) == {"a": {"bb": {}}}


def test_merge_patch_that_is_not_an_object_is_400() -> None:
    with pytest.raises(BadRequest):
        apply_merge_patch({}, ["x"])


# --- strategic merge patch ----------------------------------------------------------------


def test_smp_merges_containers_by_name_new_first_like_the_docs() -> None:
    patch = {
        "spec": {
            "template": {"spec": {"containers": [{"name": "patch-demo-ctr-2", "image": "redis"}]}}
        }
    }
    out = apply_strategic_merge_patch(deployment(), patch, DEPLOYMENT)
    # kubectl patch docs: the new container is listed first, the old one kept.
    assert containers(out) == [
        {"name": "patch-demo-ctr-2", "image": "redis"},
        {"name": "patch-demo-ctr", "image": "nginx"},
    ]


def test_smp_replaces_lists_without_a_patch_strategy() -> None:
    # kubectl patch docs: tolerations have no patch strategy, so the patch's list wins.
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "tolerations": [{"effect": "NoSchedule", "key": "disktype", "value": "ssd"}]
                }
            }
        }
    }
    out = apply_strategic_merge_patch(deployment(), patch, DEPLOYMENT)
    assert out["spec"]["template"]["spec"]["tolerations"] == [
        {"effect": "NoSchedule", "key": "disktype", "value": "ssd"}
    ]


def test_smp_merges_into_an_existing_element() -> None:
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "patch-demo-ctr",
                            "image": "nginx:1.27",
                            "ports": [{"containerPort": 80}],
                        }
                    ]
                }
            }
        }
    }
    d = deployment()
    out = apply_strategic_merge_patch(d, patch, DEPLOYMENT)
    assert containers(out) == [
        {"name": "patch-demo-ctr", "image": "nginx:1.27", "ports": [{"containerPort": 80}]}
    ]
    assert d == deployment()


def test_smp_null_deletes_and_unmatched_null_is_dropped() -> None:
    patch = {
        "metadata": {"labels": {"app": None}, "annotations": {"gone": None}},
        "spec": {"paused": None},
    }
    out = apply_strategic_merge_patch(deployment(), patch, DEPLOYMENT)
    assert out["metadata"]["labels"] == {}
    assert out["metadata"]["annotations"] == {}
    assert "paused" not in out["spec"]


def test_smp_delete_directive_in_merging_list() -> None:
    d = deployment()
    containers(d).append({"name": "sidecar", "image": "busybox"})
    patch = {
        "spec": {
            "template": {"spec": {"containers": [{"name": "patch-demo-ctr", "$patch": "delete"}]}}
        }
    }
    out = apply_strategic_merge_patch(d, patch, DEPLOYMENT)
    assert containers(out) == [{"name": "sidecar", "image": "busybox"}]


def test_smp_replace_directive_in_list_and_in_map() -> None:
    d = deployment()
    containers(d).append({"name": "sidecar", "image": "busybox"})
    patch = {
        "metadata": {"labels": {"$patch": "replace", "only": "this"}},
        "spec": {
            "template": {
                "spec": {"containers": [{"name": "c", "image": "x"}, {"$patch": "replace"}]}
            }
        },
    }
    out = apply_strategic_merge_patch(d, patch, DEPLOYMENT)
    assert out["metadata"]["labels"] == {"only": "this"}
    assert containers(out) == [{"name": "c", "image": "x"}]


def test_smp_delete_directive_on_a_map_empties_it() -> None:
    patch = {"spec": {"selector": {"$patch": "delete"}}}
    out = apply_strategic_merge_patch(deployment(), patch, DEPLOYMENT)
    assert out["spec"]["selector"] == {}


def test_smp_retain_keys_clears_unlisted_strategy_fields() -> None:
    # kubectl patch docs: switching a Deployment to Recreate with $retainKeys drops rollingUpdate.
    d = deployment(strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%"}})
    patch = {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}
    out = apply_strategic_merge_patch(d, patch, DEPLOYMENT)
    assert out["spec"]["strategy"] == {"type": "Recreate"}


def test_smp_retain_keys_rejects_patch_keys_not_listed() -> None:
    d = deployment(strategy={"type": "RollingUpdate"})
    patch = {"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": {"maxSurge": 1}}}}
    with pytest.raises(BadRequest, match="retainKeys"):
        apply_strategic_merge_patch(d, patch, DEPLOYMENT)


def test_smp_primitive_merge_list_is_a_set_and_delete_from_primitive_list() -> None:
    d = deployment()
    d["metadata"]["finalizers"] = ["a", "b"]
    out = apply_strategic_merge_patch(d, {"metadata": {"finalizers": ["c", "a"]}}, DEPLOYMENT)
    assert out["metadata"]["finalizers"] == ["c", "a", "b"]
    out = apply_strategic_merge_patch(
        d, {"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}}, DEPLOYMENT
    )
    assert out["metadata"]["finalizers"] == ["b"]


def test_smp_set_element_order_orders_the_merged_list() -> None:
    d = deployment()
    containers(d).append({"name": "b", "image": "busybox"})
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "$setElementOrder/containers": [
                        {"name": "b"},
                        {"name": "new"},
                        {"name": "patch-demo-ctr"},
                    ],
                    "containers": [{"name": "new", "image": "redis"}],
                }
            }
        }
    }
    out = apply_strategic_merge_patch(d, patch, DEPLOYMENT)
    assert [c["name"] for c in containers(out)] == ["b", "new", "patch-demo-ctr"]
    assert containers(out)[1] == {"name": "new", "image": "redis"}


def test_smp_set_element_order_mismatch_is_an_error() -> None:
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "$setElementOrder/containers": [{"name": "a"}],
                    "containers": [{"name": "zzz", "image": "redis"}],
                }
            }
        }
    }
    with pytest.raises(InternalError, match="doesn't match"):
        apply_strategic_merge_patch(deployment(), patch, DEPLOYMENT)


def test_smp_missing_merge_key_is_kube_500() -> None:
    patch = {"spec": {"template": {"spec": {"containers": [{"image": "foo"}]}}}}
    with pytest.raises(InternalError) as err:
        apply_strategic_merge_patch(deployment(), patch, DEPLOYMENT)
    assert err.value.message == "map: map[image:foo] does not contain declared merge key: name"


def test_smp_list_of_lists_is_422() -> None:
    schema = obj("T", {"l": array(array(scalar(Type.STRING)), patch_strategy="merge")})
    with pytest.raises(Invalid):
        apply_strategic_merge_patch({"l": [["a"]]}, {"l": [["b"]]}, schema)


def test_smp_bad_directive_formats_are_400() -> None:
    for patch in (
        {"metadata": {"$deleteFromPrimitiveList/finalizers": "a"}},
        {"spec": {"$setElementOrder/x": "nope"}},
        {"spec": {"strategy": {"$retainKeys": "type"}}},
    ):
        with pytest.raises(BadRequest):
            apply_strategic_merge_patch(deployment(), patch, DEPLOYMENT)


def test_smp_value_for_missing_key_is_cleaned_of_directives() -> None:
    patch = {"spec": {"template": {"spec": {"nodeSelector": {"a": "1", "b": None}}}}}
    out = apply_strategic_merge_patch(deployment(), patch, DEPLOYMENT)
    assert out["spec"]["template"]["spec"]["nodeSelector"] == {"a": "1"}


def test_smp_map_lists_with_multiple_keys_merge_by_merge_key() -> None:
    pod = {
        "spec": {
            "containers": [
                {
                    "name": "c",
                    "ports": [{"containerPort": 80, "protocol": "TCP"}],
                    "env": [{"name": "A", "value": "1"}],
                }
            ]
        }
    }
    patch = {
        "spec": {
            "containers": [
                {
                    "name": "c",
                    "ports": [{"containerPort": 80, "name": "http"}],
                    "env": [{"name": "B", "value": "2"}],
                }
            ]
        }
    }
    out = apply_strategic_merge_patch(pod, patch, POD)
    c = out["spec"]["containers"][0]
    assert c["ports"] == [{"containerPort": 80, "protocol": "TCP", "name": "http"}]
    assert c["env"] == [{"name": "B", "value": "2"}, {"name": "A", "value": "1"}]


def test_smp_without_schema_merges_maps_and_replaces_lists() -> None:
    out = apply_strategic_merge_patch({"a": {"b": 1, "l": [1, 2]}}, {"a": {"c": 2, "l": [3]}}, None)
    assert out == {"a": {"b": 1, "c": 2, "l": [3]}}


def test_smp_type_change_replaces() -> None:
    schema: Schema = obj("T", {"m": map_of(scalar(Type.STRING))})
    assert apply_strategic_merge_patch({"m": "x"}, {"m": {"a": "b"}}, schema) == {"m": {"a": "b"}}


def test_smp_never_mutates_inputs() -> None:
    d = deployment()
    patch = {
        "spec": {"template": {"spec": {"containers": [{"name": "patch-demo-ctr", "image": "x"}]}}}
    }
    patch_before = copy.deepcopy(patch)
    out = apply_strategic_merge_patch(d, patch, DEPLOYMENT)
    containers(out)[0]["image"] = "changed"
    assert d == deployment()
    assert patch == patch_before


def test_smp_patch_must_be_an_object() -> None:
    with pytest.raises(BadRequest):
        apply_strategic_merge_patch(deployment(), [1], DEPLOYMENT)


def test_smp_kubectl_apply_style_delete_with_element_order() -> None:
    d = deployment()
    containers(d).append({"name": "b", "image": "busybox"})
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "$setElementOrder/containers": [{"name": "patch-demo-ctr"}],
                    "containers": [{"$patch": "delete", "name": "b"}],
                }
            }
        }
    }
    out = apply_strategic_merge_patch(d, patch, DEPLOYMENT)
    assert containers(out) == [{"name": "patch-demo-ctr", "image": "nginx"}]


def test_smp_primitive_element_order_with_deletions() -> None:
    d = deployment()
    d["metadata"]["finalizers"] = ["a", "b", "c"]
    patch = {
        "metadata": {
            "$setElementOrder/finalizers": ["c", "x", "a"],
            "finalizers": ["x"],
            "$deleteFromPrimitiveList/finalizers": ["b"],
        }
    }
    out = apply_strategic_merge_patch(d, patch, DEPLOYMENT)
    assert out["metadata"]["finalizers"] == ["c", "x", "a"]


def test_smp_nested_element_order_inside_a_merged_element() -> None:
    d = deployment()
    containers(d)[0]["env"] = [{"name": "A", "value": "1"}]
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "patch-demo-ctr",
                            "$setElementOrder/env": [{"name": "B"}, {"name": "A"}],
                            "env": [{"name": "B", "value": "2"}],
                        }
                    ]
                }
            }
        }
    }
    out = apply_strategic_merge_patch(d, patch, DEPLOYMENT)
    assert containers(out)[0]["env"] == [{"name": "B", "value": "2"}, {"name": "A", "value": "1"}]
