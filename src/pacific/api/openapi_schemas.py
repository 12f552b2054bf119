"""`components.schemas` of an OpenAPI v3 document, built from `pacific.api.schema` nodes.

Named OBJECT schemas become components referenced with `$ref` (a field with its own
description wraps the reference as `allOf: [$ref]` plus the description, as
kube-apiserver does, so `kubectl explain` shows the field's text). ARRAY and MAP nodes are
inlined with their patch metadata as `x-kubernetes-*` extensions. `int-or-string` refers to
kube's IntOrString component (`x-kubernetes-int-or-string: true`), Quantity to kube's
Quantity component; Time is a `date-time` string, bytes a `byte` string, and free-form JSON
preserves unknown fields.

`Components` collects every definition reachable from the kinds it is given, walking
recursive schemas once each, and emits them sorted so the output is deterministic.
"""

from __future__ import annotations

from typing import Any

from pacific.api.schema import Schema, Type, schema_for

REF = "#/components/schemas/"
QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
QUANTITY_SCHEMA = {
    "description": (
        "Quantity is a fixed-point number with an optional decimal (m, k, M, G, T, P, E), "
        'binary (Ki, Mi, Gi, Ti, Pi, Ei) or exponent suffix, e.g. "100m", "1.5", "1Gi".'
    ),
    "oneOf": [{"type": "string"}, {"type": "number"}],
}
INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
INT_OR_STRING_SCHEMA = {
    "description": "IntOrString holds either an int32 or a string, e.g. a port number or "
    'name, or a count or percentage such as "25%".',
    "x-kubernetes-int-or-string": True,
    "anyOf": [{"type": "integer", "format": "int32"}, {"type": "string"}],
}
_SCALARS: dict[Type, dict[str, Any]] = {
    Type.STRING: {"type": "string"},
    Type.INTEGER: {"type": "integer"},
    Type.NUMBER: {"type": "number"},
    Type.BOOLEAN: {"type": "boolean"},
    Type.TIME: {"type": "string", "format": "date-time"},
    Type.BYTES: {"type": "string", "format": "byte"},
    Type.ANY: {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
}


def ref(name: str) -> dict[str, Any]:
    return {"$ref": REF + name}


class Components:
    """The set of named definitions one document needs, filled by walking schemas."""

    def __init__(self) -> None:
        self._defs: dict[str, dict[str, Any]] = {}
        self._gvks: dict[str, list[dict[str, str]]] = {}

    def add_kind(self, name: str, group: str, version: str, kind: str) -> None:
        """Publish a top-level kind's definition, tagged with its group-version-kind."""
        self.add(schema_for(name))
        gvk = {"group": group, "kind": kind, "version": version}
        tags = self._gvks.setdefault(name, [])
        if gvk not in tags:
            tags.append(gvk)

    def add_named(self, name: str) -> None:
        self.add(schema_for(name))

    def define(self, name: str, body: dict[str, Any]) -> None:
        """Publish a definition written directly as OpenAPI (list kinds, Patch)."""
        self._defs.setdefault(name, body)

    def add(self, schema: Schema) -> None:
        if schema.name:
            self._named(schema)
        else:
            self.node(schema)

    def _named(self, schema: Schema) -> None:
        if schema.name in self._defs:
            return
        body: dict[str, Any] = {}
        self._defs[schema.name] = body  # placeholder first: schemas may be recursive
        body.update(self._object(schema))

    def _object(self, schema: Schema) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if schema.description:
            out["description"] = schema.description
        out["type"] = "object"
        if schema.fields:
            out["properties"] = {
                name: self.field(f.schema, f.description) for name, f in schema.fields.items()
            }
            required = sorted(n for n, f in schema.fields.items() if f.required)
            if required:
                out["required"] = required
        if schema.preserve_unknown:
            out["x-kubernetes-preserve-unknown-fields"] = True
        return out

    def field(self, schema: Schema, description: str) -> dict[str, Any]:
        """The property schema of one field."""
        if schema.name and schema.type is Type.OBJECT:
            self._named(schema)
            if description:
                return {"allOf": [ref(schema.name)], "description": description}
            return ref(schema.name)
        out = self.node(schema)
        if description and "$ref" in out:
            return {"allOf": [out], "description": description}
        if description:
            return {"description": description, **out}
        return out

    def node(self, schema: Schema) -> dict[str, Any]:
        """An inline schema for an unnamed node."""
        if schema.type is Type.QUANTITY:
            self.define(QUANTITY, QUANTITY_SCHEMA)
            return ref(QUANTITY)
        if schema.type is Type.INT_OR_STRING:
            self.define(INT_OR_STRING, INT_OR_STRING_SCHEMA)
            return ref(INT_OR_STRING)
        if schema.type is Type.ARRAY:
            out: dict[str, Any] = {"type": "array"}
            if schema.items is not None:
                out["items"] = self.field(schema.items, "")
            return out | _extensions(schema)
        if schema.type is Type.MAP:
            out = {"type": "object"}
            if schema.items is not None:
                out["additionalProperties"] = self.field(schema.items, "")
            return out | _extensions(schema)
        if schema.type is Type.OBJECT:
            return self._object(schema)
        out = dict(_SCALARS[schema.type])
        if schema.format and "format" not in out:
            out["format"] = schema.format
        if schema.enum:
            out["enum"] = list(schema.enum)
        return out

    def schemas(self) -> dict[str, dict[str, Any]]:
        out = {}
        for name in sorted(self._defs):
            body = dict(self._defs[name])
            if name in self._gvks:
                body["x-kubernetes-group-version-kind"] = sorted(
                    self._gvks[name], key=lambda g: (g["group"], g["version"], g["kind"])
                )
            out[name] = body
        return out


def _extensions(schema: Schema) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if schema.list_type:
        out["x-kubernetes-list-type"] = schema.list_type
    if schema.list_map_keys:
        out["x-kubernetes-list-map-keys"] = list(schema.list_map_keys)
    if schema.patch_merge_key:
        out["x-kubernetes-patch-merge-key"] = schema.patch_merge_key
    if schema.patch_strategy:
        out["x-kubernetes-patch-strategy"] = schema.patch_strategy
    return out
