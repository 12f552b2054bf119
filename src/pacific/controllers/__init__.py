"""The core controllers: level-based reconcilers that talk to the API like any client.

    manager.py        ControllersConfig, run_controllers(client, config)
    informers.py      shared informers, the worker loop, Requeue
    system.py         system namespaces; the `kubernetes` Service and Endpoints
    namespace.py      default ServiceAccount + kube-root-ca.crt; emptying terminating ns
    gc.py             garbage collection by ownerReferences (background/foreground/orphan)
    replicaset.py     pods for ReplicaSets (with expectations)
    deployment.py     ReplicaSets for Deployments (rolling update, recreate, history)
    endpoints.py      Endpoints for Services with selectors
    nodelifecycle.py  host health from Leases, node taints, NoExecute evictions

Each controller is a thin effectful loop around a pure planner (`*_plan.py`,
`deployment_scale.py`, `deployment_status.py`, `podtemplate.py`) that compares desired with
observed state. Controllers never import the store or the apiserver.
"""

from pacific.controllers.manager import ControllersConfig, run_controllers

__all__ = ["ControllersConfig", "run_controllers"]
