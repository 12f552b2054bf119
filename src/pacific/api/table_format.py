"""Building blocks of Table output: column definitions and the cell formatters kube uses.

A `Column` is one metav1.TableColumnDefinition. Its description is either literal text or a
reference to a schema field (`("io.k8s.api.core.v1.PodSpec", "nodeName")`), resolved through
`pacific.api.schema` the way kube-apiserver uses the types' SwaggerDoc.

The formatters reproduce apimachinery / kubectl printers exactly: `human_duration` is
duration.HumanDuration, `age` is translateTimestampSince, `format_labels` is
labels.FormatLabels, `container_cells` is layoutContainerCells. All are pure; "now" is
always passed in.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pacific.api.schema import schema_for

OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
Doc = str | tuple[str, str]
Obj = Mapping[str, Any]
Cells = Callable[[Obj, datetime], list[Any]]


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: str = "string"
    doc: Doc = ""
    priority: int = 0
    format: str = ""

    def definition(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "format": self.format,
            "description": describe(self.doc),
            "priority": self.priority,
        }


@dataclass(frozen=True, slots=True)
class Printer:
    """How one kind prints: its columns and a pure (object, now) -> cells function."""

    columns: tuple[Column, ...]
    cells: Cells


NAME = Column("Name", format="name", doc=(OBJECT_META, "name"))
AGE = Column("Age", doc=(OBJECT_META, "creationTimestamp"))


def describe(doc: Doc) -> str:
    return doc if isinstance(doc, str) else _field_doc(*doc)


@functools.cache
def _field_doc(definition: str, field: str) -> str:
    try:
        schema = schema_for(definition)
    except KeyError:
        return ""
    entry = schema.fields.get(field)
    if entry is None:
        return ""
    return entry.description or entry.schema.description


def human_duration(d: timedelta) -> str:
    """duration.HumanDuration: "5s", "3m2s", "10m", "5h3m", "10h", "3d4h", "10d", "2y3d"."""
    seconds = int(d.total_seconds())
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 120:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 10:
        rest = seconds % 60
        return f"{minutes}m{rest}s" if rest else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = seconds // 3600
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h{rest}m" if rest else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rest = hours % 24
        return f"{hours // 24}d{rest}h" if rest else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        years = hours // 24 // 365
        return f"{years}y{days}d" if days else f"{years}y"
    return f"{hours // 24 // 365}y"


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 timestamp (metav1.Time / MicroTime), or None when unset or unparsable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def age(value: Any, now: datetime) -> str:
    """translateTimestampSince: `<unknown>` for an unset time."""
    when = parse_time(value)
    if when is None:
        return "<unknown>"
    return human_duration(now - when)


def format_labels(labels: Mapping[str, Any] | None) -> str:
    """labels.FormatLabels: sorted `k=v` pairs, `<none>` when empty."""
    if not labels:
        return "<none>"
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels))


def container_cells(pod_spec: Mapping[str, Any] | None) -> tuple[str, str]:
    """layoutContainerCells: the containers' names and images, comma-joined."""
    containers = (pod_spec or {}).get("containers") or []
    names = ",".join(str(c.get("name", "")) for c in containers)
    images = ",".join(str(c.get("image", "")) for c in containers)
    return names, images


def dig(obj: Mapping[str, Any] | None, *path: str) -> Any:
    """The value at `path`, or None when any step is missing."""
    cur: Any = obj
    for part in path:
        if not isinstance(cur, Mapping):
            return None
        cur = cur.get(part)
    return cur


def text(obj: Mapping[str, Any] | None, *path: str) -> str:
    """The string at `path`, "" when missing (Go's zero value)."""
    value = dig(obj, *path)
    return "" if value is None else str(value)


def count(obj: Mapping[str, Any] | None, *path: str) -> int:
    """The integer at `path`, 0 when missing."""
    value = dig(obj, *path)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def size(obj: Mapping[str, Any] | None, *path: str) -> int:
    """len() of the list or map at `path`, 0 when missing."""
    value = dig(obj, *path)
    return len(value) if isinstance(value, list | dict) else 0


def name_of(obj: Obj) -> str:
    return text(obj, "metadata", "name")


def created_age(obj: Obj, now: datetime) -> str:
    """The Age cell: time since `metadata.creationTimestamp`."""
    return age(dig(obj, "metadata", "creationTimestamp"), now)
