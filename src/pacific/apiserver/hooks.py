"""The api-layer functions the write path calls, looked up by name.

The apiserver drives pure functions written in `pacific.api` (decoding checks, defaults,
validation, patches, server-side apply, managed fields, protobuf). They are resolved here,
once, by module and function name, so the request path calls each under the name its
interface documents. A step whose module is absent is skipped only where skipping is sound
(no defaults, no extra validation, no managedFields bookkeeping); a request that truly needs
a missing piece (a strategic merge patch, an apply patch, a protobuf body) gets 415, never a
fake result.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Fn = Callable[..., Any]


def _find(*candidates: tuple[str, str]) -> Fn | None:
    for module, name in candidates:
        try:
            mod = importlib.import_module(module)
        except ImportError:
            continue
        fn: Fn | None = getattr(mod, name, None)
        if callable(fn):
            return fn
    return None


@dataclass(frozen=True, slots=True)
class Hooks:
    check: Fn | None  # (rt, obj, *, field_validation) -> list[str]
    apply_defaults: Fn | None  # (rt, obj) -> None
    validate_create: Fn | None  # (rt, obj) -> None
    validate_update: Fn | None  # (rt, obj, old) -> None
    json_patch: Fn | None  # (obj, ops) -> obj
    merge_patch: Fn | None  # (obj, patch) -> obj
    strategic_patch: Fn | None  # (obj, patch, schema) -> obj
    server_side_apply: Fn | None  # (live, applied, schema, *, manager, force, now, api_version)
    record_update: Fn | None  # (old, new, schema, *, manager, now, api_version, subresource)
    protobuf_decode: Fn | None  # (body) -> obj


def load() -> Hooks:
    return Hooks(
        check=_find(("pacific.api.decode", "check")),
        apply_defaults=_find(("pacific.api.defaults", "apply_defaults")),
        validate_create=_find(("pacific.api.validation", "validate_create")),
        validate_update=_find(("pacific.api.validation", "validate_update")),
        json_patch=_find(("pacific.api.patch", "apply_json_patch")),
        merge_patch=_find(("pacific.api.patch", "apply_merge_patch")),
        strategic_patch=_find(
            ("pacific.api.patch", "apply_strategic_merge_patch"),
            ("pacific.api.strategicmerge", "apply_strategic_merge_patch"),
        ),
        server_side_apply=_find(("pacific.api.apply", "server_side_apply")),
        record_update=_find(
            ("pacific.api.managedfields", "record_update"), ("pacific.api.apply", "record_update")
        ),
        protobuf_decode=_find(("pacific.api.protobuf", "decode")),
    )
