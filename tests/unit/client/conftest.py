"""Fixtures for client tests: a fake clock and clients wired to httpx.MockTransport."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from pacific.client.client import Client
from pacific.testing.clock import FakeClock

Handler = Callable[[httpx.Request], httpx.Response]
MakeClient = Callable[..., Client]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_client(clock: FakeClock) -> MakeClient:
    """`make_client(handler, **kwargs)`: a Client whose every request goes to `handler`."""

    def make(handler: Handler, **kwargs: Any) -> Client:
        kwargs.setdefault("clock", clock)
        return Client(
            "https://pacific.test:6443",
            token="secret",
            transport=httpx.MockTransport(handler),
            **kwargs,
        )

    return make
