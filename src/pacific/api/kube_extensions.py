"""What the `kubernetes` package's models do not say about core kinds' fields.

The generated pydantic models carry names, types, required flags and descriptions, but lose
four things kube-apiserver's OpenAPI has:

- patch metadata (x-kubernetes-list-type, -list-map-keys, -patch-strategy, -patch-merge-key),
  taken from the `+listType`/`+listMapKey` markers and `patchStrategy`/`patchMergeKey` struct
  tags of k8s.io/api and apimachinery types (Kubernetes 1.32), for the kinds Pacific serves;
- which string fields are `resource.Quantity` (ResourceList maps and a few scalars);
- which integers are int64 (everything else is int32, Kubernetes' default for counts);
- which fields are enumerations is left to validation; the decoder does not need it.

Tables are keyed by (short definition name, JSON field name); short names drop the
"io.k8s.api." / "io.k8s.apimachinery.pkg.apis." prefix, e.g. "core.v1.PodSpec".
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PatchMeta:
    list_type: str | None = None
    keys: tuple[str, ...] = ()
    strategy: str | None = None
    merge_key: str | None = None


ATOMIC = PatchMeta("atomic")
SET = PatchMeta("set")


def by(*keys: str, strategy: str | None = "merge", merge_key: str | None = None) -> PatchMeta:
    """A list-map keyed by `keys`; strategic merge by the first key unless told otherwise."""
    if strategy is None:
        return PatchMeta("map", keys)
    return PatchMeta("map", keys, strategy, merge_key or keys[0])


_CONDITIONS = by("type")

PATCH_META: dict[tuple[str, str], PatchMeta] = {
    # --- meta/v1 -----------------------------------------------------------------------
    ("meta.v1.ObjectMeta", "finalizers"): PatchMeta("set", strategy="merge"),
    ("meta.v1.ObjectMeta", "ownerReferences"): by("uid"),
    ("meta.v1.ObjectMeta", "managedFields"): ATOMIC,
    ("meta.v1.LabelSelector", "matchExpressions"): ATOMIC,
    ("meta.v1.LabelSelectorRequirement", "values"): ATOMIC,
    ("meta.v1.StatusDetails", "causes"): ATOMIC,
    ("meta.v1.DeleteOptions", "dryRun"): ATOMIC,
    # --- core/v1 Pod ---------------------------------------------------------------------
    ("core.v1.PodSpec", "volumes"): by("name", strategy="merge,retainKeys"),
    ("core.v1.PodSpec", "initContainers"): by("name"),
    ("core.v1.PodSpec", "containers"): by("name"),
    ("core.v1.PodSpec", "ephemeralContainers"): by("name"),
    ("core.v1.PodSpec", "imagePullSecrets"): by("name"),
    ("core.v1.PodSpec", "tolerations"): ATOMIC,
    ("core.v1.PodSpec", "hostAliases"): by("ip"),
    ("core.v1.PodSpec", "topologySpreadConstraints"): by(
        "topologyKey", "whenUnsatisfiable", merge_key="topologyKey"
    ),
    ("core.v1.PodSpec", "readinessGates"): ATOMIC,
    ("core.v1.PodSpec", "schedulingGates"): by("name"),
    ("core.v1.PodSpec", "resourceClaims"): by("name", strategy="merge,retainKeys"),
    ("core.v1.PodSecurityContext", "supplementalGroups"): ATOMIC,
    ("core.v1.PodSecurityContext", "sysctls"): ATOMIC,
    ("core.v1.PodDNSConfig", "nameservers"): ATOMIC,
    ("core.v1.PodDNSConfig", "searches"): ATOMIC,
    ("core.v1.PodDNSConfig", "options"): ATOMIC,
    ("core.v1.HostAlias", "hostnames"): ATOMIC,
    ("core.v1.TopologySpreadConstraint", "matchLabelKeys"): ATOMIC,
    ("core.v1.PodStatus", "conditions"): _CONDITIONS,
    ("core.v1.PodStatus", "podIPs"): by("ip"),
    ("core.v1.PodStatus", "hostIPs"): PatchMeta("atomic", strategy="merge", merge_key="ip"),
    ("core.v1.PodStatus", "initContainerStatuses"): ATOMIC,
    ("core.v1.PodStatus", "containerStatuses"): ATOMIC,
    ("core.v1.PodStatus", "ephemeralContainerStatuses"): ATOMIC,
    ("core.v1.PodStatus", "resourceClaimStatuses"): by("name", strategy="merge,retainKeys"),
    ("core.v1.ContainerStatus", "volumeMounts"): by("mountPath"),
    ("core.v1.ContainerStatus", "allocatedResourcesStatus"): by("name"),
    # --- core/v1 Container (EphemeralContainer shares the same fields) -------------------
    **{
        (container, name): meta
        for container in ("core.v1.Container", "core.v1.EphemeralContainer")
        for name, meta in {
            "command": ATOMIC,
            "args": ATOMIC,
            "ports": by("containerPort", "protocol", merge_key="containerPort"),
            "envFrom": ATOMIC,
            "env": by("name"),
            "resizePolicy": ATOMIC,
            "volumeMounts": by("mountPath"),
            "volumeDevices": by("devicePath"),
        }.items()
    },
    ("core.v1.ResourceRequirements", "claims"): by("name", strategy=None),
    ("core.v1.Capabilities", "add"): ATOMIC,
    ("core.v1.Capabilities", "drop"): ATOMIC,
    ("core.v1.ExecAction", "command"): ATOMIC,
    ("core.v1.HTTPGetAction", "httpHeaders"): ATOMIC,
    ("core.v1.NodeSelector", "nodeSelectorTerms"): ATOMIC,
    ("core.v1.NodeSelectorTerm", "matchExpressions"): ATOMIC,
    ("core.v1.NodeSelectorTerm", "matchFields"): ATOMIC,
    ("core.v1.NodeSelectorRequirement", "values"): ATOMIC,
    ("core.v1.NodeAffinity", "preferredDuringSchedulingIgnoredDuringExecution"): ATOMIC,
    ("core.v1.PodAffinity", "requiredDuringSchedulingIgnoredDuringExecution"): ATOMIC,
    ("core.v1.PodAffinity", "preferredDuringSchedulingIgnoredDuringExecution"): ATOMIC,
    ("core.v1.PodAntiAffinity", "requiredDuringSchedulingIgnoredDuringExecution"): ATOMIC,
    ("core.v1.PodAntiAffinity", "preferredDuringSchedulingIgnoredDuringExecution"): ATOMIC,
    ("core.v1.PodAffinityTerm", "namespaces"): ATOMIC,
    ("core.v1.PodAffinityTerm", "matchLabelKeys"): ATOMIC,
    ("core.v1.PodAffinityTerm", "mismatchLabelKeys"): ATOMIC,
    ("core.v1.ConfigMapVolumeSource", "items"): ATOMIC,
    ("core.v1.SecretVolumeSource", "items"): ATOMIC,
    ("core.v1.ProjectedVolumeSource", "sources"): ATOMIC,
    ("core.v1.ConfigMapProjection", "items"): ATOMIC,
    ("core.v1.SecretProjection", "items"): ATOMIC,
    ("core.v1.DownwardAPIVolumeSource", "items"): ATOMIC,
    ("core.v1.DownwardAPIProjection", "items"): ATOMIC,
    # --- core/v1 other kinds ------------------------------------------------------------
    ("core.v1.ServiceSpec", "ports"): by("port", "protocol", merge_key="port"),
    ("core.v1.ServiceSpec", "clusterIPs"): ATOMIC,
    ("core.v1.ServiceSpec", "externalIPs"): ATOMIC,
    ("core.v1.ServiceSpec", "loadBalancerSourceRanges"): ATOMIC,
    ("core.v1.ServiceSpec", "ipFamilies"): ATOMIC,
    ("core.v1.ServiceStatus", "conditions"): _CONDITIONS,
    ("core.v1.LoadBalancerStatus", "ingress"): ATOMIC,
    ("core.v1.LoadBalancerIngress", "ports"): ATOMIC,
    ("core.v1.Endpoints", "subsets"): ATOMIC,
    ("core.v1.EndpointSubset", "addresses"): ATOMIC,
    ("core.v1.EndpointSubset", "notReadyAddresses"): ATOMIC,
    ("core.v1.EndpointSubset", "ports"): ATOMIC,
    ("core.v1.NodeSpec", "podCIDRs"): PatchMeta("set", strategy="merge"),
    ("core.v1.NodeSpec", "taints"): ATOMIC,
    ("core.v1.NodeStatus", "conditions"): _CONDITIONS,
    ("core.v1.NodeStatus", "addresses"): _CONDITIONS,
    ("core.v1.NodeStatus", "images"): ATOMIC,
    ("core.v1.NodeStatus", "volumesInUse"): ATOMIC,
    ("core.v1.NodeStatus", "volumesAttached"): ATOMIC,
    ("core.v1.NodeStatus", "runtimeHandlers"): ATOMIC,
    ("core.v1.ContainerImage", "names"): ATOMIC,
    ("core.v1.NamespaceSpec", "finalizers"): ATOMIC,
    ("core.v1.NamespaceStatus", "conditions"): _CONDITIONS,
    ("core.v1.ServiceAccount", "secrets"): PatchMeta(None, (), "merge", "name"),
    ("core.v1.ServiceAccount", "imagePullSecrets"): ATOMIC,
    ("core.v1.PersistentVolumeClaimSpec", "accessModes"): ATOMIC,
    ("core.v1.PersistentVolumeClaimStatus", "accessModes"): ATOMIC,
    ("core.v1.PersistentVolumeClaimStatus", "conditions"): _CONDITIONS,
    ("core.v1.PersistentVolumeSpec", "accessModes"): ATOMIC,
    ("core.v1.PersistentVolumeSpec", "mountOptions"): ATOMIC,
    ("core.v1.ResourceQuotaSpec", "scopes"): ATOMIC,
    ("core.v1.ScopeSelector", "matchExpressions"): ATOMIC,
    ("core.v1.ScopedResourceSelectorRequirement", "values"): ATOMIC,
    ("core.v1.LimitRangeSpec", "limits"): ATOMIC,
    # --- apps/v1 ------------------------------------------------------------------------
    ("apps.v1.DeploymentStatus", "conditions"): _CONDITIONS,
    ("apps.v1.ReplicaSetStatus", "conditions"): _CONDITIONS,
    # --- other groups -------------------------------------------------------------------
    ("rbac.v1.Role", "rules"): ATOMIC,
    ("rbac.v1.ClusterRole", "rules"): ATOMIC,
    ("rbac.v1.RoleBinding", "subjects"): ATOMIC,
    ("rbac.v1.ClusterRoleBinding", "subjects"): ATOMIC,
    ("rbac.v1.AggregationRule", "clusterRoleSelectors"): ATOMIC,
    ("rbac.v1.PolicyRule", "verbs"): ATOMIC,
    ("rbac.v1.PolicyRule", "apiGroups"): ATOMIC,
    ("rbac.v1.PolicyRule", "resources"): ATOMIC,
    ("rbac.v1.PolicyRule", "resourceNames"): ATOMIC,
    ("rbac.v1.PolicyRule", "nonResourceURLs"): ATOMIC,
    ("node.v1.Scheduling", "tolerations"): ATOMIC,
    ("storage.v1.StorageClass", "mountOptions"): ATOMIC,
    ("storage.v1.StorageClass", "allowedTopologies"): ATOMIC,
    ("authentication.v1.UserInfo", "groups"): ATOMIC,
    ("authentication.v1.TokenRequestSpec", "audiences"): ATOMIC,
}

# Fields whose values are resource.Quantity: a map of them (ResourceList) or one scalar.
QUANTITY_FIELDS: frozenset[tuple[str, str]] = frozenset(
    {
        ("core.v1.ResourceRequirements", "limits"),
        ("core.v1.ResourceRequirements", "requests"),
        ("core.v1.VolumeResourceRequirements", "limits"),
        ("core.v1.VolumeResourceRequirements", "requests"),
        ("core.v1.PodSpec", "overhead"),
        ("core.v1.PodStatus", "allocatedResources"),
        ("core.v1.ContainerStatus", "allocatedResources"),
        ("core.v1.NodeStatus", "capacity"),
        ("core.v1.NodeStatus", "allocatable"),
        ("core.v1.ResourceQuotaSpec", "hard"),
        ("core.v1.ResourceQuotaStatus", "hard"),
        ("core.v1.ResourceQuotaStatus", "used"),
        ("core.v1.LimitRangeItem", "max"),
        ("core.v1.LimitRangeItem", "min"),
        ("core.v1.LimitRangeItem", "default"),
        ("core.v1.LimitRangeItem", "defaultRequest"),
        ("core.v1.LimitRangeItem", "maxLimitRequestRatio"),
        ("core.v1.PersistentVolumeSpec", "capacity"),
        ("core.v1.PersistentVolumeClaimStatus", "capacity"),
        ("core.v1.PersistentVolumeClaimStatus", "allocatedResources"),
        ("core.v1.EmptyDirVolumeSource", "sizeLimit"),
        ("core.v1.ResourceFieldSelector", "divisor"),
        ("node.v1.Overhead", "podFixed"),
        ("storage.v1.CSIStorageCapacity", "capacity"),
        ("storage.v1.CSIStorageCapacity", "maximumVolumeSize"),
    }
)

# int64 fields, by JSON name wherever they occur; every other integer is int32.
INT64_FIELDS: frozenset[str] = frozenset(
    {
        "generation",
        "observedGeneration",
        "deletionGracePeriodSeconds",
        "gracePeriodSeconds",
        "terminationGracePeriodSeconds",
        "activeDeadlineSeconds",
        "runAsUser",
        "runAsGroup",
        "fsGroup",
        "supplementalGroups",
        "tolerationSeconds",
        "expirationSeconds",
        "seconds",
        "limitBytes",
        "sinceSeconds",
        "tailLines",
    }
)
