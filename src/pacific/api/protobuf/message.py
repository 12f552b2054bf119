"""One protobuf message -> the JSON value Go's encoding/json would have written for it.

Decoding runs in two steps per message. `read_fields` walks the wire and collects the fields that
are present, already converted to Python values (nested messages recursively to their JSON
form, `bytes` kept as bytes). `_normalise` then applies each field's `Presence` (see
`schema`) in table order, which is the Go struct's field order, so the JSON keys come out in
the order kubectl would have sent them:

- a pointer field present on the wire is kept, zero or not (`replicas: 0`, `emptyDir: {}`);
- an `omitempty` value field is dropped when zero ("", 0, false, {}, an unset Time);
- a field without `omitempty` is always written, its zero value if it was not on the wire;
- lists and maps are written only when non-empty; bytes become standard base64.

A few apimachinery types have a JSON form of their own (`SPECIAL`): Time is an RFC 3339
string in UTC with whole seconds (the zero Time, an empty message, is null), Quantity its
string, IntOrString an int or a string, FieldsV1 the JSON it wraps, ExtraValue a list.

Unknown field numbers are skipped when they carry a zero value (a newer kubectl always
writes its new non-pointer fields) and rejected otherwise, so nothing is silently lost.
Anything malformed raises `BadRequest`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pacific.api.errors import BadRequest
from pacific.api.protobuf import wire
from pacific.api.protobuf.registry import MESSAGES
from pacific.api.protobuf.schema import Field, Presence, Scalar, Shape
from pacific.api.protobuf.wire import WireType

_SCALAR_WIRE = {
    Scalar.STRING: WireType.LEN,
    Scalar.BYTES: WireType.LEN,
    Scalar.INT32: WireType.VARINT,
    Scalar.INT64: WireType.VARINT,
    Scalar.BOOL: WireType.VARINT,
}
_NUMERIC = (Scalar.INT32, Scalar.INT64, Scalar.BOOL)
_ZERO: dict[Scalar, Any] = {
    Scalar.STRING: "",
    Scalar.BYTES: b"",
    Scalar.INT32: 0,
    Scalar.INT64: 0,
    Scalar.BOOL: False,
}


def decode_message(buf: bytes, name: str) -> Any:
    """The JSON value of message `name` encoded in `buf`."""
    present = read_fields(buf, name)
    special = SPECIAL.get(name)
    return special(present) if special is not None else _normalise(name, present)


def read_fields(buf: bytes, name: str) -> dict[str, Any]:
    """The fields of message `name` present in `buf`: nested messages as JSON, bytes as is."""
    table = MESSAGES[name]
    present: dict[str, Any] = {}
    for number, wire_type, raw in wire.iter_fields(buf):
        field = table.get(number)
        if field is None:
            if raw in (0, b""):
                continue
            raise BadRequest(f"protobuf: {name} has no field {number}")
        where = f"{name}.{field.json}"
        if field.shape is Shape.MAP:
            key, value = _entry(_expect(raw, wire_type, WireType.LEN, where), field, where)
            present.setdefault(field.json, {})[key] = value
        elif field.shape is Shape.LIST:
            present.setdefault(field.json, []).extend(_repeated(field, wire_type, raw, where))
        else:
            present[field.json] = _value(field.type, wire_type, raw, where)
    return present


def _normalise(name: str, present: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in MESSAGES[name].values():
        if field.json not in present:
            if field.presence is Presence.KEEP and field.shape is Shape.ONE:
                out[field.json] = _json(_zero(field.type))
            continue
        value = _json(present[field.json])
        if field.presence is Presence.INLINE:
            out.update(value)
        elif _written(field.presence, value):
            out[field.json] = value
    return out


def _written(presence: Presence, value: Any) -> bool:
    """Whether Go's encoding/json writes a field that was on the wire with this value."""
    if presence is Presence.KEEP:
        return True
    if presence is Presence.POINTER:
        return value is not None
    return not _is_zero(value)


def _value(kind: Scalar | str, wire_type: WireType, raw: int | bytes, where: str) -> Any:
    if isinstance(kind, str):
        return decode_message(_expect(raw, wire_type, WireType.LEN, where), kind)
    value = _expect(raw, wire_type, _SCALAR_WIRE[kind], where)
    if kind is Scalar.STRING:
        try:
            return bytes(value).decode()
        except UnicodeDecodeError as exc:
            raise BadRequest(f"protobuf: {where} is not valid UTF-8") from exc
    return _number(kind, value) if isinstance(value, int) else bytes(value)


def _number(kind: Scalar, value: int) -> int | bool:
    if kind is Scalar.BOOL:
        return value != 0
    return wire.to_int32(value) if kind is Scalar.INT32 else wire.to_int64(value)


def _repeated(field: Field, wire_type: WireType, raw: int | bytes, where: str) -> list[Any]:
    """A repeated field's values from one record: one value, or many if numbers are packed."""
    kind = field.type
    if kind in _NUMERIC and isinstance(kind, Scalar) and isinstance(raw, bytes):
        return [_number(kind, v) for v in wire.read_packed_varints(raw)]
    return [_value(field.type, wire_type, raw, where)]


def _entry(buf: bytes, field: Field, where: str) -> tuple[str, Any]:
    """One map entry: the message {1: key string, 2: value}; absent parts are zero."""
    key, value = "", None
    for number, wire_type, raw in wire.iter_fields(buf):
        if number == 1:
            key = _value(Scalar.STRING, wire_type, raw, f"{where} key")
        elif number == 2:
            value = _value(field.type, wire_type, raw, f"{where}[{key}]")
        elif raw not in (0, b""):
            raise BadRequest(f"protobuf: map entry {where} has no field {number}")
    return key, _zero(field.type) if value is None else value


def _expect(raw: int | bytes, got: WireType, want: WireType, where: str) -> Any:
    if got is not want:
        raise BadRequest(f"protobuf: {where} has wire type {got.value}, want {want.value}")
    return raw


def _zero(kind: Scalar | str) -> Any:
    return decode_message(b"", kind) if isinstance(kind, str) else _ZERO[kind]


def _json(value: Any) -> Any:
    """Bytes (alone, in a list or as map values) to Go's base64; everything else as is."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, list) and value and isinstance(value[0], bytes):
        return [_json(v) for v in value]
    if isinstance(value, dict) and any(isinstance(v, bytes) for v in value.values()):
        return {k: _json(v) for k, v in value.items()}
    return value


def _is_zero(value: Any) -> bool:
    return value is None or value is False or value == 0 or value in ("", {}, [])


def _time(present: dict[str, Any]) -> str | None:
    if not present:
        return None
    try:
        moment = datetime.fromtimestamp(present.get("seconds", 0), tz=UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise BadRequest(f"protobuf: time {present} is out of range") from exc
    if not 1 <= moment.year <= 9999:
        raise BadRequest(f"protobuf: time {present} is out of range")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _int_or_string(present: dict[str, Any]) -> int | str:
    if present.get("type", 0) == 1:
        return str(present.get("strVal", ""))
    return int(present.get("intVal", 0))


def _fields_v1(present: dict[str, Any]) -> Any:
    raw = present.get("Raw")
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise BadRequest("protobuf: managedFields fieldsV1 is not valid JSON") from exc


SPECIAL: dict[str, Callable[[dict[str, Any]], Any]] = {
    "Time": _time,
    "Quantity": lambda present: present.get("string", ""),
    "IntOrString": _int_or_string,
    "FieldsV1": _fields_v1,
    "ExtraValue": lambda present: present.get("items", []),
}
