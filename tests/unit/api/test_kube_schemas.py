from __future__ import annotations

from pathlib import Path

import pytest

from pacific.api import kube_models, kube_schemas
from pacific.api.schema import Schema, Type, array, obj, scalar


def same_tree(a: Schema, b: Schema, seen: set[str]) -> None:
    """Structural equality of two schema graphs (named schemas compared once)."""
    if a.name:
        assert a.name == b.name
        if a.name in seen:
            return
        seen.add(a.name)
    assert (a.type, a.description, a.format, a.enum) == (b.type, b.description, b.format, b.enum)
    assert (a.list_type, a.list_map_keys) == (b.list_type, b.list_map_keys)
    assert (a.patch_strategy, a.patch_merge_key) == (b.patch_strategy, b.patch_merge_key)
    assert a.preserve_unknown == b.preserve_unknown
    assert list(a.fields) == list(b.fields)
    for key, field in a.fields.items():
        other = b.fields[key]
        assert (field.required, field.description) == (other.required, other.description)
        same_tree(field.schema, other.schema, seen)
    assert (a.items is None) == (b.items is None)
    if a.items is not None and b.items is not None:
        same_tree(a.items, b.items, seen)


def test_round_trip_keeps_named_schemas_shared_and_recursive() -> None:
    node = obj("test.v1.Node", {"name": scalar(Type.STRING, enum=("a", "b"))})
    node.fields["children"] = node.fields["name"].__class__(
        array(node, keys=("name",), patch_strategy="merge", merge_key="name")
    )
    holder = obj("test.v1.Holder", {"left": node, "right": node}, preserve_unknown=True)
    out = kube_schemas.decode(kube_schemas.encode({n.name: n for n in (node, holder)}))
    left, right = (out["test.v1.Holder"].fields[k].schema for k in ("left", "right"))
    assert left is right is out["test.v1.Node"]
    assert left.fields["children"].schema.items is left
    same_tree(holder, out["test.v1.Holder"], set())


def test_round_trip_of_the_core_definitions_matches_an_in_process_build() -> None:
    built: dict[str, Schema] = {}
    pod = kube_models.build("io.k8s.api.core.v1.Pod", built)
    out = kube_schemas.decode(kube_schemas.encode(built))
    same_tree(pod, out["io.k8s.api.core.v1.Pod"], set())


@pytest.mark.parametrize("data", [b"not json", b'{"v": 99, "defs": {}}', b'{"v": 1}'])
def test_decode_rejects_what_is_not_a_cache(data: bytes) -> None:
    with pytest.raises(ValueError):
        kube_schemas.decode(data)


def test_cache_file_names_the_versions(tmp_path: Path) -> None:
    name = kube_schemas.cache_file(tmp_path).name
    assert name.startswith("kube-schemas-") and name.endswith(".json")
    assert kube_schemas.cache_file(tmp_path) == kube_schemas.cache_file(tmp_path)


def test_load_computes_the_cache_in_a_child_then_reads_it(tmp_path: Path) -> None:
    first = kube_schemas.load(tmp_path / "cache")
    assert first is not None and "io.k8s.api.apps.v1.Deployment" in first
    path = kube_schemas.cache_file(tmp_path / "cache")
    stamp = path.stat().st_mtime_ns
    again = kube_schemas.load(tmp_path / "cache")
    assert again is not None and path.stat().st_mtime_ns == stamp
    assert again.keys() == first.keys() >= set(kube_models.definition_names())


def test_load_without_a_usable_directory_is_none(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert kube_schemas.load(None) is None
    assert kube_schemas.load(blocker / "cache") is None
