"""The pure image GC plan: LRU, in-use images kept, shared layers counted once."""

from __future__ import annotations

import pytest

from pacific.agent.images.gc import Candidate, plan_gc

GiB = 1 << 30


def img(id: str, blobs: set[str], last_used: float, in_use: bool = False) -> Candidate:
    return Candidate(
        id, frozenset(blobs), frozenset({f"snap-{b}" for b in blobs}), last_used, in_use
    )


SIZES = {
    "a": 10,
    "b": 20,
    "c": 30,
    "shared": 100,
    "snap-a": 1,
    "snap-b": 2,
    "snap-c": 3,
    "snap-shared": 400,
}


def test_below_high_threshold_does_nothing() -> None:
    plan = plan_gc([img("x", {"a"}, 1)], SIZES, capacity=1000, used=849, high_pct=85, low_pct=80)
    assert plan.remove == () and plan.to_free == 0


def test_removes_least_recently_used_until_enough() -> None:
    images = [img("new", {"a"}, 30), img("old", {"b"}, 10), img("mid", {"c"}, 20)]
    plan = plan_gc(images, SIZES, capacity=1000, used=850, high_pct=85, low_pct=80)
    # 850 - 800 = 50 to free: old frees 22, mid 33 -> 55
    assert plan.to_free == 50
    assert plan.remove == ("old", "mid")
    assert plan.freed == 55


def test_in_use_images_are_never_removed() -> None:
    images = [img("busy", {"a"}, 1, in_use=True), img("idle", {"b"}, 2)]
    plan = plan_gc(images, SIZES, capacity=1000, used=1000, high_pct=85, low_pct=10)
    assert plan.remove == ("idle",)
    assert plan.freed == 22


def test_shared_layers_free_only_with_the_last_image() -> None:
    images = [img("one", {"a", "shared"}, 1), img("two", {"b", "shared"}, 2)]
    plan = plan_gc(images, SIZES, capacity=10_000, used=9_000, high_pct=85, low_pct=80)
    # 9000 - 8000 = 1000: removing "one" frees only a (11); "two" then frees b + shared
    assert plan.remove == ("one", "two")
    assert plan.freed == 11 + 22 + 500


def test_shared_with_in_use_image_frees_nothing_of_it() -> None:
    images = [img("busy", {"shared"}, 9, in_use=True), img("idle", {"a", "shared"}, 1)]
    plan = plan_gc(images, SIZES, capacity=100 * GiB, used=99 * GiB, high_pct=85, low_pct=80)
    assert plan.remove == ("idle",)
    assert plan.freed == 11


@pytest.mark.parametrize(("high", "low"), [(80, 80), (80, 90), (101, 10), (50, -1)])
def test_thresholds_are_checked(high: int, low: int) -> None:
    with pytest.raises(ValueError):
        plan_gc([], {}, capacity=1, used=1, high_pct=high, low_pct=low)
