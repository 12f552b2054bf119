"""Streaming pod subresources: log, exec, attach, portforward, relayed to the pod's agent.

    GET  pods/{name}/log                       -> `logs.stream_log` (chunked text/plain)
    WS   pods/{name}/exec|attach               -> `sessions.relay_session` (v5/v4 channels)
    WS   pods/{name}/portforward  v5/v4        -> `forward.serve_channels` (Python client)
    WS   pods/{name}/portforward  SPDY tunnel  -> `spdy_session.serve_spdy` (kubectl)

The API server has authenticated the user before any of this runs (RBAC is not enforced
yet, see `apiserver.auth`). The agent is found and dialed (`agent`) before the client's
WebSocket is accepted, so every refusal (no such pod or container, pod not on a host,
agent unreachable) reaches the client as an HTTP error with a `Status`. A plain (not
upgraded) request for exec/attach/portforward, which is how kubectl's SPDY fallback
arrives, gets 400 "Upgrade request required" once the pod checks pass: raw SPDY
upgrades are not served: kubectl 1.32 uses the WebSocket forms first.
"""

from __future__ import annotations

from pacific.api.errors import APIError, BadRequest, MethodNotAllowed
from pacific.apiserver.context import Call, Server
from pacific.apiserver.streams import asgi, forward, logs, sessions, spdy_session
from pacific.apiserver.streams.agent import dial, locate
from pacific.apiserver.streams.containers import pick
from pacific.streams import channels

SUBRESOURCES = frozenset({"log", "exec", "attach", "portforward"})


def offered_subprotocols(scope: asgi.Scope) -> list[str]:
    return [str(p).strip() for p in scope.get("subprotocols") or []]


async def serve_http(server: Server, call: Call, send: asgi.Send, receive: asgi.Receive) -> None:
    """A plain HTTP request for a streaming subresource (raises APIError before sending)."""
    sub = call.route.subresource
    if sub == "log":
        if call.method not in ("GET", "HEAD"):
            raise MethodNotAllowed(
                "the server does not allow this method on the requested resource"
            )
        await logs.stream_log(server, call, send, receive)
        return
    # kubectl falls back to SPDY after any failed WebSocket upgrade, so this request is
    # what shows the user why: ask the agent as the upgrade would, then refuse the SPDY.
    target = await locate(server, call.namespace or "", call.route.name)
    query = {k: [v] for k, v in call.query.items()}  # for the agent's checks only
    if sub in ("exec", "attach"):
        container = pick(target.pod, call.query.get("container", ""))
        url = target.url(sub, container, sessions.agent_query(sub, query))
    else:
        url = target.url("portForward", "", {"port": (query.get("ports") or ["0"])[0]})
    upstream = await dial(server.config, target, url, [channels.V5] if sub != "portforward" else ())
    await upstream.close()
    raise BadRequest("Upgrade request required")


async def serve_websocket(
    server: Server,
    scope: asgi.Scope,
    receive: asgi.Receive,
    send: asgi.Send,
    *,
    namespace: str,
    name: str,
    subresource: str,
    query: dict[str, list[str]],
) -> None:
    """A WebSocket request for exec, attach or portforward; refusals deny the upgrade."""
    try:
        if subresource not in ("exec", "attach", "portforward"):
            raise BadRequest(f"pods/{subresource} is not served over WebSocket")
        target = await locate(server, namespace, name)
        offered = offered_subprotocols(scope)
        if subresource != "portforward":
            await sessions.relay_session(server, target, subresource, query, offered, receive, send)
        elif channels.PORT_FORWARD_SPDY_TUNNEL in offered:
            await spdy_session.serve_spdy(server, target, receive, send)
        else:
            protocol = channels.choose(offered)
            if protocol is None:
                raise BadRequest(f"unable to upgrade: no supported subprotocol in {offered}")
            await forward.serve_channels(server, target, query, protocol, receive, send)
    except APIError as err:
        await asgi.deny(send, err)


__all__ = ["SUBRESOURCES", "serve_http", "serve_websocket"]
