"""imagePullPolicy decisions and kubelet's messages."""

from __future__ import annotations

import pytest

from pacific.agent.images.policy import (
    PullAction,
    PullPolicy,
    decide_pull,
    failed_message,
    present_message,
)


@pytest.mark.parametrize(
    ("policy", "present", "action"),
    [
        (PullPolicy.ALWAYS, True, PullAction.PULL),
        (PullPolicy.ALWAYS, False, PullAction.PULL),
        (PullPolicy.IF_NOT_PRESENT, True, PullAction.USE_LOCAL),
        (PullPolicy.IF_NOT_PRESENT, False, PullAction.PULL),
        (PullPolicy.NEVER, True, PullAction.USE_LOCAL),
        (PullPolicy.NEVER, False, PullAction.REFUSE),
    ],
)
def test_decide_pull(policy: PullPolicy, present: bool, action: PullAction) -> None:
    assert decide_pull(policy, present) is action


def test_policy_values_are_the_api_strings() -> None:
    assert PullPolicy("IfNotPresent") is PullPolicy.IF_NOT_PRESENT


def test_messages() -> None:
    assert present_message("busybox") == 'Container image "busybox" already present on machine'
    assert failed_message("x", ValueError("boom")) == 'Failed to pull image "x": boom'
