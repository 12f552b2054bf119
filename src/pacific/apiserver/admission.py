"""The admission chain every write runs, in kube's order, on plain dicts.

    decode check (unknown/duplicate fields per fieldValidation, types)  -> warnings or 400
    server preparation (strategy.prepare_*; on update, values the server allocated and the
                        client left out are kept: services.keep_allocated)
    defaults (pacific.api.defaults)
    validation (pacific.api.validation)            -> 422 Invalid
    managedFields bookkeeping (pacific.api.managedfields.record_update)

Every step is a pure function of the api layer, called with the schema of the kind as the
server's `Kinds` registry serves it (so kinds registered on a non-default registry are
checked against their own schema). The write options decide fieldValidation and the field
manager.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from pacific.api import decode
from pacific.api.defaults import apply_defaults
from pacific.api.errors import FIELD_VALUE_REQUIRED, Cause, Invalid
from pacific.api.kinds import Registry as Kinds
from pacific.api.managedfields import record_update
from pacific.api.resources import Obj, ResourceType
from pacific.api.validation import validate_create, validate_update
from pacific.apiserver.params import WriteOptions
from pacific.apiserver.services import keep_allocated
from pacific.apiserver.strategy import generate_name, prepare_create, rfc3339


def check(
    kinds: Kinds,
    rt: ResourceType,
    obj: Obj,
    opts: WriteOptions,
    *,
    raw: bytes | None = None,
    wrap: bool = True,
) -> list[str]:
    """Check and normalise a body in place; the fieldValidation=Warn warnings.

    `raw` is the JSON text `obj` was parsed from (duplicate keys are found there); `wrap`
    prefixes errors the way kube does for create/update bodies (not for patched objects).
    """
    return decode.check(
        rt,
        obj,
        field_validation=opts.field_validation,
        schema=kinds.schema_of(rt),
        wrap=wrap,
        raw=raw,
    )


def require_name(rt: ResourceType, obj: Obj) -> None:
    meta = obj.get("metadata") or {}
    if not meta.get("name") and not meta.get("generateName"):
        raise Invalid.of(
            rt.kind,
            rt.group,
            "",
            [Cause(FIELD_VALUE_REQUIRED, "name or generateName is required", "metadata.name")],
        )


def record(
    kinds: Kinds,
    rt: ResourceType,
    old: Obj | None,
    new: Obj,
    opts: WriteOptions,
    now: dt.datetime,
    subresource: str = "",
) -> Obj:
    """`new` with managedFields updated for a non-apply write by the request's manager."""
    return record_update(
        old,
        new,
        kinds.schema_of(rt),
        manager=opts.field_manager,
        now=rfc3339(now),
        api_version=rt.api_version,
        subresource=subresource,
    )


def admit_create(
    kinds: Kinds,
    rt: ResourceType,
    obj: Obj,
    opts: WriteOptions,
    now: dt.datetime,
    names: Callable[[str], str] = generate_name,
) -> Obj:
    require_name(rt, obj)
    prepare_create(rt, obj, now, names)
    apply_defaults(rt, obj)
    validate_create(rt, obj)
    return record(kinds, rt, None, obj, opts, now)


def admit_update(
    kinds: Kinds,
    rt: ResourceType,
    new: Obj,
    old: Obj,
    opts: WriteOptions,
    now: dt.datetime,
    subresource: str = "",
) -> Obj:
    """`new` has been prepared (strategy) already; defaults, validate, record."""
    admit_applied(rt, new, old)
    return record(kinds, rt, old, new, opts, now, subresource)


def admit_applied(rt: ResourceType, new: Obj, old: Obj) -> None:
    """Keep allocated values, default and validate an update (managedFields already set)."""
    if rt.group == "" and rt.plural == "services":
        keep_allocated(new, old)
    apply_defaults(rt, new)
    validate_update(rt, new, old)
