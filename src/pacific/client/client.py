"""The one API client: Kubernetes REST and watch over HTTPS, objects as plain dicts.

Model: a `Client` owns one `httpx.AsyncClient` (HTTP/1.1 keep-alive pool, TLS verified
against the cluster CA, bearer token or client certificate). Every call is addressed by a
`ResourceType`; bodies are encoded and decoded with orjson; every non-2xx answer is raised as
the `pacific.api.errors` class the server raised (see `pacific.client.errors`).

Retries, bounded by `max_retries` and timed on the injected clock:
- 429 with `Retry-After`: the server did not process the request, so any verb is retried
  after the delay it asked for (capped); a 5xx with `Retry-After` only for reads.
- Connection failures: a request that never reached the server (connect error) is retried
  for any verb; one that broke mid-flight only for reads (GET), which are idempotent.
Watches are not retried here: their owner (an `Informer`) decides how to resume.

Namespaces: single-object calls on namespaced resources need a namespace (explicitly, or
from the object's `metadata.namespace` for writes of whole objects); `list`/`watch` without
one cover all namespaces.
"""

from __future__ import annotations

import os
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal, Self

import httpx
import orjson

from pacific import __version__
from pacific.api.resources import ResourceType
from pacific.client import paths
from pacific.client.backoff import exponential_delay
from pacific.client.clock import Clock, SystemClock
from pacific.client.config import ClientConfig, load_kubeconfig, ssl_context
from pacific.client.errors import (
    DecodeError,
    TransportError,
    error_from_response,
    retry_after_seconds,
)
from pacific.client.watch import WatchEvent, decode_event

Obj = dict[str, Any]
PatchType = Literal["merge", "json", "strategic", "apply"]
PatchBody = Obj | list[Any]  # a JSON patch is a list of operations

DEFAULT_USER_AGENT = f"pacific-client/{__version__}"
PATCH_CONTENT_TYPES: dict[str, str] = {
    "merge": "application/merge-patch+json",
    "json": "application/json-patch+json",
    "strategic": "application/strategic-merge-patch+json",
    "apply": "application/apply-patch+yaml",
}
MAX_RETRY_AFTER = 30.0
# Just enough of core/v1 pods to address the binding subresource.
_PODS = ResourceType("", "v1", "Pod", "pods", "pod", namespaced=True)
# Extra read time on a watch beyond its server-side timeout before we call it broken.
WATCH_READ_MARGIN = 30.0


@dataclass(frozen=True, slots=True)
class ObjectList:
    items: list[Obj]
    resource_version: str
    continue_: str | None = None
    remaining_item_count: int | None = field(default=None)


def _metadata(obj: Obj) -> dict[str, Any]:
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        raise ValueError("object has no metadata")
    return meta


def _name(obj: Obj) -> str:
    name = _metadata(obj).get("name")
    if not name:
        raise ValueError("object has no metadata.name")
    return str(name)


def _should_retry(method: str, resp: httpx.Response) -> bool:
    """The server asked us to come back later (Retry-After) and coming back is safe:
    a 429 was never processed; a 5xx may have been, so only reads are repeated."""
    if "retry-after" not in resp.headers:
        return False
    return resp.status_code == 429 or (resp.status_code >= 500 and method == "GET")


