import pytest

from pacific.agent.network.errors import HostNetworkError
from pacific.testing.fakenetwork import FakeNetwork


async def test_fail_next_fails_once_and_leaves_nothing() -> None:
    net = FakeNetwork()
    net.fail_next(HostNetworkError("netlink: boom"))
    with pytest.raises(HostNetworkError):
        await net.setup("pod-a", "default", "a")
    assert net.attachments() == {}
    first = await net.setup("pod-a", "default", "a")
    assert str(first.ip) == "10.120.0.2"
    assert net.calls == [("setup", "pod-a"), ("setup", "pod-a")]


async def test_the_object_plays_the_host_across_restarts() -> None:
    net = FakeNetwork()
    a = await net.setup("pod-a", "default", "a")
    vm = await net.tap("vm-b", "default", "b")
    assert sorted(await net.recover(), key=lambda x: x.pod_uid) == [a, vm]
    await net.teardown("pod-a")
    assert list(net.attachments()) == ["vm-b"]
