"""The kernel config fragment: rendering, parsing a .config, finding dropped options."""

from pathlib import Path

import pytest

from pacific.agent.runtimes.microvm.kernelconfig import (
    FRAGMENT,
    GUEST_HZ,
    Option,
    missing_options,
    parse_config,
    render_fragment,
)
from pacific.agent.runtimes.microvm.qemu_argv import MicroVMSpec, kernel_cmdline


def test_fragment_builds_everything_in() -> None:
    assert all(opt.value == "y" for opt in FRAGMENT)
    assert all(opt.why for opt in FRAGMENT)


def test_fragment_has_what_boot_needs() -> None:
    names = {opt.name for opt in FRAGMENT}
    for needed in (
        "PVH",
        "VIRTIO_MMIO",
        "VIRTIO_MMIO_CMDLINE_DEVICES",
        "VIRTIO_CONSOLE",
        "SERIAL_8250_CONSOLE",
        "BLK_DEV_INITRD",
        "DEVTMPFS",
        "BINFMT_SCRIPT",
    ):
        assert needed in names


def test_render_is_one_line_per_option() -> None:
    text = render_fragment()
    lines = text.splitlines()
    assert len(lines) == len(FRAGMENT)
    assert lines[0] == "CONFIG_64BIT=y"
    assert "CONFIG_PVH=y" in lines
    assert text.endswith("\n")


def test_render_off_and_string_values() -> None:
    text = render_fragment([Option("A", "n", "off"), Option("B", '"x"', "str")])
    assert text == '# CONFIG_A is not set\nCONFIG_B="x"\n'


def test_render_rejects_duplicates() -> None:
    with pytest.raises(ValueError, match="PVH"):
        render_fragment([Option("PVH", "y", "a"), Option("PVH", "n", "b")])


def test_parse_config() -> None:
    text = '#\n# comment\nCONFIG_A=y\n# CONFIG_B is not set\nCONFIG_C="s"\nCONFIG_D=16\n'
    assert parse_config(text) == {"A": "y", "B": "n", "C": '"s"', "D": "16"}


def test_missing_options_finds_dropped_and_absent() -> None:
    opts = [Option("A", "y", ""), Option("B", "y", ""), Option("C", "y", ""), Option("D", "n", "")]
    final = {"A": "y", "B": "n"}
    assert [o.name for o in missing_options(opts, final)] == ["B", "C"]


def test_tick_rate_matches_the_command_line() -> None:
    assert f"CONFIG_HZ_{GUEST_HZ}=y" in render_fragment().splitlines()
    p = Path("/x")
    line = kernel_cmdline(MicroVMSpec("n", p, p, p, p, p))
    assert f"lapic_timer_period={1_000_000_000 // GUEST_HZ}" in line.split()
