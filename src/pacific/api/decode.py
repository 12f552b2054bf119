"""Structural decoding of a request body, the way kube-apiserver's JSON decoder does it.

kube-apiserver decodes a body into Go structs: a value of the wrong JSON type fails the
request, fields the struct does not have are dropped (and reported, per the request's
`fieldValidation`), and re-encoding normalises values (a bare number for a Quantity
becomes its canonical string, nulls disappear). `check()` does the same to a decoded JSON
dict in place, in one walk over the object guided by its `Schema`, without building models.

Rules (sigs.k8s.io/json + encoding/json semantics, Kubernetes 1.32):
- Unknown fields are removed from the object unless the schema preserves unknown fields.
  Strict: 400 `strict decoding error: unknown field "spec.foo", unknown field "spec.bar"`;
  Warn: each `unknown field "spec.foo"` is returned as a warning; Ignore: silent.
  Paths carry list indexes: `spec.containers[0].foo`. Given the raw body, repeated keys
  are reported the same way (`duplicate field "spec.replicas"`, see pacific.api.duplicates).
  Each text is reported once, at most 100 of them.
- Wrong types: 400 `json: cannot unmarshal string into Go struct field
  DeploymentSpec.spec.replicas of type int32` (Go's path has no indexes or map keys; the
  struct is the innermost one holding the field). The first such error wins, and a type
  error is reported before any strict error, as Go does.
- Values: integers must be whole and in range of their int32/int64 format; Quantity
  accepts strings and numbers and is rewritten in canonical form ("1.5" -> "1500m",
  1 -> "1"); []byte must be base64; times must be RFC 3339; int-or-string takes either.
- null: a null field is removed (Go leaves the zero value and omits it); a null element
  of a list or map becomes the element type's zero value; inside free-form JSON (ANY) null
  stays.
- Top level: apiVersion and kind default to the resource's; others are a 400.
For create and update bodies kube prefixes errors with `Deployment in version "v1" cannot
be handled as a Deployment: `; patched objects get the bare text (`wrap=False`).
"""

from __future__ import annotations

import binascii
import functools
import re
from typing import Any

from pacific.api import kinds
from pacific.api.duplicates import duplicate_fields, maybe_duplicates
from pacific.api.errors import BadRequest
from pacific.api.resources import ResourceType
from pacific.api.schema import Schema, Type
from pacific.api.validation.quantity import FORMAT_ERROR, QuantityError, canonical_quantity

STRICT = "Strict"
WARN = "Warn"
IGNORE = "Ignore"

# A path is a chain of (parent, segment): str = field, int = list index, tuple = map key.
_Path = tuple[Any, str | int | tuple[str]] | None

_INT_RANGE = {"int64": (-(2**63), 2**63 - 1)}
_INT32_RANGE = (-(2**31), 2**31 - 1)
_RFC3339 = re.compile(r"^\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)$")
_BASE64 = re.compile(r"[^A-Za-z0-9+/=\r\n]")
_TIME_LAYOUT = "2006-01-02T15:04:05Z07:00"
_MAX_STRICT_ERRORS = 100


def check(
    rt: ResourceType,
    obj: dict[str, Any],
    *,
    field_validation: str = STRICT,
    schema: Schema | None = None,
    wrap: bool = True,
    raw: bytes | None = None,
) -> list[str]:
    """Check and normalise `obj` (in place) as a body for `rt`; returns warnings.

    `schema` defaults to the kind's schema in the default registry. `raw`, the body `obj`
    was parsed from, lets repeated keys be reported too. Raises BadRequest for a wrong
    apiVersion/kind, a type error, or (Strict) unknown or duplicate fields.
    """
    if field_validation not in (STRICT, WARN, IGNORE):
        raise BadRequest(
            f'fieldValidation {field_validation!r} is invalid, must be one of "Ignore", '
            '"Warn", or "Strict"'
        )
    api_version, kind = _type_meta(rt, obj)
    state = _State()
    _object(schema or kinds.schema_of(rt), obj, None, state)
    prefix = f'{kind} in version "{_version(api_version)}" cannot be handled as a {rt.kind}: '
    if state.error is not None:
        raise BadRequest(prefix + state.error if wrap else state.error)
    if field_validation == IGNORE:
        return []
    texts = [f'unknown field "{p}"' for p in state.unknown]
    if raw is not None and (not state.exact or maybe_duplicates(raw, state.keys)):
        texts = [f'duplicate field "{p}"' for p in duplicate_fields(raw)] + texts
    # Like sigs.k8s.io/json: each text once, at most 100 of them.
    texts = list(dict.fromkeys(texts))[:_MAX_STRICT_ERRORS]
    if not texts:
        return []
    if field_validation == WARN:
        return texts
    message = "strict decoding error: " + ", ".join(texts)
    raise BadRequest(prefix + message if wrap else message)


