"""Container status from observations (status.py)."""

from __future__ import annotations

import pytest

from pacific.agent.runtimes.container.state import ContainerRecord
from pacific.agent.runtimes.container.status import (
    Observed,
    container_status,
    parse_exit_file,
)
from pacific.agent.runtimes.protocol import ContainerState

REC = ContainerRecord(
    id="c1",
    sandbox_id="s1",
    name="app",
    attempt=1,
    image="busybox",
    image_id="sha256:x",
    created_at=10.0,
    cgroup="/p/c1",
    log_path="/var/log/pods/x/app/1.log",
    started_at=11.0,
    pid=99,
)


@pytest.mark.parametrize(
    ("seen", "state", "code", "reason"),
    [
        (Observed(True, True), ContainerState.RUNNING, 0, ""),
        (Observed(False, True), ContainerState.RUNNING, 0, ""),
        (Observed(False, True, 0, 12.0), ContainerState.EXITED, 0, "Completed"),
        (Observed(False, False, 2, 12.0), ContainerState.EXITED, 2, "Error"),
        (Observed(False, False, 137, 12.0, True), ContainerState.EXITED, 137, "OOMKilled"),
        (Observed(False, False, 0, 12.0, True), ContainerState.EXITED, 0, "Completed"),
        (Observed(False, False), ContainerState.EXITED, 255, "Error"),
    ],
)
def test_states_and_reasons(seen: Observed, state: ContainerState, code: int, reason: str) -> None:
    st = container_status(REC, seen)
    assert (st.state, st.exit_code, st.reason) == (state, code, reason)
    assert (st.id, st.sandbox_id, st.started_at) == ("c1", "s1", 11.0)


def test_created_until_started() -> None:
    rec = ContainerRecord(**{**{f: getattr(REC, f) for f in REC.__slots__}, "started_at": 0.0})
    assert container_status(rec, Observed(True, True)).state is ContainerState.CREATED


def test_exit_file() -> None:
    assert parse_exit_file("137") == 137
    assert parse_exit_file("-1\n") == -1
    assert parse_exit_file("") is None
