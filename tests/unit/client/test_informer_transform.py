from __future__ import annotations

from typing import Any

import orjson

from pacific.client.informer_transform import (
    LAST_APPLIED,
    compact,
    intern_strings,
    strip_bookkeeping,
)

Obj = dict[str, Any]


def applied_pod(name: str) -> Obj:
    return {
        "metadata": {
            "name": name,
            "annotations": {LAST_APPLIED: '{"kind":"Pod"}', "team": "a"},
            "managedFields": [{"manager": "kubectl", "fieldsV1": {"f:spec": {}}}],
        },
        "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]},
    }


def test_strip_drops_managed_fields_and_last_applied_only() -> None:
    out = strip_bookkeeping(applied_pod("a"))
    assert out["metadata"] == {"name": "a", "annotations": {"team": "a"}}
    assert out["spec"] == applied_pod("a")["spec"]


def test_strip_removes_annotations_left_empty() -> None:
    obj = {"metadata": {"name": "a", "annotations": {LAST_APPLIED: "{}"}}}
    assert strip_bookkeeping(obj) == {"metadata": {"name": "a"}}


def test_strip_keeps_objects_without_bookkeeping() -> None:
    obj: Obj = {"metadata": {"name": "a", "annotations": {}}, "data": {"k": "v"}}
    assert strip_bookkeeping(obj) == {
        "metadata": {"name": "a", "annotations": {}},
        "data": {"k": "v"},
    }
    assert strip_bookkeeping({"kind": "Status"}) == {"kind": "Status"}


def test_intern_shares_equal_strings_between_decoded_objects() -> None:
    raw = orjson.dumps(applied_pod("a"))
    first, second = intern_strings(orjson.loads(raw)), intern_strings(orjson.loads(raw))
    image = [c["image"] for c in (first["spec"]["containers"][0], second["spec"]["containers"][0])]
    assert image[0] is image[1]
    assert first == orjson.loads(raw)  # values are unchanged, only shared


def test_intern_reaches_list_items_and_leaves_other_scalars() -> None:
    doc = orjson.loads(b'{"args":["sleep-' + b"x" * 40 + b'",3,null,true],"n":1.5}')
    again = orjson.loads(b'["sleep-' + b"x" * 40 + b'"]')
    intern_strings(doc)
    intern_strings(again)
    assert doc["args"][0] is again[0]
    assert doc["args"][1:] == [3, None, True] and doc["n"] == 1.5


def test_compact_is_strip_then_intern() -> None:
    out = compact(applied_pod("a"))
    assert "managedFields" not in out["metadata"]
    assert LAST_APPLIED not in out["metadata"]["annotations"]
    assert (
        out["spec"]["containers"][0]["image"]
        is compact(applied_pod("b"))["spec"]["containers"][0]["image"]
    )
