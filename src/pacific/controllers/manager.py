"""Running every core controller together: `run_controllers(client, config)`.

The manager builds one `SharedInformers` (one list+watch per resource type, whoever needs
it), constructs the controllers — which register their handlers on those informers — and
runs the informers and every controller's `run()` in one TaskGroup until cancelled. A
controller that crashes takes the group down (and the process supervisor restarts it);
failures inside a reconcile are retried per key and never escape.

`ControllersConfig` is built where the process starts (`pacific up`, `pacific server`) and
passed down; time comes from its clock.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Protocol

from pacific.client import Client, Clock, SystemClock
from pacific.controllers.deployment import DeploymentController
from pacific.controllers.endpoints import EndpointsController
from pacific.controllers.gc import GarbageCollector
from pacific.controllers.informers import SharedInformers
from pacific.controllers.namespace import NAMESPACE_RETRY, NamespaceController
from pacific.controllers.nodelifecycle import NodeLifecycleController
from pacific.controllers.nodelifecycle_plan import DEFAULT_GRACE_PERIOD
from pacific.controllers.quota import QuotaController
from pacific.controllers.replicaset import ReplicaSetController
from pacific.controllers.system import SYSTEM_INTERVAL, SystemController
from pacific.controllers.vmclasses import VMClassController


class Controller(Protocol):
    async def run(self) -> None: ...


@dataclass(frozen=True, slots=True)
class ControllersConfig:
    root_ca_pem: str  # the cluster CA, published in every namespace's kube-root-ca.crt
    apiserver_address: str = "127.0.0.1"  # advertised in the `kubernetes` Endpoints
    apiserver_port: int = 6443
    clock: Clock = field(default_factory=SystemClock)
    workers: int = 5  # concurrent reconciles per controller
    namespace_retry: float = NAMESPACE_RETRY  # seconds between passes over a terminating ns
    system_interval: float = SYSTEM_INTERVAL
    node_grace_period: float = DEFAULT_GRACE_PERIOD  # seconds a host's lease may go unrenewed


async def run_controllers(client: Client, config: ControllersConfig) -> None:
    """Run the core controllers against `client` until cancelled."""
    clock = config.clock
    informers = SharedInformers(client, clock)
    controllers: list[Controller] = [
        SystemController(
            client,
            informers,
            clock,
            address=config.apiserver_address,
            port=config.apiserver_port,
            interval=config.system_interval,
        ),
        NamespaceController(
            client, informers, clock, config.root_ca_pem, retry=config.namespace_retry
        ),
        GarbageCollector(client, informers, clock, workers=config.workers),
        ReplicaSetController(client, informers, clock, workers=config.workers),
        DeploymentController(client, informers, clock, workers=config.workers),
        EndpointsController(client, informers, clock, workers=config.workers),
        QuotaController(client, informers, clock),
        NodeLifecycleController(
            client, informers, clock, grace_period=config.node_grace_period, workers=config.workers
        ),
        VMClassController(client, informers, clock),
    ]
    async with asyncio.TaskGroup() as tg:
        tg.create_task(informers.run())
        for controller in controllers:
            tg.create_task(controller.run())
