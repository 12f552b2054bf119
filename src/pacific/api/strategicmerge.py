"""Strategic merge patch: Kubernetes' schema-aware merge patch, applied to plain JSON objects.

Semantics follow k8s.io/apimachinery/pkg/util/strategicpatch as kube-apiserver applies it
(MergeParallelList and IgnoreUnmatchedNulls both on):

  - objects merge key by key; `null` deletes a key (and is never stored);
  - a list whose field has patch strategy "merge" merges: lists of objects by the field's
    merge key (elements with an equal key merge recursively, new ones are added), lists of
    scalars as sets; every other list is replaced by the patch's list;
  - `$patch: replace` in an object replaces it, `$patch: delete` empties it; in a merging
    list, an element `{"<mergeKey>": k, "$patch": "delete"}` deletes element k and an element
    `{"$patch": "replace"}` makes the patch's elements the whole list;
  - `$retainKeys: [..]` drops every key of the live object not listed (the patch may only
    set listed keys);
  - `$deleteFromPrimitiveList/<field>: [..]` removes those values from a merging scalar list;
  - `$setElementOrder/<field>: [..]` fixes the final order of a merging list.

Element order without `$setElementOrder` follows upstream: patch elements keep the patch's
order, live-only elements keep theirs, and a live-only element goes before a patch element
only when both were in the live list in that order (so new elements come first).

Differences from upstream, all on inputs upstream handles by copying the raw patch: a value
set where the live object has none is still cleaned of directives and nulls, and
`$deleteFromPrimitiveList` on a missing list is a no-op.

Errors map as kube-apiserver maps them (interpretStrategicMergePatchError): malformed
directives are 400 BadRequest, a list of lists is 422 Invalid, and anything else (a missing
merge key, an unknown `$patch`) is a 500 InternalError carrying upstream's message.
"""

from __future__ import annotations

from typing import Any

from pacific.api.errors import BadRequest, InternalError, Invalid
from pacific.api.schema import Schema
from pacific.api.structure import child_schema, deep_copy, json_equal, strategies

JSON = Any

DIRECTIVE = "$patch"
RETAIN_KEYS = "$retainKeys"
DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList/"
SET_ELEMENT_ORDER = "$setElementOrder/"

_INVALID = "the server rejected our request due to an error in our request"
_BAD_RETAIN_KEYS = "invalid patch format of retainKeys"
_BAD_PRIMITIVE_LIST = "invalid patch format of primitive list"
_BAD_ELEMENT_ORDER = "invalid patch format of setElementOrder list"


def apply_strategic_merge_patch(
    obj: dict[str, Any], patch: Any, schema: Schema | None
) -> dict[str, Any]:
    """Apply strategic merge patch `patch` to `obj`, typed by `schema` (the kind's schema)."""
    if not isinstance(patch, dict):
        raise BadRequest("invalid JSON document")
    return _merge_map(deep_copy(obj), patch, schema)


