from __future__ import annotations

from typing import Any

import pytest

from pacific.controllers.patches import merge_patch


def apply_merge(target: Any, patch: Any) -> Any:
    """RFC 7386 application, to check that a computed patch really reaches `new`."""
    if not isinstance(patch, dict):
        return patch
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = apply_merge(out.get(key), value)
    return out


CASES = [
    (
        {"hard": {"pods": "2"}, "used": {"pods": "1"}},
        {"hard": {"pods": "2"}, "used": {"pods": "2"}},
    ),
    ({"hard": {"pods": "2", "cpu": "1"}}, {"hard": {"pods": "2"}}),
    ({"subsets": [{"a": 1}]}, {"subsets": [{"a": 1}, {"b": 2}]}),
    ({"metadata": {"labels": {"a": "1"}}}, {"metadata": {"labels": {}}}),
    ({}, {"x": {"y": "z"}}),
    ({"x": "scalar"}, {"x": {"y": "z"}}),
]


@pytest.mark.parametrize(("old", "new"), CASES)
def test_merge_patch_turns_old_into_new(old: dict[str, Any], new: dict[str, Any]) -> None:
    assert apply_merge(old, merge_patch(old, new)) == new


def test_merge_patch_names_only_what_changed() -> None:
    old = {"hard": {"pods": "2", "cpu": "1"}, "used": {"pods": "1", "cpu": "0"}}
    new = {"hard": {"pods": "2"}, "used": {"pods": "2"}}
    assert merge_patch(old, new) == {"hard": {"cpu": None}, "used": {"pods": "2", "cpu": None}}
    assert merge_patch(new, new) == {}
