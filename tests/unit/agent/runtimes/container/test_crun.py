"""crun/conmon command lines and crun calls through the fake host runner."""

from __future__ import annotations

import signal
from pathlib import Path

from pacific.agent.runtimes.container.crun import ConmonCall, Crun, conmon_argv, hybrid_wrapper
from pacific.agent.runtimes.container.runtime import ContainerRuntime, ContainerRuntimeConfig
from pacific.agent.runtimes.protocol import Runtime, Streamer
from pacific.host.fake import Answer, FakeRunner

CALL = ConmonCall(
    container_id="c1",
    bundle=Path("/s/containers/c1"),
    log_path=Path("/var/log/pods/p/app/0.log"),
    exit_dir=Path("/s/exits"),
    persist_dir=Path("/s/containers/c1/persist"),
    runtime="/usr/bin/crun",
    crun_root=Path("/s/crun"),
)


def test_conmon_argv() -> None:
    argv = conmon_argv(CALL)
    assert argv[:3] == ["conmon", "--api-version", "1"]
    pairs = dict(zip(argv[1::2], argv[2::2], strict=False))
    assert pairs["--log-path"] == "k8s-file:/var/log/pods/p/app/0.log"
    assert pairs["--exit-dir"] == "/s/exits"
    assert pairs["--container-pidfile"] == "/s/containers/c1/pid"
    assert argv[-6:] == [
        "--runtime-arg", "--root",
        "--runtime-arg", "/s/crun",
        "--runtime-arg", "--log=file:/s/containers/c1/crun.log",
    ]  # fmt: skip
    assert "--terminal" not in argv and "--stdin" not in argv


def test_conmon_argv_tty_and_stdin() -> None:
    call = ConmonCall(
        **{**{f: getattr(CALL, f) for f in CALL.__slots__}, "tty": True, "stdin": True}
    )
    assert conmon_argv(call)[-3:] == ["--terminal", "--stdin", "--leave-stdin-open"]


def test_hybrid_wrapper_hides_unified_mount() -> None:
    script = hybrid_wrapper("/usr/bin/crun")
    assert script.startswith("#!/bin/sh\n")
    assert "unshare --mount --propagation private" in script
    assert "umount /sys/fs/cgroup/unified" in script
    assert script.rstrip().endswith('/usr/bin/crun "$@"')


async def test_crun_calls_go_through_the_host_door() -> None:
    fake = FakeRunner()
    fake.answer(["crun", "--root", "/r", "kill", "gone"], Answer(returncode=1, stderr=b"no"))
    crun = Crun("crun", Path("/r"), fake)
    assert await crun.kill("c1", signal.SIGTERM) is True
    assert await crun.kill("gone", signal.SIGKILL) is False
    await crun.delete("c1")
    assert fake.argvs() == [
        ("crun", "--root", "/r", "kill", "c1", "15"),
        ("crun", "--root", "/r", "kill", "gone", "9"),
        ("crun", "--root", "/r", "delete", "--force", "c1"),
    ]


def test_runtime_satisfies_the_protocols(tmp_path: Path) -> None:
    runtime = ContainerRuntime(ContainerRuntimeConfig(root=tmp_path), runner=FakeRunner())
    as_runtime: Runtime = runtime
    as_streamer: Streamer = runtime
    assert as_runtime.info.name == "container" and as_streamer is runtime
