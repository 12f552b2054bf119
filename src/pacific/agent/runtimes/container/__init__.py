"""The `container` runtime: pods as crun containers watched by conmon.

`ContainerRuntime` implements both `Runtime` and `Streamer`
(pacific.agent.runtimes.protocol). Modules: `spec` (config.json, pure), `podfiles`
(/etc/hosts, resolv.conf, hostname; pure), `cgroups` (v1/v2/hybrid), `crun` (crun and
conmon command lines), `state` (state dir layout and records), `status` (status from
observations; pure), `runtime` (lifecycle), `streams` (exec, attach, port-forward).
"""

from pacific.agent.runtimes.container.cgroups import pod_cgroup_parent
from pacific.agent.runtimes.container.runtime import ContainerRuntime, ContainerRuntimeConfig

__all__ = ["ContainerRuntime", "ContainerRuntimeConfig", "pod_cgroup_parent"]
