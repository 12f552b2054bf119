"""Server-side apply: merge a manager's configuration into the live object, tracking ownership.

One call, pure, as kube-apiserver's fieldmanager does it (structured-merge-diff Apply):

1. Merge: the configuration is merged into the live object by schema. Objects and maps
   merge key by key, map lists element by element (matched by their keys, new elements
   appended), set lists as sets; atomic lists and scalars are replaced. `null` in the
   configuration removes the field (the manager still owns it).
2. Ownership: the manager's Apply entry becomes exactly the fields its configuration sets
   (`fieldwalk.fields_of`), minus the fields the server owns.
3. Prune: fields the manager applied last time, omits now, and nobody else owns are removed
   from the object. A removed node whose descendants someone else owns stays, minus the
   manager's own parts.
4. Conflicts: a field the apply adds or changes that another entry owns is a conflict:
   409 Conflict with one `FieldManagerConflict` cause per field, unless `force`, in which
   case the other entries lose those fields. Applying the value a field already has is no
   conflict: both managers then share it.
5. Other entries lose the fields the apply removed. Empty entries disappear.

The Apply entry's time moves to `now` when the object or the manager's field set changed.
Not implemented (optional in kube): migrating ownership from the client-side apply
annotation on conflict; kubectl itself migrates by rewriting managedFields before it applies
(record_update honours that write).
"""

from __future__ import annotations

import json
from typing import Any

from pacific.api.errors import BadRequest, Cause, Conflict, Details
from pacific.api.fieldset import FieldSet, path_string
from pacific.api.fieldwalk import FieldPathError, all_fields, compare, fields_of
from pacific.api.managedfields import (
    APPLY,
    SERVER_FIELDS,
    ManagedFieldsEntry,
    decode_managed_fields,
    with_managed_fields,
    without_managed_fields,
)
from pacific.api.schema import Schema, Type
from pacific.api.structure import (
    ListKind,
    canonical_json,
    child_schema,
    deep_copy,
    element_key,
    json_equal,
    key_token,
    list_kind,
)

JSON = Any
FIELD_MANAGER_CONFLICT = "FieldManagerConflict"


def server_side_apply(
    live: dict[str, Any] | None,
    applied: dict[str, Any],
    schema: Schema | None,
    *,
    manager: str,
    force: bool,
    now: str,
    api_version: str,
    subresource: str = "",
) -> dict[str, Any]:
    """The object after `manager` applies configuration `applied` to `live` (None: create)."""
    if not isinstance(applied, dict):
        raise BadRequest("error decoding YAML: the apply configuration must be an object")
    meta = applied.get("metadata")
    if isinstance(meta, dict) and meta.get("managedFields") is not None:
        raise BadRequest("metadata.managedFields must be nil")
    entries = decode_managed_fields(live)
    live_body = deep_copy(without_managed_fields(live)) if live is not None else {}
    try:
        config_fields = fields_of(applied, schema).difference(SERVER_FIELDS)
        merged = _merge(deep_copy(live_body), applied, schema)
    except FieldPathError as exc:
        raise BadRequest(f"failed to create typed patch object: {exc}") from exc

    mine = ManagedFieldsEntry(manager, APPLY, api_version, now, config_fields, subresource)
    previous = next((e for e in entries if e.identity == mine.identity), None)
    others = [e for e in entries if e.identity != mine.identity]
    if previous is not None:
        keep = config_fields
        for entry in others:
            keep = keep.union(entry.fields)
        _prune(merged, previous.fields.difference(keep), keep)

    if live is None:
        changed, removed = all_fields(merged, schema).difference(SERVER_FIELDS), FieldSet()
        same = False
    else:
        diff = compare(live_body, merged, schema)
        changed, removed, same = diff.changed(), diff.removed, diff.is_same()

    conflicts = [(e, e.fields.intersection(changed)) for e in others]
    conflicts = [(e, c) for e, c in conflicts if not c.is_empty()]
    if conflicts and not force:
        raise conflict_error(conflicts)

    out: list[ManagedFieldsEntry] = []
    for entry in others:
        rest = entry.fields.difference(changed).difference(removed)
        if not rest.is_empty():
            out.append(entry if rest == entry.fields else _with_fields(entry, rest))
    if previous is not None and same and previous.fields == config_fields:
        mine = previous
    if not mine.fields.is_empty():
        out.append(mine)
    return with_managed_fields(merged, out)


