from collections.abc import Callable
from typing import Any

import pytest

from pacific.api.errors import Invalid
from pacific.api.resources import ResourceType
from pacific.api.validation import validate_create, validate_update

CM = ResourceType("", "v1", "ConfigMap", "configmaps", "configmap", True)
NS = ResourceType("", "v1", "Namespace", "namespaces", "namespace", False)
Check = Callable[..., list[str]]
SUBDOMAIN = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
    "or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
LABEL_VALUE = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)


def cm(**meta: Any) -> dict[str, Any]:
    return {"metadata": {"namespace": "default", **meta}}


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        ({"name": "ok"}, []),
        (
            {"generateName": "web-"},
            ["metadata.name: Required value: name or generateName is required"],
        ),
        ({}, ["metadata.name: Required value: name or generateName is required"]),
        ({"name": "Foo_bar"}, [f'metadata.name: Invalid value: "Foo_bar": {SUBDOMAIN}']),
        (
            {"name": "x", "generateName": "Web-"},
            [f'metadata.generateName: Invalid value: "Web-": {SUBDOMAIN}'],
        ),
        (
            {"name": "x", "labels": {"app": "-x"}},
            [f'metadata.labels: Invalid value: "-x": {LABEL_VALUE}'],
        ),
        (
            {"name": "x", "annotations": {"a/b/c": "v"}},
            [
                'metadata.annotations: Invalid value: "a/b/c": a qualified name must consist of '
                "alphanumeric characters, '-', '_' or '.', and must start and end with an "
                "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex "
                "used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
            ],
        ),
        (
            {"name": "x", "annotations": {"big": "x" * (256 * 1024)}},
            ["metadata.annotations: Too long: must have at most 262144 bytes"],
        ),
        (
            {"name": "x", "generation": -1},
            ["metadata.generation: Invalid value: -1: must be greater than or equal to 0"],
        ),
        (
            {
                "name": "x",
                "ownerReferences": [{"apiVersion": "", "kind": "", "name": "o", "uid": ""}],
            },
            [
                'metadata.ownerReferences.apiVersion: Invalid value: "": version must not be empty',
                'metadata.ownerReferences.kind: Invalid value: "": kind must not be empty',
                'metadata.ownerReferences.uid: Invalid value: "": uid must not be empty',
            ],
        ),
        (
            {"name": "x", "finalizers": ["example.com/ok", "bad finalizer"]},
            [
                'metadata.finalizers: Invalid value: "bad finalizer": name part must consist of '
                "alphanumeric characters, '-', '_' or '.', and must start and end with an "
                "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex "
                "used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
            ],
        ),
    ],
)
def test_object_meta(check: Check, meta: dict[str, Any], expected: list[str]) -> None:
    assert check(CM, cm(**meta)) == expected


def test_two_controllers_are_refused(check: Check) -> None:
    ref = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "uid": "u", "controller": True}
    refs = [{**ref, "name": "a"}, {**ref, "name": "b"}]
    [message] = check(CM, cm(name="x", ownerReferences=refs))
    assert message.endswith(
        'Only one reference can have Controller set to true. Found "true" in references for '
        "ReplicaSet/a and ReplicaSet/b"
    )


def test_namespace_required_iff_namespaced(check: Check) -> None:
    assert check(CM, {"metadata": {"name": "x"}}) == ["metadata.namespace: Required value"]
    assert check(NS, {"metadata": {"name": "x", "namespace": "default"}}) == [
        "metadata.namespace: Forbidden: not allowed on this type"
    ]


def test_update_keeps_identity(check_update: Check) -> None:
    old = cm(name="x", uid="1")
    assert check_update(CM, cm(name="x", uid="1"), old) == []
    assert check_update(CM, cm(name="x", uid="2"), old) == [
        'metadata.uid: Invalid value: "2": field is immutable'
    ]


def test_no_new_finalizers_while_deleting(check_update: Check) -> None:
    old = cm(name="x", finalizers=["a.io/x"], deletionTimestamp="2024-01-01T00:00:00Z")
    new = cm(name="x", finalizers=["a.io/x", "a.io/y"], deletionTimestamp="2024-01-01T00:00:00Z")
    assert check_update(CM, new, old) == [
        "metadata.finalizers: Forbidden: no new finalizers can be added if the object is being "
        'deleted, found new finalizers ["a.io/y"]'
    ]


def test_invalid_error_shape() -> None:
    with pytest.raises(Invalid) as info:
        validate_create(CM, cm(name="Foo_bar"))
    assert (
        info.value.message
        == f'ConfigMap "Foo_bar" is invalid: metadata.name: Invalid value: "Foo_bar": {SUBDOMAIN}'
    )
    status = info.value.status()
    assert status["code"] == 422
    assert status["details"]["causes"][0]["field"] == "metadata.name"
    validate_update(CM, cm(name="x"), cm(name="x"))
