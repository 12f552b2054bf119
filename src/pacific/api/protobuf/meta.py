"""Message tables for k8s.io/apimachinery: ObjectMeta and the types with their own JSON form.

`Time`, `Quantity`, `IntOrString`, `FieldsV1` and `ExtraValue` (in `access`) are listed
here with their wire fields; `decode` turns them into the JSON scalars Kubernetes uses
(RFC 3339 string, quantity string, int-or-string, embedded JSON, list). `Unknown` and
`TypeMeta` are the envelope kubectl wraps every protobuf body in (k8s.io/apimachinery
/pkg/runtime).
"""

from __future__ import annotations

from pacific.api.protobuf.schema import (
    BOOL,
    BYTES,
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

MESSAGES: dict[str, Message] = {
    "Unknown": {
        1: Field("typeMeta", "TypeMeta"),
        2: Field("raw", BYTES, POINTER),
        3: Field("contentEncoding", STRING),
        4: Field("contentType", STRING),
    },
    "TypeMeta": {
        1: Field("apiVersion", STRING),
        2: Field("kind", STRING),
    },
    "ObjectMeta": {
        1: Field("name", STRING),
        2: Field("generateName", STRING),
        3: Field("namespace", STRING),
        4: Field("selfLink", STRING),
        5: Field("uid", STRING),
        6: Field("resourceVersion", STRING),
        7: Field("generation", INT64),
        8: Field("creationTimestamp", "Time"),
        9: Field("deletionTimestamp", "Time", POINTER),
        10: Field("deletionGracePeriodSeconds", INT64, POINTER),
        11: Field("labels", STRING, shape=MAP),
        12: Field("annotations", STRING, shape=MAP),
        13: Field("ownerReferences", "OwnerReference", shape=LIST),
        14: Field("finalizers", STRING, shape=LIST),
        17: Field("managedFields", "ManagedFieldsEntry", shape=LIST),
    },
    "Time": {
        1: Field("seconds", INT64),
        2: Field("nanos", INT32),
    },
    "OwnerReference": {
        5: Field("apiVersion", STRING, KEEP),
        1: Field("kind", STRING, KEEP),
        3: Field("name", STRING, KEEP),
        4: Field("uid", STRING, KEEP),
        6: Field("controller", BOOL, POINTER),
        7: Field("blockOwnerDeletion", BOOL, POINTER),
    },
    "ManagedFieldsEntry": {
        1: Field("manager", STRING),
        2: Field("operation", STRING),
        3: Field("apiVersion", STRING),
        4: Field("time", "Time", POINTER),
        6: Field("fieldsType", STRING),
        7: Field("fieldsV1", "FieldsV1", POINTER),
        8: Field("subresource", STRING),
    },
    "FieldsV1": {
        1: Field("Raw", BYTES, POINTER),
    },
    "IntOrString": {
        1: Field("type", INT64),
        2: Field("intVal", INT32),
        3: Field("strVal", STRING),
    },
    "Condition": {
        1: Field("type", STRING, KEEP),
        2: Field("status", STRING, KEEP),
        3: Field("observedGeneration", INT64),
        4: Field("lastTransitionTime", "Time", KEEP),
        5: Field("reason", STRING, KEEP),
        6: Field("message", STRING, KEEP),
    },
    "Quantity": {
        1: Field("string", STRING, POINTER),
    },
    "LabelSelector": {
        1: Field("matchLabels", STRING, shape=MAP),
        2: Field("matchExpressions", "LabelSelectorRequirement", shape=LIST),
    },
    "LabelSelectorRequirement": {
        1: Field("key", STRING, KEEP),
        2: Field("operator", STRING, KEEP),
        3: Field("values", STRING, shape=LIST),
    },
    "FieldSelectorRequirement": {
        1: Field("key", STRING, KEEP),
        2: Field("operator", STRING, KEEP),
        3: Field("values", STRING, shape=LIST),
    },
}
