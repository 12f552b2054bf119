"""Message tables for the core/v1 pod template: PodSpec, Container and what hangs off them
(ports, env, resources, probes, lifecycle, security contexts, affinity, tolerations).
Volumes are in `volumes`. `Probe.handler`, `EphemeralContainer.ephemeralContainerCommon` and
the `LocalObjectReference` in ConfigMap/Secret selectors are embedded Go structs (INLINE).
"""

from __future__ import annotations

from pacific.api.protobuf.schema import (
    BOOL,
    INLINE,
    INT32,
    INT64,
    KEEP,
    LIST,
    MAP,
    POINTER,
    STRING,
    Field,
    Message,
)

# Container and EphemeralContainerCommon share every field but the name.
_CONTAINER_FIELDS: dict[int, Field] = {
    2: Field("image", STRING),
    3: Field("command", STRING, shape=LIST),
    4: Field("args", STRING, shape=LIST),
    5: Field("workingDir", STRING),
    6: Field("ports", "ContainerPort", shape=LIST),
    19: Field("envFrom", "EnvFromSource", shape=LIST),
    7: Field("env", "EnvVar", shape=LIST),
    8: Field("resources", "ResourceRequirements"),
    23: Field("resizePolicy", "ContainerResizePolicy", shape=LIST),
    24: Field("restartPolicy", STRING, POINTER),
    9: Field("volumeMounts", "VolumeMount", shape=LIST),
    21: Field("volumeDevices", "VolumeDevice", shape=LIST),
    10: Field("livenessProbe", "Probe", POINTER),
    11: Field("readinessProbe", "Probe", POINTER),
    22: Field("startupProbe", "Probe", POINTER),
    12: Field("lifecycle", "Lifecycle", POINTER),
    13: Field("terminationMessagePath", STRING),
    20: Field("terminationMessagePolicy", STRING),
    14: Field("imagePullPolicy", STRING),
    15: Field("securityContext", "SecurityContext", POINTER),
    16: Field("stdin", BOOL),
    17: Field("stdinOnce", BOOL),
    18: Field("tty", BOOL),
}

