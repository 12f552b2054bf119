"""Message tables for rbac.authorization.k8s.io/v1 (Role, ClusterRole, the bindings),
authorization.k8s.io/v1 SelfSubjectAccessReview and authentication.k8s.io/v1
SelfSubjectReview and TokenRequest.
"""

from __future__ import annotations

from pacific.api.protobuf.schema import (
    BOOL,
    INT64,
    KEEP,
    LIST,
    MAP,
    POINTER,
    STRING,
    Field,
    Message,
)

MESSAGES: dict[str, Message] = {
    "Role": {
        1: Field("metadata", "ObjectMeta"),
        2: Field("rules", "PolicyRule", shape=LIST),
    },
    "PolicyRule": {
        1: Field("verbs", STRING, shape=LIST),
        2: Field("apiGroups", STRING, shape=LIST),
        3: Field("resources", STRING, shape=LIST),
        4: Field("resourceNames", STRING, shape=LIST),
        5: Field("nonResourceURLs", STRING, shape=LIST),
    },
    "RoleBinding": {
        1: Field("metadata", "ObjectMeta"),
        2: Field("subjects", "Subject", shape=LIST),
        3: Field("roleRef", "RoleRef", KEEP),
    },
    "Subject": {
        1: Field("kind", STRING, KEEP),
        2: Field("apiGroup", STRING),
        3: Field("name", STRING, KEEP),
        4: Field("namespace", STRING),
    },
    "RoleRef": {
        1: Field("apiGroup", STRING, KEEP),
        2: Field("kind", STRING, KEEP),
        3: Field("name", STRING, KEEP),
    },
    "ClusterRole": {
        1: Field("metadata", "ObjectMeta"),
        2: Field("rules", "PolicyRule", shape=LIST),
        3: Field("aggregationRule", "AggregationRule", POINTER),
    },
    "AggregationRule": {
        1: Field("clusterRoleSelectors", "LabelSelector", shape=LIST),
    },
    "ClusterRoleBinding": {
        1: Field("metadata", "ObjectMeta"),
        2: Field("subjects", "Subject", shape=LIST),
        3: Field("roleRef", "RoleRef", KEEP),
    },
    "SelfSubjectAccessReview": {
        1: Field("metadata", "ObjectMeta"),
        2: Field("spec", "SelfSubjectAccessReviewSpec", KEEP),
        3: Field("status", "SubjectAccessReviewStatus"),
    },
    "SelfSubjectAccessReviewSpec": {
        1: Field("resourceAttributes", "ResourceAttributes", POINTER),
        2: Field("nonResourceAttributes", "NonResourceAttributes", POINTER),
    },
    "ResourceAttributes": {
        1: Field("namespace", STRING),
        2: Field("verb", STRING),
        3: Field("group", STRING),
        4: Field("version", STRING),
        5: Field("resource", STRING),
        6: Field("subresource", STRING),
        7: Field("name", STRING),
        8: Field("fieldSelector", "FieldSelectorAttributes", POINTER),
        9: Field("labelSelector", "LabelSelectorAttributes", POINTER),
    },
    "FieldSelectorAttributes": {
        1: Field("rawSelector", STRING),
        2: Field("requirements", "FieldSelectorRequirement", shape=LIST),
    },
    "LabelSelectorAttributes": {
        1: Field("rawSelector", STRING),
        2: Field("requirements", "LabelSelectorRequirement", shape=LIST),
    },
    "NonResourceAttributes": {
        1: Field("path", STRING),
        2: Field("verb", STRING),
    },
    "SubjectAccessReviewStatus": {
        1: Field("allowed", BOOL, KEEP),
        4: Field("denied", BOOL),
        2: Field("reason", STRING),
        3: Field("evaluationError", STRING),
    },
    "SelfSubjectReview": {
        1: Field("metadata", "ObjectMeta"),
        2: Field("status", "SelfSubjectReviewStatus"),
    },
    "SelfSubjectReviewStatus": {
        1: Field("userInfo", "UserInfo"),
    },
    "UserInfo": {
        1: Field("username", STRING),
        2: Field("uid", STRING),
        3: Field("groups", STRING, shape=LIST),
        4: Field("extra", "ExtraValue", shape=MAP),
    },
    "ExtraValue": {
        1: Field("items", STRING, shape=LIST),
    },
    "TokenRequest": {
        1: Field("metadata", "ObjectMeta"),
        2: Field("spec", "TokenRequestSpec", KEEP),
        3: Field("status", "TokenRequestStatus"),
    },
    "TokenRequestSpec": {
        1: Field("audiences", STRING, shape=LIST),
        4: Field("expirationSeconds", INT64, POINTER),
        3: Field("boundObjectRef", "BoundObjectReference", POINTER),
    },
    "BoundObjectReference": {
        1: Field("kind", STRING),
        2: Field("apiVersion", STRING),
        3: Field("name", STRING),
        4: Field("uid", STRING),
    },
    "TokenRequestStatus": {
        1: Field("token", STRING),
        2: Field("expirationTimestamp", "Time"),
    },
}
