"""OpenAPI v3: index, per group-version documents, extensions kubectl relies on."""

import pytest

from pacific.api.kinds import KINDS
from pacific.api.openapi import OpenAPIV3, document, hash_of, index, url_path
from pacific.api.resources import ResourceType

DEPLOYMENT = ResourceType(
    "apps",
    "v1",
    "Deployment",
    "deployments",
    "deployment",
    True,
    schema_name="io.k8s.api.apps.v1.Deployment",
    subresources=frozenset({"status", "scale"}),
)
POD = ResourceType(
    "",
    "v1",
    "Pod",
    "pods",
    "pod",
    True,
    schema_name="io.k8s.api.core.v1.Pod",
    subresources=frozenset({"status"}),
)
SCHEMAS = "#/components/schemas/"


@pytest.fixture(scope="module")
def apps() -> dict:
    return document("apps/v1", [DEPLOYMENT, POD])


def test_url_path_and_index() -> None:
    assert url_path("v1") == "api/v1"
    assert url_path("apps/v1") == "apis/apps/v1"
    assert index({"apps/v1": "AB", "v1": "CD"}) == {
        "paths": {
            "api/v1": {"serverRelativeURL": "/openapi/v3/api/v1?hash=CD"},
            "apis/apps/v1": {"serverRelativeURL": "/openapi/v3/apis/apps/v1?hash=AB"},
        }
    }


def test_document_only_serves_its_group_version(apps: dict) -> None:
    assert apps["openapi"].startswith("3.")
    assert all(p.startswith("/apis/apps/v1/") for p in apps["paths"])
    schemas = apps["components"]["schemas"]
    assert "io.k8s.api.core.v1.PodSpec" in schemas  # reached through PodTemplateSpec
    assert "io.k8s.api.core.v1.Pod" not in schemas  # a v1 kind: not served here


def test_kind_definition_has_gvk_and_required(apps: dict) -> None:
    schemas = apps["components"]["schemas"]
    dep = schemas["io.k8s.api.apps.v1.Deployment"]
    assert dep["x-kubernetes-group-version-kind"] == [
        {"group": "apps", "kind": "Deployment", "version": "v1"}
    ]
    spec = schemas["io.k8s.api.apps.v1.DeploymentSpec"]
    assert {"selector", "template"} <= set(spec["required"])
    assert spec["properties"]["replicas"]["type"] == "integer"
    assert (
        schemas["io.k8s.api.apps.v1.DeploymentList"]["x-kubernetes-group-version-kind"][0]["kind"]
        == "DeploymentList"
    )
    scale = schemas["io.k8s.api.autoscaling.v1.Scale"]
    assert scale["x-kubernetes-group-version-kind"][0]["group"] == "autoscaling"


def test_patch_metadata_and_special_types(apps: dict) -> None:
    schemas = apps["components"]["schemas"]
    containers = schemas["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"]
    assert containers["type"] == "array"
    assert containers["x-kubernetes-patch-merge-key"] == "name"
    assert containers["x-kubernetes-patch-strategy"] == "merge"
    assert containers["items"] == {"$ref": SCHEMAS + "io.k8s.api.core.v1.Container"}
    surge = schemas["io.k8s.api.apps.v1.RollingUpdateDeployment"]["properties"]["maxSurge"]
    assert surge["allOf"] == [{"$ref": SCHEMAS + "io.k8s.apimachinery.pkg.util.intstr.IntOrString"}]
    assert (
        schemas["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]["x-kubernetes-int-or-string"]
        is True
    )
    limits = schemas["io.k8s.api.core.v1.ResourceRequirements"]["properties"]["limits"]
    assert limits["additionalProperties"] == {
        "$ref": SCHEMAS + "io.k8s.apimachinery.pkg.api.resource.Quantity"
    }
    created = schemas["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]["properties"][
        "creationTimestamp"
    ]
    assert created["format"] == "date-time"
    assert created["type"] == "string"
    assert "CreationTimestamp" in created["description"]


def test_every_ref_resolves(apps: dict) -> None:
    schemas = apps["components"]["schemas"]

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "$ref" in node:
                assert node["$ref"].removeprefix(SCHEMAS) in schemas, node["$ref"]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(apps)


def test_operations(apps: dict) -> None:
    paths = apps["paths"]
    item = paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]
    assert set(item) == {"get", "put", "patch", "delete", "parameters"}
    assert item["get"]["x-kubernetes-action"] == "get"
    assert item["patch"]["x-kubernetes-group-version-kind"] == {
        "group": "apps",
        "kind": "Deployment",
        "version": "v1",
    }
    names = {p["name"] for p in item["patch"]["parameters"] if p["in"] == "query"}
    assert {"fieldValidation", "dryRun", "fieldManager", "force"} <= names
    assert "application/strategic-merge-patch+json" in item["patch"]["requestBody"]["content"]
    collection = paths["/apis/apps/v1/namespaces/{namespace}/deployments"]
    actions = {v["x-kubernetes-action"] for k, v in collection.items() if k != "parameters"}
    assert actions == {"list", "post", "deletecollection"}
    assert (
        paths["/apis/apps/v1/watch/namespaces/{namespace}/deployments"]["get"][
            "x-kubernetes-action"
        ]
        == "watchlist"
    )
    assert paths["/apis/apps/v1/deployments"]["get"]["x-kubernetes-action"] == "list"
    scale = paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"]
    assert scale["patch"]["x-kubernetes-group-version-kind"]["kind"] == "Scale"
    status = paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/status"]
    assert {p["name"] for p in status["patch"]["parameters"]} >= {"fieldValidation"}


def test_custom_kinds_have_no_strategic_merge() -> None:
    vm = ResourceType(
        "vmoperator.vmware.com",
        "v1alpha3",
        "Widget",
        "widgets",
        "widget",
        False,
        schema_name="io.k8s.api.core.v1.ConfigMap",
    )
    doc = document("vmoperator.vmware.com/v1alpha3", [vm])
    patch = doc["paths"]["/apis/vmoperator.vmware.com/v1alpha3/widgets/{name}"]["patch"]
    assert "application/strategic-merge-patch+json" not in patch["requestBody"]["content"]
    assert "/apis/vmoperator.vmware.com/v1alpha3/namespaces/{namespace}/widgets" not in doc["paths"]


def test_deterministic_hash() -> None:
    first = document("apps/v1", [DEPLOYMENT])
    second = document("apps/v1", [DEPLOYMENT])
    assert hash_of(first) == hash_of(second)
    assert len(hash_of(first)) == 128
    replicasets = ResourceType(
        "apps",
        "v1",
        "ReplicaSet",
        "replicasets",
        "replicaset",
        True,
        schema_name="io.k8s.api.apps.v1.ReplicaSet",
    )
    assert hash_of(first) != hash_of(document("apps/v1", [DEPLOYMENT, replicasets]))


def test_cache_over_real_registry() -> None:
    api = OpenAPIV3(KINDS)
    assert "v1" in api.group_versions()
    assert "apps/v1" in api.group_versions()
    assert api.document("apps/v1") is api.document("apps/v1")
    assert api.group_version_of("/apis/apps/v1") == "apps/v1"
    assert api.group_version_of("apis/nope/v1") is None
    served = api.index()["paths"]
    assert served["api/v1"]["serverRelativeURL"].endswith(api.etag("v1"))
    with pytest.raises(KeyError):
        api.document("nope/v1")
    core = api.document("v1")["components"]["schemas"]
    assert core["io.k8s.api.core.v1.Pod"]["x-kubernetes-group-version-kind"][0]["kind"] == "Pod"
