import datetime as dt

import orjson
import pytest

from pacific.api.errors import AlreadyExists, Conflict, Forbidden, NotFound
from pacific.api.kinds import by_resource
from pacific.api.resources import Obj, ResourceType
from pacific.apiserver.deletion import DeleteOptions
from pacific.apiserver.registry import Registry
from pacific.store.memory import MemoryStore

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def rt(plural: str) -> ResourceType:
    found = by_resource("", "v1", plural)
    assert found is not None
    return found


async def registry_with_namespace(phase: str = "Active") -> Registry:
    reg = Registry(MemoryStore(), lambda: NOW)
    ns = {"metadata": {"name": "ns"}, "status": {"phase": phase}}
    await reg.create(rt("namespaces"), None, ns, dry_run=False)
    return reg


def cm(name: str = "c") -> Obj:
    return {"metadata": {"name": name, "namespace": "ns"}, "data": {"a": "b"}}


async def test_stored_without_resource_version_and_returned_with_it() -> None:
    reg = await registry_with_namespace()
    created = await reg.create(rt("configmaps"), "ns", cm(), dry_run=False)
    kv = await reg.store.get(rt("configmaps").key("ns", "c"))
    assert kv is not None and "resourceVersion" not in orjson.loads(kv.value)["metadata"]
    assert created["metadata"]["resourceVersion"] == str(kv.mod_revision)
    assert reg.last_write[rt("configmaps").prefix()] == kv.mod_revision


async def test_create_checks() -> None:
    reg = await registry_with_namespace()
    await reg.create(rt("configmaps"), "ns", cm(), dry_run=False)
    with pytest.raises(AlreadyExists):
        await reg.create(rt("configmaps"), "ns", cm(), dry_run=False)
    with pytest.raises(NotFound, match='namespaces "other" not found'):
        await reg.create(rt("configmaps"), "other", cm(), dry_run=False)
    terminating = await registry_with_namespace("Terminating")
    with pytest.raises(Forbidden):
        await terminating.create(rt("configmaps"), "ns", cm(), dry_run=False)


async def test_dry_run_create_stores_nothing() -> None:
    reg = await registry_with_namespace()
    before = await reg.store.current_revision()
    await reg.create(rt("configmaps"), "ns", cm(), dry_run=True)
    assert await reg.store.current_revision() == before


async def test_update_conflict_on_stale_resource_version() -> None:
    reg = await registry_with_namespace()
    created = await reg.create(rt("configmaps"), "ns", cm(), dry_run=False)

    async def stale(old: Obj) -> Obj:
        return {**old, "metadata": {**old["metadata"], "resourceVersion": "1"}}

    with pytest.raises(Conflict):
        await reg.update(rt("configmaps"), "ns", "c", stale, dry_run=False)

    async def relabel(old: Obj) -> Obj:
        return {**old, "metadata": {**old["metadata"], "labels": {"x": "y"}}}

    updated, deleted = await reg.update(rt("configmaps"), "ns", "c", relabel, dry_run=False)
    assert not deleted
    assert int(updated["metadata"]["resourceVersion"]) > int(created["metadata"]["resourceVersion"])


async def test_delete_removes_or_marks() -> None:
    reg = await registry_with_namespace()
    await reg.create(rt("configmaps"), "ns", cm(), dry_run=False)
    _, removed = await reg.delete(rt("configmaps"), "ns", "c", DeleteOptions())
    assert removed
    with pytest.raises(NotFound):
        await reg.get(rt("configmaps"), "ns", "c")
    held = cm("h")
    held["metadata"]["finalizers"] = ["x/y"]
    await reg.create(rt("configmaps"), "ns", held, dry_run=False)
    marked, removed = await reg.delete(rt("configmaps"), "ns", "h", DeleteOptions())
    assert not removed and marked["metadata"]["deletionTimestamp"] == "2026-01-01T00:00:00Z"
