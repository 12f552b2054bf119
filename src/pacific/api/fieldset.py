"""Field sets: which fields of an object one manager owns, and their `FieldsV1` encoding.

A `FieldSet` is a tree of path elements spelled the way `metadata.managedFields[].fieldsV1`
spells them (structured-merge-diff's format):

    f:<name>      a field of an object or a key of a map
    k:<json>      an element of a map list, by its key fields: k:{"name":"nginx"}
    v:<json>      an element of a set list, by value: v:"example.com/finalizer"
    i:<n>         an element of a list by position (read, never produced here)

Each node says whether the path itself is in the set (`member`) and holds its children. The
root is never a member. In FieldsV1 a member node with children carries a "." child and a
member without children is `{}`; a node that is not a member exists only for its children.

Invariants: a node is a member or has children (empty subtrees are never kept), and a
FieldSet is never changed after construction; the set operations return new sets and share
unchanged subtrees.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any


class FieldSet:
    """An immutable set of field paths (see module docstring)."""

    __slots__ = ("children", "member")

    def __init__(self, member: bool = False, children: Mapping[str, FieldSet] | None = None):
        self.member = member
        self.children: Mapping[str, FieldSet] = children if children is not None else {}

    def __repr__(self) -> str:
        return f"FieldSet({self.to_fields_v1()!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FieldSet):
            return NotImplemented
        return self.member == other.member and dict(self.children) == dict(other.children)

    __hash__ = None  # type: ignore[assignment]

    def is_empty(self) -> bool:
        return not self.member and not self.children

    # --- set algebra ----------------------------------------------------------------------

    def union(self, other: FieldSet) -> FieldSet:
        if other.is_empty():
            return self
        if self.is_empty():
            return other
        children = dict(self.children)
        for token, node in other.children.items():
            mine = children.get(token)
            children[token] = node if mine is None else mine.union(node)
        return FieldSet(self.member or other.member, children)

    def difference(self, other: FieldSet) -> FieldSet:
        """Paths of self not in other (per path: removing a node keeps its children)."""
        if other.is_empty() or self.is_empty():
            return self
        children: dict[str, FieldSet] = {}
        for token, node in self.children.items():
            theirs = other.children.get(token)
            rest = node if theirs is None else node.difference(theirs)
            if not rest.is_empty():
                children[token] = rest
        return FieldSet(self.member and not other.member, children)

    def intersection(self, other: FieldSet) -> FieldSet:
        children: dict[str, FieldSet] = {}
        for token, node in self.children.items():
            theirs = other.children.get(token)
            if theirs is not None:
                both = node.intersection(theirs)
                if not both.is_empty():
                    children[token] = both
        return FieldSet(self.member and other.member, children)

    def paths(self, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
        """Every member path, parents before children, siblings in token order."""
        if self.member and prefix:
            yield prefix
        for token in sorted(self.children):
            yield from self.children[token].paths((*prefix, token))

    # --- FieldsV1 ---------------------------------------------------------------------------

    def to_fields_v1(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.member and self.children:
            out["."] = {}
        for token in sorted(self.children):
            out[token] = self.children[token].to_fields_v1()
        return out

    @classmethod
    def from_fields_v1(cls, raw: Any) -> FieldSet:
        """Decode a FieldsV1 object; ValueError when it is not one."""
        root = cls._decode(raw)
        return FieldSet(False, root.children)

    @classmethod
    def _decode(cls, raw: Any) -> FieldSet:
        if not isinstance(raw, dict):
            raise ValueError(f"expected a FieldsV1 object, got {type(raw).__name__}")
        if not raw:
            return FieldSet(True)
        member = False
        children: dict[str, FieldSet] = {}
        for token, value in raw.items():
            if token == ".":
                member = True
                continue
            if not isinstance(token, str) or token[:2] not in ("f:", "k:", "v:", "i:"):
                raise ValueError(f"unknown FieldsV1 path element {token!r}")
            node = cls._decode(value)
            if not node.is_empty():
                children[token] = node
        return FieldSet(member, children)


EMPTY = FieldSet()


def leaf() -> FieldSet:
    """A member node without children."""
    return FieldSet(True)


def from_paths(*paths: tuple[str, ...]) -> FieldSet:
    """The set holding exactly `paths` (tuples of tokens)."""
    out = EMPTY
    for path in paths:
        node = leaf()
        for token in reversed(path):
            node = FieldSet(False, {token: node})
        out = out.union(node)
    return out


def path_string(path: tuple[str, ...]) -> str:
    """How Kubernetes prints a path in conflicts: .spec.containers[name="nginx"].image."""
    out: list[str] = []
    for token in path:
        kind, body = token[:2], token[2:]
        if kind == "f:":
            out.append(f".{body}")
        elif kind == "k:":
            try:
                key = json.loads(body)
            except ValueError:
                out.append(f"[{body}]")
                continue
            items = key.items() if isinstance(key, dict) else ()
            pairs = ",".join(f"{k}={json.dumps(v, separators=(',', ':'))}" for k, v in items)
            out.append(f"[{pairs}]")
        elif kind == "v:":
            out.append(f"[={body}]")
        else:
            out.append(f"[{body}]")
    return "".join(out)
