"""pacific.api.decode: structural checking of request bodies with kube's messages."""

import copy
from typing import Any

import orjson
import pytest

from pacific.api import decode, kinds
from pacific.api.errors import BadRequest
from pacific.api.resources import ResourceType
from pacific.api.schema import Field, Type, array, obj, scalar


def _rt(group: str, plural: str) -> ResourceType:
    rt = kinds.by_resource(group, "v1", plural)
    assert rt is not None
    return rt


DEPLOY = _rt("apps", "deployments")
POD = _rt("", "pods")
SECRET = _rt("", "secrets")
SERVICE = _rt("", "services")
WRAP = 'Deployment in version "v1" cannot be handled as a Deployment: '


def _deploy(spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": spec}


def _error(rt: ResourceType, body: dict[str, Any], **kw: Any) -> str:
    with pytest.raises(BadRequest) as info:
        decode.check(rt, body, **kw)
    assert info.value.status()["code"] == 400
    return info.value.message


def test_valid_body_passes_unchanged() -> None:
    body = _deploy(
        {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "x"}},
            "strategy": {"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1}},
            "template": {
                "metadata": {"labels": {"app": "x"}},
                "spec": {"containers": [{"name": "c", "image": "nginx", "args": ["-v"]}]},
            },
        }
    )
    before = copy.deepcopy(body)
    assert decode.check(DEPLOY, body) == []
    assert body == before


def test_strict_unknown_fields_listed_in_document_order() -> None:
    body = _deploy({"foo": 1, "replicas": 1, "bar": {"x": 1}})
    assert _error(DEPLOY, body) == (
        WRAP + 'strict decoding error: unknown field "spec.foo", unknown field "spec.bar"'
    )


def test_strict_without_wrap_is_the_bare_text() -> None:
    body = _deploy({"foo": 1})
    assert _error(DEPLOY, body, wrap=False) == 'strict decoding error: unknown field "spec.foo"'


def test_warn_returns_warnings_and_drops_fields() -> None:
    container = {"name": "c", "image": "i", "ports": [{"containerPort": 1, "x": 2}]}
    body = {"metadata": {"name": "p"}, "spec": {"containers": [container]}, "extra": True}
    warnings = decode.check(POD, body, field_validation="Warn")
    assert warnings == [
        'unknown field "spec.containers[0].ports[0].x"',
        'unknown field "extra"',
    ]
    assert container["ports"] == [{"containerPort": 1}]
    assert "extra" not in body


def test_ignore_drops_silently() -> None:
    body = _deploy({"foo": 1, "replicas": 1})
    assert decode.check(DEPLOY, body, field_validation="Ignore") == []
    assert body["spec"] == {"replicas": 1}


def test_bad_field_validation_value() -> None:
    assert "fieldValidation" in _error(DEPLOY, _deploy({}), field_validation="Loud")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"replicas": "3"},
         "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas "
         "of type int32"),
        ({"replicas": 1.5},
         "json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas "
         "of type int32"),
        ({"replicas": 2**31},
         "json: cannot unmarshal number 2147483648 into Go struct field "
         "DeploymentSpec.spec.replicas of type int32"),
        ({"paused": "yes"},
         "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.paused "
         "of type bool"),
        ({"template": {"spec": {"containers": [{"name": "c", "image": 5}]}}},
         "json: cannot unmarshal number into Go struct field "
         "Container.spec.template.spec.containers.image of type string"),
        ({"template": {"spec": {"containers": {"name": "c"}}}},
         "json: cannot unmarshal object into Go struct field "
         "PodSpec.spec.template.spec.containers of type []v1.Container"),
        ({"selector": "app=x"},
         "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.selector "
         "of type v1.LabelSelector"),
        ({"selector": {"matchLabels": {"app": 1}}},
         "json: cannot unmarshal number into Go struct field "
         "LabelSelector.spec.selector.matchLabels of type string"),
        ({"strategy": {"rollingUpdate": {"maxSurge": True}}},
         "json: cannot unmarshal bool into Go struct field "
         "RollingUpdateDeployment.spec.strategy.rollingUpdate.maxSurge of type int32"),
    ],
)  # fmt: skip
def test_type_errors(spec: dict[str, Any], message: str) -> None:
    assert _error(DEPLOY, _deploy(spec)) == WRAP + message


def test_type_error_wins_over_unknown_fields() -> None:
    message = _error(DEPLOY, _deploy({"foo": 1, "replicas": "x"}))
    assert "cannot unmarshal string" in message and "unknown field" not in message


def test_top_level_object_type_error() -> None:
    assert _error(POD, {"spec": []}) == (
        'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal array into '
        "Go struct field Pod.spec of type v1.PodSpec"
    )


def test_int64_fields_accept_large_values() -> None:
    body = {"spec": {"containers": [], "activeDeadlineSeconds": 2**40}}
    assert decode.check(POD, body) == []


