"""Run a real `pacific up` process for end-to-end tests and benchmarks.

`PacificProcess` starts the installed `pacific` command with a throwaway data directory on a
free port, waits for `/readyz`, and hands out what a user would have: the kubeconfig, the
admin token, the CA. It can be stopped gently (SIGINT, like Ctrl-C) or killed (SIGKILL) and
started again on the same data directory, which is how crash-recovery is tested.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import yaml


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pacific_command() -> list[str]:
    exe = Path(sys.executable).with_name("pacific")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("pacific")
    if found:
        return [found]
    return [sys.executable, "-m", "pacific.cli.main"]


@dataclass
class PacificProcess:
    data_dir: Path
    port: int = field(default_factory=free_port)
    args: tuple[str, ...] = ()
    command: str = "up"  # or "server": the API server and controllers only
    log_path: Path | None = None
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def kubeconfig(self) -> Path:
        return self.data_dir / "kubeconfig"

    @property
    def ca_path(self) -> Path:
        return self.data_dir / "pki" / "ca.crt"

    @property
    def token(self) -> str:
        doc = yaml.safe_load(self.kubeconfig.read_text())
        return str(doc["users"][0]["user"]["token"])

    def start(self, timeout: float = 60.0) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_path or self.data_dir / "pacific.log"
        log = open(log_path, "ab")  # noqa: SIM115 - handed to the child
        cmd = [
            *pacific_command(),
            self.command,
            "--data-dir",
            str(self.data_dir),
            "--port",
            str(self.port),
            *self.args,
        ]
        self.proc = subprocess.Popen(
            cmd, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"}
        )
        log.close()
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"pacific up exited with {self.proc.returncode}:\n{self.log()}")
            if self.ca_path.exists():
                try:
                    ctx = ssl.create_default_context(cafile=str(self.ca_path))
                    with urllib.request.urlopen(
                        f"{self.url}/readyz", context=ctx, timeout=2
                    ) as resp:
                        if resp.status == 200:
                            return
                except Exception as exc:
                    last = exc
            time.sleep(0.05)
        raise TimeoutError(f"pacific up not ready after {timeout}s ({last}):\n{self.log()}")

    def log(self) -> str:
        path = self.log_path or self.data_dir / "pacific.log"
        return path.read_text(errors="replace")[-20000:] if path.exists() else ""

    def stop(self, timeout: float = 30.0) -> int:
        """Ctrl-C, then wait; returns the exit code."""
        if self.proc is None:
            return 0
        self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise
        finally:
            self.proc = None

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
