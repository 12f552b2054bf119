"""The official `kubernetes` Python client against a real `pacific up`."""

from __future__ import annotations

import threading
import time

import pytest
from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def api(pacific):
    cfg = client.Configuration()
    config.load_kube_config(config_file=str(pacific.kubeconfig), client_configuration=cfg)
    with client.ApiClient(cfg) as api_client:
        yield api_client


@pytest.fixture(scope="module")
def ns(api):
    core = client.CoreV1Api(api)
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name="py")))
    return "py"


def test_crud_and_conflict(api, ns):
    core = client.CoreV1Api(api)
    cm = core.create_namespaced_config_map(
        ns,
        client.V1ConfigMap(
            metadata=client.V1ObjectMeta(name="one", labels={"k": "v"}), data={"a": "1"}
        ),
    )
    assert cm.metadata.uid and cm.metadata.resource_version
    got = core.read_namespaced_config_map("one", ns)
    assert got.data == {"a": "1"}
    got.data["a"] = "2"
    updated = core.replace_namespaced_config_map("one", ns, got)
    assert int(updated.metadata.resource_version) > int(cm.metadata.resource_version)
    with pytest.raises(ApiException) as exc:
        core.replace_namespaced_config_map("one", ns, got)  # stale resourceVersion
    assert exc.value.status == 409
    with pytest.raises(ApiException) as exc:
        core.create_namespaced_config_map(
            ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="one"))
        )
    assert exc.value.status == 409 and "AlreadyExists" in exc.value.body
    core.delete_namespaced_config_map("one", ns)
    with pytest.raises(ApiException) as exc:
        core.read_namespaced_config_map("one", ns)
    assert exc.value.status == 404


def test_generate_name_and_paging(api, ns):
    core = client.CoreV1Api(api)
    names = set()
    for _ in range(25):
        cm = core.create_namespaced_config_map(
            ns,
            client.V1ConfigMap(
                metadata=client.V1ObjectMeta(generate_name="page-", labels={"paged": "yes"})
            ),
        )
        assert cm.metadata.name.startswith("page-") and len(cm.metadata.name) == 10
        names.add(cm.metadata.name)
    seen, token, pages = [], None, 0
    while True:
        page = core.list_namespaced_config_map(
            ns, label_selector="paged=yes", limit=10, _continue=token
        )
        pages += 1
        seen += [i.metadata.name for i in page.items]
        token = page.metadata._continue
        if not token:
            break
    assert pages == 3 and set(seen) == names and len(seen) == 25


def test_watch_sees_changes(api, ns):
    core = client.CoreV1Api(api)
    start = core.list_namespaced_config_map(ns).metadata.resource_version
    events: list[tuple[str, str]] = []

    def consume() -> None:
        w = watch.Watch()
        for ev in w.stream(
            core.list_namespaced_config_map,
            ns,
            resource_version=start,
            field_selector="metadata.name=watched",
            timeout_seconds=10,
        ):
            events.append((ev["type"], ev["object"].metadata.name))
            if ev["type"] == "DELETED":
                w.stop()

    t = threading.Thread(target=consume)
    t.start()
    time.sleep(0.3)
    core.create_namespaced_config_map(
        ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="watched"))
    )
    core.patch_namespaced_config_map("watched", ns, {"data": {"x": "y"}})
    core.delete_namespaced_config_map("watched", ns)
    t.join(timeout=15)
    assert events == [("ADDED", "watched"), ("MODIFIED", "watched"), ("DELETED", "watched")]


def test_server_side_apply(api, ns):
    apps = client.AppsV1Api(api)
    body = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "applied", "namespace": ns},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "a"}},
            "template": {
                "metadata": {"labels": {"app": "a"}},
                "spec": {"containers": [{"name": "c", "image": "busybox"}]},
            },
        },
    }
    dep = apps.patch_namespaced_deployment(
        "applied", ns, body, field_manager="py", _content_type="application/apply-patch+yaml"
    )
    assert dep.spec.replicas == 1
    assert any(m.manager == "py" and m.operation == "Apply" for m in dep.metadata.managed_fields)
    body["spec"]["replicas"] = 3
    with pytest.raises(ApiException) as exc:
        apps.patch_namespaced_deployment(
            "applied",
            ns,
            body,
            field_manager="someone-else",
            _content_type="application/apply-patch+yaml",
        )
    assert exc.value.status == 409
    dep = apps.patch_namespaced_deployment(
        "applied",
        ns,
        body,
        field_manager="someone-else",
        force=True,
        _content_type="application/apply-patch+yaml",
    )
    assert dep.spec.replicas == 3


def test_scale_subresource(api, ns):
    apps = client.AppsV1Api(api)
    apps.create_namespaced_deployment(
        ns,
        client.V1Deployment(
            metadata=client.V1ObjectMeta(name="scaled"),
            spec=client.V1DeploymentSpec(
                replicas=1,
                selector=client.V1LabelSelector(match_labels={"app": "s"}),
                template=client.V1PodTemplateSpec(
                    metadata=client.V1ObjectMeta(labels={"app": "s"}),
                    spec=client.V1PodSpec(
                        containers=[client.V1Container(name="c", image="busybox")]
                    ),
                ),
            ),
        ),
    )
    scale = apps.read_namespaced_deployment_scale("scaled", ns)
    assert scale.spec.replicas == 1 and scale.status.selector == "app=s"
    apps.patch_namespaced_deployment_scale("scaled", ns, {"spec": {"replicas": 4}})
    assert apps.read_namespaced_deployment("scaled", ns).spec.replicas == 4


def test_unauthenticated_is_401(pacific):
    cfg = client.Configuration()
    cfg.host = pacific.url
    cfg.ssl_ca_cert = str(pacific.ca_path)
    cfg.api_key = {"authorization": "Bearer wrong-token"}
    with client.ApiClient(cfg) as bad, pytest.raises(ApiException) as exc:
        client.CoreV1Api(bad).list_namespace()
    assert exc.value.status == 401
