"""Backends under test: every conformance test runs once per backend."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from pacific.store.memory import MemoryStore
from pacific.store.protocol import Store
from pacific.store.sqlite import SQLiteStore

# Opens the backend; for a durable backend, opening again reopens the same data.
Opener = Callable[..., Awaitable[Store]]


@pytest.fixture(params=["memory", "sqlite"])
async def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Opener]:
    opened: list[Store] = []

    async def opener(*, watch_queue_size: int = 4096) -> Store:
        store: Store
        if request.param == "memory":
            store = MemoryStore(watch_queue_size=watch_queue_size)
        else:
            store = await SQLiteStore.open(tmp_path / "store.db", watch_queue_size=watch_queue_size)
        opened.append(store)
        return store

    yield opener
    for store in opened:
        await store.close()


@pytest.fixture
async def store(open_store: Opener) -> Store:
    return await open_store()
