"""Deployment arithmetic: surge and unavailability fenceposts, new-RS sizes, proportional
scaling, and the orderings of ReplicaSets — pure functions over plain dicts.

Follows kube's deployment util:
- `maxSurge` / `maxUnavailable` are ints or percentages of `spec.replicas`; surge rounds
  up, unavailability rounds down, and if both come out 0 unavailability becomes 1
  (otherwise a rollout could never move). Unavailability never exceeds the replicas.
- During a rolling update the new ReplicaSet may grow until the total across all
  ReplicaSets reaches `replicas + maxSurge`.
- When the Deployment is scaled in the middle of a rollout, the difference is spread over
  the active ReplicaSets in proportion to their size (`proportional_sizes`), using each
  ReplicaSet's `max-replicas` annotation as the denominator, rounding half away from zero,
  and giving the leftover to the largest (newest on ties when growing, oldest when
  shrinking).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from pacific.controllers.objects import Obj, annotations_of, creation_time, meta, name_of

REVISION = "deployment.kubernetes.io/revision"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
DEFAULT_SURGE = "25%"


def spec_replicas(obj: Obj) -> int:
    value = (obj.get("spec") or {}).get("replicas")
    return 1 if value is None else int(value)


def rs_replicas(rs: Obj | None) -> int:
    """A ReplicaSet's spec.replicas (0 for none)."""
    if rs is None:
        return 0
    value = (rs.get("spec") or {}).get("replicas")
    return 1 if value is None else int(value)


def status_count(rs: Obj, field: str) -> int:
    return int((rs.get("status") or {}).get(field) or 0)


def scaled_value(value: Any, total: int, round_up: bool) -> int:
    """intstr.GetScaledValueFromIntOrPercent: an int as is, "N%" of total rounded."""
    if isinstance(value, bool):
        raise ValueError(f"invalid value for IntOrString: {value!r}")
    if isinstance(value, int):
        return value
    text = str(value)
    if not text.endswith("%"):
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"invalid value for IntOrString: {text!r}") from None
    try:
        percent = int(text[:-1])
    except ValueError:
        raise ValueError(f"invalid value for IntOrString: {text!r}") from None
    scaled = percent * total / 100
    return math.ceil(scaled) if round_up else math.floor(scaled)


def is_rolling(d: Obj) -> bool:
    strategy = (d.get("spec") or {}).get("strategy") or {}
    return bool(strategy.get("type", "RollingUpdate") == "RollingUpdate")


def _rolling_params(d: Obj) -> Obj:
    strategy = (d.get("spec") or {}).get("strategy") or {}
    return strategy.get("rollingUpdate") or {}


