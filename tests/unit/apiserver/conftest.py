"""An in-process API server (the ASGI app over httpx, no sockets) for handler tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from pacific.apiserver.app import App, build_server
from pacific.apiserver.config import ServerConfig
from pacific.apiserver.context import Server
from pacific.store.memory import MemoryStore

TOKEN = "test-token"


@dataclass
class InProcess:
    server: Server
    client: httpx.AsyncClient
    store: MemoryStore


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[InProcess]:
    tokens = tmp_path / "tokens.csv"
    tokens.write_text(f'{TOKEN},admin,1,"system:masters"\n')
    store = MemoryStore()
    server = build_server(ServerConfig(token_file_path=tokens), store)
    app = App(server)
    stop = asyncio.Event()
    ready = asyncio.Event()

    async def started() -> None:
        ready.set()

    task = asyncio.create_task(app.run(started, stop))
    await asyncio.wait_for(ready.wait(), 10)
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(
        transport=transport, base_url="https://in-process", headers=headers
    ) as client:
        r = await client.post("/api/v1/namespaces", json={"metadata": {"name": "ns"}})
        assert r.status_code == 201, r.text
        yield InProcess(server, client, store)
    stop.set()
    await asyncio.wait_for(task, 10)
