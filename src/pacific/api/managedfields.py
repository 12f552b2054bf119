"""`metadata.managedFields`: who owns which fields, and what every non-apply write does to it.

Model (KEP-555, as kube-apiserver's fieldmanager implements it):

- Each entry is one writer: (manager, operation, apiVersion, subresource) plus the time of
  its last change and its `FieldSet`. Apply entries are identified without apiVersion, so one
  applier has one entry; Update entries have one per apiVersion and subresource.
- An Update (create, PUT, any non-apply patch) gives its manager every field it added or
  modified; every other entry loses those fields and every field the write removed; entries
  left empty disappear. The manager's entry gets the write's time only when it gained
  fields, so a no-op write changes nothing.
- A write that sends its own non-empty `managedFields` replaces the ownership record (this is
  how kubectl migrates client-side-apply ownership to server-side apply); `[{}]` clears it.
  Writes to subresources always keep the live record. Undecodable records fall back to the
  live one, as in kube.
- Fields the server owns are never recorded: apiVersion, kind, and metadata's name,
  namespace, uid, resourceVersion, generation, creationTimestamp, selfLink, managedFields.
- Entries are kept sorted as kube sorts them: Apply before Update, then by time, manager,
  apiVersion, subresource.

Create with one manager (the hot path) is a single walk of the new object (`all_fields`),
except that top-level named object fields (spec, status) are not members themselves: kube
compares a create with the kind's zero value, in which those structs already exist.

Not implemented: kube's cap of ten Update entries (merging the oldest into
"ancient-changes"), and per-version conversion of field sets.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from pacific.api.errors import BadRequest
from pacific.api.fieldset import EMPTY, FieldSet, from_paths
from pacific.api.fieldwalk import FieldPathError, all_fields, compare
from pacific.api.schema import Schema, Type
from pacific.api.structure import child_schema

APPLY = "Apply"
UPDATE = "Update"

# Fields owned by the server itself (kube's stripMeta manager).
SERVER_FIELDS = from_paths(
    ("f:apiVersion",),
    ("f:kind",),
    ("f:metadata",),
    *(
        ("f:metadata", f"f:{name}")
        for name in (
            "name",
            "namespace",
            "creationTimestamp",
            "selfLink",
            "uid",
            "clusterName",
            "generation",
            "managedFields",
            "resourceVersion",
        )
    ),
)


@dataclass(frozen=True, slots=True)
class ManagedFieldsEntry:
    manager: str
    operation: str
    api_version: str
    time: str
    fields: FieldSet
    subresource: str = ""

    @property
    def identity(self) -> tuple[str, str, str, str]:
        """What makes two entries the same writer (apiVersion does not, for appliers)."""
        version = "" if self.operation == APPLY else self.api_version
        return (self.manager, self.operation, version, self.subresource)

    def describe(self) -> str:
        """How kube names this writer in conflict messages."""
        out = json.dumps(self.manager, ensure_ascii=False)
        if self.subresource:
            out += f" with subresource {json.dumps(self.subresource, ensure_ascii=False)}"
        if self.operation == UPDATE:
            out += f" using {self.api_version}"
        return out

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "manager": self.manager,
            "operation": self.operation,
            "apiVersion": self.api_version,
        }
        if self.time:
            out["time"] = self.time
        out["fieldsType"] = "FieldsV1"
        out["fieldsV1"] = self.fields.to_fields_v1()
        if self.subresource:
            out["subresource"] = self.subresource
        return out


def _entry_from_dict(raw: Any) -> ManagedFieldsEntry:
    if not isinstance(raw, dict):
        raise ValueError("managed fields entry is not an object")
    operation = raw.get("operation")
    if operation not in (APPLY, UPDATE):
        raise ValueError(f"unknown operation {operation!r}")
    if raw.get("fieldsType", "FieldsV1") != "FieldsV1":
        raise ValueError(f"unknown fieldsType {raw.get('fieldsType')!r}")
    texts = [raw.get(k) or "" for k in ("manager", "apiVersion", "time", "subresource")]
    if not all(isinstance(t, str) for t in texts):
        raise ValueError("managed fields entry has a non-string field")
    manager, api_version, time, subresource = texts
    fields = FieldSet.from_fields_v1(raw.get("fieldsV1") or {})
    return ManagedFieldsEntry(manager, operation, api_version, time, fields, subresource)


def decode_managed_fields(obj: dict[str, Any] | None) -> list[ManagedFieldsEntry]:
    """The entries of `obj`'s metadata.managedFields; BadRequest when they are malformed."""
    if obj is None:
        return []
    meta = obj.get("metadata")
    raw = meta.get("managedFields") if isinstance(meta, dict) else None
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise BadRequest("metadata.managedFields must be a list")
    try:
        return [_entry_from_dict(e) for e in raw]
    except ValueError as exc:
        raise BadRequest(f"invalid managedFields: {exc}") from exc


