"""Message tables for apps/v1 Deployment, batch/v1 Job and scheduling.k8s.io/v1 PriorityClass."""

from __future__ import annotations

from pacific.api.protobuf.schema import (
    BOOL,
    INT32,
    INT64,
    KEEP,
    LIST,
    POINTER,
    STRING,
    Field,
    Message,
)

MESSAGES: dict[str, Message] = {
    "Deployment": {
        1: Field("metadata", "ObjectMeta"),
        2: Field("spec", "DeploymentSpec"),
        3: Field("status", "DeploymentStatus"),
    },
    "DeploymentSpec": {
        1: Field("replicas", INT32, POINTER),
        2: Field("selector", "LabelSelector", POINTER),
        3: Field("template", "PodTemplateSpec", KEEP),
        4: Field("strategy", "DeploymentStrategy"),
        5: Field("minReadySeconds", INT32),
        6: Field("revisionHistoryLimit", INT32, POINTER),
        7: Field("paused", BOOL),
        9: Field("progressDeadlineSeconds", INT32, POINTER),
    },
    "DeploymentStrategy": {
        1: Field("type", STRING),
        2: Field("rollingUpdate", "RollingUpdateDeployment", POINTER),
    },
    "RollingUpdateDeployment": {
        1: Field("maxUnavailable", "IntOrString", POINTER),
        2: Field("maxSurge", "IntOrString", POINTER),
    },
    "DeploymentStatus": {
        1: Field("observedGeneration", INT64),
        2: Field("replicas", INT32),
        3: Field("updatedReplicas", INT32),
        7: Field("readyReplicas", INT32),
        4: Field("availableReplicas", INT32),
        5: Field("unavailableReplicas", INT32),
        6: Field("conditions", "DeploymentCondition", shape=LIST),
        8: Field("collisionCount", INT32, POINTER),
    },
    "DeploymentCondition": {
        1: Field("type", STRING),
        2: Field("status", STRING),
        6: Field("lastUpdateTime", "Time"),
        7: Field("lastTransitionTime", "Time"),
        4: Field("reason", STRING),
        5: Field("message", STRING),
    },
    "Job": {
        1: Field("metadata", "ObjectMeta"),
        2: Field("spec", "JobSpec"),
        3: Field("status", "JobStatus"),
    },
    "JobSpec": {
        1: Field("parallelism", INT32, POINTER),
        2: Field("completions", INT32, POINTER),
        3: Field("activeDeadlineSeconds", INT64, POINTER),
        11: Field("podFailurePolicy", "PodFailurePolicy", POINTER),
        16: Field("successPolicy", "SuccessPolicy", POINTER),
        7: Field("backoffLimit", INT32, POINTER),
        12: Field("backoffLimitPerIndex", INT32, POINTER),
        13: Field("maxFailedIndexes", INT32, POINTER),
        4: Field("selector", "LabelSelector", POINTER),
        5: Field("manualSelector", BOOL, POINTER),
        6: Field("template", "PodTemplateSpec", KEEP),
        8: Field("ttlSecondsAfterFinished", INT32, POINTER),
        9: Field("completionMode", STRING, POINTER),
        10: Field("suspend", BOOL, POINTER),
        14: Field("podReplacementPolicy", STRING, POINTER),
        15: Field("managedBy", STRING, POINTER),
    },
    "PodFailurePolicy": {
        1: Field("rules", "PodFailurePolicyRule", shape=LIST),
    },
    "PodFailurePolicyRule": {
        1: Field("action", STRING, KEEP),
        2: Field("onExitCodes", "PodFailurePolicyOnExitCodesRequirement", POINTER),
        3: Field("onPodConditions", "PodFailurePolicyOnPodConditionsPattern", shape=LIST),
    },
    "PodFailurePolicyOnExitCodesRequirement": {
        1: Field("containerName", STRING, POINTER),
        2: Field("operator", STRING, KEEP),
        3: Field("values", INT32, shape=LIST),
    },
    "PodFailurePolicyOnPodConditionsPattern": {
        1: Field("type", STRING, KEEP),
        2: Field("status", STRING),
    },
    "SuccessPolicy": {
        1: Field("rules", "SuccessPolicyRule", shape=LIST),
    },
    "SuccessPolicyRule": {
        1: Field("succeededIndexes", STRING, POINTER),
        2: Field("succeededCount", INT32, POINTER),
    },
    "JobStatus": {
        1: Field("conditions", "JobCondition", shape=LIST),
        2: Field("startTime", "Time", POINTER),
        3: Field("completionTime", "Time", POINTER),
        4: Field("active", INT32),
        5: Field("succeeded", INT32),
        6: Field("failed", INT32),
        11: Field("terminating", INT32, POINTER),
        7: Field("completedIndexes", STRING),
        10: Field("failedIndexes", STRING, POINTER),
        8: Field("uncountedTerminatedPods", "UncountedTerminatedPods", POINTER),
        9: Field("ready", INT32, POINTER),
    },
    "JobCondition": {
        1: Field("type", STRING, KEEP),
        2: Field("status", STRING, KEEP),
        3: Field("lastProbeTime", "Time"),
        4: Field("lastTransitionTime", "Time"),
        5: Field("reason", STRING),
        6: Field("message", STRING),
    },
    "UncountedTerminatedPods": {
        1: Field("succeeded", STRING, shape=LIST),
        2: Field("failed", STRING, shape=LIST),
    },
    "PriorityClass": {
        1: Field("metadata", "ObjectMeta"),
        2: Field("value", INT32, KEEP),
        3: Field("globalDefault", BOOL),
        4: Field("description", STRING),
        5: Field("preemptionPolicy", STRING, POINTER),
    },
}
