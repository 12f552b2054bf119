"""pacific.api.kinds: the served resources as discovery advertises them."""

import pytest

from pacific.api import kinds
from pacific.api.resources import ResourceType
from pacific.api.schema import Type, obj, scalar


def test_every_kind_has_a_matching_schema() -> None:
    for rt in kinds.KINDS:
        schema = kinds.schema_of(rt)
        assert schema.type is Type.OBJECT
        assert schema.name == rt.schema_name
        assert rt.schema_name.endswith(f".v1.{rt.kind}")


def test_lookup_by_resource_and_kind() -> None:
    pods = kinds.by_resource("", "v1", "pods")
    assert pods is not None and pods.kind == "Pod" and pods.namespaced
    assert pods.short_names == ("po",) and pods.categories == ("all",)
    assert {"status", "binding", "log", "exec", "eviction"} <= pods.subresources
    assert "spec.nodeName" in pods.field_selectors
    assert kinds.by_kind("apps", "v1", "Deployment") is kinds.by_resource(
        "apps", "v1", "deployments"
    )
    assert kinds.by_resource("apps", "v1", "pods") is None
    assert kinds.by_kind("", "v2", "Pod") is None


@pytest.mark.parametrize(
    ("group", "plural", "short", "namespaced"),
    [
        ("", "namespaces", ("ns",), False),
        ("", "nodes", ("no",), False),
        ("", "services", ("svc",), True),
        ("", "persistentvolumeclaims", ("pvc",), True),
        ("", "resourcequotas", ("quota",), True),
        ("", "limitranges", ("limits",), True),
        ("apps", "deployments", ("deploy",), True),
        ("apps", "replicasets", ("rs",), True),
        ("storage.k8s.io", "storageclasses", ("sc",), False),
        ("rbac.authorization.k8s.io", "clusterroles", (), False),
        ("coordination.k8s.io", "leases", (), True),
    ],
)
def test_discovery_facts(group: str, plural: str, short: tuple[str, ...], namespaced: bool) -> None:
    rt = kinds.by_resource(group, "v1", plural)
    assert rt is not None
    assert rt.short_names == short
    assert rt.namespaced is namespaced


def test_create_only_kinds_are_not_stored() -> None:
    for group, plural in [
        ("authorization.k8s.io", "selfsubjectaccessreviews"),
        ("authentication.k8s.io", "selfsubjectreviews"),
        ("", "bindings"),
    ]:
        rt = kinds.by_resource(group, "v1", plural)
        assert rt is not None
        assert rt.verbs == ("create",) and not rt.stored


def test_namespaces_have_no_deletecollection() -> None:
    ns = kinds.by_resource("", "v1", "namespaces")
    assert ns is not None and "deletecollection" not in ns.verbs


def test_groups_in_discovery_order() -> None:
    builtin = [(g, v) for g, v in kinds.groups() if g != "vmoperator.vmware.com"]
    names = [g for g, _ in builtin]
    assert names[:2] == ["", "apps"]
    assert names.index("rbac.authorization.k8s.io") < names.index("storage.k8s.io")
    assert names[-1] == "node.k8s.io"
    assert all(versions == ["v1"] for _, versions in builtin)
    assert kinds.groups()[-1] == ("vmoperator.vmware.com", ["v1alpha3"])


def test_subresource_kinds() -> None:
    deploy = kinds.by_resource("apps", "v1", "deployments")
    assert deploy is not None
    scale = kinds.subresource(deploy, "scale")
    assert scale is not None and (scale.group, scale.kind) == ("autoscaling", "Scale")
    status = kinds.subresource(deploy, "status")
    assert status is not None and status.kind == "Deployment"
    assert kinds.subresource(deploy, "log") is None


def _widget(group: str = "pacific.dev") -> ResourceType:
    return ResourceType(
        group=group,
        version="v1alpha1",
        kind="Widget",
        plural="widgets",
        singular="widget",
        namespaced=True,
        schema_name=f"dev.pacific.kinds-test.{group}.Widget",
    )


def test_register_own_kind_in_a_fresh_registry() -> None:
    registry = kinds.Registry(kinds.KINDS)
    rt = _widget()
    schema = obj(rt.schema_name, {"spec": scalar(Type.ANY)})
    registry.register(rt, schema)
    assert registry.by_kind("pacific.dev", "v1alpha1", "Widget") is rt
    assert registry.schema_of(rt) is schema
    assert registry.groups()[-1] == ("pacific.dev", ["v1alpha1"])
    with pytest.raises(ValueError):
        registry.register(rt, schema)
    # The default registry is untouched.
    assert kinds.by_kind("pacific.dev", "v1alpha1", "Widget") is None
    with pytest.raises(KeyError):
        kinds.schema_of(rt)


def test_register_rejects_mismatched_schema_name() -> None:
    registry = kinds.Registry()
    rt = _widget("other.pacific.dev")
    with pytest.raises(ValueError):
        registry.register(rt, obj("wrong.Name", {}))
