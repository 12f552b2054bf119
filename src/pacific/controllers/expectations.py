"""Controller expectations: do not act again on a key until our own writes are observed.

A ReplicaSet controller that creates 3 pods must not create 3 more on its next pass just
because its informer has not delivered them yet. Like kube's ControllerExpectations, each
key records how many creations and which deletions (by pod uid) the controller is still
waiting to see; informer handlers call `creation_observed` / `deletion_observed` as the
events arrive. A key is `satisfied` when nothing is pending, when it has no record, or when
the record is older than `ttl` seconds (a lost event must not wedge the controller forever).

Time comes from the injected clock (`monotonic()`); the class does no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pacific.client.clock import Clock

EXPECTATIONS_TTL = 300.0


@dataclass
class _Pending:
    adds: int
    deletes: set[str] = field(default_factory=set)
    since: float = 0.0


class Expectations:
    def __init__(self, clock: Clock, ttl: float = EXPECTATIONS_TTL) -> None:
        self.clock = clock
        self.ttl = ttl
        self._pending: dict[str, _Pending] = {}

    def satisfied(self, key: str) -> bool:
        pending = self._pending.get(key)
        if pending is None:
            return True
        if pending.adds <= 0 and not pending.deletes:
            return True
        return self.clock.monotonic() - pending.since > self.ttl

    def expect_creations(self, key: str, count: int) -> None:
        self._pending[key] = _Pending(count, set(), self.clock.monotonic())

    def expect_deletions(self, key: str, uids: list[str]) -> None:
        self._pending[key] = _Pending(0, set(uids), self.clock.monotonic())

    def creation_observed(self, key: str) -> None:
        pending = self._pending.get(key)
        if pending is not None:
            pending.adds -= 1

    def deletion_observed(self, key: str, uid: str) -> None:
        pending = self._pending.get(key)
        if pending is not None:
            pending.deletes.discard(uid)

    def forget(self, key: str) -> None:
        self._pending.pop(key, None)
