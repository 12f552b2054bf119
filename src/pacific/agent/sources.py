"""What a pod's configuration reads from the API and the host: ConfigMaps, Secrets, IPs.

`fetch_sources` gathers, for one pod, every ConfigMap and Secret its env, envFrom,
volumes and imagePullSecrets name (a missing one is simply absent: `podspec` and
`volumes` decide whether that is an error, by `optional`), plus the pod's and host's
addresses and the host's allocatable cpu and memory (resource limits default to them in
the downward API). Secret data is decoded from base64 here, once.
"""

from __future__ import annotations

import base64
import contextlib
from dataclasses import dataclass
from typing import Any

from pacific.agent.podspec import EnvSources, referenced
from pacific.api import kinds
from pacific.api.errors import NotFound
from pacific.api.resources import ResourceType
from pacific.client import Client

Obj = dict[str, Any]


@dataclass(frozen=True, slots=True)
class HostFacts:
    node_name: str
    host_ip: str
    cpu: int  # allocatable cores
    memory: int  # allocatable bytes


def resource(group: str, kind: str) -> ResourceType:
    rt = kinds.by_kind(group, "v1", kind)
    if rt is None:
        raise RuntimeError(f"kind {group}/v1 {kind} is not registered")
    return rt


def decode_secret(secret: Obj) -> dict[str, bytes]:
    return {k: base64.b64decode(v) for k, v in (secret.get("data") or {}).items()}


async def fetch_sources(client: Client, pod: Obj, host: HostFacts, pod_ip: str) -> EnvSources:
    namespace = pod["metadata"]["namespace"]
    cm_names, secret_names = referenced(pod)
    pull = (pod.get("spec") or {}).get("imagePullSecrets") or ()
    secret_names |= {str(r.get("name")) for r in pull}
    cms: dict[str, dict[str, str]] = {}
    secrets: dict[str, dict[str, bytes]] = {}
    for name in sorted(cm_names):
        with contextlib.suppress(NotFound):
            obj = await client.get(resource("", "ConfigMap"), name, namespace)
            cms[name] = dict(obj.get("data") or {})
    for name in sorted(secret_names):
        with contextlib.suppress(NotFound):
            obj = await client.get(resource("", "Secret"), name, namespace)
            secrets[name] = decode_secret(obj)
    return EnvSources(
        cms,
        secrets,
        pod_ip=pod_ip,
        host_ip=host.host_ip,
        node_cpu=host.cpu,
        node_memory=host.memory,
    )