def resolve_fenceposts(d: Obj) -> tuple[int, int]:
    """(maxSurge, maxUnavailable) resolved against spec.replicas."""
    params = _rolling_params(d)
    desired = spec_replicas(d)
    surge = scaled_value(params.get("maxSurge", DEFAULT_SURGE), desired, True)
    unavailable = scaled_value(params.get("maxUnavailable", DEFAULT_SURGE), desired, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def max_surge(d: Obj) -> int:
    if not is_rolling(d):
        return 0
    return scaled_value(_rolling_params(d).get("maxSurge", DEFAULT_SURGE), spec_replicas(d), True)


def max_unavailable(d: Obj) -> int:
    desired = spec_replicas(d)
    if not is_rolling(d) or desired == 0:
        return 0
    return min(resolve_fenceposts(d)[1], desired)


def total_replicas(rss: Sequence[Obj | None]) -> int:
    return sum(rs_replicas(rs) for rs in rss if rs is not None)


def total_status(rss: Sequence[Obj | None], field: str) -> int:
    return sum(status_count(rs, field) for rs in rss if rs is not None)


def new_rs_new_replicas(d: Obj, all_rss: Sequence[Obj | None], new_rs: Obj | None) -> int:
    """How big the new ReplicaSet may be now (NewRSNewReplicas)."""
    desired = spec_replicas(d)
    if not is_rolling(d):
        return desired
    current = rs_replicas(new_rs)
    max_total = desired + max_surge(d)
    count = total_replicas(all_rss)
    if count >= max_total:
        return current
    return current + max(0, min(max_total - count, desired - current))


def revision_of(rs: Obj) -> int:
    try:
        return int(annotations_of(rs).get(REVISION, "0"))
    except ValueError:
        return 0


def _stamp(rs: Obj) -> float:
    return creation_time(rs).timestamp()


def by_creation(rss: Sequence[Obj]) -> list[Obj]:
    """Oldest first; ties by name (ReplicaSetsByCreationTimestamp)."""
    return sorted(rss, key=lambda rs: (_stamp(rs), name_of(rs)))


def by_revision(rss: Sequence[Obj]) -> list[Obj]:
    return sorted(rss, key=lambda rs: (revision_of(rs), _stamp(rs), name_of(rs)))


def by_size_newer(rss: Sequence[Obj]) -> list[Obj]:
    """Largest first; ties newest first (ReplicaSetsBySizeNewer)."""
    return sorted(rss, key=lambda rs: (-rs_replicas(rs), -_stamp(rs)))


def by_size_older(rss: Sequence[Obj]) -> list[Obj]:
    """Largest first; ties oldest first (ReplicaSetsBySizeOlder)."""
    return sorted(rss, key=lambda rs: (-rs_replicas(rs), _stamp(rs), name_of(rs)))


def active(rss: Sequence[Obj | None]) -> list[Obj]:
    return [rs for rs in rss if rs is not None and rs_replicas(rs) > 0]


def _round_half_away(value: float) -> int:
    return math.floor(value + 0.5) if value >= 0 else -math.floor(-value + 0.5)


def _annotation_int(rs: Obj, key: str) -> int | None:
    try:
        return int(annotations_of(rs)[key])
    except (KeyError, ValueError):
        return None


def rs_fraction(rs: Obj, d: Obj) -> int:
    """How many replicas `rs` gains (or loses) when the Deployment is resized."""
    desired = spec_replicas(d)
    if desired == 0:
        return -rs_replicas(rs)
    max_now = desired + max_surge(d)
    before = _annotation_int(rs, MAX_REPLICAS)
    if not before:
        before = int((d.get("status") or {}).get("replicas") or 0)
    if not before:
        return 0
    return _round_half_away(rs_replicas(rs) * max_now / before) - rs_replicas(rs)


def proportion(rs: Obj, d: Obj, to_add: int, added: int) -> int:
    if rs_replicas(rs) == 0 or to_add == 0 or to_add == added:
        return 0
    fraction = rs_fraction(rs, d)
    allowed = to_add - added
    return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)


def proportional_sizes(d: Obj, rss: Sequence[Obj]) -> dict[str, int]:
    """New sizes for the active ReplicaSets `rss` when the Deployment's size changed in
    the middle of a rollout (kube's `scale` for RollingUpdate)."""
    live = active(rss)
    allowed = spec_replicas(d) + max_surge(d) if spec_replicas(d) > 0 else 0
    to_add = allowed - total_replicas(live)
    ordered = by_size_newer(live) if to_add > 0 else by_size_older(live)
    sizes: dict[str, int] = {}
    added = 0
    for rs in ordered:
        if to_add != 0:
            share = proportion(rs, d, to_add, added)
            sizes[name_of(rs)] = rs_replicas(rs) + share
            added += share
        else:
            sizes[name_of(rs)] = rs_replicas(rs)
    if to_add != 0 and ordered:
        first = name_of(ordered[0])
        sizes[first] = max(0, sizes[first] + to_add - added)
    return sizes


def find_active_or_latest(new_rs: Obj | None, old_rss: Sequence[Obj]) -> Obj | None:
    """The single active ReplicaSet, or the newest when none is active, else None."""
    newest_first = list(reversed(by_creation(old_rss)))
    live = active([*newest_first, new_rs])
    if not live:
        if new_rs is not None:
            return new_rs
        return newest_first[0] if newest_first else None
    return live[0] if len(live) == 1 else None


def is_saturated(d: Obj, rs: Obj | None) -> bool:
    if rs is None:
        return False
    desired = spec_replicas(d)
    return (
        _annotation_int(rs, DESIRED_REPLICAS) == desired
        and rs_replicas(rs) == desired
        and status_count(rs, "availableReplicas") == desired
    )


def set_replicas_annotations(rs: Obj, desired: int, max_replicas: int) -> bool:
    """Set the desired/max annotations on `rs` (mutated); True if anything changed."""
    annotations = meta(rs).setdefault("annotations", {})
    changed = False
    for key, value in ((DESIRED_REPLICAS, str(desired)), (MAX_REPLICAS, str(max_replicas))):
        if annotations.get(key) != value:
            annotations[key] = value
            changed = True
    return changed
