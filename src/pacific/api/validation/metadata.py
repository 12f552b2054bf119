"""ObjectMeta validation on create and update (kube's ValidateObjectMeta[Update]).

Create: `name` (or `generateName`) in the kind's name syntax, `namespace` present exactly
when the kind is namespaced, labels and annotations in label syntax (annotations at most
256 KiB in total), owner references complete with at most one controller, finalizers
qualified names. Update adds: name, namespace, uid and creationTimestamp never change, and
no finalizer may be added once deletion has started.

Labels and annotations are reported against the whole map (`metadata.labels`), not the key,
exactly as kube reports them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pacific.api.errors import Cause
from pacific.api.validation.field import (
    GoText,
    forbidden,
    go_quote,
    immutable,
    invalid,
    nonnegative,
    required,
    too_long,
)
from pacific.api.validation.names import (
    NameCheck,
    label_value_errors,
    name_is_dns_label,
    qualified_name_errors,
)

TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024

Obj = dict[str, Any]


def validate_labels(labels: Any, path: str) -> list[Cause]:
    if not isinstance(labels, Mapping):
        return []
    errs = []
    for key, value in labels.items():
        errs += [invalid(path, key, msg) for msg in qualified_name_errors(key)]
        text = value if isinstance(value, str) else str(value)
        errs += [invalid(path, text, msg) for msg in label_value_errors(text)]
    return errs


def validate_annotations(annotations: Any, path: str) -> list[Cause]:
    if not isinstance(annotations, Mapping):
        return []
    errs = []
    total = 0
    for key, value in annotations.items():
        errs += [invalid(path, key, msg) for msg in qualified_name_errors(key.lower())]
        total += len(key.encode()) + len(str(value).encode())
    if total > TOTAL_ANNOTATION_SIZE_LIMIT:
        errs.append(too_long(path, TOTAL_ANNOTATION_SIZE_LIMIT))
    return errs


def validate_owner_references(refs: Any, path: str) -> list[Cause]:
    if not isinstance(refs, list):
        return []
    errs = []
    controller = ""
    for ref in refs:
        if not isinstance(ref, Mapping):
            continue
        api_version = str(ref.get("apiVersion") or "")
        if not api_version.rpartition("/")[2]:
            errs.append(invalid(f"{path}.apiVersion", api_version, "version must not be empty"))
        for key in ("kind", "name", "uid"):
            if not ref.get(key):
                errs.append(
                    invalid(f"{path}.{key}", ref.get(key) or "", f"{key} must not be empty")
                )
        if ref.get("controller") is True:
            this = f"{ref.get('kind', '')}/{ref.get('name', '')}"
            if controller:
                errs.append(
                    invalid(
                        path,
                        GoText(f"[]v1.OwnerReference{{{len(refs)} items}}"),
                        'Only one reference can have Controller set to true. Found "true" in '
                        f"references for {controller} and {this}",
                    )
                )
            else:
                controller = this
    return errs


def validate_finalizers(finalizers: Any, path: str) -> list[Cause]:
    if not isinstance(finalizers, list):
        return []
    errs = []
    for name in finalizers:
        errs += [invalid(path, name, msg) for msg in qualified_name_errors(str(name))]
    return errs


def validate_object_meta(meta: Any, namespaced: bool, name_check: NameCheck) -> list[Cause]:
    """Create-time checks of `metadata` (the path is always `metadata`)."""
    meta = meta if isinstance(meta, Mapping) else {}
    errs = []
    generate_name = meta.get("generateName") or ""
    if generate_name:
        errs += [
            invalid("metadata.generateName", generate_name, msg)
            for msg in name_check(generate_name, True)
        ]
    name = meta.get("name") or ""
    if not name:
        errs.append(required("metadata.name", "name or generateName is required"))
    else:
        errs += [invalid("metadata.name", name, msg) for msg in name_check(name, False)]
    namespace = meta.get("namespace") or ""
    if namespaced:
        if not namespace:
            errs.append(required("metadata.namespace"))
        else:
            errs += [
                invalid("metadata.namespace", namespace, msg)
                for msg in name_is_dns_label(namespace, False)
            ]
    elif namespace:
        errs.append(forbidden("metadata.namespace", "not allowed on this type"))
    errs += nonnegative("metadata.generation", meta.get("generation"))
    errs += validate_labels(meta.get("labels"), "metadata.labels")
    errs += validate_annotations(meta.get("annotations"), "metadata.annotations")
    errs += validate_owner_references(meta.get("ownerReferences"), "metadata.ownerReferences")
    errs += validate_finalizers(meta.get("finalizers"), "metadata.finalizers")
    return errs


def validate_object_meta_update(meta: Any, old: Any) -> list[Cause]:
    """Update-time checks of `metadata` beyond the create-time syntax checks."""
    meta = meta if isinstance(meta, Mapping) else {}
    old = old if isinstance(old, Mapping) else {}
    errs = []
    for key in ("name", "namespace", "uid", "creationTimestamp"):
        if key == "creationTimestamp" and not meta.get(key):
            continue  # an update that omits it keeps the stored one
        errs += immutable(f"metadata.{key}", meta.get(key) or "", old.get(key) or "")
    if meta.get("deletionTimestamp"):
        before = set(old.get("finalizers") or [])
        added = [f for f in meta.get("finalizers") or [] if f not in before]
        if added:
            shown = "[" + " ".join(go_quote(str(f)) for f in added) + "]"
            errs.append(
                forbidden(
                    "metadata.finalizers",
                    "no new finalizers can be added if the object is being deleted, "
                    f"found new finalizers {shown}",
                )
            )
    return errs
