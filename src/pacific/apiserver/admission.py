"""The admission chain every write runs, in kube's order, on plain dicts.

    decode check (unknown fields per fieldValidation, types)  -> warnings
    server preparation (strategy.prepare_*)
    defaults (pacific.api.defaults)
    validation (pacific.api.validation)            -> 422 Invalid
    managedFields bookkeeping (record_update)

Each step comes from `hooks`; see there which may be absent. The write options decide
fieldValidation and the field manager.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pacific.api.errors import FIELD_VALUE_REQUIRED, Cause, Invalid
from pacific.api.kinds import Registry as Kinds
from pacific.api.resources import Obj, ResourceType
from pacific.apiserver.hooks import Hooks
from pacific.apiserver.params import WriteOptions
from pacific.apiserver.strategy import prepare_create, rfc3339


def check(hooks: Hooks, rt: ResourceType, obj: Obj, opts: WriteOptions) -> list[str]:
    if hooks.check is None:
        return []
    warnings: list[str] = hooks.check(rt, obj, field_validation=opts.field_validation)
    return warnings


def require_name(rt: ResourceType, obj: Obj) -> None:
    meta = obj.get("metadata") or {}
    if not meta.get("name") and not meta.get("generateName"):
        raise Invalid.of(
            rt.kind,
            rt.group,
            "",
            [Cause(FIELD_VALUE_REQUIRED, "name or generateName is required", "metadata.name")],
        )


def _schema(kinds: Kinds, rt: ResourceType) -> Any:
    try:
        return kinds.schema_of(rt)
    except KeyError:
        return None


def record(
    hooks: Hooks,
    kinds: Kinds,
    rt: ResourceType,
    old: Obj | None,
    new: Obj,
    opts: WriteOptions,
    now: dt.datetime,
    subresource: str = "",
) -> Obj:
    if hooks.record_update is None:
        return new
    schema = _schema(kinds, rt)
    if schema is None:
        return new
    out: Obj = hooks.record_update(
        old,
        new,
        schema,
        manager=opts.field_manager,
        now=rfc3339(now),
        api_version=rt.api_version,
        subresource=subresource,
    )
    return out


def admit_create(
    hooks: Hooks, kinds: Kinds, rt: ResourceType, obj: Obj, opts: WriteOptions, now: dt.datetime
) -> Obj:
    require_name(rt, obj)
    prepare_create(rt, obj, now)
    if hooks.apply_defaults is not None:
        hooks.apply_defaults(rt, obj)
    if hooks.validate_create is not None:
        hooks.validate_create(rt, obj)
    return record(hooks, kinds, rt, None, obj, opts, now)


def admit_update(
    hooks: Hooks,
    kinds: Kinds,
    rt: ResourceType,
    new: Obj,
    old: Obj,
    opts: WriteOptions,
    now: dt.datetime,
    subresource: str = "",
) -> Obj:
    """`new` has been prepared (strategy) already; defaults, validate, record."""
    if hooks.apply_defaults is not None:
        hooks.apply_defaults(rt, new)
    if hooks.validate_update is not None:
        hooks.validate_update(rt, new, old)
    return record(hooks, kinds, rt, old, new, opts, now, subresource)
