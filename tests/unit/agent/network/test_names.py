import re

import pytest

from pacific.agent.network import names
from pacific.agent.network.errors import InvalidPodUID

UID = "3f2b8c1e-9d0a-4e57-a1b2-c3d4e5f60718"


def test_device_names_fit_ifnamsiz_and_are_stable() -> None:
    for prefix in ("p", "pc", "abcd"):
        veth, tap = names.veth_name(prefix, UID), names.tap_name(prefix, UID)
        assert len(veth) == len(tap) == 15
        assert veth.startswith(prefix + "v") and tap.startswith(prefix + "t")
        assert veth == names.veth_name(prefix, UID)
    assert names.veth_name("pc", UID) != names.veth_name("pc", UID.replace("3", "4"))


def test_macs_are_locally_administered_unicast() -> None:
    for mac in (names.pod_mac(UID), names.bridge_mac("pacific0")):
        assert re.fullmatch(r"02(:[0-9a-f]{2}){5}", mac)
    assert names.pod_mac(UID) != names.pod_mac("other")


def test_netns_name_round_trip() -> None:
    ns = names.netns_name("pacific-", UID)
    assert ns == f"pacific-{UID}"
    assert names.pod_uid_of_netns("pacific-", ns) == UID
    assert names.pod_uid_of_netns("pacific-", "other-" + UID) is None
    assert names.pod_uid_of_netns("pacific-", "pacific-") is None


@pytest.mark.parametrize("uid", ["", "../etc", "a b", "-lead", "x" * 64, "a/b"])
def test_bad_uids_are_refused(uid: str) -> None:
    with pytest.raises(InvalidPodUID):
        names.netns_name("pacific-", uid)
    with pytest.raises(ValueError):
        names.pod_mac(uid)
