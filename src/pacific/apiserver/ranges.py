"""Allocators over a range of integers: Service cluster IPs and NodePorts.

Model: a `RangeAllocator` owns the integers `first..last` and remembers which are taken, as
kube-apiserver's bitmap allocators do. `allocate(v)` takes one asked for by value (errors:
`NotInRange`, `AlreadyAllocated`); `allocate_next()` takes a free one (error: `RangeFull`)
starting at a random offset and walking up, so that two servers would rarely race for the
same value and a long-lived range does not fill from the bottom. Values in `reserved` are
never handed out by `allocate_next()` but may be asked for by value (10.96.0.1 is kept for
the `kubernetes` Service).

`IPRange` maps an IPv4/IPv6 CIDR to such a range: the network and broadcast addresses are
excluded, as kube excludes them; its messages name the CIDR (`10.96.0.0/12`), and a port
range's name is `30000-32767`.

Nothing here is persistent: the set of taken values is rebuilt from the stored objects when
the server starts, so there is no second copy of the state to drift out of sync.
"""

from __future__ import annotations

import ipaddress
import random

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class AllocationError(Exception):
    """A value could not be allocated; `str()` is kube's text for it."""


class NotInRange(AllocationError):
    pass


class AlreadyAllocated(AllocationError):
    pass


class RangeFull(AllocationError):
    pass


class RangeAllocator:
    """Taken integers within `first..last` (inclusive)."""

    def __init__(
        self,
        first: int,
        last: int,
        *,
        reserved: frozenset[int] = frozenset(),
        rng: random.Random | None = None,
    ) -> None:
        if last < first:
            raise ValueError(f"empty range {first}..{last}")
        self.first = first
        self.last = last
        self.reserved = reserved
        self.taken: set[int] = set()
        self._rng = rng or random.Random()

    @property
    def size(self) -> int:
        return self.last - self.first + 1

    def contains(self, value: int) -> bool:
        return self.first <= value <= self.last

    def is_taken(self, value: int) -> bool:
        return value in self.taken

    def check(self, value: int, not_in_range: str, allocated: str) -> None:
        """Raise what `allocate(value)` would raise, taking nothing."""
        if not self.contains(value):
            raise NotInRange(not_in_range)
        if value in self.taken:
            raise AlreadyAllocated(allocated)

    def allocate(self, value: int, not_in_range: str, allocated: str) -> None:
        self.check(value, not_in_range, allocated)
        self.taken.add(value)

    def next_free(self, full: str) -> int:
        """A free value `allocate_next` would take, taking nothing."""
        if len(self.taken) + len(self.reserved - self.taken) >= self.size:
            raise RangeFull(full)
        start = self._rng.randrange(self.size)
        for step in range(self.size):
            value = self.first + (start + step) % self.size
            if value not in self.taken and value not in self.reserved:
                return value
        raise RangeFull(full)

    def allocate_next(self, full: str) -> int:
        value = self.next_free(full)
        self.taken.add(value)
        return value

    def release(self, value: int) -> None:
        self.taken.discard(value)


class IPRange:
    """Addresses of a CIDR, less its network and broadcast addresses."""

    def __init__(self, cidr: str, *, rng: random.Random | None = None) -> None:
        self.network = ipaddress.ip_network(cidr, strict=True)
        if self.network.num_addresses < 4:
            raise ValueError(f"service CIDR {cidr} is too small")
        base = int(self.network.network_address)
        first_usable = base + 1
        self.alloc = RangeAllocator(
            first_usable,
            base + self.network.num_addresses - 2,
            reserved=frozenset({first_usable}),
            rng=rng,
        )

    @property
    def first_address(self) -> str:
        """The reserved first address (the `kubernetes` Service's)."""
        return str(ipaddress.ip_address(self.alloc.first))

    def _messages(self, ip: str) -> tuple[str, str]:
        return (
            f"the provided IP ({ip}) is not in the valid range. The range of valid IPs is "
            f"{self.network}",
            "provided IP is already allocated",
        )

    def _value(self, ip: str) -> int:
        try:
            address: IPAddress = ipaddress.ip_address(ip)
        except ValueError:
            raise NotInRange(self._messages(ip)[0]) from None
        if address.version != self.network.version:
            raise NotInRange(self._messages(ip)[0])
        return int(address)

    def check(self, ip: str) -> None:
        self.alloc.check(self._value(ip), *self._messages(ip))

    def allocate(self, ip: str) -> None:
        self.alloc.allocate(self._value(ip), *self._messages(ip))

    def allocate_next(self) -> str:
        return str(ipaddress.ip_address(self.alloc.allocate_next("range is full")))

    def next_free(self) -> str:
        return str(ipaddress.ip_address(self.alloc.next_free("range is full")))

    def release(self, ip: str) -> None:
        try:
            self.alloc.release(int(ipaddress.ip_address(ip)))
        except ValueError:
            return

    def is_taken(self, ip: str) -> bool:
        try:
            return self.alloc.is_taken(int(ipaddress.ip_address(ip)))
        except ValueError:
            return False


class PortRange:
    """NodePorts: `first..last`, by default kube's 30000-32767."""

    def __init__(self, first: int, last: int, *, rng: random.Random | None = None) -> None:
        self.alloc = RangeAllocator(first, last, rng=rng)
        self.text = f"{first}-{last}"

    def _messages(self) -> tuple[str, str]:
        return (
            f"provided port is not in the valid range. The range of valid ports is {self.text}",
            "provided port is already allocated",
        )

    def check(self, port: int) -> None:
        self.alloc.check(port, *self._messages())

    def allocate(self, port: int) -> None:
        self.alloc.allocate(port, *self._messages())

    def allocate_next(self) -> int:
        return self.alloc.allocate_next("range is full")

    def next_free(self) -> int:
        return self.alloc.next_free("range is full")

    def release(self, port: int) -> None:
        self.alloc.release(port)

    def is_taken(self, port: int) -> bool:
        return self.alloc.is_taken(port)
