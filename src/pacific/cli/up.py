"""`pacific up` / `pacific server`: wire the store, API server and controllers together.

This is the one place where components meet in one process. They still talk only through
the API: the controllers get a `pacific.client.Client` pointed at the server's own HTTPS
address with their own token, exactly as they would from another machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import fcntl
import logging
import os
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import uvloop

from pacific.agent.service import detect_node_ip
from pacific.apiserver.config import ServerConfig
from pacific.apiserver.server import serve
from pacific.cli.host import HostOptions, run_host
from pacific.client import Client
from pacific.controllers.manager import ControllersConfig, run_controllers
from pacific.pki.bootstrap import Credentials, ensure_credentials
from pacific.scheduler.config import SchedulerConfig
from pacific.scheduler.loop import run_scheduler
from pacific.store.compactor import run_compactor
from pacific.store.sqlite import SQLiteStore

log = logging.getLogger("pacific.up")


@dataclass(frozen=True, slots=True)
class Options:
    data_dir: Path
    port: int = 6443
    bind_address: str = "0.0.0.0"
    advertise_address: str = "127.0.0.1"
    synchronous: str = "FULL"
    scheduler: bool = True  # `pacific server` leaves scheduling to a separate process
    host: HostOptions | None = None  # this machine's agent (`pacific up` without --no-agent)


class AlreadyRunning(Exception):
    pass


@contextlib.contextmanager
def _lock(data_dir: Path) -> Iterator[None]:
    """One `pacific up` per data directory: a second one fails fast instead of sharing it."""
    fd = os.open(data_dir / "pacific.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AlreadyRunning(f"another pacific is already using {data_dir}") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)


async def _controllers(options: Options, creds: Credentials, ready: asyncio.Event) -> None:
    url = f"https://127.0.0.1:{options.port}"
    async with Client(
        url,
        token=creds.controllers_token,
        ca_path=str(creds.ca_cert),
        user_agent="pacific-controllers",
    ) as client:
        await ready.wait()
        config = ControllersConfig(
            root_ca_pem=creds.ca_cert.read_text(),
            apiserver_address=options.advertise_address,
            apiserver_port=options.port,
        )
        log.info("controllers started")
        await run_controllers(client, config)


async def _scheduler(options: Options, creds: Credentials, ready: asyncio.Event) -> None:
    url = f"https://127.0.0.1:{options.port}"
    async with Client(
        url, token=creds.scheduler_token, ca_path=str(creds.ca_cert), user_agent="pacific-scheduler"
    ) as client:
        await ready.wait()
        log.info("scheduler started")
        await run_scheduler(client, SchedulerConfig())


async def _main(options: Options) -> None:
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    if task is not None:  # always, under uvloop.run(); the check is for the type checker
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, task.cancel)

    server_url = f"https://{options.advertise_address}:{options.port}"
    sans = [options.advertise_address]
    host = options.host
    if host is not None:
        # The API server dials the agent at the node's address: its certificate names it.
        host = dataclasses.replace(host, node_ip=host.node_ip or detect_node_ip())
        sans.append(host.node_ip)
    creds = ensure_credentials(options.data_dir, server_url, extra_sans=tuple(sans))
    store = await SQLiteStore.open(options.data_dir / "store.db", synchronous=options.synchronous)
    log.info(
        "store: %s at revision %d", options.data_dir / "store.db", await store.current_revision()
    )
    config = ServerConfig(
        host=options.bind_address,
        port=options.port,
        tls_cert_path=creds.serving_cert,
        tls_key_path=creds.serving_key,
        client_ca_path=creds.ca_cert,
        token_file_path=creds.token_file,
        advertise_address=options.advertise_address,
        agent_client_cert_path=creds.apiserver_agent_client_cert,
        agent_client_key_path=creds.apiserver_agent_client_key,
    )
    ready = asyncio.Event()  # set once the API server serves, every cache loaded
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(serve(config, store, started=ready))
            tg.create_task(run_compactor(store))
            tg.create_task(_controllers(options, creds, ready))
            if options.scheduler:
                tg.create_task(_scheduler(options, creds, ready))
            if host is not None:
                tg.create_task(run_host(host, creds, ready))
            await ready.wait()
            log.info("serving on %s — export KUBECONFIG=%s", server_url, creds.kubeconfig)
    except asyncio.CancelledError:
        log.info("stopping")
    finally:
        await store.close()
        log.info("stopped; everything is stored in %s", options.data_dir)


def run(options: Options) -> int:
    options.data_dir.mkdir(parents=True, exist_ok=True)
    # uvloop serves the API faster, but the host agent needs the standard loop: uvloop's
    # child processes never see EOF when a daemonised grandchild (conmon) keeps the pipes,
    # and it cannot open the AF_NETLINK sockets pyroute2 uses.
    loop_factory = uvloop.new_event_loop if options.host is None else asyncio.new_event_loop
    try:
        with _lock(options.data_dir), asyncio.Runner(loop_factory=loop_factory) as runner:
            runner.run(_main(options))
    except AlreadyRunning as exc:
        log.error("%s", exc)
        return 1
    return 0