def encode_managed_fields(entries: list[ManagedFieldsEntry]) -> list[dict[str, Any]]:
    """Entries in kube's order, as the JSON `metadata.managedFields` holds them."""
    ordered = sorted(
        entries,
        key=lambda e: (e.operation, e.time, e.manager, e.api_version, e.subresource),
    )
    return [e.to_dict() for e in ordered]


def with_managed_fields(obj: dict[str, Any], entries: list[ManagedFieldsEntry]) -> dict[str, Any]:
    """A copy of `obj`'s root and metadata with managedFields set (removed when no entries)."""
    out = dict(obj)
    meta = dict(out.get("metadata") or {})
    if entries:
        meta["managedFields"] = encode_managed_fields(entries)
    else:
        meta.pop("managedFields", None)
    out["metadata"] = meta
    return out


def without_managed_fields(obj: dict[str, Any]) -> dict[str, Any]:
    """A shallow view of `obj` without metadata.managedFields (root and metadata copied)."""
    meta = obj.get("metadata")
    if not isinstance(meta, dict) or "managedFields" not in meta:
        return obj
    out = dict(obj)
    out["metadata"] = {k: v for k, v in meta.items() if k != "managedFields"}
    return out


def created_fields(obj: dict[str, Any], schema: Schema | None) -> FieldSet:
    """The fields a create of `obj` gives its manager (one walk; see module docstring)."""
    top = all_fields(obj, schema)
    children = dict(top.children)
    for token, node in top.children.items():
        sub = child_schema(schema, token[2:])
        if sub is not None and sub.type is Type.OBJECT and sub.name and node.children:
            children[token] = FieldSet(False, node.children)
    return FieldSet(False, children).difference(SERVER_FIELDS)


def _base_entries(
    old: dict[str, Any] | None, new: dict[str, Any], subresource: str
) -> list[ManagedFieldsEntry]:
    """The ownership record a write starts from (see module docstring)."""
    live = _decode_or_empty(old)
    meta = new.get("metadata")
    sent = meta.get("managedFields") if isinstance(meta, dict) else None
    if subresource or not sent:
        return live
    if sent == [{}]:
        return []
    try:
        return decode_managed_fields(new)
    except BadRequest:
        return live


def _decode_or_empty(obj: dict[str, Any] | None) -> list[ManagedFieldsEntry]:
    try:
        return decode_managed_fields(obj)
    except BadRequest:
        return []


def record_update(
    old: dict[str, Any] | None,
    new: dict[str, Any],
    schema: Schema | None,
    *,
    manager: str,
    now: str,
    api_version: str,
    subresource: str = "",
) -> dict[str, Any]:
    """`new` with metadata.managedFields updated for a non-apply write by `manager`.

    `old` is the live object (None for a create). The result's root and metadata are new
    dicts; every other subtree is shared with `new`, which is not modified.
    """
    entries = _base_entries(old, new, subresource)
    new_body = without_managed_fields(new)
    try:
        if old is None:
            changed, removed = created_fields(new_body, schema), EMPTY
        else:
            diff = compare(without_managed_fields(old), new_body, schema)
            changed = diff.changed().difference(SERVER_FIELDS)
            removed = diff.removed
    except FieldPathError:
        return with_managed_fields(new_body, entries)
    return with_managed_fields(
        new_body,
        _transfer(entries, changed, removed, manager, now, api_version, subresource),
    )


def _transfer(
    entries: list[ManagedFieldsEntry],
    changed: FieldSet,
    removed: FieldSet,
    manager: str,
    now: str,
    api_version: str,
    subresource: str,
) -> list[ManagedFieldsEntry]:
    """Give `changed` to the writer's Update entry and take changed and removed fields away
    from every other entry; empty entries are dropped."""
    mine = ManagedFieldsEntry(manager, UPDATE, api_version, now, changed, subresource)
    out: list[ManagedFieldsEntry] = []
    for entry in entries:
        if entry.identity == mine.identity:
            kept = entry.fields.difference(removed)
            if changed.is_empty():
                mine = replace(entry, fields=kept)
            else:
                mine = replace(mine, fields=kept.union(changed))
            continue
        rest = entry.fields.difference(changed).difference(removed)
        if not rest.is_empty():
            out.append(replace(entry, fields=rest))
    if not mine.fields.is_empty():
        out.append(mine)
    return out
