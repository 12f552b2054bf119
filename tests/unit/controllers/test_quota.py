"""The quota controller's pure decisions."""

from __future__ import annotations

import pytest

from pacific.controllers.quota import lowers


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ({"pods": "5"}, {"pods": "4"}, True),
        ({"pods": "5"}, {"pods": "5"}, False),
        ({"memory": "1Gi"}, {"memory": "1024Mi"}, False),
        ({"memory": "1Gi"}, {"memory": "1000Mi"}, True),
        ({}, {"pods": "0"}, False),
        ({"pods": "1"}, {"pods": "2", "cpu": "0"}, False),
    ],
)
def test_lowers(old: dict[str, str], new: dict[str, str], expected: bool) -> None:
    assert lowers(old, new) is expected
