"""pacific.host.run: real subprocesses and the fake runner."""

from __future__ import annotations

import sys

import pytest

from pacific.host import CommandFailed, CommandNotFound, CommandTimeout, run
from pacific.host.fake import Answer, FakeRunner


async def test_runs_and_captures_output() -> None:
    done = await run(
        [sys.executable, "-c", "import sys; print('out'); print('err', file=sys.stderr)"],
        timeout=10,
    )
    assert done.returncode == 0
    assert done.stdout == b"out\n"
    assert done.stderr == b"err\n"


async def test_passes_input() -> None:
    done = await run(["cat"], input=b"hello", timeout=10)
    assert done.stdout == b"hello"


async def test_nonzero_raises_with_stderr_when_checked() -> None:
    with pytest.raises(CommandFailed) as info:
        await run(["sh", "-c", "echo boom >&2; exit 3"], timeout=10)
    assert info.value.completed.returncode == 3
    assert "exit status 3: boom" in str(info.value)


async def test_nonzero_returned_when_unchecked() -> None:
    done = await run(["sh", "-c", "exit 4"], timeout=10, check=False)
    assert done.returncode == 4


async def test_timeout_kills() -> None:
    with pytest.raises(CommandTimeout) as info:
        await run(["sleep", "10"], timeout=0.2)
    assert info.value.timeout == 0.2


async def test_missing_program() -> None:
    with pytest.raises(CommandNotFound):
        await run(["/nonexistent/pacific-no-such-program"], timeout=5)


async def test_empty_argv_is_rejected() -> None:
    with pytest.raises(ValueError):
        await run([], timeout=5)


async def test_fake_records_and_answers_longest_prefix() -> None:
    fake = FakeRunner()
    fake.answer(["ip"], Answer(stdout=b"generic"))
    fake.answer(["ip", "link", "show"], Answer(stdout=b"specific"))
    done = await run(["ip", "link", "show", "eth0"], timeout=1, runner=fake)
    assert done.stdout == b"specific"
    other = await run(["ip", "addr"], timeout=1, runner=fake)
    assert other.stdout == b"generic"
    unmatched = await run(["true"], timeout=1, runner=fake, input=b"x")
    assert unmatched.returncode == 0
    assert fake.argvs() == [("ip", "link", "show", "eth0"), ("ip", "addr"), ("true",)]
    assert fake.calls[-1][1] == b"x"


async def test_fake_applies_check_and_hang() -> None:
    fake = FakeRunner()
    fake.answer(["false"], Answer(returncode=1, stderr=b"no"))
    fake.answer(["hang"], Answer(hang=True))
    with pytest.raises(CommandFailed):
        await run(["false"], timeout=1, runner=fake)
    assert (await run(["false"], timeout=1, runner=fake, check=False)).returncode == 1
    with pytest.raises(CommandTimeout):
        await run(["hang"], timeout=1, runner=fake)
