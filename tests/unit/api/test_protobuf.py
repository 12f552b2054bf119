"""pacific.api.protobuf: kubectl's protobuf request bodies decode to the JSON kube expects.

The golden bodies under fixtures/protobuf/ are what kubectl 1.32 really sent (capture.py
regenerates them). Edge cases use bodies built here with a few lines of wire encoding.
"""

from pathlib import Path
from typing import Any

import kubernetes.client
import pytest

from pacific.api.errors import BadRequest
from pacific.api.protobuf import MAGIC, decode
from pacific.api.protobuf.registry import KINDS, MESSAGES, TABLES
from pacific.api.protobuf.schema import Presence, Shape

FIXTURES = Path(__file__).parent / "fixtures" / "protobuf"


def golden(name: str) -> dict[str, Any]:
    return decode((FIXTURES / f"{name}.pb").read_bytes())


# --- a minimal encoder, enough to build test bodies --------------------------------------


def varint(n: int) -> bytes:
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def num(field: int, value: int) -> bytes:
    return varint(field << 3) + varint(value)


def msg(field: int, *parts: bytes | str) -> bytes:
    payload = b"".join(p.encode() if isinstance(p, str) else p for p in parts)
    return varint(field << 3 | 2) + varint(len(payload)) + payload


def body(api_version: str, kind: str, raw: bytes, *, encoding: str = "") -> bytes:
    type_meta = msg(1, msg(1, api_version), msg(2, kind))
    return MAGIC + type_meta + msg(2, raw) + msg(3, encoding) + msg(4, "")


def meta(name: str, *extra: bytes) -> bytes:
    """ObjectMeta the way Go writes it: every non-pointer field, zero or not."""
    zeros = msg(2, "") + msg(3, "") + msg(4, "") + msg(5, "") + msg(6, "") + num(7, 0)
    return msg(1, msg(1, name), zeros, msg(8), *extra)


def entry(key: str, value: bytes | str) -> bytes:
    return msg(1, key) + msg(2, value)


# --- golden bodies captured from kubectl ---------------------------------------------------


def test_namespace_drops_go_zero_values() -> None:
    assert golden("namespace") == {
        "kind": "Namespace",
        "apiVersion": "v1",
        "metadata": {"name": "demo"},
    }


def test_deployment() -> None:
    labels = {"app": "web"}
    assert golden("deployment") == {
        "kind": "Deployment",
        "apiVersion": "apps/v1",
        "metadata": {"name": "web", "namespace": "demo", "labels": labels},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "containers": [
                        {"name": "nginx", "image": "nginx:1.27", "ports": [{"containerPort": 80}]}
                    ]
                },
            },
        },
    }


def test_deployment_pointer_zero_is_kept() -> None:
    spec = golden("deployment_command")["spec"]
    assert spec["replicas"] == 0
    assert spec["template"]["spec"]["containers"] == [
        {"name": "busybox", "image": "busybox", "command": ["sleep", "3600"]}
    ]


def test_job() -> None:
    assert golden("job")["spec"] == {
        "template": {
            "spec": {
                "containers": [{"name": "once", "image": "busybox", "command": ["echo", "hi"]}],
                "restartPolicy": "Never",
            }
        }
    }


def test_configmap_data_and_binary_data() -> None:
    obj = golden("configmap")
    assert obj["data"] == {"a": "b", "empty": ""}
    assert obj["binaryData"] == {"blob.bin": "AP9iaW5hcnk="}  # base64 of b"\x00\xffbinary"


def test_secrets_carry_base64_data_and_type() -> None:
    generic = golden("secret_generic")
    assert generic["data"] == {"pass": "czNjcjN0", "user": "YWRtaW4="}
    assert generic["type"] == "Opaque"
    assert golden("secret_docker")["type"] == "kubernetes.io/dockerconfigjson"


def test_services() -> None:
    assert golden("service_clusterip")["spec"] == {
        "ports": [{"name": "80-8080", "protocol": "TCP", "port": 80, "targetPort": 8080}],
        "selector": {"app": "svc"},
        "type": "ClusterIP",
    }
    nodeport = golden("service_nodeport")["spec"]["ports"][0]
    assert nodeport["targetPort"] == "http"
    assert nodeport["nodePort"] == 30080
    assert len(golden("service_loadbalancer")["spec"]["ports"]) == 2
    assert golden("service_headless")["spec"]["clusterIP"] == "None"
    external = golden("service_externalname")["spec"]
    assert (external["type"], external["externalName"]) == ("ExternalName", "example.com")


def test_quota_quantities_are_strings() -> None:
    assert golden("quota")["spec"] == {
        "hard": {"limits.memory": "1Gi", "pods": "3", "requests.cpu": "500m"},
        "scopes": ["NotTerminating"],
    }


