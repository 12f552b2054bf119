"""The namespace controller: per-namespace defaults, and emptying terminating namespaces.

A live namespace always holds ServiceAccount "default" and ConfigMap "kube-root-ca.crt"
(the cluster CA); both are recreated when deleted and the ConfigMap is corrected when its
CA differs. Their informers wake the namespace on any change.

A namespace with a deletionTimestamp whose spec.finalizers still holds "kubernetes" is
emptied: every namespaced kind the API serves is listed in it and each object not already
going is deleted (background propagation; pods and objects with finalizers may linger).
What is left is reported in the namespace conditions (`namespace_plan`); while anything
remains the namespace is looked at again after `retry` seconds. Once empty, "kubernetes"
is removed through PUT `namespaces/{name}/finalize`, and the apiserver removes the
namespace when no finalizer is left.
"""

from __future__ import annotations

import contextlib

from pacific.api import kinds
from pacific.api.errors import AlreadyExists, APIError, Forbidden, MethodNotAllowed, NotFound
from pacific.client import Client, Clock, WorkQueue, paths
from pacific.controllers.informers import SharedInformers, resource, run_workers
from pacific.controllers.namespace_plan import (
    DEFAULT_SERVICE_ACCOUNT,
    ROOT_CA_CONFIGMAP,
    ROOT_CA_KEY,
    Content,
    default_service_account,
    deletion_conditions,
    finalized,
    root_ca_configmap,
)
from pacific.controllers.objects import Obj, is_deleting, name_of, namespace_of
from pacific.controllers.patches import patch_status

NAMESPACE_RETRY = 1.0


class NamespaceController:
    def __init__(
        self,
        client: Client,
        informers: SharedInformers,
        clock: Clock,
        root_ca_pem: str,
        *,
        workers: int = 3,
        retry: float = NAMESPACE_RETRY,
    ) -> None:
        self.client = client
        self.clock = clock
        self.root_ca_pem = root_ca_pem
        self.workers = workers
        self.retry = retry
        self.ns_type = resource("", "Namespace")
        self.sa_type = resource("", "ServiceAccount")
        self.cm_type = resource("", "ConfigMap")
        self.namespaces = informers.get(self.ns_type)
        self.service_accounts = informers.get(self.sa_type)
        self.configmaps = informers.get(self.cm_type)
        self.queue: WorkQueue[str] = WorkQueue(clock=clock, name="namespace")
        self.namespaces.on_add(lambda ns: self.queue.add(name_of(ns)))
        self.namespaces.on_update(lambda old, new: self.queue.add(name_of(new)))
        for informer in (self.service_accounts, self.configmaps):
            informer.on_update(lambda old, new: self._content_changed(new))
            informer.on_delete(self._content_changed)

    def _content_changed(self, obj: Obj) -> None:
        if name_of(obj) in (DEFAULT_SERVICE_ACCOUNT, ROOT_CA_CONFIGMAP):
            self.queue.add(namespace_of(obj))

    async def run(self) -> None:
        informers = [self.namespaces, self.service_accounts, self.configmaps]
        await run_workers(self.queue, self.reconcile, informers, self.workers)

    async def reconcile(self, name: str) -> None:
        ns = self.namespaces.get(None, name)
        if ns is None:
            return
        if is_deleting(ns):
            await self._empty(ns)
        else:
            await self._ensure_defaults(name)

    # -- defaults --------------------------------------------------------------------------

    async def _ensure_defaults(self, namespace: str) -> None:
        with contextlib.suppress(AlreadyExists, Forbidden, NotFound):
            if self.service_accounts.get(namespace, DEFAULT_SERVICE_ACCOUNT) is None:
                await self.client.create(self.sa_type, default_service_account(namespace))
        desired = root_ca_configmap(namespace, self.root_ca_pem)
        current = self.configmaps.get(namespace, ROOT_CA_CONFIGMAP)
        with contextlib.suppress(AlreadyExists, Forbidden, NotFound):
            if current is None:
                await self.client.create(self.cm_type, desired)
            elif (current.get("data") or {}).get(ROOT_CA_KEY) != self.root_ca_pem:
                patch = {"data": {ROOT_CA_KEY: self.root_ca_pem}}
                await self.client.patch(self.cm_type, ROOT_CA_CONFIGMAP, patch, namespace=namespace)

    # -- deletion --------------------------------------------------------------------------

    async def _empty(self, ns: Obj) -> None:
        if finalized(ns) is None:
            return
        name = name_of(ns)
        content = Content()
        for rt in kinds.all_kinds():
            if not rt.namespaced or not rt.stored or "delete" not in rt.verbs:
                continue
            try:
                items = (await self.client.list_all(rt, name)).items
                for item in items:
                    if not is_deleting(item):
                        with contextlib.suppress(NotFound):
                            await self.client.delete(
                                rt, name_of(item), name, propagation_policy="Background"
                            )
                content.add(rt.qualified, (await self.client.list_all(rt, name)).items)
            except (NotFound, MethodNotAllowed):
                continue
            except APIError as exc:
                content.errors.append(f"{rt.qualified}: {exc}")
        status = dict(ns.get("status") or {})
        status["conditions"] = deletion_conditions(
            status.get("conditions"), content, self.clock.now()
        )
        latest = ns
        if status != (ns.get("status") or {}):
            latest = await patch_status(self.client, self.ns_type, ns, status)
        if not content.empty:
            self.queue.add_after(name, self.retry)
            return
        body = finalized(latest)
        if body is not None:
            path = paths.object_path(self.ns_type, name, None, "finalize")
            await self.client.request("PUT", path, body=body)