def test_quantities_are_canonicalised() -> None:
    resources = {"limits": {"cpu": 1, "memory": "1024Mi"}, "requests": {"cpu": 0.5}}
    body = {"spec": {"containers": [{"name": "c", "resources": resources}]}}
    decode.check(POD, body)
    assert resources == {"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "500m"}}


def test_bad_quantity() -> None:
    body = {"spec": {"containers": [{"name": "c", "resources": {"limits": {"cpu": "lots"}}}]}}
    assert _error(POD, body).startswith(
        'Pod in version "v1" cannot be handled as a Pod: quantities must match the regular'
    )
    body = {"spec": {"containers": [{"name": "c", "resources": {"limits": {"cpu": True}}}]}}
    assert "quantities must match" in _error(POD, body)


def test_nulls_removed_and_zeroed() -> None:
    body = {
        "metadata": {"name": "p", "creationTimestamp": None, "labels": {"a": None}},
        "spec": {"containers": [{"name": "c", "args": ["a", None]}], "nodeName": None},
    }
    decode.check(POD, body)
    assert body["metadata"] == {"name": "p", "labels": {"a": ""}}
    assert body["spec"] == {"containers": [{"name": "c", "args": ["a", ""]}]}


def test_time_must_be_rfc3339() -> None:
    good = {"metadata": {"creationTimestamp": "2024-05-01T10:00:00Z"}}
    assert decode.check(POD, good) == []
    bad = {"metadata": {"creationTimestamp": "yesterday"}}
    assert _error(POD, bad).endswith(
        'parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" '
        'as "2006"'
    )
    number = {"metadata": {"creationTimestamp": 5}}
    assert _error(POD, number).endswith(
        "json: cannot unmarshal number into Go struct field "
        "ObjectMeta.metadata.creationTimestamp of type string"
    )


def test_secret_data_must_be_base64() -> None:
    assert decode.check(SECRET, {"data": {"a": "aGVsbG8="}, "stringData": {"b": "x"}}) == []
    assert _error(SECRET, {"data": {"a": "hello!"}}).endswith("illegal base64 data at input byte 5")
    assert _error(SECRET, {"data": {"a": 1}}).endswith(
        "json: cannot unmarshal number into Go struct field Secret.data of type []uint8"
    )


def test_int_or_string_accepts_both() -> None:
    body = {"spec": {"ports": [{"port": 80, "targetPort": "http"}, {"port": 81, "targetPort": 8}]}}
    assert decode.check(SERVICE, body) == []


def test_type_meta_defaults_and_mismatches() -> None:
    body: dict[str, Any] = {"metadata": {"name": "p"}}
    decode.check(POD, body)
    assert (body["apiVersion"], body["kind"]) == ("v1", "Pod")
    assert _error(POD, {"apiVersion": "apps/v1", "kind": "Pod"}) == (
        "the API version in the data (apps/v1) does not match the expected API version (v1)"
    )
    assert _error(POD, {"apiVersion": "v1", "kind": "Service"}).startswith(
        'Service in version "v1" cannot be handled as a Pod'
    )


def test_duplicate_fields_from_raw_body() -> None:
    raw = b'{"kind":"Deployment","apiVersion":"apps/v1","spec":{"replicas":1,"replicas":2}}'
    body = orjson.loads(raw)
    assert _error(DEPLOY, body, raw=raw, wrap=False) == (
        'strict decoding error: duplicate field "spec.replicas"'
    )
    body = orjson.loads(raw)
    warnings = decode.check(DEPLOY, body, raw=raw, field_validation="Warn")
    assert warnings == ['duplicate field "spec.replicas"']
    assert body["spec"]["replicas"] == 2


def test_raw_without_duplicates_is_clean() -> None:
    raw = b'{"metadata": {"name": "p", "annotations": {"note": "a\\":b"}}, "spec": {}}'
    assert decode.check(POD, orjson.loads(raw), raw=raw) == []


def test_preserve_unknown_keeps_fields() -> None:
    schema = obj(
        "dev.pacific.decode-test.v1.Thing",
        {
            "apiVersion": scalar(Type.STRING),
            "kind": scalar(Type.STRING),
            "spec": obj("dev.pacific.decode-test.v1.Open", {}, preserve_unknown=True),
            "items": Field(array(scalar(Type.INTEGER))),
        },
    )
    rt = ResourceType("pacific.dev", "v1", "Thing", "things", "thing", True)
    body: dict[str, Any] = {"spec": {"anything": {"goes": [1]}}, "items": [1, 2]}
    assert decode.check(rt, body, schema=schema) == []
    assert body["spec"] == {"anything": {"goes": [1]}}


def test_strict_errors_capped_at_one_hundred() -> None:
    spec = {f"f{i}": i for i in range(150)}
    message = _error(DEPLOY, _deploy(spec), wrap=False)
    assert message.count("unknown field") == 100


@pytest.mark.parametrize(
    "raw",
    [
        b'{"spec":{"replicas":1,"replicas" :2}}',
        b'{\n  "spec": {\n    "replicas": 1,\n    "replicas": 2\n  }\n}',
        b'{"spec": {"replicas": 1, "replicas": 2}}',
    ],
)
def test_duplicates_found_whatever_the_spacing(raw: bytes) -> None:
    warnings = decode.check(DEPLOY, orjson.loads(raw), raw=raw, field_validation="Warn")
    assert warnings == ['duplicate field "spec.replicas"']