def test_rbac() -> None:
    assert golden("role")["rules"][1] == {
        "verbs": ["get", "list"],
        "apiGroups": ["apps"],
        "resources": ["deployments"],
        "resourceNames": ["web"],
    }
    binding = golden("rolebinding")
    assert binding["subjects"][2] == {
        "kind": "ServiceAccount",
        "name": "robot",
        "namespace": "demo",
    }
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "Role",
        "name": "reader",
    }
    assert golden("clusterrole")["rules"] == [{"verbs": ["get"], "nonResourceURLs": ["/healthz"]}]
    assert golden("clusterrole_aggregate")["aggregationRule"] == {
        "clusterRoleSelectors": [{"matchLabels": {"rbac.example.com/aggregate": "true"}}]
    }
    assert golden("clusterrolebinding")["roleRef"]["kind"] == "ClusterRole"


def test_priority_class() -> None:
    obj = golden("priorityclass")
    assert (obj["value"], obj["description"], obj["preemptionPolicy"]) == (
        1000,
        "important",
        "Never",
    )


def test_token_request() -> None:
    assert golden("token") == {
        "kind": "TokenRequest",
        "apiVersion": "authentication.k8s.io/v1",
        "spec": {"audiences": ["api"], "expirationSeconds": 3600},
    }


def test_self_subject_access_reviews() -> None:
    assert golden("can_i_resource")["spec"] == {
        "resourceAttributes": {"namespace": "demo", "verb": "create", "resource": "pods"}
    }
    assert golden("can_i_subresource")["spec"]["resourceAttributes"] == {
        "verb": "update",
        "group": "apps",
        "resource": "deployments",
        "subresource": "scale",
    }
    reviewed = golden("can_i_nonresource")
    assert reviewed["spec"] == {"nonResourceAttributes": {"path": "/healthz", "verb": "get"}}
    assert reviewed["status"] == {"allowed": False}  # `allowed` has no omitempty


def test_self_subject_review() -> None:
    assert golden("whoami") == {
        "kind": "SelfSubjectReview",
        "apiVersion": "authentication.k8s.io/v1",
    }


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.pb")), ids=lambda p: p.stem)
def test_every_golden_body_is_a_valid_kubernetes_object(path: Path) -> None:
    obj = decode(path.read_bytes())
    model = getattr(kubernetes.client, f"V1{obj['kind']}", None) or getattr(
        kubernetes.client, f"AuthenticationV1{obj['kind']}"
    )
    assert model.from_dict(obj).to_dict()["kind"] == obj["kind"]


# --- hand-built bodies: Go's zero-value rules ---------------------------------------------


def test_fields_without_omitempty_are_kept_at_zero() -> None:
    port = msg(1, "") + msg(2, "") + msg(4, num(1, 0) + num(2, 0) + msg(3, "")) + num(5, 0)
    service = body("v1", "Service", meta("s") + msg(2, msg(1, port)))
    assert decode(service)["spec"] == {"ports": [{"port": 0}]}
    review = decode(body("authorization.k8s.io/v1", "SelfSubjectAccessReview", meta("")))
    assert review["spec"] == {}
    binding = decode(body("rbac.authorization.k8s.io/v1", "RoleBinding", meta("b")))
    assert binding["roleRef"] == {"apiGroup": "", "kind": "", "name": ""}


def test_time_is_rfc3339_and_zero_time_is_omitted() -> None:
    stamp = msg(8, num(1, 1_700_000_000) + num(2, 5))
    obj = decode(body("v1", "Namespace", msg(1, msg(1, "n"), stamp, msg(9, num(1, 0)))))
    assert obj["metadata"] == {
        "name": "n",
        "creationTimestamp": "2023-11-14T22:13:20Z",
        "deletionTimestamp": "1970-01-01T00:00:00Z",
    }


def test_empty_pointer_struct_is_kept_and_inline_struct_is_flattened() -> None:
    volume = msg(1, msg(1, "scratch"), msg(2, msg(2)))  # Volume{name, VolumeSource{emptyDir}}
    container = msg(2, msg(1, "c"), msg(2, "img"))
    template = msg(3, msg(2, volume, container))
    obj = decode(body("apps/v1", "Deployment", meta("d") + msg(2, template)))
    pod = obj["spec"]["template"]["spec"]
    assert pod["volumes"] == [{"name": "scratch", "emptyDir": {}}]
    assert pod["containers"] == [{"name": "c", "image": "img"}]


def test_embedded_local_object_reference_is_flattened() -> None:
    env = msg(7, msg(1, "K"), msg(3, msg(3, msg(1, msg(1, "cm")), msg(2, "key"))))
    container = msg(2, msg(1, "c"), env)
    job = body("batch/v1", "Job", meta("j") + msg(2, msg(6, msg(2, container))))
    spec = decode(job)["spec"]["template"]["spec"]
    assert spec["containers"][0]["env"] == [
        {"name": "K", "valueFrom": {"configMapKeyRef": {"name": "cm", "key": "key"}}}
    ]