class Client:
    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        ca_path: str | None = None,
        client_cert: tuple[str, str] | None = None,
        user_agent: str = DEFAULT_USER_AGENT,
        config: ClientConfig | None = None,
        namespace: str = "default",
        timeout: float = 30.0,
        max_retries: int = 5,
        clock: Clock | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """Connect to `base_url`. `config` (e.g. from a kubeconfig) supplies TLS settings
        beyond `ca_path`/`client_cert`; `transport` replaces the network (tests)."""
        config = config or ClientConfig(
            server=base_url, token=token, ca_path=ca_path, client_cert=client_cert
        )
        self.base_url = base_url.rstrip("/")
        # The connection settings in effect, for components that open their own connections
        # to the same server (the scheduler's bindings); None when `transport` replaces them.
        self.config: ClientConfig | None = config if transport is None else None
        self.namespace = namespace
        self.max_retries = max_retries
        self.clock: Clock = clock or SystemClock()
        headers = {"User-Agent": user_agent, "Accept": "application/json"}
        if config.token:
            headers["Authorization"] = f"Bearer {config.token}"
        verify = ssl_context(config) if self.base_url.startswith("https:") else True
        self._timeout = timeout
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            headers=headers,
            verify=verify,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            limits=httpx.Limits(max_keepalive_connections=32, keepalive_expiry=60.0),
            transport=transport,
            trust_env=False,
        )

    @classmethod
    def from_config(cls, config: ClientConfig, **kwargs: Any) -> Client:
        return cls(config.server, config=config, namespace=config.namespace, **kwargs)

    @classmethod
    def from_kubeconfig(
        cls, path: str | os.PathLike[str] | None = None, context: str | None = None, **kwargs: Any
    ) -> Client:
        """A client for the named (or current) context of a kubeconfig file."""
        return cls.from_config(load_kubeconfig(path, context), **kwargs)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- raw requests ----------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, paths.QueryValue] | None = None,
        body: Any = None,
        content_type: str = "application/json",
    ) -> Any:
        """Send one request (with bounded retries) and return the decoded JSON answer."""
        content = orjson.dumps(body) if body is not None else None
        headers = {"Content-Type": content_type} if content is not None else {}
        query = paths.query(params or {})
        attempt = 0
        while True:
            try:
                resp = await self._http.request(
                    method, path, params=query, content=content, headers=headers
                )
            except httpx.TransportError as exc:
                never_sent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
                if attempt < self.max_retries and (never_sent or method == "GET"):
                    await self.clock.sleep(exponential_delay(attempt, initial=0.1, cap=5.0))
                    attempt += 1
                    continue
                raise TransportError(f"{method} {path}: {exc!r}") from exc
            if _should_retry(method, resp) and attempt < self.max_retries:
                delay = float(retry_after_seconds(resp.headers))
                await self.clock.sleep(min(delay, MAX_RETRY_AFTER))
                attempt += 1
                continue
            if resp.status_code >= 400:
                raise error_from_response(resp.status_code, resp.content, resp.headers)
            if not resp.content:
                return None
            try:
                return orjson.loads(resp.content)
            except orjson.JSONDecodeError as exc:
                raise DecodeError(f"{method} {path}: answer is not JSON") from exc

    async def _object(self, method: str, path: str, **kwargs: Any) -> Obj:
        doc = await self.request(method, path, **kwargs)
        if not isinstance(doc, dict):
            raise DecodeError(f"{method} {path}: expected an object")
        return doc

    # -- typed calls -----------------------------------------------------------------------

    async def get(self, rt: ResourceType, name: str, namespace: str | None = None) -> Obj:
        return await self._object("GET", paths.object_path(rt, name, namespace))

    async def list(
        self,
        rt: ResourceType,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        limit: int | None = None,
        continue_: str | None = None,
        resource_version: str | None = None,
    ) -> ObjectList:
        doc = await self._object(
            "GET",
            paths.collection_path(rt, namespace),
            params={
                "labelSelector": label_selector,
                "fieldSelector": field_selector,
                "limit": limit,
                "continue": continue_,
                "resourceVersion": resource_version,
            },
        )
        meta = doc.get("metadata") or {}
        items = doc.get("items") or []
        for item in items:
            # List items carry no kind/apiVersion on the wire; make every object self-describing.
            item.setdefault("apiVersion", rt.api_version)
            item.setdefault("kind", rt.kind)
        remaining = meta.get("remainingItemCount")
        return ObjectList(
            items=items,
            resource_version=str(meta.get("resourceVersion", "")),
            continue_=meta.get("continue") or None,
            remaining_item_count=int(remaining) if remaining is not None else None,
        )

    async def list_all(
        self,
        rt: ResourceType,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        page_size: int | None = 500,
        resource_version: str | None = None,
    ) -> ObjectList:
        """Every matching object, following continue tokens; one consistent snapshot."""
        items: list[Obj] = []
        token: str | None = None
        while True:
            page = await self.list(
                rt,
                namespace,
                label_selector=label_selector,
                field_selector=field_selector,
                limit=page_size,
                continue_=token,
                resource_version=None if token else resource_version,
            )
            items.extend(page.items)
            token = page.continue_
            if not token:
                return ObjectList(items=items, resource_version=page.resource_version)

    async def create(
        self,
        rt: ResourceType,
        obj: Obj,
        namespace: str | None = None,
        *,
        dry_run: bool = False,
        field_manager: str | None = None,
    ) -> Obj:
        namespace = namespace or _metadata(obj).get("namespace")
        if rt.namespaced and not namespace:
            raise ValueError(f"{rt.qualified} is namespaced: a namespace is required")
        return await self._object(
            "POST",
            paths.collection_path(rt, namespace),
            params={"dryRun": "All" if dry_run else None, "fieldManager": field_manager},
            body=obj,
        )

    async def update(self, rt: ResourceType, obj: Obj, *, field_manager: str | None = None) -> Obj:
        """Replace the object (PUT); its metadata.resourceVersion makes this compare-and-swap."""
        path = paths.object_path(rt, _name(obj), _metadata(obj).get("namespace"))
        return await self._object("PUT", path, params={"fieldManager": field_manager}, body=obj)

    async def update_status(
        self, rt: ResourceType, obj: Obj, *, field_manager: str | None = None
    ) -> Obj:
        """Replace the object's status (PUT …/status); spec changes are ignored by the server."""
        path = paths.object_path(rt, _name(obj), _metadata(obj).get("namespace"), "status")
        return await self._object("PUT", path, params={"fieldManager": field_manager}, body=obj)

    async def patch(
        self,
        rt: ResourceType,
        name: str,
        patch: PatchBody,
        *,
        namespace: str | None = None,
        patch_type: PatchType = "merge",
        subresource: str | None = None,
        field_manager: str | None = None,
        force: bool | None = None,
    ) -> Obj:
        if patch_type not in PATCH_CONTENT_TYPES:
            raise ValueError(f"unknown patch type {patch_type!r}")
        if patch_type == "apply" and not field_manager:
            raise ValueError("server-side apply needs a field_manager")
        return await self._object(
            "PATCH",
            paths.object_path(rt, name, namespace, subresource),
            params={"fieldManager": field_manager, "force": force},
            body=patch,
            content_type=PATCH_CONTENT_TYPES[patch_type],
        )

    async def delete(
        self,
        rt: ResourceType,
        name: str,
        namespace: str | None = None,
        *,
        propagation_policy: str | None = None,
        grace_period_seconds: int | None = None,
        preconditions: dict[str, str] | None = None,
    ) -> Obj | None:
        """Delete; returns the object when it lingers (finalizers, grace), else None."""
        options: Obj = {"kind": "DeleteOptions", "apiVersion": "v1"}
        if propagation_policy is not None:
            options["propagationPolicy"] = propagation_policy
        if grace_period_seconds is not None:
            options["gracePeriodSeconds"] = grace_period_seconds
        if preconditions:
            options["preconditions"] = preconditions
        doc = await self.request("DELETE", paths.object_path(rt, name, namespace), body=options)
        if isinstance(doc, dict) and doc.get("kind") != "Status":
            return doc
        return None

    async def bind(self, pod_namespace: str, pod_name: str, node_name: str) -> None:
        """Bind a pod to a node (POST pods/{name}/binding), as a scheduler does."""
        body = {
            "apiVersion": "v1",
            "kind": "Binding",
            "metadata": {"name": pod_name, "namespace": pod_namespace},
            "target": {"apiVersion": "v1", "kind": "Node", "name": node_name},
        }
        path = paths.object_path(_PODS, pod_name, pod_namespace, "binding")
        await self.request("POST", path, body=body)

    async def watch(
        self,
        rt: ResourceType,
        namespace: str | None = None,
        *,
        resource_version: str,
        label_selector: str | None = None,
        field_selector: str | None = None,
        timeout_seconds: int | None = None,
        allow_bookmarks: bool = True,
    ) -> AsyncGenerator[WatchEvent, None]:
        """Stream changes after `resource_version` ("" or "0": current state first as ADDED).

        Raises `Gone` when the version is too old, other APIErrors for ERROR events, and
        `TransportError` when the stream breaks. Close it early with `aclose()` (or
        `contextlib.aclosing`) to release the connection.
        """
        params = paths.query(
            {
                "watch": True,
                "resourceVersion": resource_version,
                "labelSelector": label_selector,
                "fieldSelector": field_selector,
                "timeoutSeconds": timeout_seconds,
                "allowWatchBookmarks": allow_bookmarks or None,
            }
        )
        read = timeout_seconds + WATCH_READ_MARGIN if timeout_seconds is not None else None
        timeout = httpx.Timeout(self._timeout, read=read)
        path = paths.collection_path(rt, namespace)
        try:
            async with self._http.stream("GET", path, params=params, timeout=timeout) as resp:
                if resp.status_code >= 400:
                    body = await resp.aread()
                    raise error_from_response(resp.status_code, body, resp.headers)
                async for line in resp.aiter_lines():
                    if line.strip():
                        yield decode_event(line)
        except httpx.TransportError as exc:
            raise TransportError(f"watch {path}: {exc!r}") from exc
