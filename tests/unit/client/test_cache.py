from __future__ import annotations

from typing import Any

import pytest

from pacific.client.cache import Cache, by_node_name, by_owner_uid


def pod(name: str, ns: str = "a", rv: str = "1", **spec: Any) -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": ns, "resourceVersion": rv}, "spec": spec}


def test_apply_add_update_delete() -> None:
    cache = Cache()
    added = cache.apply("ADDED", pod("p"))
    assert added is not None and added.type == "add" and added.key == ("a", "p")
    updated = cache.apply("MODIFIED", pod("p", rv="2"))
    assert updated is not None and updated.type == "update"
    assert updated.old is not None and updated.old["metadata"]["resourceVersion"] == "1"
    deleted = cache.apply("DELETED", pod("p", rv="3"))
    assert deleted is not None and deleted.type == "delete" and deleted.new is None
    assert cache.get("a", "p") is None and len(cache) == 0
    assert cache.apply("DELETED", pod("p")) is None
    assert cache.apply("BOOKMARK", pod("p")) is None


def test_replace_emits_only_the_difference() -> None:
    cache = Cache()
    cache.replace([pod("keep"), pod("change"), pod("gone")])
    changes = cache.replace([pod("keep"), pod("change", rv="9"), pod("new")])
    assert [(c.type, c.key[1]) for c in changes] == [
        ("update", "change"),
        ("add", "new"),
        ("delete", "gone"),
    ]
    assert sorted(o["metadata"]["name"] for o in cache.list()) == ["change", "keep", "new"]


def test_namespace_index_and_cluster_scoped_objects() -> None:
    cache = Cache()
    cache.replace([pod("x", "a"), pod("y", "b"), {"metadata": {"name": "node1"}}])
    assert [o["metadata"]["name"] for o in cache.list("b")] == ["y"]
    assert cache.get(None, "node1") is not None
    assert len(cache.list()) == 3


def test_extra_indexers_follow_updates_and_deletes() -> None:
    cache = Cache({"node": by_node_name})
    cache.apply("ADDED", pod("p", nodeName="n1"))
    cache.apply("ADDED", pod("q"))
    assert [o["metadata"]["name"] for o in cache.by_index("node", "n1")] == ["p"]
    cache.apply("MODIFIED", pod("p", rv="2", nodeName="n2"))
    assert cache.by_index("node", "n1") == []
    assert len(cache.by_index("node", "n2")) == 1
    cache.apply("DELETED", pod("p", rv="3", nodeName="n2"))
    assert cache.by_index("node", "n2") == []
    with pytest.raises(KeyError):
        cache.by_index("missing", "x")


def test_owner_uid_indexer() -> None:
    obj = pod("p")
    obj["metadata"]["ownerReferences"] = [{"uid": "u1"}, {"uid": "u2"}, {"name": "no-uid"}]
    assert by_owner_uid(obj) == ["u1", "u2"]