def _go(value: JSON) -> str:
    """Go's %v spelling of a JSON value, for messages that quote upstream's."""
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{_go(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(_go(v) for v in value) + "]"
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _no_merge_key(element: JSON, key: str) -> InternalError:
    return InternalError(f"map: {_go(element)} does not contain declared merge key: {key}")


def _fresh(value: JSON, schema: Schema | None) -> JSON:
    """A patch value for a key the live object lacks, cleaned of directives and nulls."""
    if isinstance(value, dict):
        return _merge_map({}, value, schema)
    if isinstance(value, list):
        return _merge_list_field([], value, schema)
    return value


def _merge_map(
    original: dict[str, JSON], patch: dict[str, JSON], schema: Schema | None
) -> dict[str, JSON]:
    """Merge `patch` into `original`, which this call owns and may change."""
    if DIRECTIVE in patch:
        directive = patch[DIRECTIVE]
        if directive == "replace":
            rest = {k: v for k, v in patch.items() if k != DIRECTIVE}
            return _merge_map({}, rest, schema)
        if directive == "delete":
            return {}
        raise InternalError(f"unknown patch type: {_go(directive)} in map: {_go(patch)}")

    if RETAIN_KEYS in patch:
        _retain_keys(original, patch)
    done = _apply_element_orders(original, patch, schema)

    deletions: list[tuple[str, JSON]] = []
    for key, value in patch.items():
        if key == RETAIN_KEYS or key in done or key.startswith(SET_ELEMENT_ORDER):
            continue
        if key.startswith(DELETE_FROM_PRIMITIVE_LIST):
            deletions.append((key[len(DELETE_FROM_PRIMITIVE_LIST) :], value))
            continue
        if value is None:
            original.pop(key, None)
            continue
        sub = child_schema(schema, key)
        current = original.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            if "replace" in strategies(sub):
                original[key] = _fresh(value, sub)
            else:
                original[key] = _merge_map(current, value, sub)
        elif isinstance(current, list) and isinstance(value, list):
            original[key] = _merge_list_field(current, value, sub)
        else:
            original[key] = _fresh(value, sub)

    for field, values in deletions:
        if not isinstance(values, list):
            raise BadRequest(_BAD_PRIMITIVE_LIST)
        current = original.get(field)
        if isinstance(current, list):
            original[field] = [v for v in current if not any(json_equal(v, d) for d in values)]
    return original


def _retain_keys(original: dict[str, JSON], patch: dict[str, JSON]) -> None:
    keep = patch[RETAIN_KEYS]
    if not isinstance(keep, list):
        raise BadRequest(_BAD_RETAIN_KEYS)
    for key, value in patch.items():
        if value is None or key in (RETAIN_KEYS, DIRECTIVE):
            continue
        if key.startswith((DELETE_FROM_PRIMITIVE_LIST, SET_ELEMENT_ORDER)):
            continue
        if key not in keep:
            raise BadRequest(_BAD_RETAIN_KEYS)
    for key in [k for k in original if k not in keep]:
        del original[key]


def _merge_list_field(original: list[JSON], patch: list[JSON], schema: Schema | None) -> JSON:
    if schema is None or "merge" not in strategies(schema):
        return deep_copy(patch)
    return _merge_list(original, patch, schema.patch_merge_key or "", schema.items)


def _element_kind(*lists: list[JSON]) -> type | None:
    kind: type | None = None
    for items in lists:
        for item in items:
            this = dict if isinstance(item, dict) else list if isinstance(item, list) else str
            if kind is None:
                if this is list:
                    raise Invalid(_INVALID)
                kind = this
            elif kind is not this:
                raise InternalError(f"list element types are not identical: {_go(list(lists))}")
    return kind


def _merge_list(
    original: list[JSON], patch: list[JSON], merge_key: str, item: Schema | None
) -> list[JSON]:
    if not original and not patch:
        return original
    kind = _element_kind(original, patch)
    if kind is not dict:
        merged: list[JSON] = []
        for value in [*original, *patch]:
            if not any(json_equal(value, m) for m in merged):
                merged.append(deep_copy(value))
        in_patch = [m for m in merged if _index(patch, m, "") >= 0]
        server_only = [m for m in merged if _index(patch, m, "") < 0]
        return _normalize_order(in_patch, server_only, patch, original, "")
    if not merge_key:
        raise InternalError("cannot merge lists without merge key for type struct")

    original, patch = _apply_special_elements(original, patch, merge_key, item)
    merged = list(original)
    for element in patch:
        if merge_key not in element:
            raise _no_merge_key(element, merge_key)
        at = _find(merged, merge_key, element[merge_key])
        if at >= 0:
            merged[at] = _merge_map(merged[at], element, item)
        else:
            merged.append(_fresh(element, item))
    in_patch = [m for m in merged if _index(patch, m, merge_key) >= 0]
    server_only = [m for m in merged if _index(patch, m, merge_key) < 0]
    return _normalize_order(in_patch, server_only, patch, original, merge_key)


def _apply_special_elements(
    original: list[JSON], patch: list[JSON], merge_key: str, item: Schema | None
) -> tuple[list[JSON], list[JSON]]:
    """Handle `$patch` elements of a merging list: (live list left, plain patch elements)."""
    plain: list[JSON] = []
    replace = False
    for element in patch:
        directive = element.get(DIRECTIVE)
        if directive is None:
            plain.append(element)
        elif directive == "delete":
            if merge_key not in element:
                raise _no_merge_key(element, merge_key)
            original = [o for o in original if not _key_matches(o, merge_key, element[merge_key])]
        elif directive == "replace":
            replace = True
        elif directive == "merge":
            raise InternalError("merging lists cannot yet be specified in the patch")
        else:
            raise InternalError(f"unknown patch type: {_go(directive)} in map: {_go(element)}")
    if replace:
        return [_fresh(e, item) for e in plain], []
    return original, plain


def _key_matches(element: JSON, merge_key: str, value: JSON) -> bool:
    if not isinstance(element, dict):
        raise InternalError("value for key is not a map.")
    return merge_key in element and json_equal(element[merge_key], value)


def _find(items: list[JSON], merge_key: str, value: JSON) -> int:
    for i, element in enumerate(items):
        if _key_matches(element, merge_key, value):
            return i
    return -1


def _index(order: list[JSON], item: JSON, merge_key: str) -> int:
    """Where `item` sits in `order` (by merge key for objects, by value for scalars), or -1."""
    if merge_key:
        if not isinstance(item, dict) or merge_key not in item:
            return -1
        for i, other in enumerate(order):
            if (
                isinstance(other, dict)
                and DIRECTIVE not in other
                and merge_key in other
                and json_equal(other[merge_key], item[merge_key])
            ):
                return i
        return -1
    for i, other in enumerate(order):
        if json_equal(other, item):
            return i
    return -1


def _normalize_order(
    patch_items: list[JSON],
    server_only: list[JSON],
    patch_order: list[JSON],
    server_order: list[JSON],
    merge_key: str,
) -> list[JSON]:
    """Upstream's normalizeElementOrder: patch order first, then live order, interleaved."""

    def by(order: list[JSON]) -> Any:
        def key(item: JSON) -> int:
            at = _index(order, item, merge_key)
            return at if at >= 0 else len(order)

        return key

    patch_items = sorted(patch_items, key=by(patch_order))
    server_only = sorted(server_only, key=by(server_order))
    out: list[JSON] = []
    i = j = 0
    while i < len(server_only) or j < len(patch_items):
        if j >= len(patch_items):
            out.append(server_only[i])
            i += 1
            continue
        if i < len(server_only):
            left = _index(server_order, server_only[i], merge_key)
            right = _index(server_order, patch_items[j], merge_key)
            if left >= 0 and right >= 0 and left < right:
                out.append(server_only[i])
                i += 1
                continue
        out.append(patch_items[j])
        j += 1
    return out


def _apply_element_orders(
    original: dict[str, JSON], patch: dict[str, JSON], schema: Schema | None
) -> set[str]:
    """Merge every list named by a `$setElementOrder/<field>` and order it; the fields done."""
    done: set[str] = set()
    for key, order in patch.items():
        if not key.startswith(SET_ELEMENT_ORDER):
            continue
        field = key[len(SET_ELEMENT_ORDER) :]
        if not field or not isinstance(order, list):
            raise BadRequest(_BAD_ELEMENT_ORDER)
        current, value = original.get(field), patch.get(field)
        if current is not None and not isinstance(current, list):
            raise InternalError("expected a slice, but received a map")
        if value is not None and not isinstance(value, list):
            raise BadRequest(_BAD_ELEMENT_ORDER)
        sub = child_schema(schema, field)
        merge_key = (sub.patch_merge_key or "") if sub is not None else ""
        _check_order(value or [], order, merge_key)
        done.add(field)
        if current is None and value is None:
            continue
        if current is None:
            merged = _merge_list_field([], value or [], sub)
        elif value is None:
            merged = current
        else:
            merged = _merge_list_field(current, value, sub)
        in_order = [m for m in merged if _index(order, m, merge_key) >= 0]
        server_only = [m for m in merged if _index(order, m, merge_key) < 0]
        original[field] = _normalize_order(in_order, server_only, order, current or [], merge_key)
    return done


def _check_order(patch_list: list[JSON], order: list[JSON], merge_key: str) -> None:
    """Elements of the patch list must appear in `order`, in the same relative order."""
    position = 0
    for element in patch_list:
        if isinstance(element, dict) and DIRECTIVE in element:
            continue
        at = _index(order[position:], element, merge_key)
        if at < 0:
            raise InternalError(
                f"The order in patch list:\n{_go(patch_list)}\n doesn't match "
                f"{SET_ELEMENT_ORDER} list:\n{_go(order)}\n"
            )
        position += at + 1
