"""Golden tests for the microVM QEMU command line (regenerate with PACIFIC_UPDATE_GOLDEN=1)."""

import os
import shlex
from pathlib import Path

import pytest

from pacific.agent.runtimes.microvm.qemu_argv import (
    Accel,
    MicroVMSpec,
    kernel_cmdline,
    microvm_argv,
)

GOLDEN = Path(__file__).parent / "golden"
RUN = Path("/run/pacific/pods/p1")


def check_golden(name: str, argv: list[str]) -> None:
    lines = [argv[0]]
    for arg in argv[1:]:
        if arg.startswith("-"):
            lines.append(arg)
        else:
            lines[-1] += " " + shlex.quote(arg)
    text = " \\\n  ".join(lines) + "\n"
    path = GOLDEN / name
    if os.environ.get("PACIFIC_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text()


def spec(**kw: object) -> MicroVMSpec:
    base: dict[str, object] = {
        "name": "p1",
        "kernel": Path("/var/cache/pacific/guest/kernel-0123/vmlinux"),
        "initramfs": Path("/var/cache/pacific/guest/initramfs-4567.cpio"),
        "console_socket": RUN / "console.sock",
        "agent_socket": RUN / "agent.sock",
        "qmp_socket": RUN / "qmp.sock",
        "tsc_khz": 2994374,
    }
    base.update(kw)
    return MicroVMSpec(**base)  # type: ignore[arg-type]


def test_tcg_argv() -> None:
    check_golden("microvm_tcg.argv", microvm_argv(spec()))


def test_kvm_argv() -> None:
    check_golden("microvm_kvm.argv", microvm_argv(spec(accel=Accel.KVM, vcpus=2, memory_mib=512)))


def test_tcg_caps_translation_buffer() -> None:
    argv = microvm_argv(spec(tb_size_mib=8))
    assert argv[argv.index("-accel") + 1] == "tcg,tb-size=8"
    assert "-cpu" not in argv


def test_kvm_uses_host_cpu_and_no_tb_size() -> None:
    argv = microvm_argv(spec(accel=Accel.KVM))
    assert argv[argv.index("-accel") + 1 : argv.index("-accel") + 4] == ["kvm", "-cpu", "host"]
    assert not any("tb-size" in a for a in argv)


def test_cmdline_has_tsc_khz_only_when_known() -> None:
    assert "tsc_early_khz=2994374" in kernel_cmdline(spec()).split()
    assert "tsc_early_khz" not in kernel_cmdline(spec(tsc_khz=None))


def test_cmdline_extra_args_come_last() -> None:
    line = kernel_cmdline(spec(extra_cmdline=("loglevel=7",)))
    assert line.split()[-1] == "loglevel=7"
    assert line.split()[0] == "console=ttyS0"


@pytest.mark.parametrize(
    "bad",
    [
        {"name": ""},
        {"name": "a b"},
        {"name": "a,b"},
        {"vcpus": 0},
        {"memory_mib": 8},
        {"tb_size_mib": 0},
        {"tsc_khz": 0},
        {"extra_cmdline": ("a b",)},
        {"extra_cmdline": ("",)},
    ],
)
def test_rejects_bad_spec(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        spec(**bad)


def test_rejects_comma_in_paths() -> None:
    with pytest.raises(ValueError, match="comma"):
        microvm_argv(spec(agent_socket=Path("/tmp/a,b.sock")))
    with pytest.raises(ValueError, match="comma"):
        microvm_argv(spec(kernel=Path("/tmp/x,y")))
