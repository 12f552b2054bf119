"""How a plain JSON value lines up with its `Schema`: the shared vocabulary of patches and
server-side apply.

Objects are plain JSON trees (dict, list, str, int, float, bool, None). Patch merging and
field ownership both need the same few answers about a node: the schema of a child, how a
list's elements are identified, and whether two values are the same JSON. A missing schema
(None) means "unknown": objects are walked as free-form maps and lists are atomic, which is
how Kubernetes treats fields it has no type information for.

List identity, in the order Kubernetes resolves it:
  - x-kubernetes-list-type "map" with list-map keys: elements are identified by their keys;
  - "set": elements are scalars identified by value;
  - "atomic": the list is one value;
  - no list type: patch strategy "merge" with a merge key is a map list keyed by it, "merge"
    without one is a set, anything else is atomic (this mirrors kube-openapi's schema
    conversion for fields that predate x-kubernetes-list-type).
"""

from __future__ import annotations

import enum
import json
from typing import Any

from pacific.api.schema import Schema, Type

JSON = Any

# Defaults that Kubernetes' OpenAPI declares on list-map key fields. Server-side apply fills
# a missing key field from its default before matching elements (ContainerPort, ServicePort
# and EndpointPort all default `protocol` to TCP), so `{containerPort: 80}` in an apply
# configuration is the same element as the live, defaulted `{containerPort: 80, protocol: TCP}`.
KEY_FIELD_DEFAULTS: dict[str, JSON] = {"protocol": "TCP"}


class ListKind(enum.Enum):
    MAP = "map"
    SET = "set"
    ATOMIC = "atomic"


def deep_copy(value: JSON) -> JSON:
    """A copy of a JSON tree sharing nothing mutable with `value` (faster than copy.deepcopy)."""
    if isinstance(value, dict):
        return {k: deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [deep_copy(v) for v in value]
    return value


def json_equal(a: JSON, b: JSON) -> bool:
    """JSON equality: unlike Python's `==`, `true` is not `1` and `{}` is not `[]`."""
    if isinstance(a, dict):
        if not isinstance(b, dict) or len(a) != len(b):
            return False
        return all(k in b and json_equal(v, b[k]) for k, v in a.items())
    if isinstance(a, list):
        if not isinstance(b, list) or len(a) != len(b):
            return False
        return all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if a is None or b is None:
        return a is b
    if isinstance(a, str) != isinstance(b, str):
        return False
    return bool(a == b)


def canonical_json(value: JSON) -> str:
    """Compact JSON with sorted keys: how field paths spell values (`v:"x"`, `k:{...}`)."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def child_schema(schema: Schema | None, key: str) -> Schema | None:
    """The schema of member `key` of an object or map node (None when unknown)."""
    if schema is None:
        return None
    if schema.type is Type.OBJECT:
        field = schema.fields.get(key)
        return field.schema if field is not None else None
    if schema.type is Type.MAP:
        return schema.items
    return None


def is_declared_field(schema: Schema | None, key: str) -> bool:
    """True when `key` is a declared field of an OBJECT schema (not a free-form map key)."""
    return schema is not None and schema.type is Type.OBJECT and key in schema.fields


def is_atomic_scalar(schema: Schema | None) -> bool:
    """Scalars and free-form JSON: values owned and replaced as a whole."""
    return schema is not None and schema.type not in (Type.OBJECT, Type.MAP, Type.ARRAY)


def strategies(schema: Schema | None) -> frozenset[str]:
    """The patch strategies of a node: {"merge"}, {"retainKeys", "merge"}, {"replace"}, ..."""
    if schema is None or not schema.patch_strategy:
        return frozenset()
    return frozenset(s.strip() for s in schema.patch_strategy.split(",") if s.strip())


def list_kind(schema: Schema | None) -> tuple[ListKind, tuple[str, ...]]:
    """How elements of an ARRAY node are identified: (kind, key field names)."""
    if schema is None or schema.type is not Type.ARRAY:
        return ListKind.ATOMIC, ()
    if schema.list_type == "map" and schema.list_map_keys:
        return ListKind.MAP, schema.list_map_keys
    if schema.list_type == "set":
        return ListKind.SET, ()
    if schema.list_type == "atomic":
        return ListKind.ATOMIC, ()
    if "merge" in strategies(schema):
        if schema.patch_merge_key:
            return ListKind.MAP, (schema.patch_merge_key,)
        return ListKind.SET, ()
    return ListKind.ATOMIC, ()


def element_key(element: JSON, keys: tuple[str, ...]) -> tuple[tuple[str, JSON], ...] | None:
    """The identity of a map-list element: its key fields sorted by name, missing ones filled
    from `KEY_FIELD_DEFAULTS`; None when the element is not an object or has no key at all."""
    if not isinstance(element, dict):
        return None
    pairs: list[tuple[str, JSON]] = []
    for name in sorted(keys):
        if name in element and element[name] is not None:
            pairs.append((name, element[name]))
        elif name in KEY_FIELD_DEFAULTS:
            pairs.append((name, KEY_FIELD_DEFAULTS[name]))
    return tuple(pairs) if pairs else None


def key_token(key: tuple[tuple[str, JSON], ...]) -> str:
    """A hashable, canonical spelling of an element key (also its FieldsV1 `k:` body)."""
    return canonical_json(dict(key))
