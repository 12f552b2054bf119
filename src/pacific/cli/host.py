"""The host services of `pacific up`: this machine's agent and its stream server.

`pacific up` runs them in-process beside the control plane, as a client of the API like an
agent on another machine would be (its own token, the API's HTTPS address). Where the
host cannot run containers (not root, crun/conmon/catatonit missing) the control plane
still starts and says why no host was registered.
"""

from __future__ import annotations

import asyncio
import dataclasses
import ipaddress
import logging
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from pacific.agent.config import AgentConfig
from pacific.agent.images.store import ImageStore, StoreConfig
from pacific.agent.network.bridge import BridgeNetwork
from pacific.agent.network.config import NetworkConfig
from pacific.agent.runtimes.container.runtime import ContainerRuntime, ContainerRuntimeConfig
from pacific.agent.server import AgentServerConfig, serve_agent_api
from pacific.agent.service import run_agent
from pacific.agent.streaming import RuntimeTargets
from pacific.client import Client
from pacific.pki.bootstrap import Credentials

log = logging.getLogger("pacific.up")

REQUIRED_COMMANDS = ("crun", "conmon", "catatonit", "nft")
DEFAULT_BRIDGE = "pacific0"


@dataclass(frozen=True, slots=True)
class HostOptions:
    data_dir: Path
    api_port: int
    agent_port: int = 10250
    bridge: str = DEFAULT_BRIDGE
    pod_cidr: str = "10.120.0.0/16"
    node_name: str = ""
    node_ip: str = ""  # "" = detected


def network_config(options: HostOptions) -> NetworkConfig:
    """The default bridge owns the plain names; any other bridge (a second Pacific on one
    machine, tests) gets its own nftables table and namespace prefix, so one instance never
    mistakes another's pods for strays (the other prefixes never start with `pacific-`)."""
    config = NetworkConfig(
        state_dir=options.data_dir / "network",
        bridge=options.bridge,
        pod_cidr=ipaddress.IPv4Network(options.pod_cidr),
    )
    if options.bridge == DEFAULT_BRIDGE:
        return config
    suffix = re.sub(r"[^A-Za-z0-9]", "_", options.bridge)
    return dataclasses.replace(config, table=f"pacific_{suffix}", netns_prefix=f"pacific_{suffix}-")


def missing_prerequisites() -> list[str]:
    """Why this host cannot run pods, in words; empty when it can."""
    problems = []
    if os.geteuid() != 0:
        problems.append("not running as root")
    problems += [f"`{c}` not found" for c in REQUIRED_COMMANDS if shutil.which(c) is None]
    return problems


async def run_host(options: HostOptions, creds: Credentials, ready: asyncio.Event) -> None:
    """The agent and its stream server, until cancelled; waits for `ready` (the API)."""
    problems = missing_prerequisites()
    if problems:
        log.warning("host agent not started (%s): pods will stay Pending", "; ".join(problems))
        return
    data = options.data_dir
    runtime = ContainerRuntime(ContainerRuntimeConfig(root=data / "containers"))
    network = BridgeNetwork(network_config(options))
    images = ImageStore(StoreConfig(root=data / "images"))
    config = AgentConfig(
        node_name=options.node_name,
        node_ip=options.node_ip,
        state_dir=data / "agent",
        log_dir=data / "log" / "pods",
        server_port=options.agent_port,
    )
    server_config = AgentServerConfig(
        cert_path=creds.agent_serving_cert,
        key_path=creds.agent_serving_key,
        client_ca_path=creds.ca_cert,
        port=options.agent_port,
    )
    await ready.wait()
    async with Client(
        f"https://127.0.0.1:{options.api_port}",
        token=creds.agent_token,
        ca_path=str(creds.ca_cert),
        user_agent="pacific-agent",
    ) as client:
        log.info(
            "host agent started (runtime: container, bridge %s, pods in %s)",
            options.bridge,
            options.pod_cidr,
        )
        async with asyncio.TaskGroup() as tg:
            tg.create_task(
                serve_agent_api(
                    server_config,
                    runtime_lookup=RuntimeTargets({"container": runtime}),
                    log_root=config.log_dir,
                )
            )
            tg.create_task(
                run_agent(
                    client,
                    config,
                    runtimes={"container": runtime},
                    network=network,
                    images=images,
                )
            )
