from collections.abc import Callable
from typing import Any

import pytest

from pacific.api.resources import ResourceType

DEPLOY = ResourceType("apps", "v1", "Deployment", "deployments", "deployment", True)
RS = ResourceType("apps", "v1", "ReplicaSet", "replicasets", "replicaset", True)
Check = Callable[..., list[str]]


def deployment(**spec: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "selector": {"matchLabels": {"app": "x"}},
        "template": {
            "metadata": {"labels": {"app": "x"}},
            "spec": {"containers": [{"name": "a", "image": "nginx"}]},
        },
    }
    base.update(spec)
    return {"metadata": {"name": "d", "namespace": "default"}, "spec": base}


def template(labels: dict[str, str], **spec: Any) -> dict[str, Any]:
    return {
        "metadata": {"labels": labels},
        "spec": {"containers": [{"name": "a", "image": "nginx"}], **spec},
    }


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({}, []),
        ({"selector": None}, ["spec.selector: Required value"]),
        (
            {"selector": {}},
            [
                "spec.selector: Invalid value: &LabelSelector{MatchLabels:map[string]string{},"
                "MatchExpressions:[]LabelSelectorRequirement{},}: empty selector is invalid for "
                "deployment"
            ],
        ),
        (
            {"template": template({"app": "y"})},
            [
                'spec.template.metadata.labels: Invalid value: map[string]string{"app":"y"}: '
                "`selector` does not match template `labels`"
            ],
        ),
        (
            {"template": template({"app": "x"}, restartPolicy="Never")},
            [
                'spec.template.spec.restartPolicy: Unsupported value: "Never": supported '
                'values: "Always"'
            ],
        ),
        (
            {"template": template({"app": "x"}, activeDeadlineSeconds=5)},
            [
                "spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in "
                "ReplicaSet is not Supported"
            ],
        ),
        (
            {"replicas": -1},
            ["spec.replicas: Invalid value: -1: must be greater than or equal to 0"],
        ),
        (
            {"strategy": {"type": "Recreate", "rollingUpdate": {}}},
            [
                "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy "
                "`type` is 'Recreate'"
            ],
        ),
        (
            {"strategy": {"type": "Fast"}},
            [
                'spec.strategy.type: Unsupported value: "Fast": supported values: "Recreate", '
                '"RollingUpdate"'
            ],
        ),
        (
            {"strategy": {"rollingUpdate": {"maxSurge": 0, "maxUnavailable": "0%"}}},
            [
                "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0%: may not be 0 "
                "when `maxSurge` is 0"
            ],
        ),
        (
            {"strategy": {"rollingUpdate": {"maxSurge": "x", "maxUnavailable": "150%"}}},
            [
                "spec.strategy.rollingUpdate.maxSurge: Invalid value: x: must be an integer or "
                "percentage (e.g '5%')",
                "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 150%: must not be "
                "greater than 100%",
            ],
        ),
        (
            {"minReadySeconds": 700},
            [
                "spec.progressDeadlineSeconds: Invalid value: 600: must be greater than "
                "minReadySeconds"
            ],
        ),
    ],
)
def test_deployment(check: Check, spec: dict[str, Any], expected: list[str]) -> None:
    assert check(DEPLOY, deployment(**spec)) == expected


def test_selector_expressions(check: Check) -> None:
    selector = {
        "matchExpressions": [{"key": "app", "operator": "In"}, {"key": "t", "operator": "Is"}]
    }
    assert check(RS, deployment(selector=selector)) == [
        "spec.selector.matchExpressions[0].values: Required value: must be specified when "
        "`operator` is 'In' or 'NotIn'",
        'spec.selector.matchExpressions[1].operator: Invalid value: "Is": not a valid selector '
        "operator",
        'spec.template.metadata.labels: Invalid value: map[string]string{"app":"x"}: '
        "`selector` does not match template `labels`",
    ]


def test_selector_is_immutable(check_update: Check) -> None:
    old = deployment()
    new = deployment(selector={"matchLabels": {"app": "x", "tier": "web"}})
    new["spec"]["template"]["metadata"]["labels"]["tier"] = "web"
    assert check_update(DEPLOY, new, old) == [
        "spec.selector: Invalid value: &LabelSelector{MatchLabels:map[string]string{app: x,tier: "
        "web,},MatchExpressions:[]LabelSelectorRequirement{},}: field is immutable"
    ]
    assert check_update(RS, deployment(replicas=3), deployment()) == []
