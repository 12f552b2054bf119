"""Commands that join a running server as API clients: `pacific scheduler`, `pacific sim-hosts`.

They read a kubeconfig (`--kubeconfig`, else $KUBECONFIG, else /var/lib/pacific/kubeconfig)
and talk to the server over HTTPS like any other client.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path

import uvloop

from pacific.client import Client
from pacific.scheduler.config import SchedulerConfig
from pacific.scheduler.loop import run_scheduler
from pacific.testing.simhosts import run_simhosts

log = logging.getLogger("pacific.cli")

DEFAULT_KUBECONFIG = Path("/var/lib/pacific/kubeconfig")


def kubeconfig_path(given: Path | None) -> Path:
    if given is not None:
        return given
    env = os.environ.get("KUBECONFIG", "").split(os.pathsep)[0]
    return Path(env) if env else DEFAULT_KUBECONFIG


def _run(work: Callable[[], Awaitable[None]]) -> int:
    """Run `work` on uvloop until it ends or SIGINT/SIGTERM cancels it."""

    async def main() -> None:
        task = asyncio.current_task()
        if task is not None:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, task.cancel)
        try:
            await work()
        except asyncio.CancelledError:
            log.info("stopped")

    uvloop.run(main())
    return 0


def scheduler(kubeconfig: Path | None, score_strategy: str) -> int:
    path = kubeconfig_path(kubeconfig)

    async def go() -> None:
        async with Client.from_kubeconfig(path, user_agent="pacific-scheduler") as client:
            log.info("scheduler started against %s", client.base_url)
            await run_scheduler(client, SchedulerConfig(score_strategy=score_strategy))

    return _run(go)


def sim_hosts(
    kubeconfig: Path | None, count: int, cpu: int, memory: str, numa: int, prefix: str
) -> int:
    path = kubeconfig_path(kubeconfig)

    async def go() -> None:
        async with Client.from_kubeconfig(path, user_agent="pacific-sim-hosts") as client:
            log.info(
                "%d simulated hosts (%d CPUs, %s, %d NUMA nodes) against %s",
                count,
                cpu,
                memory,
                numa,
                client.base_url,
            )
            await run_simhosts(client, count, cpu, memory, numa, prefix)

    return _run(go)
