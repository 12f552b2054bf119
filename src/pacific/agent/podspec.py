"""Pod -> SandboxConfig / ContainerConfig translation, as pure functions.

What a container runs (Kubernetes' rules with the image config): `command` replaces the
image's Entrypoint and drops its Cmd; `args` alone replace Cmd; neither keeps both. The
environment is the image's `Env`, then the container's `envFrom` sources in order, then
its `env` entries (later names win), with `$(VAR)` references expanded against what is
defined before them (`$$` escapes). `$(VAR)` is expanded in command and args the same way.
Values come from `EnvSources` (ConfigMaps and Secrets the sync loop fetched, the pod's
IPs): a missing non-optional key raises `ConfigError`, which kubelet shows as the waiting
reason CreateContainerConfigError.

Resources: cpu requests -> shares (millicores * 1024 / 1000, at least 2), cpu limits ->
quota over a 100 ms period, memory limits -> bytes. The pod's cgroup parent follows its
QoS class as kubelet's does: `<root>/pod<uid>` for Guaranteed, `<root>/burstable/...`,
`<root>/besteffort/...`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pacific.agent.runtimes.protocol import ContainerConfig, Mount, Resources, SandboxConfig
from pacific.api.defaults.pod import qos_class
from pacific.api.validation.quantity import QuantityError, parse_quantity

Obj = dict[str, Any]
POD_UID_LABEL = "io.kubernetes.pod.uid"
POD_NAME_LABEL = "io.kubernetes.pod.name"
POD_NAMESPACE_LABEL = "io.kubernetes.pod.namespace"
CONTAINER_NAME_LABEL = "io.kubernetes.container.name"
TTY_LABEL = "pacific.dev/tty"  # attach needs to know the container has a terminal
POD_IP_LABEL = "pacific.dev/pod-ip"
_REF = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.\-]*)\)")


class ConfigError(Exception):
    """The pod's configuration cannot be resolved (CreateContainerConfigError)."""

    reason = "CreateContainerConfigError"


@dataclass(frozen=True, slots=True)
class EnvSources:
    config_maps: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # name -> data
    secrets: Mapping[str, Mapping[str, bytes]] = field(default_factory=dict)  # name -> data
    pod_ip: str = ""
    host_ip: str = ""
    node_cpu: int = 1  # allocatable cores: limits default to the node's when unset
    node_memory: int = 0  # allocatable bytes


@dataclass(frozen=True, slots=True)
class ImageFacts:
    image_id: str
    layers: tuple[Path, ...]
    config: Mapping[str, Any] = field(default_factory=dict)  # the image config's "config"


