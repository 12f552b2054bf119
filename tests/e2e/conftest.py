"""End-to-end fixtures: one real `pacific up` process per test module, real kubectl."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pacific.testing.process import PacificProcess

KUBECTL = shutil.which("kubectl")


@pytest.fixture(scope="module")
def pacific(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PacificProcess]:
    # The control plane alone: these journeys are about the API, not about running pods.
    proc = PacificProcess(tmp_path_factory.mktemp("pacific"), args=("--no-agent",))
    proc.start()
    try:
        yield proc
    finally:
        if proc.proc is not None:
            code = proc.stop()
            assert code == 0, f"pacific up exited {code}:\n{proc.log()}"


class Kubectl:
    def __init__(self, kubeconfig: Path) -> None:
        self.env = {**os.environ, "KUBECONFIG": str(kubeconfig)}

    def run(
        self, *args: str, input: str | None = None, check: bool = True, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        if KUBECTL is None:
            pytest.skip("kubectl is not installed")
        res = subprocess.run(
            [KUBECTL, *args],
            input=input,
            capture_output=True,
            text=True,
            env=self.env,
            timeout=timeout,
        )
        if check and res.returncode != 0:
            raise AssertionError(
                f"kubectl {' '.join(args)} failed ({res.returncode}):\n{res.stdout}\n{res.stderr}"
            )
        return res

    def __call__(self, *args: str, input: str | None = None) -> str:
        return self.run(*args, input=input).stdout

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "-o", "json").stdout)

    def fails(self, *args: str, input: str | None = None) -> str:
        res = self.run(*args, input=input, check=False)
        assert res.returncode != 0, f"kubectl {' '.join(args)} unexpectedly worked:\n{res.stdout}"
        return res.stderr


@pytest.fixture(scope="module")
def kubectl(pacific: PacificProcess) -> Kubectl:
    return Kubectl(pacific.kubeconfig)