def _with_fields(entry: ManagedFieldsEntry, fields: FieldSet) -> ManagedFieldsEntry:
    return ManagedFieldsEntry(
        entry.manager, entry.operation, entry.api_version, entry.time, fields, entry.subresource
    )


def conflict_error(conflicts: list[tuple[ManagedFieldsEntry, FieldSet]]) -> Conflict:
    """kube's 409 for apply conflicts, one FieldManagerConflict cause per field."""
    ordered = sorted(conflicts, key=lambda c: c[0].identity)
    causes: list[Cause] = []
    lines: list[str] = []
    for entry, fields in ordered:
        who = entry.describe()
        lines.append(f"conflicts with {who}:")
        for path in fields.paths():
            text = path_string(path)
            causes.append(Cause(FIELD_MANAGER_CONFLICT, f"conflict with {who}", text))
            lines.append(f"- {text}")
    if len(causes) == 1:
        message = f"Apply failed with 1 conflict: {causes[0].message}: {causes[0].field}"
    else:
        message = f"Apply failed with {len(causes)} conflicts: " + "\n".join(lines)
    return Conflict(message, Details(causes=causes))


# --- merge --------------------------------------------------------------------------------


def _granular(schema: Schema | None) -> bool:
    return schema is None or schema.type in (Type.OBJECT, Type.MAP) or schema.preserve_unknown


def _clean(value: JSON) -> JSON:
    """A configuration value for a field the live object lacks: copied, nulls dropped."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _merge(live: JSON, config: JSON, schema: Schema | None) -> JSON:
    """Merge `config` into `live` (owned by the caller and changed in place when a dict)."""
    if isinstance(live, dict) and isinstance(config, dict) and _granular(schema):
        for key, value in config.items():
            if value is None:
                live.pop(key, None)
            elif key in live:
                live[key] = _merge(live[key], value, child_schema(schema, key))
            else:
                live[key] = _clean(value)
        return live
    if isinstance(live, list) and isinstance(config, list):
        kind, keys = list_kind(schema)
        if kind is ListKind.MAP:
            return _merge_map_list(live, config, keys, schema.items if schema else None)
        if kind is ListKind.SET:
            out = list(live)
            out.extend(_clean(v) for v in config if not any(json_equal(v, o) for o in out))
            return out
    return _clean(config)


def _merge_map_list(
    live: list[JSON], config: list[JSON], keys: tuple[str, ...], item: Schema | None
) -> list[JSON]:
    out = list(live)
    where: dict[str, int] = {}
    for i, element in enumerate(out):
        key = element_key(element, keys)
        if key is not None:
            where.setdefault(key_token(key), i)
    for i, element in enumerate(config):
        key = element_key(element, keys)
        if key is None:
            raise FieldPathError(
                f"element {i}: associative list with keys has an element that omits key "
                f'field "{keys[0]}" (and doesn\'t have default value)'
            )
        token = key_token(key)
        if token in where:
            at = where[token]
            out[at] = _merge(out[at], element, item)
        else:
            where[token] = len(out)
            out.append(_clean(element))
    return out


# --- prune --------------------------------------------------------------------------------


def _find(container: JSON, token: str) -> tuple[Any, Any] | None:
    """(container key or index, child) of path element `token`, None when absent."""
    kind, body = token[:2], token[2:]
    if kind == "f:":
        if isinstance(container, dict) and body in container:
            return body, container[body]
        return None
    if not isinstance(container, list):
        return None
    if kind == "i:":
        at = int(body) if body.isdigit() else -1
        return (at, container[at]) if 0 <= at < len(container) else None
    try:
        wanted = json.loads(body)
    except ValueError:
        return None
    for i, element in enumerate(container):
        if kind == "v:" and json_equal(element, wanted):
            return i, element
        if kind == "k:" and isinstance(wanted, dict):
            key = element_key(element, tuple(wanted))
            if key is not None and canonical_json(dict(key)) == canonical_json(wanted):
                return i, element
    return None


def _prune(value: JSON, remove: FieldSet, keep: FieldSet | None) -> None:
    """Remove the members of `remove` from `value` in place, except what `keep` still owns."""
    doomed: list[Any] = []
    for token, node in remove.children.items():
        found = _find(value, token)
        if found is None:
            continue
        where, child = found
        kept = keep.children.get(token) if keep is not None else None
        if node.member and (kept is None or kept.is_empty()):
            doomed.append(where)
        else:
            _prune(child, node, kept)
    if isinstance(value, dict):
        for key in doomed:
            del value[key]
    else:
        for index in sorted(doomed, reverse=True):
            del value[index]