def _version(api_version: str) -> str:
    return api_version.rsplit("/", 1)[-1]


def _type_meta(rt: ResourceType, obj: dict[str, Any]) -> tuple[str, str]:
    """Default apiVersion/kind from the resource and reject a body for another one."""
    if not isinstance(obj, dict):
        raise BadRequest(
            f"json: cannot unmarshal {_json_type(obj)} into Go value of type "
            f"{_go_name(rt.schema_name)}"
        )
    api_version = obj.get("apiVersion") or rt.api_version
    kind = obj.get("kind") or rt.kind
    if not isinstance(api_version, str) or not isinstance(kind, str):
        raise BadRequest("Object 'Kind' is missing or not a string")
    obj["apiVersion"] = api_version
    obj["kind"] = kind
    if api_version != rt.api_version:
        raise BadRequest(
            f"the API version in the data ({api_version}) does not match the expected API "
            f"version ({rt.api_version})"
        )
    if kind != rt.kind:
        raise BadRequest(
            f'{kind} in version "{_version(api_version)}" cannot be handled as a {rt.kind}: '
            f"the kind in the data ({kind}) does not match the expected kind ({rt.kind})"
        )
    return api_version, kind


class _State:
    """What one walk found: unknown field paths, the first error, the keys it counted.

    `keys` counts the distinct keys of every object walked; `exact` turns False when part
    of the document was not walked (free-form JSON, dropped objects), so that the count
    cannot rule out repeated keys.
    """

    __slots__ = ("error", "exact", "keys", "unknown")

    def __init__(self) -> None:
        self.unknown: list[str] = []
        self.error: str | None = None
        self.keys = 0
        self.exact = True

    def type_error(self, value: Any, schema: Schema, owner: Schema, path: _Path) -> None:
        if self.error is None:
            self.error = _unmarshal_error(_json_type(value), owner, path, _go_type(schema))

    def value_error(self, message: str) -> None:
        if self.error is None:
            self.error = message


def _object(schema: Schema, value: dict[str, Any], path: _Path, state: _State) -> None:
    fields = schema.fields
    state.keys += len(value)
    for key in list(value):
        field = fields.get(key)
        if field is None:
            if value[key].__class__ in (dict, list):
                state.exact = False
            if not schema.preserve_unknown:
                state.unknown.append(_strict_path((path, key)))
                del value[key]
            continue
        v = value[key]
        if v is None:
            del value[key]
            continue
        new = _value(field.schema, v, (path, key), schema, state)
        if new is not v:
            value[key] = new


def _value(schema: Schema, v: Any, path: _Path, owner: Schema, state: _State) -> Any:
    """Check one non-null value; returns it, or its normalised replacement."""
    t = schema.type
    cls = v.__class__
    if t is Type.STRING:
        if cls is not str:
            state.type_error(v, schema, owner, path)
    elif t is Type.OBJECT:
        if cls is dict:
            _object(schema, v, path, state)
        else:
            state.type_error(v, schema, owner, path)
    elif t is Type.ARRAY:
        if cls is list:
            _array(schema, v, path, owner, state)
        else:
            state.type_error(v, schema, owner, path)
    elif t is Type.MAP:
        if cls is dict:
            _map(schema, v, path, owner, state)
        else:
            state.type_error(v, schema, owner, path)
    elif t is Type.INTEGER:
        _integer(schema, v, path, owner, state)
    elif t is Type.BOOLEAN:
        if cls is not bool:
            state.type_error(v, schema, owner, path)
    elif t is Type.NUMBER:
        if cls is not int and cls is not float:
            state.type_error(v, schema, owner, path)
    else:
        return _special(schema, v, path, owner, state)
    return v


def _array(schema: Schema, v: list[Any], path: _Path, owner: Schema, state: _State) -> None:
    items = schema.items
    if items is None:
        return
    for i, item in enumerate(v):
        if item is None:
            v[i] = _zero(items)
            continue
        new = _value(items, item, (path, i), owner, state)
        if new is not item:
            v[i] = new


def _map(schema: Schema, v: dict[str, Any], path: _Path, owner: Schema, state: _State) -> None:
    values = schema.items
    state.keys += len(v)
    if values is None:
        return
    for key, item in v.items():
        if item is None:
            v[key] = _zero(values)
            continue
        new = _value(values, item, (path, (key,)), owner, state)
        if new is not item:
            v[key] = new


def _integer(schema: Schema, v: Any, path: _Path, owner: Schema, state: _State) -> None:
    cls = v.__class__
    if cls is int:
        low, high = _INT_RANGE.get(schema.format, _INT32_RANGE)
        if low <= v <= high:
            return
    elif cls is not float:
        state.type_error(v, schema, owner, path)
        return
    # A fraction or an out-of-range number: Go names the literal.
    state.value_error(_unmarshal_error(f"number {v!r}", owner, path, _go_type(schema)))