def test_negative_numbers_and_packed_repeated_fields() -> None:
    obj = decode(body("scheduling.k8s.io/v1", "PriorityClass", meta("p") + num(2, -5)))
    assert obj["value"] == -5
    codes = msg(1, "main") + msg(2, "In") + msg(3, varint(1) + varint(42))  # packed int32s
    rule = msg(1, "FailJob") + msg(2, codes)
    job_spec = msg(11, msg(1, rule)) + msg(6, msg(2, msg(2, msg(1, "c"))))
    spec = decode(body("batch/v1", "Job", meta("j") + msg(2, job_spec)))["spec"]
    rules = spec["podFailurePolicy"]["rules"]
    assert rules == [
        {
            "action": "FailJob",
            "onExitCodes": {"containerName": "main", "operator": "In", "values": [1, 42]},
        }
    ]


def test_managed_fields_decode() -> None:
    fields_v1 = msg(7, msg(1, b'{"f:metadata":{}}'))
    managed = msg(
        17, msg(1, "kubectl"), msg(2, "Update"), msg(3, "v1"), msg(6, "FieldsV1"), fields_v1
    )
    obj = decode(body("v1", "ConfigMap", meta("c", managed)))
    assert obj["metadata"]["managedFields"] == [
        {
            "manager": "kubectl",
            "operation": "Update",
            "apiVersion": "v1",
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:metadata": {}},
        }
    ]


def test_map_entry_without_value_is_zero() -> None:
    obj = decode(body("v1", "Secret", meta("s") + msg(2, msg(1, "k"))))
    assert obj["data"] == {"k": ""}


def test_unknown_zero_field_is_skipped_but_unknown_data_is_rejected() -> None:
    assert decode(body("v1", "Namespace", meta("n") + msg(99, "") + num(98, 0)))["metadata"]
    with pytest.raises(BadRequest, match="Namespace has no field 99"):
        decode(body("v1", "Namespace", meta("n") + msg(99, "surprise")))


# --- malformed bodies ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"kind":"Namespace"}', "magic"),
        (MAGIC + b"\x0a", "truncated varint"),
        (MAGIC + b"\x0a\x05ab", "truncated"),
        (MAGIC + b"\x0b", "wire type 3"),
        (MAGIC + b"\x00\x00", "invalid field number 0"),
        (MAGIC + b"\x0a" + b"\xff" * 11, "longer than 10 bytes"),
        (MAGIC + num(1, 3), "Unknown.typeMeta has wire type 0, want 2"),
        (MAGIC + msg(1, msg(2, b"\xff\xfe")), "not valid UTF-8"),
        (MAGIC + msg(1, msg(1, "v1")), "Object 'Kind' is missing"),
        (body("v1", "Foo", b""), 'no kind "Foo" is registered for version "v1"'),
        (
            body("apps/v1", "Namespace", b""),
            'no kind "Namespace" is registered for version "apps/v1"',
        ),
        (body("v1", "Namespace", b"", encoding="gzip"), "content encoding 'gzip'"),
        (body("v1", "Namespace", msg(1, num(7, 1) + b"\x08")), "truncated varint"),
        (body("v1", "Namespace", msg(1, num(1, 5))), "ObjectMeta.name has wire type 0"),
        (body("v1", "Namespace", msg(1, msg(8, num(1, 1 << 40)))), "out of range"),
        (body("v1", "ConfigMap", meta("c", msg(17, msg(7, msg(1, "{"))))), "not valid JSON"),
    ],
)
def test_malformed_bodies_are_bad_requests(data: bytes, message: str) -> None:
    with pytest.raises(BadRequest, match=message) as caught:
        decode(data)
    assert caught.value.status()["code"] == 400


# --- the tables themselves -----------------------------------------------------------------


def test_message_names_are_unique_and_every_reference_resolves() -> None:
    assert len(MESSAGES) == sum(len(table) for table in TABLES)
    for name, table in MESSAGES.items():
        for number, field in table.items():
            assert number > 0, name
            if isinstance(field.type, str):
                assert field.type in MESSAGES, f"{name}.{field.json} -> {field.type}"
            if field.presence is Presence.INLINE:
                assert field.shape is Shape.ONE and isinstance(field.type, str)
    assert set(KINDS.values()) <= set(MESSAGES)


def _model(name: str) -> Any:
    for prefix in ("V1", "RbacV1", "CoreV1", "AuthenticationV1"):
        if (model := getattr(kubernetes.client, prefix + name, None)) is not None:
            return model
    return None


def _json_names(name: str) -> set[str]:
    """The JSON names of a message, with embedded (inline) structs' names flattened in."""
    names = set()
    for field in MESSAGES[name].values():
        if field.presence is Presence.INLINE:
            assert isinstance(field.type, str)
            names |= _json_names(field.type)
        else:
            names.add(field.json)
    return names


@pytest.mark.parametrize("name", sorted(name for name in MESSAGES if _model(name) is not None))
def test_json_names_match_the_kubernetes_models(name: str) -> None:
    """Every name the table writes is a field of the official model for that type."""
    assert _json_names(name) <= set(_model(name).attribute_map.values())
