"""The scheduler: places Pods (and VirtualMachines) on hosts.

    workload.py   the schedulable view of a Pod / VM (pure mapping functions)
    terms.py      compiled placement terms (node selector, affinity, tolerations, spread)
    numa.py       NUMA topology annotation and the NUMA placement rule
    nodeinfo.py   one host with the workloads placed on it
    filters.py    per-host filter plugins (pure)
    interpod.py   required pod affinity / anti-affinity (pre-pass + filter)
    spread.py     topology spread, DoNotSchedule (pre-pass + filter)
    scores.py     score plugins (pure)
    framework.py  one decision: filter, sample, score, pick; kube's failure message
    cache.py      hosts + placed and assumed workloads, kept from informers
    queue.py      active / backoff / unschedulable queues
    hostindex.py  classes of hosts in equal state: plain decisions without a host scan
    podview.py    what the pod informers keep of each pod
    wire.py       bindings over raw HTTP/1.1 keep-alive connections
    loop.py       run_scheduler: informers, queue, decisions, binding, status, events

The scheduler talks to the rest of Pacific only through the API (`pacific.client`).
"""
