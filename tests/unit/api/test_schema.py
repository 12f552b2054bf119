"""pacific.api.schema: core kinds' schemas from the kubernetes models, plus patch metadata."""

import pytest

from pacific.api import kube_models
from pacific.api.schema import (
    Field,
    Schema,
    Type,
    array,
    define,
    definitions,
    map_of,
    obj,
    scalar,
    schema_for,
)

META = "io.k8s.apimachinery.pkg.apis.meta.v1."


def _field(definition: str, *path: str) -> Schema:
    node = schema_for(definition)
    for name in path:
        if node.type in (Type.ARRAY, Type.MAP):
            assert node.items is not None
            node = node.items
        node = node.fields[name].schema
    return node


def test_pod_is_named_object_with_shared_subschemas() -> None:
    pod = schema_for("io.k8s.api.core.v1.Pod")
    assert pod.type is Type.OBJECT
    assert list(pod.fields)[:3] == ["apiVersion", "kind", "metadata"]
    spec = pod.fields["spec"].schema
    assert spec is schema_for("io.k8s.api.core.v1.PodSpec")
    assert spec.description == "PodSpec is a description of a pod."
    assert "io.k8s.api.core.v1.Container" in definitions()


def test_json_names_required_and_descriptions() -> None:
    container = schema_for("io.k8s.api.core.v1.Container")
    assert container.fields["name"].required
    assert not container.fields["image"].required
    assert "imagePullPolicy" in container.fields
    assert "image_pull_policy" not in container.fields
    assert container.fields["image"].description.startswith("Container image name.")


@pytest.mark.parametrize(
    ("definition", "path", "type_", "fmt"),
    [
        ("io.k8s.api.apps.v1.DeploymentSpec", ("replicas",), Type.INTEGER, "int32"),
        (META + "ObjectMeta", ("generation",), Type.INTEGER, "int64"),
        (META + "ObjectMeta", ("creationTimestamp",), Type.TIME, "date-time"),
        ("io.k8s.api.core.v1.ServicePort", ("targetPort",), Type.INT_OR_STRING, "int-or-string"),
        ("io.k8s.api.core.v1.PodSpec", ("hostNetwork",), Type.BOOLEAN, ""),
        ("io.k8s.api.core.v1.EmptyDirVolumeSource", ("sizeLimit",), Type.QUANTITY, ""),
    ],
)  # fmt: skip
def test_scalar_types(definition: str, path: tuple[str, ...], type_: Type, fmt: str) -> None:
    node = _field(definition, *path)
    assert node.type is type_
    assert node.format == fmt


def test_maps_of_quantities_bytes_and_strings() -> None:
    limits = _field("io.k8s.api.core.v1.ResourceRequirements", "limits")
    assert limits.type is Type.MAP and limits.items is not None
    assert limits.items.type is Type.QUANTITY
    data = _field("io.k8s.api.core.v1.Secret", "data")
    assert data.items is not None and data.items.type is Type.BYTES
    string_data = _field("io.k8s.api.core.v1.Secret", "stringData")
    assert string_data.items is not None and string_data.items.type is Type.STRING
    labels = _field("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "labels")
    assert labels.type is Type.MAP and labels.items is not None
    assert labels.items.type is Type.STRING
    fields_v1 = _field("io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry", "fieldsV1")
    assert fields_v1.type is Type.ANY


@pytest.mark.parametrize(
    ("definition", "field", "list_type", "keys", "strategy", "merge_key"),
    [
        ("io.k8s.api.core.v1.PodSpec", "containers", "map", ("name",), "merge", "name"),
        ("io.k8s.api.core.v1.PodSpec", "volumes", "map", ("name",), "merge,retainKeys", "name"),
        ("io.k8s.api.core.v1.PodSpec", "tolerations", "atomic", (), None, None),
        ("io.k8s.api.core.v1.PodSpec", "topologySpreadConstraints", "map",
         ("topologyKey", "whenUnsatisfiable"), "merge", "topologyKey"),
        ("io.k8s.api.core.v1.Container", "ports", "map", ("containerPort", "protocol"),
         "merge", "containerPort"),
        ("io.k8s.api.core.v1.Container", "env", "map", ("name",), "merge", "name"),
        ("io.k8s.api.core.v1.Container", "volumeMounts", "map", ("mountPath",), "merge",
         "mountPath"),
        ("io.k8s.api.core.v1.ServiceSpec", "ports", "map", ("port", "protocol"), "merge", "port"),
        ("io.k8s.api.core.v1.PodStatus", "conditions", "map", ("type",), "merge", "type"),
        ("io.k8s.api.apps.v1.DeploymentStatus", "conditions", "map", ("type",), "merge", "type"),
        ("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "finalizers", "set", (), "merge",
         None),
        ("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "ownerReferences", "map", ("uid",),
         "merge", "uid"),
        ("io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector", "matchExpressions", "atomic", (),
         None, None),
        ("io.k8s.api.rbac.v1.ClusterRole", "rules", "atomic", (), None, None),
    ],
)  # fmt: skip
def test_patch_metadata(
    definition: str,
    field: str,
    list_type: str,
    keys: tuple[str, ...],
    strategy: str | None,
    merge_key: str | None,
) -> None:
    node = _field(definition, field)
    assert node.type is Type.ARRAY
    assert (node.list_type, node.list_map_keys) == (list_type, keys)
    assert (node.patch_strategy, node.patch_merge_key) == (strategy, merge_key)


def test_ephemeral_container_shares_container_metadata() -> None:
    env = _field("io.k8s.api.core.v1.EphemeralContainer", "env")
    assert env.patch_merge_key == "name"


def test_group_prefixed_and_non_core_models() -> None:
    assert kube_models.definition_name("V1Pod") == "io.k8s.api.core.v1.Pod"
    assert kube_models.definition_name("V1Deployment") == "io.k8s.api.apps.v1.Deployment"
    assert kube_models.definition_name("EventsV1Event") == "io.k8s.api.events.v1.Event"
    assert kube_models.definition_name("CoreV1Event") == "io.k8s.api.core.v1.Event"
    assert (
        kube_models.definition_name("V1ObjectMeta")
        == "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
    )
    assert kube_models.definition_name("V1Scale") == "io.k8s.api.autoscaling.v1.Scale"
    assert kube_models.definition_name("VersionInfo") is None
    event = schema_for("io.k8s.api.core.v1.Event")
    assert event.fields["involvedObject"].required


def test_unknown_definition_is_key_error() -> None:
    with pytest.raises(KeyError):
        schema_for("io.k8s.api.core.v1.NoSuchThing")
    with pytest.raises(KeyError):
        schema_for("com.example.Thing")


def test_declared_schema_is_defined_once() -> None:
    spec = obj(
        "dev.pacific.test.v1.WidgetSpec",
        {
            "size": Field(scalar(Type.QUANTITY), required=True),
            "tags": array(scalar(Type.STRING), list_type="set"),
            "ports": array(scalar(Type.INTEGER), keys=("port",), merge_key="port"),
            "extra": map_of(scalar(Type.ANY)),
        },
    )
    assert define(spec) is spec
    assert schema_for("dev.pacific.test.v1.WidgetSpec") is spec
    assert spec.fields["size"].required and not spec.fields["tags"].required
    assert spec.fields["ports"].schema.list_type == "map"
    with pytest.raises(ValueError):
        define(obj("dev.pacific.test.v1.WidgetSpec", {}))
    with pytest.raises(ValueError):
        array(scalar(Type.STRING), list_type="map")
    with pytest.raises(ValueError):
        scalar(Type.OBJECT)