def expand(text: str, env: Mapping[str, str]) -> str:
    """Kubernetes' $(VAR) expansion: known names are replaced, unknown kept, $$ -> $."""

    def repl(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        name = m.group(1)
        return env[name] if name in env else m.group(0)

    return _REF.sub(repl, text)


def referenced(pod: Obj) -> tuple[set[str], set[str]]:
    """The (ConfigMap names, Secret names) the pod's env, envFrom and volumes name."""
    cms: set[str] = set()
    secrets: set[str] = set()
    spec = pod.get("spec") or {}
    for c in [*(spec.get("initContainers") or ()), *(spec.get("containers") or ())]:
        for src in c.get("envFrom") or ():
            if (ref := src.get("configMapRef")) and ref.get("name"):
                cms.add(ref["name"])
            if (ref := src.get("secretRef")) and ref.get("name"):
                secrets.add(ref["name"])
        for env in c.get("env") or ():
            source = env.get("valueFrom") or {}
            if (ref := source.get("configMapKeyRef")) and ref.get("name"):
                cms.add(ref["name"])
            if (ref := source.get("secretKeyRef")) and ref.get("name"):
                secrets.add(ref["name"])
    for vol in spec.get("volumes") or ():
        if (cm := vol.get("configMap")) and cm.get("name"):
            cms.add(cm["name"])
        if (sec := vol.get("secret")) and sec.get("secretName"):
            secrets.add(sec["secretName"])
        for proj in (vol.get("projected") or {}).get("sources") or ():
            if (cm := proj.get("configMap")) and cm.get("name"):
                cms.add(cm["name"])
            if (sec := proj.get("secret")) and sec.get("name"):
                secrets.add(sec["name"])
    return cms, secrets


def field_value(pod: Obj, path: str, sources: EnvSources) -> str:
    """A downward API `fieldRef.fieldPath` value."""
    meta = pod.get("metadata") or {}
    spec = pod.get("spec") or {}
    m = re.fullmatch(r"metadata\.(labels|annotations)\['(.+)'\]", path)
    if m:
        return str((meta.get(m.group(1)) or {}).get(m.group(2), ""))
    simple = {
        "metadata.name": meta.get("name", ""),
        "metadata.namespace": meta.get("namespace", ""),
        "metadata.uid": meta.get("uid", ""),
        "spec.nodeName": spec.get("nodeName", ""),
        "spec.serviceAccountName": spec.get("serviceAccountName", ""),
        "status.hostIP": sources.host_ip,
        "status.hostIPs": sources.host_ip,
        "status.podIP": sources.pod_ip,
        "status.podIPs": sources.pod_ip,
    }
    if path in simple:
        return str(simple[path])
    if path == "metadata.labels":
        return _pairs(meta.get("labels") or {})
    if path == "metadata.annotations":
        return _pairs(meta.get("annotations") or {})
    raise ConfigError(f"unsupported fieldPath {path!r}")


def _pairs(values: Mapping[str, Any]) -> str:
    return "".join(f'{k}="{v}"\n' for k, v in sorted(values.items()))


def resource_value(container: Obj, resource: str, divisor: str, sources: EnvSources) -> str:
    """A downward API `resourceFieldRef` value: ceil(quantity / divisor)."""
    kind, _, name = resource.partition(".")
    res = container.get("resources") or {}
    raw = (res.get(kind) or {}).get(name)
    if raw is None and kind == "limits":
        raw = sources.node_cpu if name == "cpu" else sources.node_memory
    if raw is None:
        raw = 0
    try:
        value = parse_quantity(raw)
        div = parse_quantity(divisor or "1")
    except QuantityError as exc:
        raise ConfigError(f"bad quantity for {resource}: {exc}") from exc
    if div <= 0:
        raise ConfigError(f"bad divisor {divisor!r}")
    return str(math.ceil(value / div))


def _from_source(pod: Obj, container: Obj, source: Obj, sources: EnvSources) -> str | None:
    """One `valueFrom`; None when an optional reference is missing."""
    if (ref := source.get("configMapKeyRef")) is not None:
        data = sources.config_maps.get(str(ref.get("name", "")))
        if data is None or ref.get("key") not in data:
            if ref.get("optional"):
                return None
            if data is None:
                raise ConfigError(f'configmap "{ref.get("name")}" not found')
            raise ConfigError(f"couldn't find key {ref.get('key')} in ConfigMap {ref.get('name')}")
        return data[str(ref["key"])]
    if (ref := source.get("secretKeyRef")) is not None:
        secret = sources.secrets.get(str(ref.get("name", "")))
        if secret is None or ref.get("key") not in secret:
            if ref.get("optional"):
                return None
            raise ConfigError(
                f'secret "{ref.get("name")}" not found or has no key {ref.get("key")!r}'
            )
        return secret[str(ref["key"])].decode(errors="replace")
    if (ref := source.get("fieldRef")) is not None:
        return field_value(pod, str(ref.get("fieldPath", "")), sources)
    if (ref := source.get("resourceFieldRef")) is not None:
        return resource_value(
            container, str(ref.get("resource", "")), str(ref.get("divisor") or "1"), sources
        )
    raise ConfigError("valueFrom names no source")


def container_env(
    pod: Obj, container: Obj, image_env: Sequence[str], sources: EnvSources
) -> tuple[tuple[str, str], ...]:
    env: dict[str, str] = {}
    for item in image_env:
        key, _, value = item.partition("=")
        env[key] = value
    for src in container.get("envFrom") or ():
        prefix = str(src.get("prefix") or "")
        if (ref := src.get("configMapRef")) is not None:
            cm = sources.config_maps.get(str(ref.get("name", "")))
            if cm is None and not ref.get("optional"):
                raise ConfigError(f'configmap "{ref.get("name")}" not found')
            env.update({prefix + k: v for k, v in (cm or {}).items()})
        if (ref := src.get("secretRef")) is not None:
            sec = sources.secrets.get(str(ref.get("name", "")))
            if sec is None and not ref.get("optional"):
                raise ConfigError(f'secret "{ref.get("name")}" not found')
            env.update({prefix + k: v.decode(errors="replace") for k, v in (sec or {}).items()})
    for item in container.get("env") or ():
        name = str(item.get("name", ""))
        if item.get("valueFrom"):
            found = _from_source(pod, container, item["valueFrom"], sources)
            if found is not None:
                env[name] = found
        else:
            env[name] = expand(str(item.get("value", "")), env)
    return tuple(env.items())


def command_line(
    container: Obj, image_config: Mapping[str, Any], env: Mapping[str, str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(command, args) after merging with the image's Entrypoint/Cmd and expanding $(VAR)."""
    command = container.get("command")
    args = container.get("args")
    if command:
        cmd, arg = list(command), list(args or ())
    else:
        cmd = list(image_config.get("Entrypoint") or ())
        arg = list(args) if args else list(image_config.get("Cmd") or ())
    return tuple(expand(str(c), env) for c in cmd), tuple(expand(str(a), env) for a in arg)


def _millicores(raw: Any) -> int:
    return int(parse_quantity(raw) * 1000)


def resources(container: Obj) -> Resources:
    res = container.get("resources") or {}
    requests, limits = res.get("requests") or {}, res.get("limits") or {}
    shares = 2
    if "cpu" in requests:
        shares = max(2, _millicores(requests["cpu"]) * 1024 // 1000)
    quota = 0
    if "cpu" in limits:
        quota = max(1000, _millicores(limits["cpu"]) * 100_000 // 1000)
    memory = int(parse_quantity(limits["memory"])) if "memory" in limits else 0
    return Resources(cpu_shares=shares, cpu_quota_us=quota, memory_limit_bytes=memory)


def pod_resources(pod: Obj) -> Resources:
    """The pod's total (the sum of its containers), for VM sizing."""
    total_cpu = total_mem = 0
    for c in (pod.get("spec") or {}).get("containers") or ():
        r = resources(c)
        total_cpu += r.cpu_quota_us
        total_mem += r.memory_limit_bytes
    return Resources(cpu_quota_us=total_cpu, memory_limit_bytes=total_mem)


def cgroup_parent(pod: Obj, root: str) -> str:
    qos = qos_class(pod.get("spec") or {})
    uid = str((pod.get("metadata") or {}).get("uid", ""))
    if qos == "Guaranteed":
        return f"{root}/pod{uid}"
    return f"{root}/{qos.lower()}/pod{uid}"


def pod_labels(pod: Obj) -> dict[str, str]:
    meta = pod.get("metadata") or {}
    return {
        POD_UID_LABEL: str(meta.get("uid", "")),
        POD_NAME_LABEL: str(meta.get("name", "")),
        POD_NAMESPACE_LABEL: str(meta.get("namespace", "")),
    }


def sandbox_config(
    pod: Obj,
    *,
    attempt: int,
    netns_path: Path | None,
    pod_ip: str,
    log_directory: Path,
    cgroup_root: str,
    dns_servers: tuple[str, ...] = (),
) -> SandboxConfig:
    meta = pod.get("metadata") or {}
    spec = pod.get("spec") or {}
    namespace = str(meta.get("namespace", ""))
    labels = {**pod_labels(pod), POD_IP_LABEL: pod_ip}
    return SandboxConfig(
        pod_uid=str(meta.get("uid", "")),
        namespace=namespace,
        name=str(meta.get("name", "")),
        attempt=attempt,
        hostname=str(spec.get("hostname") or meta.get("name", ""))[:63],
        netns_path=netns_path,
        log_directory=log_directory,
        cgroup_parent=cgroup_parent(pod, cgroup_root),
        dns_servers=dns_servers,
        dns_searches=(f"{namespace}.svc.cluster.local", "svc.cluster.local", "cluster.local"),
        labels=labels,
        annotations=dict(meta.get("annotations") or {}),
        resources=pod_resources(pod),
    )


def _security(pod: Obj, container: Obj) -> tuple[int | None, int | None, bool, bool]:
    pod_sc = (pod.get("spec") or {}).get("securityContext") or {}
    sc = container.get("securityContext") or {}
    user = sc.get("runAsUser", pod_sc.get("runAsUser"))
    group = sc.get("runAsGroup", pod_sc.get("runAsGroup"))
    return (
        int(user) if user is not None else None,
        int(group) if group is not None else None,
        bool(sc.get("readOnlyRootFilesystem")),
        bool(sc.get("privileged")),
    )


def container_mounts(container: Obj, volume_dirs: Mapping[str, Path]) -> tuple[Mount, ...]:
    mounts = []
    for vm in container.get("volumeMounts") or ():
        name = str(vm.get("name", ""))
        if name not in volume_dirs:
            raise ConfigError(f'volume "{name}" is not available')
        host = volume_dirs[name]
        if vm.get("subPath"):
            host = host / str(vm["subPath"])
        mounts.append(Mount(host, str(vm.get("mountPath", "")), read_only=bool(vm.get("readOnly"))))
    return tuple(mounts)


def container_config(
    pod: Obj,
    container: Obj,
    *,
    attempt: int,
    image: ImageFacts,
    sources: EnvSources,
    volume_dirs: Mapping[str, Path],
    log_path: Path,
) -> ContainerConfig:
    image_env = list(image.config.get("Env") or ())
    env = container_env(pod, container, image_env, sources)
    command, args = command_line(container, image.config, dict(env))
    user, group, read_only, privileged = _security(pod, container)
    if user is None and image.config.get("User", "").isdigit():
        user = int(image.config["User"])
    name = str(container.get("name", ""))
    return ContainerConfig(
        name=name,
        attempt=attempt,
        image=str(container.get("image", "")),
        image_id=image.image_id,
        rootfs_layers=image.layers,
        command=command,
        args=args,
        env=env,
        working_dir=str(container.get("workingDir") or image.config.get("WorkingDir") or ""),
        mounts=container_mounts(container, volume_dirs),
        resources=resources(container),
        run_as_user=user,
        run_as_group=group,
        read_only_rootfs=read_only,
        privileged=privileged,
        tty=bool(container.get("tty")),
        stdin=bool(container.get("stdin")),
        stdin_once=bool(container.get("stdinOnce")),
        log_path=log_path,
        labels={
            **pod_labels(pod),
            CONTAINER_NAME_LABEL: name,
            **({TTY_LABEL: "true"} if container.get("tty") else {}),
        },
    )


def find_container(pod: Obj, name: str) -> Obj | None:
    spec = pod.get("spec") or {}
    for c in [*(spec.get("initContainers") or ()), *(spec.get("containers") or ())]:
        if c.get("name") == name:
            return dict(c)
    return None


def grace_seconds(pod: Obj, default: int) -> int:
    meta = pod.get("metadata") or {}
    value = meta.get("deletionGracePeriodSeconds")
    if value is None:
        value = (pod.get("spec") or {}).get("terminationGracePeriodSeconds", default)
    return max(0, int(value if value is not None else default))
