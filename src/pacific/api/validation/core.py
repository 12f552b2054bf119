"""core/v1 kinds other than Pod and the storage/quota kinds.

Service: ports (required unless ExternalName or headless), names unique and required when
there are several, type/sessionAffinity enums, ExternalName rules, clusterIP immutable.
ConfigMap/Secret: data keys in config-key syntax, 1 MiB total, `immutable` honoured on
update, Secret `type` immutable and type-specific required keys. Namespace: finalizers.
Node: taints. Event: the involved object and, for new-style events, the reporting fields.
Endpoints: addresses are IPs, ports valid.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from pacific.api.errors import Cause
from pacific.api.validation.container import PROTOCOLS, validate_port_num_or_name
from pacific.api.validation.field import (
    duplicate,
    forbidden,
    go_list,
    immutable,
    invalid,
    not_supported,
    required,
    too_long,
)
from pacific.api.validation.metadata import validate_finalizers
from pacific.api.validation.names import (
    config_key_errors,
    dns1123_label_errors,
    dns1123_subdomain_errors,
    ip_errors,
    label_value_errors,
    port_number_errors,
    qualified_name_errors,
)
from pacific.api.validation.pod import TAINT_EFFECTS

MAX_DATA_SIZE = 1024 * 1024
SERVICE_TYPES = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")
SESSION_AFFINITIES = ("ClientIP", "None")
TRAFFIC_POLICIES = ("Cluster", "Local")
IP_FAMILY_POLICIES = ("PreferDualStack", "RequireDualStack", "SingleStack")
STANDARD_FINALIZERS = ("kubernetes", "orphan", "foregroundDeletion")
IMMUTABLE_DATA = "field is immutable when `immutable` is set"
SECRET_REQUIRED_KEYS = {
    "kubernetes.io/dockercfg": (".dockercfg",),
    "kubernetes.io/dockerconfigjson": (".dockerconfigjson",),
    "kubernetes.io/ssh-auth": ("ssh-privatekey",),
    "kubernetes.io/tls": ("tls.crt", "tls.key"),
}


def _validate_service_port(
    port: Mapping[str, Any], p: str, names: set[str], need_name: bool
) -> list[Cause]:
    errs: list[Cause] = []
    name = port.get("name") or ""
    if need_name and not name:
        errs.append(required(f"{p}.name"))
    elif name:
        msgs = dns1123_label_errors(name)
        errs += [invalid(f"{p}.name", name, msg) for msg in msgs]
        if not msgs and name in names:
            errs.append(duplicate(f"{p}.name", name))
        names.add(name)
    number = port.get("port") or 0
    errs += [invalid(f"{p}.port", number, msg) for msg in port_number_errors(number)]
    protocol = port.get("protocol") or ""
    if not protocol:
        errs.append(required(f"{p}.protocol"))
    elif protocol not in PROTOCOLS:
        errs.append(not_supported(f"{p}.protocol", protocol, PROTOCOLS))
    if port.get("targetPort") is not None:
        errs += validate_port_num_or_name(port["targetPort"], f"{p}.targetPort")
    node_port = port.get("nodePort")
    if node_port:
        errs += [invalid(f"{p}.nodePort", node_port, msg) for msg in port_number_errors(node_port)]
    return errs


def validate_service(obj: Mapping[str, Any]) -> list[Cause]:
    spec = obj.get("spec") or {}
    kind = spec.get("type") or ""
    errs: list[Cause] = []
    ports = spec.get("ports") or []
    headless = spec.get("clusterIP") == "None"
    if not ports and not headless and kind != "ExternalName":
        errs.append(required("spec.ports"))
    names: set[str] = set()
    for i, port in enumerate(ports):
        errs += _validate_service_port(port, f"spec.ports[{i}]", names, len(ports) > 1)
    if kind not in SERVICE_TYPES:
        errs.append(not_supported("spec.type", kind, SERVICE_TYPES))
    if kind == "ExternalName":
        if spec.get("clusterIPs") or spec.get("clusterIP") not in (None, ""):
            errs.append(forbidden("spec.clusterIPs", "may not be set for ExternalName services"))
        external = spec.get("externalName") or ""
        if not external:
            errs.append(required("spec.externalName"))
        else:
            errs += [
                invalid("spec.externalName", external, msg)
                for msg in dns1123_subdomain_errors(external.rstrip("."))
            ]
    elif kind == "ClusterIP":
        for i, port in enumerate(ports):
            if port.get("nodePort"):
                errs.append(
                    forbidden(
                        f"spec.ports[{i}].nodePort", "may not be used when `type` is 'ClusterIP'"
                    )
                )
    affinity = spec.get("sessionAffinity") or ""
    if affinity not in SESSION_AFFINITIES:
        errs.append(not_supported("spec.sessionAffinity", affinity, SESSION_AFFINITIES))
    cluster_ip = spec.get("clusterIP") or ""
    if cluster_ip and cluster_ip != "None":
        errs += [invalid("spec.clusterIPs[0]", cluster_ip, msg) for msg in ip_errors(cluster_ip)]
    for key in ("internalTrafficPolicy", "externalTrafficPolicy"):
        policy = spec.get(key)
        if policy and policy not in TRAFFIC_POLICIES:
            errs.append(not_supported(f"spec.{key}", policy, TRAFFIC_POLICIES))
    family_policy = spec.get("ipFamilyPolicy")
    if family_policy and family_policy not in IP_FAMILY_POLICIES:
        errs.append(not_supported("spec.ipFamilyPolicy", family_policy, IP_FAMILY_POLICIES))
    for key, value in (spec.get("selector") or {}).items():
        errs += [invalid("spec.selector", key, msg) for msg in qualified_name_errors(key)]
        errs += [invalid("spec.selector", value, msg) for msg in label_value_errors(str(value))]
    return errs


def validate_service_update(obj: Mapping[str, Any], old: Mapping[str, Any]) -> list[Cause]:
    """The primary cluster IP never changes once allocated (unless to/from ExternalName)."""
    spec, old_spec = obj.get("spec") or {}, old.get("spec") or {}
    if "ExternalName" in (spec.get("type"), old_spec.get("type")):
        return []
    new_ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
    old_ips = old_spec.get("clusterIPs") or (
        [old_spec["clusterIP"]] if old_spec.get("clusterIP") else []
    )
    if new_ips and old_ips and new_ips[0] != old_ips[0]:
        return [invalid("spec.clusterIPs[0]", go_list(new_ips), "may not change once set")]
    return []


def _decoded_size(value: Any) -> int:
    try:
        return len(base64.b64decode(str(value), validate=True))
    except (binascii.Error, ValueError):
        return len(str(value))


def _validate_data(obj: Mapping[str, Any], binary_key: str, binary: bool) -> list[Cause]:
    errs: list[Cause] = []
    total = 0
    data = obj.get("data") or {}
    other = obj.get(binary_key) or {} if binary_key else {}
    for key, value in data.items():
        errs += [invalid(f"data[{key}]", key, msg) for msg in config_key_errors(key)]
        if key in other:
            errs.append(invalid(f"data[{key}]", key, f"duplicate of key present in {binary_key}"))
        total += _decoded_size(value) if binary else len(str(value).encode())
    for key, value in other.items():
        errs += [invalid(f"{binary_key}[{key}]", key, msg) for msg in config_key_errors(key)]
        total += len(str(value).encode()) if binary_key == "stringData" else _decoded_size(value)
    if total > MAX_DATA_SIZE:
        errs.append(too_long("", MAX_DATA_SIZE))
    return errs


def validate_config_map(obj: Mapping[str, Any]) -> list[Cause]:
    return _validate_data(obj, "binaryData", binary=False)


def validate_secret(obj: Mapping[str, Any]) -> list[Cause]:
    errs = _validate_data(obj, "stringData", binary=True)
    kind = obj.get("type") or "Opaque"
    keys = set(obj.get("data") or {}) | set(obj.get("stringData") or {})
    for key in SECRET_REQUIRED_KEYS.get(kind, ()):
        if key not in keys:
            errs.append(required(f"data[{key}]"))
    if kind == "kubernetes.io/service-account-token":
        annotations = (obj.get("metadata") or {}).get("annotations") or {}
        if not annotations.get("kubernetes.io/service-account.name"):
            errs.append(required("metadata.annotations[kubernetes.io/service-account.name]"))
    if kind == "kubernetes.io/basic-auth" and not keys & {"username", "password"}:
        errs.append(required("data[username]"))
        errs.append(required("data[password]"))
    return errs


def validate_immutable_data(
    obj: Mapping[str, Any], old: Mapping[str, Any], keys: tuple[str, ...]
) -> list[Cause]:
    """ConfigMap/Secret with `immutable: true`: nothing in the data may change again."""
    if old.get("immutable") is not True:
        return []
    errs = []
    if obj.get("immutable") is not True:
        errs.append(forbidden("immutable", IMMUTABLE_DATA))
    for key in keys:
        if (obj.get(key) or {}) != (old.get(key) or {}):
            errs.append(forbidden(key, IMMUTABLE_DATA))
    return errs


def validate_config_map_update(obj: Mapping[str, Any], old: Mapping[str, Any]) -> list[Cause]:
    return validate_immutable_data(obj, old, ("data", "binaryData"))


def validate_secret_update(obj: Mapping[str, Any], old: Mapping[str, Any]) -> list[Cause]:
    errs = immutable("type", obj.get("type") or "Opaque", old.get("type") or "Opaque")
    return errs + validate_immutable_data(obj, old, ("data",))


def validate_namespace_finalizers(finalizers: Any, path: str) -> list[Cause]:
    errs = validate_finalizers(finalizers, path)
    for name in finalizers or []:
        if "/" not in str(name) and name not in STANDARD_FINALIZERS:
            errs.append(
                invalid(
                    path,
                    name,
                    "name is neither a standard finalizer name nor is it fully qualified",
                )
            )
    return errs


def validate_namespace(obj: Mapping[str, Any]) -> list[Cause]:
    return validate_namespace_finalizers(
        (obj.get("spec") or {}).get("finalizers"), "spec.finalizers"
    )


def validate_node(obj: Mapping[str, Any]) -> list[Cause]:
    errs: list[Cause] = []
    seen: set[tuple[str, str]] = set()
    for i, taint in enumerate((obj.get("spec") or {}).get("taints") or []):
        p = f"spec.taints[{i}]"
        key = taint.get("key") or ""
        errs += [invalid(f"{p}.key", key, msg) for msg in qualified_name_errors(key)]
        value = taint.get("value") or ""
        errs += [invalid(f"{p}.value", value, msg) for msg in label_value_errors(value)]
        effect = taint.get("effect") or ""
        if not effect:
            errs.append(required(f"{p}.effect"))
        elif effect not in TAINT_EFFECTS:
            errs.append(not_supported(f"{p}.effect", effect, TAINT_EFFECTS))
        if (key, effect) in seen:
            errs.append(duplicate(p, f"{key}={value}:{effect}"))
        seen.add((key, effect))
    return errs


def validate_event(obj: Mapping[str, Any]) -> list[Cause]:
    errs: list[Cause] = []
    involved = obj.get("involvedObject")
    if not isinstance(involved, Mapping):
        return [required("involvedObject")]
    namespace = (obj.get("metadata") or {}).get("namespace") or ""
    involved_ns = involved.get("namespace") or ""
    mismatch = invalid("involvedObject.namespace", involved_ns, "does not match event.namespace")
    if not obj.get("eventTime"):
        if (involved_ns and namespace != involved_ns) or (
            not involved_ns and namespace not in ("", "default")
        ):
            errs.append(mismatch)
        return errs
    if not involved_ns and namespace not in ("default", "kube-system"):
        errs.append(mismatch)
    controller = obj.get("reportingComponent") or ""
    if not controller:
        errs.append(required("reportingComponent"))
    errs += [
        invalid("reportingComponent", controller, m)
        for m in qualified_name_errors(controller)
        if controller
    ]
    for key, limit in (("reportingInstance", 128), ("action", 128), ("reason", 128)):
        value = obj.get(key) or ""
        if not value:
            errs.append(required(key))
        elif len(value) > limit:
            errs.append(invalid(key, "", f"can have at most {limit} characters"))
    if len(obj.get("message") or "") > 1024:
        errs.append(invalid("message", "", "can have at most 1024 characters"))
    kind = obj.get("type") or ""
    if kind not in ("Normal", "Warning"):
        errs.append(not_supported("type", kind, ("Normal", "Warning")))
    return errs


def validate_endpoints(obj: Mapping[str, Any]) -> list[Cause]:
    errs: list[Cause] = []
    for i, subset in enumerate(obj.get("subsets") or []):
        p = f"subsets[{i}]"
        for key in ("addresses", "notReadyAddresses"):
            for j, address in enumerate(subset.get(key) or []):
                ip = address.get("ip") or ""
                errs += [invalid(f"{p}.{key}[{j}].ip", ip, msg) for msg in ip_errors(ip)]
        ports = subset.get("ports") or []
        names: set[str] = set()
        for j, port in enumerate(ports):
            pp = f"{p}.ports[{j}]"
            name = port.get("name") or ""
            if len(ports) > 1 and not name:
                errs.append(required(f"{pp}.name"))
            elif name:
                errs += [invalid(f"{pp}.name", name, msg) for msg in dns1123_label_errors(name)]
                if name in names:
                    errs.append(duplicate(f"{pp}.name", name))
                names.add(name)
            number = port.get("port") or 0
            errs += [invalid(f"{pp}.port", number, msg) for msg in port_number_errors(number)]
            protocol = port.get("protocol") or ""
            if not protocol:
                errs.append(required(f"{pp}.protocol"))
            elif protocol not in PROTOCOLS:
                errs.append(not_supported(f"{pp}.protocol", protocol, PROTOCOLS))
    return errs
