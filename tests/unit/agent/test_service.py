from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest

from pacific.agent.config import AgentConfig
from pacific.agent.images.store import ImageStore, StoreConfig
from pacific.agent.images.testimages import write_archives
from pacific.agent.runtimes.protocol import ContainerConfig, SandboxConfig
from pacific.agent.service import run_image_gc
from pacific.client import Client
from pacific.testing.clock import FakeClock
from pacific.testing.fakeruntime import FakeRuntime


async def test_image_gc_keeps_images_in_use(tmp_path: Path) -> None:
    clock = FakeClock()
    client = Client("https://127.0.0.1:1", clock=clock)
    images = ImageStore(StoreConfig(root=tmp_path / "images"))
    archives = await asyncio.to_thread(write_archives, tmp_path / "archives")
    [base] = await images.import_archive(archives["busybox"])
    [layered] = await images.import_archive(archives["busybox-layered"])
    runtime = FakeRuntime(clock=clock)
    sb = await runtime.run_sandbox(SandboxConfig("u", "ns", "p", 0, "p", None, tmp_path, "x"))
    used = ContainerConfig("app", 0, base.names[0], base.id, (), ("sleep", "1"), (), ())
    await runtime.create_container(sb.id, used)
    config = AgentConfig(image_gc_high_percent=1, image_gc_low_percent=0)
    task = asyncio.create_task(run_image_gc(client, config, images, {"container": runtime}))
    try:
        await clock.wait_sleepers(1)
        clock.advance(config.image_gc_period_s)
        async with asyncio.timeout(10):
            while True:
                if [r.id for r in images.list()] == [base.id]:
                    break
                await asyncio.sleep(0.02)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await client.aclose()
    assert layered.id not in {r.id for r in images.list()}


def test_config_is_checked() -> None:
    with pytest.raises(ValueError):
        AgentConfig(image_gc_high_percent=50, image_gc_low_percent=60)
    with pytest.raises(ValueError):
        AgentConfig(workers=0)
    assert AgentConfig(node_name="H").pod_log_dir("ns", "p", "u") == Path("/var/log/pods/ns_p_u")
