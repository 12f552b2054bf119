"""The VM Service API (vmoperator.vmware.com/v1alpha3) through real kubectl.

A realistic vSphere manifest applies unchanged (imageName resolved by display name, the
webhook's defaults filled in, status left empty); `kubectl get` shows the CRD columns;
`kubectl explain` reads the schema descriptions; invalid manifests are refused with
vm-operator's messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from pacific.api.vmservice.kinds import VIRTUAL_MACHINE_CLASS
from pacific.client import Client
from pacific.controllers import ControllersConfig, run_controllers

apiserver = pytest.importorskip("pacific.testing.apiserver")
KUBECTL = shutil.which("kubectl")
pytestmark = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")

SETUP = """
apiVersion: v1
kind: Namespace
metadata: {name: demo}
---
apiVersion: vmoperator.vmware.com/v1alpha3
kind: VirtualMachineClass
metadata: {name: best-effort-small, namespace: demo}
spec:
  hardware: {cpus: 2, memory: 4Gi}
---
apiVersion: vmoperator.vmware.com/v1alpha3
kind: VirtualMachineImage
metadata: {name: vmi-0123456789abcdef0, namespace: demo}
spec:
  providerRef: {apiVersion: imageregistry.vmware.com/v1alpha1, kind: ContentLibraryItem,
                name: clitem-1}
---
apiVersion: vmoperator.vmware.com/v1alpha3
kind: ClusterVirtualMachineImage
metadata: {name: vmi-0a0044d7c690bcbea}
"""

VM = """
apiVersion: vmoperator.vmware.com/v1alpha3
kind: VirtualMachine
metadata:
  name: web-01
  namespace: demo
  labels:
    app.kubernetes.io/name: web
spec:
  className: best-effort-small
  imageName: ubuntu-24.04-server-cloudimg-amd64
  storageClass: vsan-default-storage-policy
  powerState: PoweredOn
  network:
    hostName: web-01
    interfaces:
    - name: eth0
  bootstrap:
    cloudInit:
      cloudConfig:
        timezone: Etc/UTC
        ssh_pwauth: false
        users:
        - name: ops
          primary_group: ops
          groups: [sudo, adm]
          shell: /bin/bash
          sudo: "ALL=(ALL) NOPASSWD:ALL"
          lock_passwd: false
          hashed_passwd:
            name: web-01-bootstrap
            key: ops-passwd-hash
          ssh_authorized_keys:
          - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHt3c2VydmVyLWV4YW1wbGUta2V5 ops@example.com
        write_files:
        - path: /etc/motd
          content: |
            web-01 is managed by vSphere VM Service.
        - path: /opt/app/app.env
          owner: root:root
          permissions: "0640"
          content:
            name: web-01-bootstrap
            key: app-env
        runcmd:
        - [sh, -c, "apt-get update && apt-get install -y nginx"]
        - systemctl enable --now nginx
  readinessProbe:
    guestHeartbeat:
      thresholdStatus: green
