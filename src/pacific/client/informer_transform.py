"""What an informer keeps of an object: client-go's `SetTransform`, with Pacific's default.

An informer may hold every object of a kind (10,000 Pods, twice over when the controllers
and the scheduler each watch them), so what it keeps per object is the memory of the whole
process. A `Transform` is applied to every object before it is cached or handed to
handlers: `transform(obj) -> obj`, free to change the freshly decoded `obj` in place (no
one else holds it yet) and returning what the cache keeps.

`compact` (the default of `Informer`) keeps an object whole except for:

- `metadata.managedFields`: server-side apply bookkeeping, often more than half of a Pod's
  decoded size; controllers and the scheduler never read it (kube-scheduler and
  kube-controller-manager strip it the same way, `TransformStripManagedFields`).
- the `kubectl.kubernetes.io/last-applied-configuration` annotation: a copy of a whole
  manifest, read only by `kubectl apply`; an `annotations` map left empty is removed.

and it interns every string value (`sys.intern`), so the image names, commands, condition
reasons and timestamps that thousands of objects repeat are stored once per process.

Invariant for every component reading an informer: a cached object is a *view*, not a
copy to write back. Updates are built as patches of the fields the component owns (or
from a fresh GET), never by PUTting a cached object, which would lose what the view left
out. Cached objects are shared between handlers: treat them as read-only.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

Obj = dict[str, Any]
Transform = Callable[[Obj], Obj]

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def strip_bookkeeping(obj: Obj) -> Obj:
    """Drop managedFields and the last-applied annotation (in place); returns `obj`."""
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        meta.pop("managedFields", None)
        annotations = meta.get("annotations")
        if isinstance(annotations, dict) and LAST_APPLIED in annotations:
            del annotations[LAST_APPLIED]
            if not annotations:
                del meta["annotations"]
    return obj


def intern_strings(value: Any) -> Any:
    """Intern every string value of a decoded JSON document (in place); returns `value`.

    Keys need nothing: orjson already shares the keys it decodes.
    """
    if isinstance(value, dict):
        for key, item in value.items():
            if type(item) is str:
                value[key] = sys.intern(item)
            elif isinstance(item, dict | list):
                intern_strings(item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if type(item) is str:
                value[index] = sys.intern(item)
            elif isinstance(item, dict | list):
                intern_strings(item)
    return value


def compact(obj: Obj) -> Obj:
    """The default transform: `strip_bookkeeping`, then `intern_strings`."""
    result: Obj = intern_strings(strip_bookkeeping(obj))
    return result
