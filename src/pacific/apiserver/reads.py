"""GET and LIST handlers, with kube's resourceVersion semantics.

Where a list is served from:
- `resourceVersion=""` (consistent read) without paging: the watch cache once it has
  applied this server's latest write of the type; the list's resourceVersion is the store's
  revision read at the start (the cache state equals the store's state at that revision).
- `resourceVersion="0"`: the cache as it is (any recent state), limit ignored, like kube.
- `resourceVersion=N` (NotOlderThan, the default without limit): the cache once it reached N.
- `resourceVersionMatch=Exact`, or `N` with a limit, or any `continue`: the store at that
  revision (410 Expired once compacted).
- `limit` with `resourceVersion=""`: the store at its latest revision, paged; the opaque
  continue token carries the revision and the last key.
Selectors filter in the server; a page is filled up to `limit` matching items.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

import orjson

from pacific.api.errors import BadRequest, Gone, Timeout
from pacific.api.resources import Obj, ResourceType
from pacific.api.selectors import parse_field_selector, parse_label_selector
from pacific.apiserver import params, render
from pacific.apiserver.context import Call, Response, Server
from pacific.apiserver.negotiation import Output
from pacific.apiserver.registry import decode, parse_resource_version
from pacific.apiserver.watchcache import WatchCache

ObjFilter = Callable[[Obj], bool]

CONTINUE_TOO_OLD = (
    "The provided continue parameter is too old to display a consistent list result. You can "
    "start a new list without the continue parameter."
)


def make_filter(rt: ResourceType, query: dict[str, str]) -> ObjFilter | None:
    """The object predicate from labelSelector/fieldSelector; None selects everything."""
    labels = parse_label_selector(query.get("labelSelector", ""))
    fields = parse_field_selector(rt, query.get("fieldSelector", ""))
    if labels.empty and fields.empty:
        return None
    if fields.empty:
        return lambda obj: labels.matches((obj.get("metadata") or {}).get("labels") or {})
    if labels.empty:
        return fields.matches
    return lambda obj: (
        labels.matches((obj.get("metadata") or {}).get("labels") or {}) and fields.matches(obj)
    )


def encode_continue(revision: int, last_key: str, prefix: str) -> str:
    doc = {"v": "meta.k8s.io/v1", "rv": revision, "start": last_key[len(prefix) :]}
    return base64.urlsafe_b64encode(orjson.dumps(doc)).decode().rstrip("=")


def decode_continue(token: str, prefix: str) -> tuple[int, str]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        doc = orjson.loads(raw)
        revision, start = int(doc["rv"]), str(doc["start"])
    except (binascii.Error, ValueError, KeyError, TypeError, orjson.JSONDecodeError):
        raise BadRequest(
            "continue key is not valid: incorrect encoded start resourceVersion"
        ) from None
    if doc.get("v") != "meta.k8s.io/v1" or ".." in start.split("/"):
        raise BadRequest("continue key is not valid: incorrect encoded start resourceVersion")
    return revision, prefix + start


async def get_object(server: Server, call: Call) -> Response:
    obj = await server.registry.get(call.rt, call.namespace, call.route.name)
    return render.object_response(
        call.rt,
        obj,
        call.output,
        include_object=call.query.get("includeObject", "Metadata"),
        now=server.clock(),
    )


async def synced_cache(server: Server, rt: ResourceType, rv: int | None) -> tuple[WatchCache, int]:
    """The type's cache, caught up as `rv` asks, and the resourceVersion to report.

    None: consistent (every write this server acknowledged is applied); 0: as it is;
    N: not older than N. Raises Timeout when the cache does not get there in time.
    """
    cache = server.caches.of(rt)
    await cache.ready.wait()
    if rv == 0:
        return cache, cache.revision
    current = await server.registry.current_revision()
    wanted = server.registry.last_write.get(rt.prefix(), 0)
    if rv is not None and rv > current:
        wanted = max(wanted, rv)
    if not await cache.wait_for(wanted, server.config.cache_wait_s):
        raise Timeout(f"Too large resource version: {wanted}, current: {cache.revision}")
    return cache, max(current, cache.revision)


async def list_objects(server: Server, call: Call) -> Response:
    rt, query = call.rt, call.query
    match = query.get("resourceVersionMatch", "")
    rv_text = query.get("resourceVersion", "")
    token = query.get("continue", "")
    limit = params.integer(query, "limit") or 0
    if match and not rv_text:
        raise BadRequest(
            "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless "
            "resourceVersion is provided"
        )
    if match not in ("", "Exact", "NotOlderThan"):
        raise BadRequest(
            f'resourceVersionMatch: Unsupported value: "{match}": supported values: '
            '"Exact", "NotOlderThan"'
        )
    if token and rv_text:
        raise BadRequest("specifying resource version is not allowed when using continue")
    if match == "Exact" and rv_text == "0":
        raise BadRequest(
            'resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for '
            'resourceVersion "0"'
        )
    accept = make_filter(rt, query)
    rv = parse_resource_version(rv_text) if rv_text else None
    use_store = (
        bool(token) or match == "Exact" or (limit > 0 and rv != 0 and match != "NotOlderThan")
    )
    if use_store:
        return await _list_from_store(server, call, accept, rv or 0, token, limit)
    return await _list_from_cache(server, call, accept, rv)


async def _list_from_cache(
    server: Server, call: Call, accept: ObjFilter | None, rv: int | None
) -> Response:
    rt = call.rt
    cache, revision = await synced_cache(server, rt, rv)
    entries = cache.snapshot(call.namespace)
    if accept is not None:
        entries = [e for e in entries if accept(e.attrs)]
    meta = render.list_meta(revision)
    if call.output is Output.JSON:
        return render.list_response_raw(rt, [e.raw for e in entries], meta)
    objs = [orjson.loads(e.raw) for e in entries]
    return render.list_response(
        rt,
        objs,
        meta,
        call.output,
        include_object=call.query.get("includeObject", "Metadata"),
        now=server.clock(),
    )


async def _list_from_store(
    server: Server, call: Call, accept: ObjFilter | None, rv: int, token: str, limit: int
) -> Response:
    rt = call.rt
    prefix = rt.prefix(call.namespace)
    start = ""
    revision = rv
    if token:
        revision, start = decode_continue(token, prefix)
    items: list[Obj] = []
    more = False
    last_key = start
    while True:
        want = limit - len(items) if limit else 0
        try:
            page = await server.registry.list_page(
                prefix, start_after=start, limit=want, revision=revision
            )
        except Gone:
            if token:
                raise Gone(CONTINUE_TOO_OLD) from None
            raise
        revision = page.revision
        for kv in page.items:
            obj = decode(kv.value, kv.mod_revision)
            last_key = kv.key
            if accept is None or accept(obj):
                items.append(obj)
        more = page.more
        if not page.items or not more or (limit and len(items) >= limit):
            break
        start = page.items[-1].key
    next_token = encode_continue(revision, last_key, prefix) if more else ""
    meta = render.list_meta(revision, next_token)
    return render.list_response(
        rt,
        items,
        meta,
        call.output,
        include_object=call.query.get("includeObject", "Metadata"),
        now=server.clock(),
    )
