"""metav1.Table output (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`).

`table_for(rt, objects, ...)` renders any list (or a single object, as a one-item list) the
way kube-apiserver does:

- Built-in kinds use their printer from `pacific.api.table_kinds` (kubectl's familiar
  columns; wide columns carry priority 1).
- A kind may declare CRD-style printer columns in `rt.extra["printer_columns"]`: a sequence
  of mappings with `name`, `type`, `jsonPath` (a dotted path like `.spec.className`),
  optional `description`, `priority` and `format`. Like a CRD, the table is then Name, the
  declared columns; a `date` column prints as an age.
- Other built-in groups fall back to kube's default convertor: Name and `Created At`
  (type `date`, RFC 3339 UTC). Other groups (custom kinds) get Name and Age, as a CRD
  without printer columns does.

Each row carries `object`: PartialObjectMetadata for includeObject=Metadata (the default),
the full object for Object, nothing for None. Cells are always JSON values; the server
computes ages from the `now` it is given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from pacific.api.errors import BadRequest
from pacific.api.resources import ResourceType
from pacific.api.table_format import (
    AGE,
    NAME,
    OBJECT_META,
    Cells,
    Column,
    Obj,
    Printer,
    age,
    dig,
    parse_time,
    text,
)
from pacific.api.table_kinds import PRINTERS
from pacific.api.table_pods import pod_conditions

INCLUDE_OBJECT = ("None", "Metadata", "Object")
BUILTIN_GROUPS = frozenset(
    {
        "",
        "apps",
        "batch",
        "autoscaling",
        "policy",
        "coordination.k8s.io",
        "node.k8s.io",
        "storage.k8s.io",
        "rbac.authorization.k8s.io",
        "authorization.k8s.io",
        "networking.k8s.io",
        "discovery.k8s.io",
        "scheduling.k8s.io",
    }
)
CREATED_AT = Column("Created At", type="date", doc=(OBJECT_META, "creationTimestamp"))


def _created_at(obj: Obj, now: datetime) -> list[Any]:
    when = parse_time(dig(obj, "metadata", "creationTimestamp"))
    stamp = when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if when else "0001-01-01T00:00:00Z"
    return [text(obj, "metadata", "name"), stamp]


def _name_age(obj: Obj, now: datetime) -> list[Any]:
    return [text(obj, "metadata", "name"), age(dig(obj, "metadata", "creationTimestamp"), now)]


def _json_path(obj: Obj, path: str) -> Any:
    value: Any = obj
    for part in path.strip().lstrip(".").split("."):
        if not part:
            continue
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _custom(columns: Sequence[Mapping[str, Any]]) -> Printer:
    defs = [NAME]
    for col in columns:
        defs.append(
            Column(
                str(col["name"]),
                type=str(col.get("type", "string")),
                doc=str(col.get("description", "")),
                priority=int(col.get("priority", 0)),
                format=str(col.get("format", "")),
            )
        )

    def cells(obj: Obj, now: datetime) -> list[Any]:
        out: list[Any] = [text(obj, "metadata", "name")]
        for col in columns:
            value = _json_path(obj, str(col.get("jsonPath", "")))
            if col.get("type") == "date":
                out.append(age(value, now) if value else "<unknown>")
            elif value is None or isinstance(value, str | int | float | bool):
                out.append(value)
            else:
                out.append(str(value))
        return out

    return Printer(tuple(defs), cells)


def printer_for(rt: ResourceType) -> Printer:
    """The columns and cell function kube-apiserver would use for `rt`."""
    known = PRINTERS.get((rt.group, rt.kind))
    if known is not None:
        return known
    declared = rt.extra.get("printer_columns")
    if declared:
        return _custom(declared)
    if rt.group in BUILTIN_GROUPS:
        return Printer((NAME, CREATED_AT), _created_at)
    return Printer((NAME, AGE), _name_age)


def _partial(obj: Obj) -> dict[str, Any]:
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": obj.get("metadata") or {},
    }


def table_for(
    rt: ResourceType,
    objects: list[dict[str, Any]],
    *,
    include_object: str = "Metadata",
    list_meta: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    """Render `objects` of kind `rt` as a meta.k8s.io/v1 Table."""
    if include_object not in INCLUDE_OBJECT:
        raise BadRequest(f'unrecognized includeObject value: "{include_object}"')
    printer = printer_for(rt)
    cells: Cells = printer.cells
    rows = []
    for obj in objects:
        row: dict[str, Any] = {"cells": cells(obj, now)}
        if rt.group == "" and rt.kind == "Pod":
            conditions = pod_conditions(obj)
            if conditions:
                row["conditions"] = conditions
        if include_object == "Object":
            row["object"] = obj
        elif include_object == "Metadata":
            row["object"] = _partial(obj)
        rows.append(row)
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": list_meta,
        "columnDefinitions": [c.definition() for c in printer.columns],
        "rows": rows,
    }
