"""Pod and pod-template defaults (kube's SetDefaults_PodSpec/Container/Probe/Volume, plus
what kube's admission plugins add to every new Pod).

`default_pod_spec` is what any PodSpec gets, in a Pod or in a template. `default_pod`
adds what only a real Pod gets: `enableServiceLinks`, requests copied from limits, the
default ServiceAccount, priority, the not-ready/unreachable NoExecute tolerations
(DefaultTolerationSeconds) and an initial `Pending` status with its QoS class.
Defaults only fill what is absent; nothing the client sent is changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pacific.api.validation.quantity import QuantityError, parse_quantity
from pacific.api.validation.volumes import SOURCES

Obj = dict[str, Any]

DEFAULT_TOLERATION_SECONDS = 300
_NO_EXECUTE_TAINTS = ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")
_MODE_SOURCES = ("secret", "configMap", "projected", "downwardAPI")


def _image_pull_policy(image: Any) -> str:
    """Always for `:latest` or no tag, else IfNotPresent (a digest counts as a tag)."""
    if not isinstance(image, str) or "@" in image:
        return "IfNotPresent"
    last = image.rsplit("/", 1)[-1]
    tag = last.split(":", 1)[1] if ":" in last else ""
    return "Always" if tag in ("", "latest") else "IfNotPresent"


def _default_probe(probe: Any) -> None:
    if not isinstance(probe, dict):
        return
    probe.setdefault("timeoutSeconds", 1)
    probe.setdefault("periodSeconds", 10)
    probe.setdefault("successThreshold", 1)
    probe.setdefault("failureThreshold", 3)
    _default_handler(probe)


def _default_handler(handler: Mapping[str, Any]) -> None:
    http = handler.get("httpGet")
    if isinstance(http, dict):
        http.setdefault("path", "/")
        http.setdefault("scheme", "HTTP")
    grpc = handler.get("grpc")
    if isinstance(grpc, dict):
        grpc.setdefault("service", "")


def default_container(ctr: Obj) -> None:
    ctr.setdefault("terminationMessagePath", "/dev/termination-log")
    ctr.setdefault("terminationMessagePolicy", "File")
    image = ctr.get("image")
    ctr.setdefault("imagePullPolicy", _image_pull_policy(image) if image else "IfNotPresent")
    for port in ctr.get("ports") or []:
        port.setdefault("protocol", "TCP")
    for var in ctr.get("env") or []:
        field_ref = (var.get("valueFrom") or {}).get("fieldRef")
        if isinstance(field_ref, dict):
            field_ref.setdefault("apiVersion", "v1")
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        _default_probe(ctr.get(probe))
    lifecycle = ctr.get("lifecycle") or {}
    for hook in ("postStart", "preStop"):
        if isinstance(lifecycle.get(hook), dict):
            _default_handler(lifecycle[hook])


def _default_volume(vol: Obj) -> None:
    if not any(vol.get(s) is not None for s in SOURCES):
        vol["emptyDir"] = {}
    for source in _MODE_SOURCES:
        if isinstance(vol.get(source), dict):
            vol[source].setdefault("defaultMode", 0o644)
    host_path = vol.get("hostPath")
    if isinstance(host_path, dict):
        host_path.setdefault("type", "")


def default_pod_spec(spec: Obj) -> None:
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("securityContext", {})
    for key in ("initContainers", "containers", "ephemeralContainers"):
        for ctr in spec.get(key) or []:
            if isinstance(ctr, dict):
                default_container(ctr)
    for vol in spec.get("volumes") or []:
        if isinstance(vol, dict):
            _default_volume(vol)
    if spec.get("hostNetwork"):
        for ctr in spec.get("containers") or []:
            for port in ctr.get("ports") or []:
                port.setdefault("hostPort", port.get("containerPort"))


def _requests_from_limits(ctr: Obj) -> None:
    resources = ctr.get("resources")
    if not isinstance(resources, dict) or not resources.get("limits"):
        return
    requests = resources.setdefault("requests", {})
    for name, value in resources["limits"].items():
        requests.setdefault(name, value)


def _default_tolerations(spec: Obj) -> None:
    tolerations = spec.setdefault("tolerations", [])
    for key in _NO_EXECUTE_TAINTS:
        covered = any(
            (t.get("key") == key or (not t.get("key") and t.get("operator") == "Exists"))
            and t.get("effect") in (None, "", "NoExecute")
            for t in tolerations
        )
        if not covered:
            tolerations.append(
                {
                    "key": key,
                    "operator": "Exists",
                    "effect": "NoExecute",
                    "tolerationSeconds": DEFAULT_TOLERATION_SECONDS,
                }
            )


def _same(a: Any, b: Any) -> bool:
    try:
        return parse_quantity(a) == parse_quantity(b)
    except (QuantityError, TypeError, AttributeError):
        return bool(a == b)


def qos_class(spec: Mapping[str, Any]) -> str:
    """Guaranteed, Burstable or BestEffort, from cpu/memory requests and limits."""
    ctrs = [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]
    any_set, guaranteed = False, True
    for ctr in ctrs:
        resources = ctr.get("resources") or {}
        requests, limits = resources.get("requests") or {}, resources.get("limits") or {}
        for name in ("cpu", "memory"):
            if name in requests or name in limits:
                any_set = True
            if name not in limits or not _same(requests.get(name, limits[name]), limits[name]):
                guaranteed = False
    if not any_set:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


def default_pod(pod: Obj) -> None:
    spec = pod.setdefault("spec", {})
    if not isinstance(spec, dict):
        return
    for key in ("initContainers", "containers"):
        for ctr in spec.get(key) or []:
            if isinstance(ctr, dict):
                _requests_from_limits(ctr)
    default_pod_spec(spec)
    spec.setdefault("enableServiceLinks", True)
    if not spec.get("serviceAccountName"):
        spec["serviceAccountName"] = spec.get("serviceAccount") or "default"
    spec.setdefault("serviceAccount", spec["serviceAccountName"])
    spec.setdefault("priority", 0)
    spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
    _default_tolerations(spec)
    status = pod.setdefault("status", {})
    if isinstance(status, dict):
        status.setdefault("phase", "Pending")
        status.setdefault("qosClass", qos_class(spec))


def default_template(template: Any) -> None:
    if isinstance(template, dict):
        spec = template.setdefault("spec", {})
        if isinstance(spec, dict):
            default_pod_spec(spec)
