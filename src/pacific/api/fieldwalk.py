"""Field sets of JSON values: which fields a value sets, and which fields changed.

Three walks over plain JSON, typed by `Schema` (None = unknown: objects are free-form maps,
lists atomic), following structured-merge-diff:

- `fields_of(value)` is the set an apply configuration claims (ToFieldSet): every scalar,
  atomic list and empty object is a member; a declared field holding a non-empty object is
  not itself a member (only its children are), while a map entry and a list element always
  are. This gives kubectl's familiar `f:labels: {f:app: {}}`.
- `all_fields(value)` is the set a brand-new value adds: every node is a member. This is
  what a writer gains when it creates a subtree (`f:labels: {".": {}, f:app: {}}`).
- `compare(old, new)` says what a write did: fields `added` (whole new subtrees, as
  all_fields), `modified` (a scalar or atomic value changed), `removed` (whole subtrees gone).
  A change of JSON type counts as removing the old subtree and adding the new one.

Map-list elements are named by their key fields (`k:{...}`, see `structure.element_key`),
set elements by value (`v:...`). An element of a map list without any key field cannot be
named: the walks raise `FieldPathError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pacific.api.fieldset import EMPTY, FieldSet, leaf
from pacific.api.schema import Schema, Type
from pacific.api.structure import (
    ListKind,
    canonical_json,
    child_schema,
    element_key,
    is_declared_field,
    json_equal,
    key_token,
    list_kind,
)

JSON = Any


class FieldPathError(ValueError):
    """A value that cannot be described as field paths (a map-list element without keys)."""


@dataclass(frozen=True, slots=True)
class Comparison:
    added: FieldSet
    modified: FieldSet
    removed: FieldSet

    def changed(self) -> FieldSet:
        """Fields a writer set: added or modified."""
        return self.added.union(self.modified)

    def is_same(self) -> bool:
        return self.added.is_empty() and self.modified.is_empty() and self.removed.is_empty()


def _granular(value: JSON, schema: Schema | None) -> bool:
    """True when a dict value is walked field by field (not owned as one atomic value)."""
    return isinstance(value, dict) and (
        schema is None or schema.type in (Type.OBJECT, Type.MAP) or schema.preserve_unknown
    )


def _element_tokens(
    items: list[JSON], schema: Schema | None, path: str
) -> list[tuple[str, JSON]] | None:
    """(token, element) for a map or set list; None when the list is atomic."""
    kind, keys = list_kind(schema)
    if kind is ListKind.ATOMIC:
        return None
    out: list[tuple[str, JSON]] = []
    for i, element in enumerate(items):
        if kind is ListKind.SET:
            out.append(("v:" + canonical_json(element), element))
            continue
        key = element_key(element, keys)
        if key is None:
            raise FieldPathError(
                f"{path}: element {i}: associative list with keys has an element that omits "
                f'key field "{keys[0]}" (and doesn\'t have default value)'
            )
        out.append(("k:" + key_token(key), element))
    return out


def fields_of(value: JSON, schema: Schema | None, path: str = "") -> FieldSet:
    """The fields an apply configuration `value` sets (root not a member)."""
    return FieldSet(False, _fields_children(value, schema, path))


def _fields_children(value: JSON, schema: Schema | None, path: str) -> dict[str, FieldSet]:
    children: dict[str, FieldSet] = {}
    if _granular(value, schema):
        for key, sub_value in value.items():
            sub = child_schema(schema, key)
            grand = _fields_children(sub_value, sub, f"{path}.{key}")
            member = not grand or not is_declared_field(schema, key) or sub_value == {}
            children["f:" + key] = FieldSet(member, grand)
    elif isinstance(value, list):
        tokens = _element_tokens(value, schema, path)
        item = schema.items if schema is not None else None
        for token, element in tokens or ():
            grand = _fields_children(element, item, f"{path}[]")
            mine = FieldSet(True, grand)
            known = children.get(token)
            children[token] = mine if known is None else known.union(mine)
    return children


def all_fields(value: JSON, schema: Schema | None, path: str = "") -> FieldSet:
    """Every path of `value`, each one a member (the value itself included), except that a
    non-empty map or set list is owned through its elements, not as a node of its own."""
    children = _all_children(value, schema, path)
    return FieldSet(not (children and isinstance(value, list)), children)


def _all_children(value: JSON, schema: Schema | None, path: str) -> dict[str, FieldSet]:
    children: dict[str, FieldSet] = {}
    if _granular(value, schema):
        for key, sub_value in value.items():
            sub = child_schema(schema, key)
            children["f:" + key] = all_fields(sub_value, sub, f"{path}.{key}")
    elif isinstance(value, list):
        tokens = _element_tokens(value, schema, path)
        item = schema.items if schema is not None else None
        for token, element in tokens or ():
            mine = FieldSet(True, _all_children(element, item, f"{path}[]"))
            known = children.get(token)
            children[token] = mine if known is None else known.union(mine)
    return children


def compare(old: JSON, new: JSON, schema: Schema | None) -> Comparison:
    """What changed from `old` to `new` (both roots of objects of `schema`)."""
    added, modified, removed = _compare(old, new, schema, "")
    return Comparison(
        FieldSet(False, added.children),
        FieldSet(False, modified.children),
        FieldSet(False, removed.children),
    )


def _compare(
    old: JSON, new: JSON, schema: Schema | None, path: str
) -> tuple[FieldSet, FieldSet, FieldSet]:
    if _granular(old, schema) and _granular(new, schema):
        return _compare_children(
            [(f"f:{k}", v) for k, v in old.items()],
            [(f"f:{k}", v) for k, v in new.items()],
            lambda token: child_schema(schema, token[2:]),
            path,
        )
    if isinstance(old, list) and isinstance(new, list):
        old_tokens = _element_tokens(old, schema, path)
        new_tokens = _element_tokens(new, schema, path)
        if old_tokens is not None and new_tokens is not None:
            item = schema.items if schema is not None else None
            return _compare_children(old_tokens, new_tokens, lambda _: item, path + "[]")
    if json_equal(old, new):
        return EMPTY, EMPTY, EMPTY
    containers = isinstance(old, dict | list) or isinstance(new, dict | list)
    if containers and type(old) is not type(new):
        return all_fields(new, schema, path), EMPTY, all_fields(old, schema, path)
    return EMPTY, leaf(), EMPTY


def _compare_children(
    old: list[tuple[str, JSON]],
    new: list[tuple[str, JSON]],
    schema_of: Any,
    path: str,
) -> tuple[FieldSet, FieldSet, FieldSet]:
    before = dict(old)
    after = dict(new)
    added: dict[str, FieldSet] = {}
    modified: dict[str, FieldSet] = {}
    removed: dict[str, FieldSet] = {}
    for token, value in after.items():
        sub = schema_of(token)
        if token not in before:
            added[token] = all_fields(value, sub, path)
            continue
        a, m, r = _compare(before[token], value, sub, path)
        if not a.is_empty():
            added[token] = a
        if not m.is_empty():
            modified[token] = m
        if not r.is_empty():
            removed[token] = r
    for token, value in before.items():
        if token not in after:
            removed[token] = all_fields(value, schema_of(token), path)
    return FieldSet(False, added), FieldSet(False, modified), FieldSet(False, removed)