MESSAGES: dict[str, Message] = {
    "PodTemplateSpec": {
        1: Field("metadata", "ObjectMeta"),
        2: Field("spec", "PodSpec"),
    },
    "PodSpec": {
        1: Field("volumes", "Volume", shape=LIST),
        20: Field("initContainers", "Container", shape=LIST),
        2: Field("containers", "Container", shape=LIST),
        34: Field("ephemeralContainers", "EphemeralContainer", shape=LIST),
        3: Field("restartPolicy", STRING),
        4: Field("terminationGracePeriodSeconds", INT64, POINTER),
        5: Field("activeDeadlineSeconds", INT64, POINTER),
        6: Field("dnsPolicy", STRING),
        7: Field("nodeSelector", STRING, shape=MAP),
        8: Field("serviceAccountName", STRING),
        9: Field("serviceAccount", STRING),
        21: Field("automountServiceAccountToken", BOOL, POINTER),
        10: Field("nodeName", STRING),
        11: Field("hostNetwork", BOOL),
        12: Field("hostPID", BOOL),
        13: Field("hostIPC", BOOL),
        27: Field("shareProcessNamespace", BOOL, POINTER),
        14: Field("securityContext", "PodSecurityContext", POINTER),
        15: Field("imagePullSecrets", "LocalObjectReference", shape=LIST),
        16: Field("hostname", STRING),
        17: Field("subdomain", STRING),
        18: Field("affinity", "Affinity", POINTER),
        19: Field("schedulerName", STRING),
        22: Field("tolerations", "Toleration", shape=LIST),
        23: Field("hostAliases", "HostAlias", shape=LIST),
        24: Field("priorityClassName", STRING),
        25: Field("priority", INT32, POINTER),
        26: Field("dnsConfig", "PodDNSConfig", POINTER),
        28: Field("readinessGates", "PodReadinessGate", shape=LIST),
        29: Field("runtimeClassName", STRING, POINTER),
        30: Field("enableServiceLinks", BOOL, POINTER),
        31: Field("preemptionPolicy", STRING, POINTER),
        32: Field("overhead", "Quantity", shape=MAP),
        33: Field("topologySpreadConstraints", "TopologySpreadConstraint", shape=LIST),
        35: Field("setHostnameAsFQDN", BOOL, POINTER),
        36: Field("os", "PodOS", POINTER),
        37: Field("hostUsers", BOOL, POINTER),
        38: Field("schedulingGates", "PodSchedulingGate", shape=LIST),
        39: Field("resourceClaims", "PodResourceClaim", shape=LIST),
        40: Field("resources", "ResourceRequirements", POINTER),
    },
    "Container": {1: Field("name", STRING, KEEP), **_CONTAINER_FIELDS},
    "ContainerPort": {
        1: Field("name", STRING),
        2: Field("hostPort", INT32),
        3: Field("containerPort", INT32, KEEP),
        4: Field("protocol", STRING),
        5: Field("hostIP", STRING),
    },
    "EnvFromSource": {
        1: Field("prefix", STRING),
        2: Field("configMapRef", "ConfigMapEnvSource", POINTER),
        3: Field("secretRef", "SecretEnvSource", POINTER),
    },
    "ConfigMapEnvSource": {
        1: Field("localObjectReference", "LocalObjectReference", INLINE),
        2: Field("optional", BOOL, POINTER),
    },
    "SecretEnvSource": {
        1: Field("localObjectReference", "LocalObjectReference", INLINE),
        2: Field("optional", BOOL, POINTER),
    },
    "EnvVar": {
        1: Field("name", STRING, KEEP),
        2: Field("value", STRING),
        3: Field("valueFrom", "EnvVarSource", POINTER),
    },
    "EnvVarSource": {
        1: Field("fieldRef", "ObjectFieldSelector", POINTER),
        2: Field("resourceFieldRef", "ResourceFieldSelector", POINTER),
        3: Field("configMapKeyRef", "ConfigMapKeySelector", POINTER),
        4: Field("secretKeyRef", "SecretKeySelector", POINTER),
    },
    "ConfigMapKeySelector": {
        1: Field("localObjectReference", "LocalObjectReference", INLINE),
        2: Field("key", STRING, KEEP),
        3: Field("optional", BOOL, POINTER),
    },
    "SecretKeySelector": {
        1: Field("localObjectReference", "LocalObjectReference", INLINE),
        2: Field("key", STRING, KEEP),
        3: Field("optional", BOOL, POINTER),
    },
    "ResourceRequirements": {
        1: Field("limits", "Quantity", shape=MAP),
        2: Field("requests", "Quantity", shape=MAP),
        3: Field("claims", "ResourceClaim", shape=LIST),
    },
    "ResourceClaim": {
        1: Field("name", STRING, KEEP),
        2: Field("request", STRING),
    },
    "ContainerResizePolicy": {
        1: Field("resourceName", STRING, KEEP),
        2: Field("restartPolicy", STRING, KEEP),
    },
    "VolumeMount": {
        1: Field("name", STRING, KEEP),
        2: Field("readOnly", BOOL),
        7: Field("recursiveReadOnly", STRING, POINTER),
        3: Field("mountPath", STRING, KEEP),
        4: Field("subPath", STRING),
        5: Field("mountPropagation", STRING, POINTER),
        6: Field("subPathExpr", STRING),
    },
    "VolumeDevice": {
        1: Field("name", STRING, KEEP),
        2: Field("devicePath", STRING, KEEP),
    },
    "Probe": {
        1: Field("handler", "ProbeHandler", INLINE),
        2: Field("initialDelaySeconds", INT32),
        3: Field("timeoutSeconds", INT32),
        4: Field("periodSeconds", INT32),
        5: Field("successThreshold", INT32),
        6: Field("failureThreshold", INT32),
        7: Field("terminationGracePeriodSeconds", INT64, POINTER),
    },
    "ProbeHandler": {
        1: Field("exec", "ExecAction", POINTER),
        2: Field("httpGet", "HTTPGetAction", POINTER),
        3: Field("tcpSocket", "TCPSocketAction", POINTER),
        4: Field("grpc", "GRPCAction", POINTER),
    },
    "ExecAction": {
        1: Field("command", STRING, shape=LIST),
    },
    "HTTPGetAction": {
        1: Field("path", STRING),
        2: Field("port", "IntOrString", KEEP),
        3: Field("host", STRING),
        4: Field("scheme", STRING),
        5: Field("httpHeaders", "HTTPHeader", shape=LIST),
    },
    "HTTPHeader": {
        1: Field("name", STRING, KEEP),
        2: Field("value", STRING, KEEP),
    },
    "TCPSocketAction": {
        1: Field("port", "IntOrString", KEEP),
        2: Field("host", STRING),
    },
    "GRPCAction": {
        1: Field("port", INT32, KEEP),
        2: Field("service", STRING, POINTER),
    },
    "Lifecycle": {
        1: Field("postStart", "LifecycleHandler", POINTER),
        2: Field("preStop", "LifecycleHandler", POINTER),
    },
    "LifecycleHandler": {
        1: Field("exec", "ExecAction", POINTER),
        2: Field("httpGet", "HTTPGetAction", POINTER),
        3: Field("tcpSocket", "TCPSocketAction", POINTER),
        4: Field("sleep", "SleepAction", POINTER),
    },
    "SleepAction": {
        1: Field("seconds", INT64, KEEP),
    },
    "SecurityContext": {
        1: Field("capabilities", "Capabilities", POINTER),
        2: Field("privileged", BOOL, POINTER),
        3: Field("seLinuxOptions", "SELinuxOptions", POINTER),
        10: Field("windowsOptions", "WindowsSecurityContextOptions", POINTER),
        4: Field("runAsUser", INT64, POINTER),
        8: Field("runAsGroup", INT64, POINTER),
        5: Field("runAsNonRoot", BOOL, POINTER),
        6: Field("readOnlyRootFilesystem", BOOL, POINTER),
        7: Field("allowPrivilegeEscalation", BOOL, POINTER),
        9: Field("procMount", STRING, POINTER),
        11: Field("seccompProfile", "SeccompProfile", POINTER),
        12: Field("appArmorProfile", "AppArmorProfile", POINTER),
    },
    "Capabilities": {
        1: Field("add", STRING, shape=LIST),
        2: Field("drop", STRING, shape=LIST),
    },
    "SELinuxOptions": {
        1: Field("user", STRING),
        2: Field("role", STRING),
        3: Field("type", STRING),
        4: Field("level", STRING),
    },
    "WindowsSecurityContextOptions": {
        1: Field("gmsaCredentialSpecName", STRING, POINTER),
        2: Field("gmsaCredentialSpec", STRING, POINTER),
        3: Field("runAsUserName", STRING, POINTER),
        4: Field("hostProcess", BOOL, POINTER),
    },
    "SeccompProfile": {
        1: Field("type", STRING, KEEP),
        2: Field("localhostProfile", STRING, POINTER),
    },
    "AppArmorProfile": {
        1: Field("type", STRING, KEEP),
        2: Field("localhostProfile", STRING, POINTER),
    },
    "EphemeralContainer": {
        1: Field("ephemeralContainerCommon", "EphemeralContainerCommon", INLINE),
        2: Field("targetContainerName", STRING),
    },
    # The same fields as Container, but its name is omitempty in Go.
    "EphemeralContainerCommon": {1: Field("name", STRING), **_CONTAINER_FIELDS},
    "PodSecurityContext": {
        1: Field("seLinuxOptions", "SELinuxOptions", POINTER),
        8: Field("windowsOptions", "WindowsSecurityContextOptions", POINTER),
        2: Field("runAsUser", INT64, POINTER),
        6: Field("runAsGroup", INT64, POINTER),
        3: Field("runAsNonRoot", BOOL, POINTER),
        4: Field("supplementalGroups", INT64, shape=LIST),
        12: Field("supplementalGroupsPolicy", STRING, POINTER),
        5: Field("fsGroup", INT64, POINTER),
        7: Field("sysctls", "Sysctl", shape=LIST),
        9: Field("fsGroupChangePolicy", STRING, POINTER),
        10: Field("seccompProfile", "SeccompProfile", POINTER),
        11: Field("appArmorProfile", "AppArmorProfile", POINTER),
        13: Field("seLinuxChangePolicy", STRING, POINTER),
    },
    "Sysctl": {
        1: Field("name", STRING, KEEP),
        2: Field("value", STRING, KEEP),
    },
    "Affinity": {
        1: Field("nodeAffinity", "NodeAffinity", POINTER),
        2: Field("podAffinity", "PodAffinity", POINTER),
        3: Field("podAntiAffinity", "PodAntiAffinity", POINTER),
    },
    "NodeAffinity": {
        1: Field("requiredDuringSchedulingIgnoredDuringExecution", "NodeSelector", POINTER),
        2: Field(
            "preferredDuringSchedulingIgnoredDuringExecution", "PreferredSchedulingTerm", shape=LIST
        ),
    },
    "NodeSelector": {
        1: Field("nodeSelectorTerms", "NodeSelectorTerm", shape=LIST),
    },
    "NodeSelectorTerm": {
        1: Field("matchExpressions", "NodeSelectorRequirement", shape=LIST),
        2: Field("matchFields", "NodeSelectorRequirement", shape=LIST),
    },
    "NodeSelectorRequirement": {
        1: Field("key", STRING, KEEP),
        2: Field("operator", STRING, KEEP),
        3: Field("values", STRING, shape=LIST),
    },
    "PreferredSchedulingTerm": {
        1: Field("weight", INT32, KEEP),
        2: Field("preference", "NodeSelectorTerm", KEEP),
    },
    "PodAffinity": {
        1: Field("requiredDuringSchedulingIgnoredDuringExecution", "PodAffinityTerm", shape=LIST),
        2: Field(
            "preferredDuringSchedulingIgnoredDuringExecution", "WeightedPodAffinityTerm", shape=LIST
        ),
    },
    "PodAffinityTerm": {
        1: Field("labelSelector", "LabelSelector", POINTER),
        2: Field("namespaces", STRING, shape=LIST),
        3: Field("topologyKey", STRING, KEEP),
        4: Field("namespaceSelector", "LabelSelector", POINTER),
        5: Field("matchLabelKeys", STRING, shape=LIST),
        6: Field("mismatchLabelKeys", STRING, shape=LIST),
    },
    "WeightedPodAffinityTerm": {
        1: Field("weight", INT32, KEEP),
        2: Field("podAffinityTerm", "PodAffinityTerm", KEEP),
    },
    "PodAntiAffinity": {
        1: Field("requiredDuringSchedulingIgnoredDuringExecution", "PodAffinityTerm", shape=LIST),
        2: Field(
            "preferredDuringSchedulingIgnoredDuringExecution", "WeightedPodAffinityTerm", shape=LIST
        ),
    },
    "Toleration": {
        1: Field("key", STRING),
        2: Field("operator", STRING),
        3: Field("value", STRING),
        4: Field("effect", STRING),
        5: Field("tolerationSeconds", INT64, POINTER),
    },
    "HostAlias": {
        1: Field("ip", STRING, KEEP),
        2: Field("hostnames", STRING, shape=LIST),
    },
    "PodDNSConfig": {
        1: Field("nameservers", STRING, shape=LIST),
        2: Field("searches", STRING, shape=LIST),
        3: Field("options", "PodDNSConfigOption", shape=LIST),
    },
    "PodDNSConfigOption": {
        1: Field("name", STRING),
        2: Field("value", STRING, POINTER),
    },
    "PodReadinessGate": {
        1: Field("conditionType", STRING, KEEP),
    },
    "TopologySpreadConstraint": {
        1: Field("maxSkew", INT32, KEEP),
        2: Field("topologyKey", STRING, KEEP),
        3: Field("whenUnsatisfiable", STRING, KEEP),
        4: Field("labelSelector", "LabelSelector", POINTER),
        5: Field("minDomains", INT32, POINTER),
        6: Field("nodeAffinityPolicy", STRING, POINTER),
        7: Field("nodeTaintsPolicy", STRING, POINTER),
        8: Field("matchLabelKeys", STRING, shape=LIST),
    },
    "PodOS": {
        1: Field("name", STRING, KEEP),
    },
    "PodSchedulingGate": {
        1: Field("name", STRING, KEEP),
    },
    "PodResourceClaim": {
        1: Field("name", STRING, KEEP),
        3: Field("resourceClaimName", STRING, POINTER),
        4: Field("resourceClaimTemplateName", STRING, POINTER),
    },
}
