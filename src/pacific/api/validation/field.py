"""Field errors, worded exactly as Kubernetes' `field.ErrorList` words them.

Every validation function in this package returns a list of `Cause`s (the wire form of a
field error). A Cause's `field` is the path (`spec.containers[0].image`) and its `message`
is the error body kube-apiserver prints after the path: the error type's text, then the bad
value for value-carrying types, then the detail (`Invalid value: "Foo": must be ...`).

Bad values are printed the way Go's `fmt` prints them in apimachinery: strings quoted
(`%q`), numbers and booleans bare, `None` as `null`. Values that Go prints as typed
literals (`map[string]string{...}`, `[]string{...}`) are built with `go_map`/`go_list` and
wrapped in `GoText`, which prints verbatim.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pacific.api.errors import (
    FIELD_VALUE_DUPLICATE,
    FIELD_VALUE_FORBIDDEN,
    FIELD_VALUE_INVALID,
    FIELD_VALUE_NOT_SUPPORTED,
    FIELD_VALUE_REQUIRED,
    FIELD_VALUE_TOO_LONG,
    Cause,
)

FIELD_VALUE_NOT_FOUND = "FieldValueNotFound"
FIELD_VALUE_TOO_MANY = "FieldValueTooMany"

IMMUTABLE = "field is immutable"
NEGATIVE = "must be greater than or equal to 0"
NOT_POSITIVE = "must be greater than zero"


@dataclass(frozen=True, slots=True)
class GoText:
    """A bad value already rendered as Go would print it; printed verbatim."""

    text: str


def go_quote(s: str) -> str:
    """Go's `%q` for the strings that reach error messages."""
    return json.dumps(s, ensure_ascii=False)


def go_map(m: Mapping[str, Any]) -> GoText:
    """`map[string]string{"a":"1", "b":"2"}`: Go prints map keys sorted."""
    body = ", ".join(f"{go_quote(k)}:{go_quote(str(m[k]))}" for k in sorted(m))
    return GoText(f"map[string]string{{{body}}}")


def go_list(items: Iterable[Any]) -> GoText:
    """`[]string{"a", "b"}`."""
    return GoText("[]string{" + ", ".join(go_quote(str(i)) for i in items) + "}")


def format_value(value: Any) -> str:
    if isinstance(value, GoText):
        return value.text
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, Mapping):
        return go_map(value).text
    if isinstance(value, list | tuple):
        return go_list(value).text
    return str(value)


def _body(kind: str, detail: str) -> str:
    return f"{kind}: {detail}" if detail else kind


def required(path: str, detail: str = "") -> Cause:
    return Cause(FIELD_VALUE_REQUIRED, _body("Required value", detail), path)


def forbidden(path: str, detail: str) -> Cause:
    return Cause(FIELD_VALUE_FORBIDDEN, _body("Forbidden", detail), path)


def invalid(path: str, value: Any, detail: str) -> Cause:
    return Cause(FIELD_VALUE_INVALID, _body(f"Invalid value: {format_value(value)}", detail), path)


def duplicate(path: str, value: Any) -> Cause:
    return Cause(FIELD_VALUE_DUPLICATE, f"Duplicate value: {format_value(value)}", path)


def not_found(path: str, value: Any) -> Cause:
    return Cause(FIELD_VALUE_NOT_FOUND, f"Not found: {format_value(value)}", path)


def not_supported(path: str, value: Any, valid: Iterable[str]) -> Cause:
    values = ", ".join(go_quote(v) for v in valid)
    detail = f"supported values: {values}" if values else ""
    return Cause(
        FIELD_VALUE_NOT_SUPPORTED, _body(f"Unsupported value: {format_value(value)}", detail), path
    )


def too_long(path: str, max_bytes: int) -> Cause:
    return Cause(FIELD_VALUE_TOO_LONG, f"Too long: must have at most {max_bytes} bytes", path)


def too_many(path: str, actual: int, maximum: int) -> Cause:
    return Cause(
        FIELD_VALUE_TOO_MANY, f"Too many: {actual}: must have at most {maximum} items", path
    )


def immutable(path: str, new: Any, old: Any) -> list[Cause]:
    """kube's ValidateImmutableField: `Invalid value: <new>: field is immutable`."""
    return [] if new == old else [invalid(path, new, IMMUTABLE)]


def nonnegative(path: str, value: Any) -> list[Cause]:
    if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
        return [invalid(path, value, NEGATIVE)]
    return []
