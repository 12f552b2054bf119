"""The node heartbeat: a Lease `kube-node-lease/<node>` renewed every few seconds.

As kubelet's node lease controller: the Lease is created on first use (holderIdentity the
node, leaseDurationSeconds 40) and its `spec.renewTime` set to now (microsecond precision,
the MicroTime wire form) every `heartbeat_s`. The node lifecycle controller marks the node
NotReady/Unknown when renewals stop. Failures are logged and retried on the next beat.
"""

from __future__ import annotations

import contextlib
import logging

from pacific.api import kinds
from pacific.api.errors import AlreadyExists, APIError, NotFound
from pacific.api.resources import ResourceType
from pacific.client import Client, ClientError

log = logging.getLogger(__name__)
LEASE_NAMESPACE = "kube-node-lease"


def _leases() -> ResourceType:
    rt = kinds.by_kind("coordination.k8s.io", "v1", "Lease")
    if rt is None:
        raise RuntimeError("coordination.k8s.io/v1 Lease is not registered")
    return rt


def micro_time(client: Client) -> str:
    return client.clock.now().strftime("%Y-%m-%dT%H:%M:%S.%fZ")


async def renew(client: Client, node: str, duration_s: int) -> None:
    """Renew (or create) the node's Lease once."""
    rt = _leases()
    now = micro_time(client)
    try:
        await client.patch(rt, node, {"spec": {"renewTime": now}}, namespace=LEASE_NAMESPACE)
    except NotFound:
        lease = {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": {"name": node, "namespace": LEASE_NAMESPACE},
            "spec": {
                "holderIdentity": node,
                "leaseDurationSeconds": duration_s,
                "acquireTime": now,
                "renewTime": now,
            },
        }
        with contextlib.suppress(AlreadyExists):
            await client.create(rt, lease)


async def run_heartbeat(client: Client, node: str, period_s: float, duration_s: int) -> None:
    """Renew the Lease every `period_s` until cancelled."""
    while True:
        try:
            await renew(client, node, duration_s)
        except (APIError, ClientError) as exc:
            log.warning("node lease of %s: %s", node, exc)
        await client.clock.sleep(period_s)
