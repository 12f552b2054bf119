"""Golden tests for the nftables ruleset (regenerate with PACIFIC_UPDATE_GOLDEN=1)."""

import os
import shutil
import subprocess
from ipaddress import IPv4Network
from pathlib import Path

import pytest

from pacific.agent.network.ruleset import render_removal, render_ruleset

GOLDEN = Path(__file__).parent / "golden"


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("PACIFIC_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text()


def test_default_ruleset() -> None:
    check_golden("pacific.nft", render_ruleset("pacific", "pacific0", IPv4Network("10.120.0.0/16")))


def test_other_table_bridge_and_cidr() -> None:
    text = render_ruleset("pacific_test", "ptest0", IPv4Network("10.251.3.0/24"))
    check_golden("pacific_test.nft", text)


def test_removal() -> None:
    check_golden("removal.nft", render_removal("pacific"))


def test_ruleset_replaces_the_table_in_one_transaction() -> None:
    lines = render_ruleset("t", "b", IPv4Network("10.1.0.0/16")).splitlines()
    assert lines.index("delete table inet t") < lines.index("table inet t {", 2)
    assert sum("masquerade" in line for line in lines) == 1


@pytest.mark.skipif(shutil.which("nft") is None, reason="nft is not installed")
@pytest.mark.skipif(os.geteuid() != 0, reason="nft --check needs root (netlink)")
def test_nft_accepts_the_ruleset() -> None:
    text = render_ruleset("pacific_check", "pcheck0", IPv4Network("10.120.0.0/16"))
    subprocess.run(["nft", "--check", "-f", "-"], input=text.encode(), check=True)
