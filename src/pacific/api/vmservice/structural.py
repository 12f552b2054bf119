"""What a CRD's structural schema enforces beyond decoding: required fields and enums.

kube-apiserver validates a custom resource against its OpenAPI schema before any webhook
runs; the decoder (pacific.api.decode) already checks types and unknown fields, so this
walk adds the two checks it leaves out, worded as apiextensions' schema validation words
them:

    spec.image.kind: Required value
    spec.powerState: Unsupported value: "Off": supported values: "PoweredOff", ...

Only fields that are present are descended into; `status` is never required here (the
API server keeps it apart from spec).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pacific.api.errors import Cause
from pacific.api.schema import Schema, Type
from pacific.api.validation.field import not_supported, required


def structural_causes(schema: Schema, value: Any, path: str = "") -> list[Cause]:
    """Missing required fields and values outside an enum, anywhere under `value`."""
    if schema.type is Type.OBJECT and isinstance(value, Mapping):
        return _object(schema, value, path)
    if schema.type is Type.ARRAY and isinstance(value, list) and schema.items is not None:
        out: list[Cause] = []
        for i, item in enumerate(value):
            out += structural_causes(schema.items, item, f"{path}[{i}]")
        return out
    if schema.type is Type.MAP and isinstance(value, Mapping) and schema.items is not None:
        out = []
        for key, item in value.items():
            out += structural_causes(schema.items, item, f"{path}[{key}]")
        return out
    if schema.enum and isinstance(value, str) and value not in schema.enum:
        return [not_supported(path, value, schema.enum)]
    return []


def _object(schema: Schema, value: Mapping[str, Any], path: str) -> list[Cause]:
    out: list[Cause] = []
    for name, fld in schema.fields.items():
        child = f"{path}.{name}" if path else name
        if name not in value or value[name] is None:
            if fld.required:
                out.append(required(child))
            continue
        if not path and name in ("metadata", "status"):
            continue
        out += structural_causes(fld.schema, value[name], child)
    return out
