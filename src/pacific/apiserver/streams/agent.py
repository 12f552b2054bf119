"""Finding the agent that runs a pod, and dialing it.

A pod's agent is its Node's: the first of status.addresses by type (InternalIP,
ExternalIP, Hostname) and status.daemonEndpoints.kubeletEndpoint.Port (10250 when unset),
as kube-apiserver picks the kubelet. The API server dials it over TLS, verifying the
agent's serving certificate against the cluster CA, and presents its own client
certificate (CN system:pacific-apiserver). Every leg is a WebSocket (see
`pacific.agent.server.app` for the paths); an agent's refusal is an HTTP error with a
`Status` body, re-raised here as the same APIError so the user sees the agent's message.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidHandshake, InvalidStatus
from websockets.typing import Subprotocol

from pacific.api.errors import APIError, BadRequest, InternalError, NotFound
from pacific.apiserver.config import ServerConfig
from pacific.apiserver.context import Server

ADDRESS_ORDER = ("InternalIP", "ExternalIP", "Hostname")
DEFAULT_AGENT_PORT = 10250
MAX_MESSAGE = 4 * 1024 * 1024

Obj = dict[str, Any]


@dataclass(frozen=True, slots=True)
class PodOnAgent:
    pod: Obj
    base_url: str  # wss://host:port
    server_hostname: str

    @property
    def namespace(self) -> str:
        return str(self.pod["metadata"]["namespace"])

    @property
    def name(self) -> str:
        return str(self.pod["metadata"]["name"])

    def url(self, kind: str, container: str, query: Mapping[str, Any]) -> str:
        meta = self.pod["metadata"]
        parts = [kind, meta["namespace"], meta["name"], meta.get("uid", "")]
        if container:
            parts.append(container)
        path = "/".join(quote(str(p), safe="") for p in parts)
        suffix = f"?{urlencode(query, doseq=True)}" if query else ""
        return f"{self.base_url}/{path}{suffix}"


def agent_address(node: Obj) -> tuple[str, int]:
    """(host, port) of a Node's agent; BadRequest when it publishes none."""
    status = node.get("status") or {}
    addresses = status.get("addresses") or []
    for kind in ADDRESS_ORDER:
        for address in addresses:
            if address.get("type") == kind and address.get("address"):
                endpoint = (status.get("daemonEndpoints") or {}).get("kubeletEndpoint") or {}
                return str(address["address"]), int(endpoint.get("Port") or DEFAULT_AGENT_PORT)
    name = (node.get("metadata") or {}).get("name", "")
    raise BadRequest(f'node "{name}" has no address for its agent')


async def locate(server: Server, namespace: str, name: str) -> PodOnAgent:
    pods = server.kinds.by_resource("", "v1", "pods")
    nodes = server.kinds.by_resource("", "v1", "nodes")
    if pods is None or nodes is None:
        raise NotFound("the server could not find the requested resource")
    pod = await server.registry.get(pods, namespace, name)
    node_name = (pod.get("spec") or {}).get("nodeName")
    if not node_name:
        raise BadRequest(f"pod {name} does not have a host assigned")
    node = await server.registry.get(nodes, None, node_name)
    host, port = agent_address(node)
    shown = f"[{host}]" if ":" in host else host
    return PodOnAgent(pod, f"wss://{shown}:{port}", host)


def client_tls(config: ServerConfig) -> ssl.SSLContext:
    if config.agent_client_cert_path is None or config.agent_client_key_path is None:
        raise InternalError("the API server has no client certificate for node agents")
    ca = config.agent_ca_path or config.client_ca_path
    ctx = ssl.create_default_context(cafile=str(ca) if ca is not None else None)
    ctx.load_cert_chain(str(config.agent_client_cert_path), str(config.agent_client_key_path))
    return ctx


def _refusal(err: InvalidStatus) -> APIError:
    response = err.response
    try:
        status = orjson.loads(response.body)
        message = str(status["message"])
    except (orjson.JSONDecodeError, KeyError, TypeError):
        message = f"the node agent answered {response.status_code}"
    if response.status_code == 404:
        return NotFound(message)
    if response.status_code == 400:
        return BadRequest(message)
    return InternalError(message)


async def dial(
    config: ServerConfig,
    target: PodOnAgent,
    url: str,
    subprotocols: Sequence[str] = (),
) -> ClientConnection:
    """Open the WebSocket to the agent; agent refusals become APIErrors."""
    try:
        return await connect(
            url,
            ssl=client_tls(config),
            server_hostname=target.server_hostname,
            subprotocols=[Subprotocol(p) for p in subprotocols] or None,
            compression=None,
            max_size=MAX_MESSAGE,
            ping_interval=None,
            proxy=None,
            open_timeout=10,
        )
    except InvalidStatus as err:
        raise _refusal(err) from err
    except (OSError, InvalidHandshake, TimeoutError) as err:
        raise InternalError(f"error dialing backend: {err}") from err
