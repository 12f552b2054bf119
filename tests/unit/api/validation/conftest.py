"""Fixtures for the validation tests: default, validate, and print errors as kube does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pacific.api.defaults import apply_defaults
from pacific.api.errors import Cause
from pacific.api.resources import ResourceType
from pacific.api.validation import create_causes, update_causes

Obj = dict[str, Any]


def _lines(causes: list[Cause]) -> list[str]:
    return [f"{c.field}: {c.message}" if c.field else c.message for c in causes]


@pytest.fixture
def check() -> Callable[[ResourceType, Obj], list[str]]:
    """Default then validate a new object; its field errors as `path: message` lines."""

    def run(rt: ResourceType, obj: Obj) -> list[str]:
        apply_defaults(rt, obj)
        return _lines(create_causes(rt, obj))

    return run


@pytest.fixture
def check_update() -> Callable[[ResourceType, Obj, Obj], list[str]]:
    def run(rt: ResourceType, obj: Obj, old: Obj) -> list[str]:
        apply_defaults(rt, obj)
        apply_defaults(rt, old)
        return _lines(update_causes(rt, obj, old))

    return run
