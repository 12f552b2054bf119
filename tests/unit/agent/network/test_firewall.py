from ipaddress import IPv4Network
from pathlib import Path

import pytest

from pacific.agent.network import firewall
from pacific.agent.network.errors import HostNetworkError
from pacific.agent.network.ruleset import render_removal, render_ruleset
from pacific.host.fake import Answer, FakeRunner

NET = IPv4Network("10.9.0.0/24")


async def test_apply_pipes_the_ruleset_to_nft() -> None:
    runner = FakeRunner()
    await firewall.apply_rules("t", "br0", NET, runner)
    assert runner.calls == [(("nft", "-f", "-"), render_ruleset("t", "br0", NET).encode())]


async def test_remove_pipes_the_removal() -> None:
    runner = FakeRunner()
    await firewall.remove_rules("t", runner)
    assert runner.calls == [(("nft", "-f", "-"), render_removal("t").encode())]


async def test_nft_failure_is_a_host_network_error() -> None:
    runner = FakeRunner()
    runner.answer(["nft"], Answer(returncode=1, stderr=b"Error: syntax error"))
    with pytest.raises(HostNetworkError, match="syntax error"):
        await firewall.apply_rules("t", "br0", NET, runner)


def test_enable_ip_forwarding(tmp_path: Path) -> None:
    switch = tmp_path / "ip_forward"
    switch.write_text("0\n")
    firewall.enable_ip_forwarding(switch)
    assert switch.read_text() == "1\n"
    with pytest.raises(HostNetworkError):
        firewall.enable_ip_forwarding(tmp_path / "missing" / "ip_forward")
