"""The one API client every Pacific component uses to reach the API server.

    Client            typed Kubernetes REST + watch over HTTPS (client.py)
    Informer          list + watch cache with handlers and indexes (informer.py, cache.py)
    WorkQueue         deduplicating, rate-limited work queue for controllers (workqueue.py)
    EventRecorder     core/v1 Events with client-go style deduplication (events.py)

Errors are `pacific.api.errors.APIError` subclasses for server answers and
`pacific.client.errors.ClientError` for failures to get one. Time comes from a
`pacific.client.clock.Clock` (`pacific.testing.clock.FakeClock` in tests).
"""

from pacific.client.cache import Change, by_node_name, by_owner_uid
from pacific.client.client import Client, ObjectList
from pacific.client.clock import Clock, SystemClock
from pacific.client.config import ClientConfig, KubeconfigError, load_kubeconfig
from pacific.client.errors import ClientError, DecodeError, TransportError
from pacific.client.events import NORMAL, WARNING, EventRecorder
from pacific.client.informer import Informer, key_of, split_key
from pacific.client.watch import WatchEvent
from pacific.client.workqueue import ShutDown, WorkQueue, run_worker

__all__ = [
    "NORMAL",
    "WARNING",
    "Change",
    "Client",
    "ClientConfig",
    "ClientError",
    "Clock",
    "DecodeError",
    "EventRecorder",
    "Informer",
    "KubeconfigError",
    "ObjectList",
    "ShutDown",
    "SystemClock",
    "TransportError",
    "WatchEvent",
    "WorkQueue",
    "by_node_name",
    "by_owner_uid",
    "key_of",
    "load_kubeconfig",
    "run_worker",
    "split_key",
]
