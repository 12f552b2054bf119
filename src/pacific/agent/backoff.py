"""kubelet's restart back-off, as pure functions over an immutable entry per key.

Model (kubelet's `flowcontrol.Backoff` as the pod workers use it): a key (a container
name in a pod, or the image pull of one) has an entry `(delay, updated)`. When a container
has exited and should restart:
- if `now - finished_at < delay` the restart waits (CrashLoopBackOff, ImagePullBackOff);
- otherwise it restarts now and the entry moves on with `next_entry`: the first restart
  is immediate and arms `initial` (10 s), each later one doubles it up to `cap` (300 s).
An entry that was not updated for `2 * cap` (10 minutes, i.e. the container ran fine that
long) starts over at `initial`. Times are unix seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

INITIAL_S = 10.0
CAP_S = 300.0


@dataclass(frozen=True, slots=True)
class BackoffEntry:
    delay: float
    updated: float


def expired(entry: BackoffEntry, now: float, cap: float = CAP_S) -> bool:
    return now - entry.updated > 2 * cap


def next_entry(
    entry: BackoffEntry | None, now: float, *, initial: float = INITIAL_S, cap: float = CAP_S
) -> BackoffEntry:
    """The entry after one more (re)start at `now`."""
    if entry is None or expired(entry, now, cap):
        return BackoffEntry(initial, now)
    return BackoffEntry(min(entry.delay * 2, cap), now)


def remaining(entry: BackoffEntry | None, since: float, now: float, cap: float = CAP_S) -> float:
    """Seconds still to wait after an event at `since` (an exit, a failed pull); 0 = go."""
    if entry is None or expired(entry, now, cap):
        return 0.0
    return max(0.0, since + entry.delay - now)
