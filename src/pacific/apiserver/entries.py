"""How the watch cache holds one object: its JSON bytes and a compact selector projection.

Memory is the point. With 10,000 Pods cached, a decoded dict per object (or even a small
nested dict of selectable fields) costs more than the object's JSON. So an `Entry` keeps:
- `raw`: the object's JSON with metadata.resourceVersion, an exact-size bytes object (orjson
  returns buffers with spare capacity, which would otherwise stay allocated per object);
- `values`: a tuple `(labels, value of field 1, value of field 2, ...)` for the kind's
  selectable fields, with strings interned and equal label maps shared between objects;
- the key (the name is its last segment), the namespace (interned) and the revision.
`attrs` rebuilds the nested projection (`{"metadata": {"name", "namespace", "labels"},
"spec": {...}}`) on demand for selectors, which only filtered reads and watches need.

`with_revision(stored, revision, prefix)` turns the stored bytes (written by the registry
with `apiVersion`, `kind` and `metadata` first and no resourceVersion) into `raw` by
splicing `"resourceVersion":"N"` in after `"metadata":{`, without decoding and re-encoding;
bytes in another layout (older data, other writers) take the slow, decoding path.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from pacific.api.resources import Obj

Values = tuple[Any, ...]  # (labels or None, field values in path order...)

MAX_INTERNED_LABEL_SETS = 4096
MAX_INTERNED_LEN = 64


def _get_path(obj: Mapping[str, Any], path: str) -> object:
    cur: object = obj
    for part in path.split("."):
        if not isinstance(cur, Mapping):
            return None
        cur = cur.get(part)
    return cur


def _set_path(out: Obj, path: str, value: object) -> None:
    parts = path.split(".")
    cur = out
    for part in parts[:-1]:
        cur = cur.setdefault(part, {})
    cur[parts[-1]] = value


def intern_value(value: object) -> object:
    if isinstance(value, str) and len(value) <= MAX_INTERNED_LEN:
        return sys.intern(value)
    return value


class Interner:
    """Shares equal label maps between entries; bounded (cleared when it grows too big)."""

    def __init__(self, limit: int = MAX_INTERNED_LABEL_SETS) -> None:
        self.limit = limit
        self._labels: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}

    def labels(self, labels: object) -> dict[str, str] | None:
        if not isinstance(labels, dict) or not labels:
            return None
        try:
            key = tuple(sorted(labels.items()))
            shared = self._labels.get(key)
        except TypeError:  # unhashable or unorderable values: keep this one as it is
            return labels
        if shared is None:
            if len(self._labels) >= self.limit:
                self._labels.clear()
            shared = {sys.intern(str(k)): intern_value(v) for k, v in key}  # type: ignore[misc]
            self._labels[key] = shared
        return shared


def project_values(obj: Obj, paths: tuple[str, ...], interner: Interner) -> Values:
    meta = obj.get("metadata") or {}
    labels = interner.labels(meta.get("labels"))
    return (labels, *(intern_value(_get_path(obj, p)) for p in paths))


def exact_bytes(data: bytes) -> bytes:
    """A copy of `data` whose allocation is exactly its length."""
    return memoryview(data).tobytes()


def stored_prefix(api_version: str, kind: str) -> bytes:
    """How the registry's stored JSON of this kind begins (see the module docstring)."""
    return orjson.dumps({"apiVersion": api_version, "kind": kind, "metadata": {}})[:-2]


def with_revision(stored: bytes, revision: int, prefix: bytes) -> tuple[bytes, Obj | None]:
    """(raw JSON with resourceVersion, the decoded object if it had to be decoded)."""
    if stored.startswith(prefix):
        rv = b'"resourceVersion":"' + str(revision).encode() + b'"'
        rest = stored[len(prefix) :]
        sep = b"" if rest.startswith(b"}") else b","
        return b"".join((prefix, rv, sep, rest)), None
    obj: Obj = orjson.loads(stored)
    meta = obj.setdefault("metadata", {})
    meta["resourceVersion"] = str(revision)
    return exact_bytes(orjson.dumps(obj)), obj


@dataclass(slots=True)
class Entry:
    key: str
    namespace: str
    revision: int
    raw: bytes  # the object's JSON, resourceVersion included
    values: Values
    paths: tuple[str, ...]  # the kind's selectable field paths (shared by all entries)

    @property
    def name(self) -> str:
        return self.key[self.key.rfind("/") + 1 :]

    @property
    def attrs(self) -> Obj:
        return attrs_of(self.name, self.namespace, self.values, self.paths)


def attrs_of(name: str, namespace: str, values: Values, paths: tuple[str, ...]) -> Obj:
    """The projection selectors look at: metadata name/namespace/labels + selectable fields."""
    meta: Obj = {"name": name, "namespace": namespace}
    attrs: Obj = {"metadata": meta}
    if values[0]:
        meta["labels"] = values[0]
    for path, value in zip(paths, values[1:], strict=True):
        if value is not None:
            _set_path(attrs, path, value)
    return attrs


def make_entry(
    key: str,
    stored: bytes,
    revision: int,
    *,
    prefix: bytes,
    paths: tuple[str, ...],
    interner: Interner,
) -> Entry:
    raw, obj = with_revision(stored, revision, prefix)
    if obj is None:
        obj = orjson.loads(stored)
    namespace = (obj.get("metadata") or {}).get("namespace") or ""
    values = project_values(obj, paths, interner)
    return Entry(key, sys.intern(namespace), revision, raw, values, paths)
