from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

import pytest

from pacific.agent.network.config import DEFAULT_POD_CIDR, NetworkConfig


def test_defaults() -> None:
    cfg = NetworkConfig(state_dir=Path("/var/lib/pacific/network"))
    assert cfg.bridge == "pacific0"
    assert cfg.pod_cidr == DEFAULT_POD_CIDR == IPv4Network("10.120.0.0/16")
    assert cfg.gateway == IPv4Address("10.120.0.1")
    assert cfg.ipam_path == Path("/var/lib/pacific/network/ipam.json")
    for taken in ("172.17.0.0/16", "10.88.0.0/16", "10.96.0.0/12", "10.244.0.0/16"):
        assert not cfg.pod_cidr.overlaps(IPv4Network(taken))


@pytest.mark.parametrize(
    "changes",
    [
        {"bridge": "a-name-far-too-long"},
        {"bridge": 'br"0'},
        {"table": "bad table"},
        {"netns_prefix": "a/b"},
        {"link_prefix": "toolong"},
        {"link_prefix": "P"},
        {"pod_cidr": IPv4Network("10.0.0.0/31")},
        {"mtu": 100},
    ],
)
def test_invalid(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        NetworkConfig(state_dir=Path("/tmp"), **changes)  # type: ignore[arg-type]
