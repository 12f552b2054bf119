"""The core kinds' schemas, computed once in a child process and cached on disk.

Building schemas from the `kubernetes` package's pydantic models costs a serving process
about 35 MiB it never gives back (importing the package and resolving the models' forward
references), for a tree that is a few MiB itself. So the tree is computed where the memory
does not matter: `python -m pacific.api.kube_schemas FILE` builds every definition the
models describe (`kube_models.build_all`) and writes it in a compact JSON form; the serving
process only decodes that file. The schemas still come from the models: only where they
are computed changes.

Cache file: `<dir>/kube-schemas-<kubernetes version>-<pacific version>-<source hash>.json`,
where the hash covers the modules that shape the tree (schema, kube_models,
kube_extensions), so a changed derivation never reads a stale file. It is written to a
temporary name and renamed, so a reader sees a whole file or none; two processes racing
write the same bytes. `load(directory)` returns None when the file can neither be read nor
made (no directory, not writable, the child failed): the caller then builds in-process.

Compact form, one JSON object: {"v": FORMAT, "defs": {name: node}}, a node holding only
what differs from a `Schema`'s defaults:

    {"t": type, "d": description, "f": {field: [node, required, description]},
     "i": items node, "lt": list type, "lk": [keys], "ps": patch strategy,
     "pk": merge key, "e": [enum], "u": preserve unknown, "m": format}

and a field or item that is a named schema is {"r": name}, so named schemas stay shared
(and may be recursive) after decoding. Decoded strings are interned: the same field
descriptions repeat across hundreds of definitions.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import orjson

from pacific import __version__
from pacific.api.schema import Field, Schema, Type

FORMAT = 1
_SOURCES = ("schema.py", "kube_models.py", "kube_extensions.py", "kube_schemas.py")
Node = dict[str, Any]


# --- the compact form (pure) --------------------------------------------------------------


def encode(defs: dict[str, Schema]) -> bytes:
    """The compact form of a definitions table."""
    out = {name: _node(schema, top=True) for name, schema in sorted(defs.items())}
    return orjson.dumps({"v": FORMAT, "defs": out})


def _node(schema: Schema, *, top: bool = False) -> Node:
    if schema.name and not top:
        return {"r": schema.name}
    node: Node = {"t": schema.type.value}
    if schema.description:
        node["d"] = schema.description
    if schema.fields:
        node["f"] = {
            k: [_node(f.schema), f.required, f.description] for k, f in schema.fields.items()
        }
    if schema.items is not None:
        node["i"] = _node(schema.items)
    optional = (
        ("lt", schema.list_type),
        ("lk", list(schema.list_map_keys)),
        ("ps", schema.patch_strategy),
        ("pk", schema.patch_merge_key),
        ("e", list(schema.enum)),
        ("u", schema.preserve_unknown),
        ("m", schema.format),
    )
    node.update((key, value) for key, value in optional if value)
    return node


def decode(data: bytes) -> dict[str, Schema]:
    """A definitions table from its compact form; ValueError if it is not one."""
    try:
        doc = orjson.loads(data)
        if doc.get("v") != FORMAT:
            raise ValueError(f"schema cache format {doc.get('v')!r}, want {FORMAT}")
        nodes: dict[str, Node] = doc["defs"]
        defs = {
            name: Schema(Type(node["t"]), name=sys.intern(name)) for name, node in nodes.items()
        }
        for name, node in nodes.items():
            _fill(defs[name], node, defs)
    except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"not a schema cache: {exc!r}") from exc
    return defs


def _schema(node: Node, defs: dict[str, Schema]) -> Schema:
    ref = node.get("r")
    if ref is not None:
        return defs[ref]
    schema = Schema(Type(node["t"]))
    _fill(schema, node, defs)
    return schema


def _fill(schema: Schema, node: Node, defs: dict[str, Schema]) -> None:
    intern = sys.intern
    schema.description = intern(node.get("d", ""))
    for key, (child, required, description) in node.get("f", {}).items():
        schema.fields[intern(key)] = Field(_schema(child, defs), required, intern(description))
    if "i" in node:
        schema.items = _schema(node["i"], defs)
    schema.list_type = node.get("lt")
    schema.list_map_keys = tuple(node.get("lk", ()))
    schema.patch_strategy = node.get("ps")
    schema.patch_merge_key = node.get("pk")
    schema.enum = tuple(node.get("e", ()))
    schema.preserve_unknown = bool(node.get("u", False))
    schema.format = node.get("m", "")


# --- the cache on disk (effects) ----------------------------------------------------------


def cache_file(directory: Path) -> Path:
    """Where the cache for this kubernetes package, Pacific version and derivation lives."""
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for source in _SOURCES:
        digest.update((here / source).read_bytes())
    kube = importlib.metadata.version("kubernetes")
    return directory / f"kube-schemas-{kube}-{__version__}-{digest.hexdigest()[:16]}.json"


def load(directory: Path | None) -> dict[str, Schema] | None:
    """The cached definitions, computing the cache in a child process if it is missing;
    None if there is no usable cache (then build in-process)."""
    if directory is None:
        return None
    try:
        path = cache_file(directory)
        if not path.exists():
            directory.mkdir(parents=True, exist_ok=True)
            subprocess.run(
                [sys.executable, "-m", "pacific.api.kube_schemas", str(path)],
                check=True,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                timeout=300,
            )
        return decode(path.read_bytes())
    except (OSError, ValueError, subprocess.SubprocessError):
        return None


def write(path: Path) -> None:
    """Build every definition from the models (in this process) and write the cache file."""
    from pacific.api import kube_models  # the expensive import, only in the child

    data = encode(kube_models.build_all())
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".kube-schemas-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


if __name__ == "__main__":
    write(Path(sys.argv[1]))