def _special(schema: Schema, v: Any, path: _Path, owner: Schema, state: _State) -> Any:
    """INT_OR_STRING, QUANTITY, TIME, BYTES, ANY: types with their own JSON decoding."""
    t = schema.type
    cls = v.__class__
    if t is Type.ANY:
        if cls is dict or cls is list:
            state.exact = False
    elif t is Type.INT_OR_STRING:
        # intstr decodes a non-string into its int32; Go adds the field's context.
        if cls is not str and cls is not int:
            literal = f"number {v!r}" if cls is float else _json_type(v)
            state.value_error(_unmarshal_error(literal, owner, path, "int32"))
    elif t is Type.QUANTITY:
        if cls is str or cls is int or cls is float:
            try:
                return _canonical(v)
            except QuantityError as exc:
                state.value_error(str(exc))
        else:
            state.value_error(FORMAT_ERROR)
    elif t is Type.TIME:
        if cls is not str:
            state.value_error(_unmarshal_error(_json_type(v), owner, path, "string"))
        elif not _RFC3339.match(v):
            state.value_error(_time_error(v))
    elif t is Type.BYTES:
        if cls is not str:
            state.type_error(v, schema, owner, path)
        else:
            offset = _base64_error(v)
            if offset is not None:
                state.value_error(f"illegal base64 data at input byte {offset}")
    return v


def _time_error(text: str) -> str:
    # Go names the layout element that failed; a value not starting with a year is the
    # common case and the only one spelled out exactly.
    element = "" if text[:4].isdigit() else ' as "2006"'
    return f'parsing time "{text}" as "{_TIME_LAYOUT}": cannot parse "{text}"{element}'


@functools.lru_cache(maxsize=4096)
def _canonical(v: str | int | float) -> str:
    return canonical_quantity(v)


def _base64_error(text: str) -> int | None:
    """None if `text` is standard padded base64 (line breaks ignored), else Go's offset."""
    bad = _BASE64.search(text)
    if bad is not None:
        return bad.start()
    try:
        binascii.a2b_base64(text.replace("\r", "").replace("\n", ""), strict_mode=True)
    except binascii.Error:
        body = text.rstrip("=")
        return len(body) - len(body) % 4 if len(body) % 4 == 1 else len(body)
    return None


def _zero(schema: Schema) -> Any:
    """Go's zero value of an element type, as its JSON."""
    t = schema.type
    if t is Type.OBJECT:
        return {}
    if t in (Type.STRING, Type.BYTES, Type.TIME):
        return ""
    if t in (Type.INTEGER, Type.NUMBER, Type.INT_OR_STRING):
        return 0
    if t is Type.QUANTITY:
        return "0"
    if t is Type.BOOLEAN:
        return False
    return None


# --- error texts ---------------------------------------------------------------------------


def _segments(path: _Path) -> list[str | int | tuple[str]]:
    out: list[str | int | tuple[str]] = []
    while path is not None:
        path, segment = path
        out.append(segment)
    out.reverse()
    return out


def _strict_path(path: _Path) -> str:
    """sigs.k8s.io/json's path: `spec.containers[0].ports[1].name`, map keys as fields."""
    text = ""
    for s in _segments(path):
        if isinstance(s, int):
            text += f"[{s}]"
        else:
            name = s if isinstance(s, str) else s[0]
            text = f"{text}.{name}" if text else name
    return text


def _unmarshal_error(literal: str, owner: Schema, path: _Path, go_type: str) -> str:
    """encoding/json's UnmarshalTypeError: the innermost struct holding the field, then
    the path of struct fields only (no indexes, no map keys)."""
    fields = ".".join(s for s in _segments(path) if isinstance(s, str))
    return (
        f"json: cannot unmarshal {literal} into Go struct field "
        f"{_go_name(owner.name)}.{fields} of type {go_type}"
    )


def _go_name(definition: str) -> str:
    return definition.rsplit(".", 1)[-1]


def _go_type(schema: Schema) -> str:
    t = schema.type
    if t is Type.OBJECT:
        parts = schema.name.rsplit(".", 2)
        return ".".join(parts[-2:]) if schema.name else "map[string]interface {}"
    if t is Type.ARRAY:
        return "[]" + (_go_type(schema.items) if schema.items else "interface {}")
    if t is Type.MAP:
        return "map[string]" + (_go_type(schema.items) if schema.items else "interface {}")
    return _GO_SCALARS.get(t, "") or schema.format or "int32"


_GO_SCALARS = {
    Type.STRING: "string",
    Type.BOOLEAN: "bool",
    Type.NUMBER: "float64",
    Type.INT_OR_STRING: "intstr.IntOrString",
    Type.QUANTITY: "resource.Quantity",
    Type.TIME: "v1.Time",
    Type.BYTES: "[]uint8",
    Type.ANY: "interface {}",
}


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, str):
        return "string"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"
