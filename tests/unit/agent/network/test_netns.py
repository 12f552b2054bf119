from pathlib import Path

import pytest

from pacific.agent.network import netns
from pacific.agent.network.errors import HostNetworkError
from pacific.host.fake import Answer, FakeRunner


def test_is_netns(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.write_text("")
    assert not netns.is_netns(plain)
    assert not netns.is_netns(tmp_path / "missing")
    assert netns.is_netns(Path("/proc/self/ns/net"))


async def test_ensure_creates_with_ip_netns_add(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(netns, "NETNS_DIR", tmp_path)
    runner = FakeRunner()
    assert await netns.ensure_netns("pod-a", runner)
    assert runner.argvs() == [("ip", "netns", "add", "pod-a")]


async def test_ensure_replaces_a_file_that_is_not_a_namespace(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(netns, "NETNS_DIR", tmp_path)
    (tmp_path / "pod-a").write_text("")  # a crash inside `ip netns add`
    runner = FakeRunner()
    assert await netns.ensure_netns("pod-a", runner)
    assert runner.argvs() == [("ip", "netns", "delete", "pod-a"), ("ip", "netns", "add", "pod-a")]


async def test_delete_absent_runs_nothing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(netns, "NETNS_DIR", tmp_path)
    runner = FakeRunner()
    await netns.delete_netns("pod-a", runner)
    assert runner.calls == []


async def test_ip_failure_is_translated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(netns, "NETNS_DIR", tmp_path)
    runner = FakeRunner()
    runner.answer(["ip", "netns", "add"], Answer(returncode=1, stderr=b"File exists"))
    with pytest.raises(HostNetworkError, match="File exists"):
        await netns.ensure_netns("pod-a", runner)


def test_list_netns(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(netns, "NETNS_DIR", tmp_path)
    for name in ("pacific-b", "pacific-a", "other"):
        (tmp_path / name).write_text("")
    assert netns.list_netns("pacific-") == ["pacific-a", "pacific-b"]
    monkeypatch.setattr(netns, "NETNS_DIR", tmp_path / "missing")
    assert netns.list_netns("pacific-") == []
