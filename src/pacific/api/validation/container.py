"""Container validation (kube's validateContainers / validateInitContainers).

One container is checked against the pod's volume names: name (DNS label), image,
pull and termination-message policies, ports, env, volume mounts, probes and resources.
Uniqueness of container names is the pod's job (it spans init and regular containers); host
ports are unique per pod, so their set is passed in and filled as containers are checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pacific.api.errors import Cause
from pacific.api.validation.field import (
    duplicate,
    forbidden,
    invalid,
    nonnegative,
    not_found,
    not_supported,
    required,
)
from pacific.api.validation.names import (
    config_key_errors,
    dns1123_label_errors,
    env_var_name_errors,
    port_name_errors,
    port_number_errors,
)
from pacific.api.validation.resources import validate_resource_requirements

PROTOCOLS = ("SCTP", "TCP", "UDP")
PULL_POLICIES = ("Always", "IfNotPresent", "Never")
MESSAGE_POLICIES = ("File", "FallbackToLogsOnError")
HANDLERS = ("exec", "httpGet", "tcpSocket", "grpc")
PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
ENV_SOURCES = ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef")


def validate_port_num_or_name(port: Any, path: str) -> list[Cause]:
    """An IntOrString port: 1-65535, or an IANA service name."""
    if isinstance(port, int) and not isinstance(port, bool):
        return [invalid(path, port, msg) for msg in port_number_errors(port)]
    if isinstance(port, str):
        return [invalid(path, port, msg) for msg in port_name_errors(port)]
    return [required(path)]


def validate_ports(ports: Any, path: str, host_ports: set[str]) -> list[Cause]:
    errs: list[Cause] = []
    names: set[str] = set()
    for i, port in enumerate(ports or []):
        p = f"{path}[{i}]"
        name = port.get("name") or ""
        if name:
            msgs = port_name_errors(name)
            errs += [invalid(f"{p}.name", name, msg) for msg in msgs]
            if not msgs and name in names:
                errs.append(duplicate(f"{p}.name", name))
            names.add(name)
        container_port = port.get("containerPort") or 0
        if not container_port:
            errs.append(required(f"{p}.containerPort"))
        else:
            errs += [
                invalid(f"{p}.containerPort", container_port, msg)
                for msg in port_number_errors(container_port)
            ]
        protocol = port.get("protocol") or ""
        host_port = port.get("hostPort") or 0
        if host_port:
            errs += [
                invalid(f"{p}.hostPort", host_port, msg) for msg in port_number_errors(host_port)
            ]
            key = f"{port.get('hostIP') or ''}/{protocol}:{host_port}"
            if key in host_ports:
                errs.append(duplicate(f"{p}.hostPort", key))
            host_ports.add(key)
        if not protocol:
            errs.append(required(f"{p}.protocol"))
        elif protocol not in PROTOCOLS:
            errs.append(not_supported(f"{p}.protocol", protocol, PROTOCOLS))
    return errs


def _validate_env_source(source: Any, path: str) -> list[Cause]:
    if not isinstance(source, Mapping):
        return []
    given = [s for s in ENV_SOURCES if source.get(s) is not None]
    if not given:
        return [
            invalid(
                path,
                "",
                "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or "
                "`secretKeyRef`",
            )
        ]
    if len(given) > 1:
        return [invalid(path, "", "may not have more than one field specified at a time")]
    ref = source[given[0]]
    p = f"{path}.{given[0]}"
    errs = []
    if given[0] in ("configMapKeyRef", "secretKeyRef"):
        if not ref.get("name"):
            errs.append(required(f"{p}.name"))
        key = ref.get("key") or ""
        if not key:
            errs.append(required(f"{p}.key"))
        else:
            errs += [invalid(f"{p}.key", key, msg) for msg in config_key_errors(key)]
    elif given[0] == "fieldRef" and not ref.get("fieldPath"):
        errs.append(required(f"{p}.fieldPath"))
    elif given[0] == "resourceFieldRef" and not ref.get("resource"):
        errs.append(required(f"{p}.resource"))
    return errs


def validate_env(env: Any, path: str) -> list[Cause]:
    errs: list[Cause] = []
    for i, var in enumerate(env or []):
        p = f"{path}[{i}]"
        name = var.get("name") or ""
        if not name:
            errs.append(required(f"{p}.name"))
        else:
            errs += [invalid(f"{p}.name", name, msg) for msg in env_var_name_errors(name)]
        source = var.get("valueFrom")
        if source is not None:
            if var.get("value"):
                errs.append(
                    invalid(f"{p}.valueFrom", "", "may not be specified when `value` is not empty")
                )
            errs += _validate_env_source(source, f"{p}.valueFrom")
    return errs


def validate_volume_mounts(mounts: Any, path: str, volumes: set[str]) -> list[Cause]:
    errs: list[Cause] = []
    seen: set[str] = set()
    for i, mount in enumerate(mounts or []):
        p = f"{path}[{i}]"
        name = mount.get("name") or ""
        if not name:
            errs.append(required(f"{p}.name"))
        if name not in volumes:
            errs.append(not_found(f"{p}.name", name))
        mount_path = mount.get("mountPath") or ""
        if not mount_path:
            errs.append(required(f"{p}.mountPath"))
        if mount_path in seen:
            errs.append(invalid(f"{p}.mountPath", mount_path, "must be unique"))
        seen.add(mount_path)
        sub_path = mount.get("subPath") or ""
        if sub_path.startswith("/"):
            errs.append(invalid(f"{path}.subPath", sub_path, "must be a relative path"))
        if ".." in sub_path.split("/"):
            errs.append(invalid(f"{path}.subPath", sub_path, "must not contain '..'"))
    return errs


def _validate_handler(probe: Mapping[str, Any], path: str) -> list[Cause]:
    given = [h for h in HANDLERS if probe.get(h) is not None]
    if not given:
        return [required(path, "must specify a handler type")]
    if len(given) > 1:
        return [forbidden(f"{path}.{given[1]}", "may not specify more than 1 handler type")]
    handler, p = probe[given[0]], f"{path}.{given[0]}"
    errs = []
    if given[0] == "exec" and not handler.get("command"):
        errs.append(required(f"{p}.command"))
    if given[0] == "httpGet":
        if not handler.get("path"):
            errs.append(required(f"{p}.path"))
        scheme = handler.get("scheme") or ""
        if scheme not in ("HTTP", "HTTPS"):
            errs.append(not_supported(f"{p}.scheme", scheme, ("HTTP", "HTTPS")))
    if given[0] in ("httpGet", "tcpSocket"):
        errs += validate_port_num_or_name(handler.get("port"), f"{p}.port")
    if given[0] == "grpc":
        port = handler.get("port")
        if not isinstance(port, int) or isinstance(port, bool):
            errs.append(required(f"{p}.port"))
        else:
            errs += [invalid(f"{p}.port", port, msg) for msg in port_number_errors(port)]
    return errs


def validate_probe(probe: Any, path: str) -> list[Cause]:
    if not isinstance(probe, Mapping):
        return []
    errs = _validate_handler(probe, path)
    for key in (
        "initialDelaySeconds",
        "timeoutSeconds",
        "periodSeconds",
        "successThreshold",
        "failureThreshold",
    ):
        errs += nonnegative(f"{path}.{key}", probe.get(key))
    grace = probe.get("terminationGracePeriodSeconds")
    if isinstance(grace, int) and grace <= 0:
        errs.append(
            invalid(f"{path}.terminationGracePeriodSeconds", grace, "must be greater than 0")
        )
    return errs


def validate_container(
    ctr: Mapping[str, Any], path: str, volumes: set[str], host_ports: set[str], *, init: bool
) -> list[Cause]:
    """Everything about one container except uniqueness of its name within the pod."""
    errs: list[Cause] = []
    name = ctr.get("name") or ""
    if not name:
        errs.append(required(f"{path}.name"))
    else:
        errs += [invalid(f"{path}.name", name, msg) for msg in dns1123_label_errors(name)]
    image = ctr.get("image") or ""
    if not image:
        errs.append(required(f"{path}.image"))
    elif image.strip() != image:
        errs.append(invalid(f"{path}.image", image, "must not have leading or trailing whitespace"))
    policy = ctr.get("imagePullPolicy") or ""
    if not policy:
        errs.append(required(f"{path}.imagePullPolicy"))
    elif policy not in PULL_POLICIES:
        errs.append(not_supported(f"{path}.imagePullPolicy", policy, PULL_POLICIES))
    message_policy = ctr.get("terminationMessagePolicy") or ""
    if not message_policy:
        errs.append(
            required(
                f"{path}.terminationMessagePolicy", "must be 'File' or 'FallbackToLogsOnError'"
            )
        )
    elif message_policy not in MESSAGE_POLICIES:
        errs.append(
            not_supported(f"{path}.terminationMessagePolicy", message_policy, MESSAGE_POLICIES)
        )
    errs += validate_ports(ctr.get("ports"), f"{path}.ports", host_ports)
    errs += validate_env(ctr.get("env"), f"{path}.env")
    errs += validate_volume_mounts(ctr.get("volumeMounts"), f"{path}.volumeMounts", volumes)
    sidecar = ctr.get("restartPolicy") == "Always"
    for probe in PROBES:
        if init and not sidecar and ctr.get(probe) is not None:
            errs.append(
                forbidden(
                    f"{path}.{probe}",
                    "may not be set for init containers without restartPolicy=Always",
                )
            )
            continue
        errs += validate_probe(ctr.get(probe), f"{path}.{probe}")
        if probe in ("livenessProbe", "startupProbe") and isinstance(ctr.get(probe), Mapping):
            threshold = ctr[probe].get("successThreshold")
            if threshold not in (None, 1):
                errs.append(invalid(f"{path}.{probe}.successThreshold", threshold, "must be 1"))
    restart = ctr.get("restartPolicy")
    if restart is not None:
        if not init:
            errs.append(
                forbidden(f"{path}.restartPolicy", "may not be set for non-init containers")
            )
        elif restart != "Always":
            errs.append(not_supported(f"{path}.restartPolicy", restart, ("Always",)))
    errs += validate_resource_requirements(ctr.get("resources"), f"{path}.resources")
    return errs
