"""Message tables for the core/v1 kinds kubectl creates: Namespace, ConfigMap, Secret,
Service, ResourceQuota, ServiceAccount, and the references they share.
"""

from __future__ import annotations

from pacific.api.protobuf.schema import (
    BOOL,
    BYTES,
    INT32,
    KEEP,
    LIST,
    MAP,
    POINTER,
    STRING,
    Field,
    Message,
)

MESSAGES: dict[str, Message] = {
    "Namespace": {
        1: Field("metadata", "ObjectMeta"),
        2: Field("spec", "NamespaceSpec"),
        3: Field("status", "NamespaceStatus"),
    },
    "NamespaceSpec": {
        1: Field("finalizers", STRING, shape=LIST),
    },
    "NamespaceStatus": {
        1: Field("phase", STRING),
        2: Field("conditions", "NamespaceCondition", shape=LIST),
    },
    "NamespaceCondition": {
        1: Field("type", STRING, KEEP),
        2: Field("status", STRING, KEEP),
        4: Field("lastTransitionTime", "Time"),
        5: Field("reason", STRING),
        6: Field("message", STRING),
    },
    "ConfigMap": {
        1: Field("metadata", "ObjectMeta"),
        4: Field("immutable", BOOL, POINTER),
        2: Field("data", STRING, shape=MAP),
        3: Field("binaryData", BYTES, shape=MAP),
    },
    "Secret": {
        1: Field("metadata", "ObjectMeta"),
        5: Field("immutable", BOOL, POINTER),
        2: Field("data", BYTES, shape=MAP),
        4: Field("stringData", STRING, shape=MAP),
        3: Field("type", STRING),
    },
    "Service": {
        1: Field("metadata", "ObjectMeta"),
        2: Field("spec", "ServiceSpec"),
        3: Field("status", "ServiceStatus"),
    },
    "ServiceSpec": {
        1: Field("ports", "ServicePort", shape=LIST),
        2: Field("selector", STRING, shape=MAP),
        3: Field("clusterIP", STRING),
        18: Field("clusterIPs", STRING, shape=LIST),
        4: Field("type", STRING),
        5: Field("externalIPs", STRING, shape=LIST),
        7: Field("sessionAffinity", STRING),
        8: Field("loadBalancerIP", STRING),
        9: Field("loadBalancerSourceRanges", STRING, shape=LIST),
        10: Field("externalName", STRING),
        11: Field("externalTrafficPolicy", STRING),
        12: Field("healthCheckNodePort", INT32),
        13: Field("publishNotReadyAddresses", BOOL),
        14: Field("sessionAffinityConfig", "SessionAffinityConfig", POINTER),
        19: Field("ipFamilies", STRING, shape=LIST),
        17: Field("ipFamilyPolicy", STRING, POINTER),
        20: Field("allocateLoadBalancerNodePorts", BOOL, POINTER),
        21: Field("loadBalancerClass", STRING, POINTER),
        22: Field("internalTrafficPolicy", STRING, POINTER),
        23: Field("trafficDistribution", STRING, POINTER),
    },
    "ServicePort": {
        1: Field("name", STRING),
        2: Field("protocol", STRING),
        6: Field("appProtocol", STRING, POINTER),
        3: Field("port", INT32, KEEP),
        4: Field("targetPort", "IntOrString"),
        5: Field("nodePort", INT32),
    },
    "SessionAffinityConfig": {
        1: Field("clientIP", "ClientIPConfig", POINTER),
    },
    "ClientIPConfig": {
        1: Field("timeoutSeconds", INT32, POINTER),
    },
    "ServiceStatus": {
        1: Field("loadBalancer", "LoadBalancerStatus"),
        2: Field("conditions", "Condition", shape=LIST),
    },
    "LoadBalancerStatus": {
        1: Field("ingress", "LoadBalancerIngress", shape=LIST),
    },
    "LoadBalancerIngress": {
        1: Field("ip", STRING),
        2: Field("hostname", STRING),
        3: Field("ipMode", STRING, POINTER),
        4: Field("ports", "PortStatus", shape=LIST),
    },
    "PortStatus": {
        1: Field("port", INT32, KEEP),
        2: Field("protocol", STRING, KEEP),
        3: Field("error", STRING, POINTER),
    },
    "ResourceQuota": {
        1: Field("metadata", "ObjectMeta"),
        2: Field("spec", "ResourceQuotaSpec"),
        3: Field("status", "ResourceQuotaStatus"),
    },
    "ResourceQuotaSpec": {
        1: Field("hard", "Quantity", shape=MAP),
        2: Field("scopes", STRING, shape=LIST),
        3: Field("scopeSelector", "ScopeSelector", POINTER),
    },
    "ScopeSelector": {
        1: Field("matchExpressions", "ScopedResourceSelectorRequirement", shape=LIST),
    },
    "ScopedResourceSelectorRequirement": {
        1: Field("scopeName", STRING, KEEP),
        2: Field("operator", STRING, KEEP),
        3: Field("values", STRING, shape=LIST),
    },
    "ResourceQuotaStatus": {
        1: Field("hard", "Quantity", shape=MAP),
        2: Field("used", "Quantity", shape=MAP),
    },
    "ServiceAccount": {
        1: Field("metadata", "ObjectMeta"),
        2: Field("secrets", "ObjectReference", shape=LIST),
        3: Field("imagePullSecrets", "LocalObjectReference", shape=LIST),
        4: Field("automountServiceAccountToken", BOOL, POINTER),
    },
    "ObjectReference": {
        1: Field("kind", STRING),
        2: Field("namespace", STRING),
        3: Field("name", STRING),
        4: Field("uid", STRING),
        5: Field("apiVersion", STRING),
        6: Field("resourceVersion", STRING),
        7: Field("fieldPath", STRING),
    },
    "LocalObjectReference": {
        1: Field("name", STRING),
    },
}
