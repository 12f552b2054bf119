"""Which images to delete when the disk is too full: kubelet's image GC, as a pure plan.

When usage reaches `high_pct` of the file system, free enough to get back to `low_pct`:
delete images not used by any container, least recently used first, until the bytes freed
reach `used - capacity * low_pct / 100`. Bytes freed by deleting an image are only those of
the blobs and snapshots no remaining image shares (layer de-duplication means deleting an
image may free less than its size); the plan counts exactly that. In-use images are never
chosen. If not enough can be freed the plan deletes every candidate; the caller reports the
shortfall.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    id: str
    blobs: frozenset[str]
    snapshots: frozenset[str]
    last_used: float
    in_use: bool


@dataclass(frozen=True)
class GcPlan:
    remove: tuple[str, ...]  # image IDs, in deletion order
    to_free: int  # bytes the plan aimed to free (0: under the high threshold)
    freed: int  # bytes the plan frees


def plan_gc(
    images: Sequence[Candidate],
    sizes: Mapping[str, int],
    *,
    capacity: int,
    used: int,
    high_pct: int,
    low_pct: int,
) -> GcPlan:
    """`sizes` maps each blob digest and snapshot chain ID to its bytes on disk."""
    if not 0 <= low_pct < high_pct <= 100:
        raise ValueError(f"need 0 <= low ({low_pct}) < high ({high_pct}) <= 100")
    if capacity <= 0 or used * 100 < capacity * high_pct:
        return GcPlan((), 0, 0)
    to_free = used - capacity * low_pct // 100
    refs: Counter[str] = Counter()
    for img in images:
        refs.update(img.blobs | img.snapshots)
    order = sorted((i for i in images if not i.in_use), key=lambda i: (i.last_used, i.id))
    removed: list[str] = []
    freed = 0
    for img in order:
        if freed >= to_free:
            break
        removed.append(img.id)
        for item in img.blobs | img.snapshots:
            refs[item] -= 1
            if refs[item] == 0:
                freed += sizes.get(item, 0)
    return GcPlan(tuple(removed), to_free, freed)
