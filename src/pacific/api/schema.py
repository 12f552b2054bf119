"""Structural schemas: the one description of every kind's shape.

A `Schema` is a node in a tree (a graph, really) that says what JSON a field accepts. One
schema source per kind drives decoding (`pacific.api.decode`), strategic merge patch,
server-side apply, OpenAPI v3 and field selectors, so the node carries exactly what those
need and nothing of any one consumer's own logic.

Model and invariants:

- Named OBJECT schemas (`name` set, e.g. "io.k8s.api.core.v1.PodSpec") are shared by every
  field that refers to them and may be recursive. Never mutate one after it is published.
- ARRAY and MAP nodes belong to the one field that holds them; the patch metadata of that
  field (x-kubernetes-list-type, list-map-keys, patch-strategy, patch-merge-key) sits on
  that node, exactly where Kubernetes' OpenAPI puts the extensions. `items` is the element
  schema of an ARRAY and the value schema of a MAP (keys are always strings).
- `format` is the OpenAPI format of a scalar ("int32", "int64", "double", "date-time",
  "byte"); it is additive to the shared interface and only informational.
- Core kinds' schemas come from the official `kubernetes` package's models
  (`pacific.api.kube_models`). On the first lookup of a name not defined in code, every
  core definition is loaded at once from a cache file computed by a child process
  (`pacific.api.kube_schemas`), so the serving process never imports the models; the
  cache directory is `use_kube_cache(dir)` (set by the process entry point before the
  first lookup), by default `$XDG_CACHE_HOME/pacific` or `~/.cache/pacific`. Without a
  usable cache (None, not writable) each name is built in-process from the models on
  first use. Either way a name the models do not describe is a KeyError. Pacific's own
  kinds declare theirs in code with the constructors below and publish them with
  `define()`.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType


class Type(enum.Enum):
    OBJECT = "object"
    MAP = "map"
    ARRAY = "array"
    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    INT_OR_STRING = "int-or-string"  # intstr.IntOrString (maxSurge, targetPort)
    QUANTITY = "quantity"  # resource.Quantity: "100m", "1Gi" (ints accepted too)
    TIME = "time"  # RFC 3339 string (metav1.Time)
    BYTES = "bytes"  # base64 string ([]byte, e.g. Secret.data values)
    ANY = "any"  # free-form JSON (RawExtension, JSON)


@dataclass(eq=False, slots=True)
class Schema:
    type: Type
    name: str = ""
    description: str = ""
    fields: dict[str, Field] = field(default_factory=dict)
    items: Schema | None = None
    list_type: str | None = None
    list_map_keys: tuple[str, ...] = ()
    patch_strategy: str | None = None
    patch_merge_key: str | None = None
    enum: tuple[str, ...] = ()
    preserve_unknown: bool = False
    format: str = ""

    def __repr__(self) -> str:
        # Named schemas may be recursive: never print their fields.
        if self.name:
            return f"Schema({self.type.name}, {self.name!r})"
        if self.items is not None:
            return f"Schema({self.type.name}, items={self.items!r})"
        return f"Schema({self.type.name})"


@dataclass(slots=True)
class Field:
    schema: Schema
    required: bool = False
    description: str = ""


# --- constructors for schemas declared in code -------------------------------------------


def scalar(type_: Type, *, enum: Iterable[str] = (), format: str = "") -> Schema:
    """A leaf schema (STRING, INTEGER, ..., QUANTITY, TIME, BYTES, ANY)."""
    if type_ in (Type.OBJECT, Type.ARRAY, Type.MAP):
        raise ValueError(f"{type_.name} is not a scalar type")
    return Schema(type_, enum=tuple(enum), format=format)


def obj(
    name: str,
    fields: Mapping[str, Field | Schema],
    *,
    description: str = "",
    preserve_unknown: bool = False,
) -> Schema:
    """A named OBJECT schema; a bare Schema value in `fields` means an optional field."""
    return Schema(
        Type.OBJECT,
        name=name,
        description=description,
        fields={k: v if isinstance(v, Field) else Field(v) for k, v in fields.items()},
        preserve_unknown=preserve_unknown,
    )


def array(
    items: Schema,
    *,
    list_type: str | None = None,
    keys: Iterable[str] = (),
    patch_strategy: str | None = None,
    merge_key: str | None = None,
) -> Schema:
    """An ARRAY of `items`; `keys` are the list-map keys (implies list_type "map")."""
    map_keys = tuple(keys)
    if map_keys and list_type is None:
        list_type = "map"
    if list_type not in (None, "atomic", "set", "map"):
        raise ValueError(f"unknown list type {list_type!r}")
    if list_type == "map" and not map_keys:
        raise ValueError('list type "map" needs keys')
    return Schema(
        Type.ARRAY,
        items=items,
        list_type=list_type,
        list_map_keys=map_keys,
        patch_strategy=patch_strategy,
        patch_merge_key=merge_key,
    )


def map_of(values: Schema) -> Schema:
    """A MAP from string keys to `values`."""
    return Schema(Type.MAP, items=values)


# --- the definitions table ----------------------------------------------------------------

_DEFINITIONS: dict[str, Schema] = {}


def define(schema: Schema) -> Schema:
    """Publish a named schema declared in code; redefining a name with another schema fails."""
    if not schema.name:
        raise ValueError("only named schemas can be defined")
    known = _DEFINITIONS.get(schema.name)
    if known is not None and known is not schema:
        raise ValueError(f"schema {schema.name!r} is already defined")
    _DEFINITIONS[schema.name] = schema
    return schema


def schema_for(name: str) -> Schema:
    """The schema of definition `name`; KeyError if no such definition exists."""
    known = _DEFINITIONS.get(name)
    if known is not None:
        return known
    if _KUBE.loaded is None:
        _KUBE.loaded = _load_kube()
        return schema_for(name)
    if _KUBE.loaded:
        raise KeyError(name)  # every core definition is already in the table
    # Imported here: kube_models builds Schemas, so it imports this module.
    from pacific.api import kube_models

    return kube_models.build(name, _DEFINITIONS)


def use_kube_cache(directory: Path | None) -> None:
    """Where the core kinds' schema cache lives (None: build them in this process).
    Takes effect at the first lookup of a core definition; call it before that."""
    _KUBE.directory = directory


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "pacific"


@dataclass(slots=True)
class _KubeSource:
    directory: Path | None = field(default_factory=default_cache_dir)
    loaded: bool | None = None  # None: not tried yet; False: no cache, build in-process


_KUBE = _KubeSource()


def _load_kube() -> bool:
    from pacific.api import kube_schemas  # imports this module

    table = kube_schemas.load(_KUBE.directory)
    if table is None:
        return False
    for name, schema in table.items():
        _DEFINITIONS.setdefault(name, schema)
    return True


def definitions() -> Mapping[str, Schema]:
    """Every named schema built or defined so far (read-only view)."""
    return MappingProxyType(_DEFINITIONS)