"""


class Kubectl:
    def __init__(self, kubeconfig: Path, tmp: Path) -> None:
        self.kubeconfig = kubeconfig
        self.tmp = tmp

    async def __call__(self, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
        proc = await asyncio.create_subprocess_exec(
            str(KUBECTL),
            f"--kubeconfig={self.kubeconfig}",
            *args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await proc.communicate(stdin.encode() if stdin is not None else None)
        return proc.returncode or 0, out.decode(), err.decode()

    async def ok(self, *args: str, stdin: str | None = None) -> str:
        code, out, err = await self(*args, stdin=stdin)
        assert code == 0, f"kubectl {' '.join(args)}: {err}"
        return out


@pytest.fixture
async def kubectl(tmp_path: Path) -> AsyncIterator[Kubectl]:
    async with apiserver.running_apiserver(None, tmp_path) as srv:
        k = Kubectl(srv.kubeconfig_path, tmp_path)
        await k.ok("apply", "-f", "-", stdin=SETUP)
        await k.ok(
            "patch", "vmi", "vmi-0123456789abcdef0", "-n", "demo", "--subresource=status",
            "--type=merge", "-p",
            json.dumps({"status": {"name": "ubuntu-24.04-server-cloudimg-amd64", "type": "OVF",
                                   "osInfo": {"type": "ubuntu64Guest", "version": "24.04"},
                                   "productInfo": {"version": "24.04"},
                                   "hardwareVersion": 19}}),
        )  # fmt: skip
        yield k


async def test_realistic_manifest_applies_unchanged(kubectl: Kubectl) -> None:
    await kubectl.ok("apply", "-f", "-", stdin=VM)
    vm = json.loads(await kubectl.ok("get", "vm", "web-01", "-n", "demo", "-o", "json"))
    spec = vm["spec"]
    assert spec["image"] == {"kind": "VirtualMachineImage", "name": "vmi-0123456789abcdef0"}
    assert spec["imageName"] == "ubuntu-24.04-server-cloudimg-amd64"
    assert spec["powerOffMode"] == spec["suspendMode"] == spec["restartMode"] == "TrySoft"
    assert spec["bootstrap"]["cloudInit"]["instanceID"] == spec["biosUUID"]
    assert spec["network"]["interfaces"][0]["network"]["kind"] == "Network"
    files = spec["bootstrap"]["cloudInit"]["cloudConfig"]["write_files"]
    assert files[0]["permissions"] == "0644" and files[1]["permissions"] == "0640"
    assert "status" not in vm or not vm["status"]
    # Applying the same manifest again changes nothing and is accepted.
    await kubectl.ok("apply", "-f", "-", stdin=VM)


async def test_get_shows_crd_columns(kubectl: Kubectl) -> None:
    await kubectl.ok("apply", "-f", "-", stdin=VM)
    out = await kubectl.ok("get", "vm,vmclass,vmi,cvmi", "-n", "demo")
    assert "POWER-STATE" in out and "web-01" in out
    assert "CPU" in out and "MEMORY" in out and "best-effort-small" in out and "4Gi" in out
    assert "DISPLAY NAME" in out and "ubuntu-24.04-server-cloudimg-amd64" in out
    assert "vmi-0a0044d7c690bcbea" in out
    wide = await kubectl.ok("get", "vm", "-n", "demo", "-o", "wide")
    assert "CLASS" in wide and "best-effort-small" in wide and "vmi-0123456789abcdef0" in wide


async def test_explain_bootstrap(kubectl: Kubectl) -> None:
    out = await kubectl.ok("explain", "vm.spec.bootstrap")
    assert "cloudInit" in out and "linuxPrep" in out and "sysprep" in out
    out = await kubectl.ok("explain", "virtualmachine.spec.bootstrap.cloudInit.cloudConfig")
    assert "write_files" in out and "runcmd" in out


async def test_invalid_manifests_get_webhook_messages(kubectl: Kubectl) -> None:
    no_class = VM.replace("  className: best-effort-small\n", "")
    code, _, err = await kubectl("apply", "-f", "-", stdin=no_class)
    assert code != 0 and "spec.className: Required value" in err
    missing = VM.replace("imageName: ubuntu-24.04-server-cloudimg-amd64", "imageName: debian-12")
    code, _, err = await kubectl("apply", "-f", "-", stdin=missing)
    assert code != 0
    assert 'no VM image exists for \\"debian-12\\" in namespace or cluster scope' in err or (
        'no VM image exists for "debian-12"' in err
    )
    both = VM.replace("        timezone: Etc/UTC\n", "        timezone: Etc/UTC\n").replace(
        "    cloudInit:\n", "    cloudInit:\n      rawCloudConfig: {name: s, key: user-data}\n"
    )
    code, _, err = await kubectl("apply", "-f", "-", stdin=both)
    assert code != 0 and "cloudConfig and rawCloudConfig are mutually exclusive" in err
    suspended = VM.replace("powerState: PoweredOn", "powerState: Suspended")
    code, _, err = await kubectl("apply", "-f", "-", stdin=suspended)
    assert code != 0 and "cannot set a new VM's power state to Suspended" in err


async def test_power_off_then_suspend_is_refused(kubectl: Kubectl) -> None:
    await kubectl.ok("apply", "-f", "-", stdin=VM)
    await kubectl.ok(
        "patch", "vm", "web-01", "-n", "demo", "--type=merge", "-p",
        '{"spec":{"powerState":"PoweredOff"}}',
    )  # fmt: skip
    code, _, err = await kubectl(
        "patch", "vm", "web-01", "-n", "demo", "--type=merge", "-p",
        '{"spec":{"powerState":"Suspended"}}',
    )  # fmt: skip
    assert code != 0 and "cannot suspend a VM that is powered off" in err


async def test_default_classes_in_every_namespace(tmp_path: Path) -> None:
    async with (
        apiserver.running_apiserver(None, tmp_path) as srv,
        Client.from_kubeconfig(srv.kubeconfig_path) as client,
    ):
        k = Kubectl(srv.kubeconfig_path, tmp_path)
        task = asyncio.create_task(run_controllers(client, ControllersConfig(root_ca_pem="x")))
        try:
            await k.ok("create", "namespace", "demo")

            async def names() -> set[str]:
                items = (await client.list_all(VIRTUAL_MACHINE_CLASS, "demo")).items
                return {i["metadata"]["name"] for i in items}

            for _ in range(100):
                if len(await names()) == 12:
                    break
                await asyncio.sleep(0.1)
            assert "best-effort-small" in await names() and len(await names()) == 12
            await k.ok("delete", "vmclass", "guaranteed-large", "-n", "demo")
            for _ in range(100):
                if "guaranteed-large" in await names():
                    break
                await asyncio.sleep(0.1)
            assert "guaranteed-large" in await names()
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
