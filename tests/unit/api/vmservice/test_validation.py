"""VM Service defaults, webhook rules and imageName resolution, as pure functions."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from pacific.api.errors import Invalid
from pacific.api.kinds import by_kind
from pacific.api.validation import validate_create, validate_update
from pacific.api.vmservice.defaults import apply_vm_defaults, mutate_vm_create, mutate_vm_update
from pacific.api.vmservice.images import ImageNameError, check_image_name, resolve_image_name
from pacific.api.vmservice.validation import is_rsa_public_key
from pacific.api.vmservice.validation_vm import vm_create_only_causes

G, V = "vmoperator.vmware.com", "v1alpha3"


def rt(kind: str):  # type: ignore[no-untyped-def]
    found = by_kind(G, V, kind)
    assert found is not None
    return found


def vm(**spec: object) -> dict:
    base: dict = {
        "className": "best-effort-small",
        "imageName": "ubuntu",
        "powerState": "PoweredOn",
    }
    base.update(spec)
    return {"metadata": {"name": "web-01", "namespace": "demo"}, "spec": base}


def messages(obj: dict, old: dict | None = None, kind: str = "VirtualMachine") -> str:
    try:
        if old is None:
            validate_create(rt(kind), obj)
        else:
            validate_update(rt(kind), obj, old)
    except Invalid as exc:
        return str(exc)
    return ""


def test_valid_vm_passes() -> None:
    assert messages(vm()) == ""


def test_class_name_required() -> None:
    obj = vm()
    del obj["spec"]["className"]
    assert "spec.className: Required value" in messages(obj)


def test_image_required_and_kind_supported() -> None:
    obj = vm()
    del obj["spec"]["imageName"]
    assert "spec.image: Required value" in messages(obj)
    obj["spec"]["image"] = {"kind": "Foo", "name": "vmi-1"}
    assert 'spec.image.kind: Invalid value: "Foo"' in messages(obj)


def test_enum_and_required_from_schema() -> None:
    assert 'spec.powerState: Unsupported value: "Off"' in messages(vm(powerState="Off"))
    obj = vm(network={"interfaces": [{}]})
    assert "spec.network.interfaces[0].name: Required value" in messages(obj)


def test_create_power_and_restart_rules() -> None:
    suspended = vm_create_only_causes(vm(powerState="Suspended"))
    assert "cannot set a new VM's power state to Suspended" in suspended[0].message
    assert (
        "cannot restart VM on create" in vm_create_only_causes(vm(nextRestartTime="now"))[0].message
    )
    assert vm_create_only_causes(vm()) == []


def test_bootstrap_rules() -> None:
    both = {"cloudInit": {"cloudConfig": {}, "rawCloudConfig": {"name": "s", "key": "k"}}}
    assert "cloudConfig and rawCloudConfig are mutually exclusive" in messages(vm(bootstrap=both))
    mixed = {"cloudInit": {}, "linuxPrep": {}}
    text = messages(vm(bootstrap=mixed))
    assert "CloudInit may not be used with any other bootstrap provider" in text
    assert "LinuxPrep may not be used with either CloudInit or Sysprep" in text


def test_volume_and_probe_rules() -> None:
    vols = [
        {"name": "data", "persistentVolumeClaim": {"claimName": "a"}},
        {"name": "data", "persistentVolumeClaim": {"claimName": "b", "readOnly": True}},
    ]
    text = messages(vm(volumes=vols))
    assert 'spec.volumes[1].name: Duplicate value: "data"' in text
    assert "spec.volumes[1].persistentVolumeClaim.readOnly: Unsupported value: true" in text
    probe = {"guestHeartbeat": {}, "guestInfo": [{"key": "ready"}]}
    assert "only one action can be specified" in messages(vm(readinessProbe=probe))


def test_network_rules() -> None:
    iface = {"name": "eth0", "gateway4": "10.0.0.1", "dhcp4": True}
    text = messages(vm(network={"interfaces": [iface]}))
    assert "gateway4 must have an IPv4 address in the addresses field" in text
    assert "gateway4 is mutually exclusive with dhcp4" in text
    assert "should match '^[a-z0-9]{2,}$'" in messages(vm(network={"interfaces": [{"name": "E"}]}))


def test_update_rules() -> None:
    old = vm(powerState="PoweredOff", storageClass="a")
    new = copy.deepcopy(old)
    new["spec"]["powerState"] = "Suspended"
    new["spec"]["storageClass"] = "b"
    text = messages(new, old)
    assert "cannot suspend a VM that is powered off" in text
    assert 'spec.storageClass: Invalid value: "b": field is immutable' in text
    on = vm(guestID="a")
    changed = vm(guestID="b")
    assert "spec.guestID: Forbidden: updates to this field is not allowed when VM power is on" in (
        messages(changed, on)
    )
    empty = vm()
    del empty["spec"]["powerState"]
    assert "cannot set power state to empty string" in messages(empty, vm())


def test_defaults_and_create_mutation() -> None:
    obj = vm(bootstrap={"cloudInit": {"cloudConfig": {"write_files": [{"path": "/x"}]}}})
    del obj["spec"]["powerState"]
    apply_vm_defaults(obj)
    ids = iter(["i-1", "b-1"])
    mutate_vm_create(obj, lambda: next(ids))
    spec = obj["spec"]
    assert spec["powerState"] == "PoweredOn" and spec["restartMode"] == "TrySoft"
    assert (spec["instanceUUID"], spec["biosUUID"]) == ("i-1", "b-1")
    assert spec["bootstrap"]["cloudInit"]["instanceID"] == "b-1"
    assert spec["bootstrap"]["cloudInit"]["cloudConfig"]["write_files"][0] == {
        "path": "/x",
        "encoding": "text/plain",
        "owner": "root:root",
        "permissions": "0644",
    }
    assert spec["network"]["interfaces"] == [
        {
            "name": "eth0",
            "network": {
                "kind": "Network",
                "apiVersion": "netoperator.vmware.com/v1alpha1",
                "name": "",
            },
        }
    ]


def test_no_default_nic_annotation() -> None:
    obj = vm()
    obj["metadata"]["annotations"] = {"vmoperator.vmware.com/no-default-nic": ""}
    mutate_vm_create(obj)
    assert "network" not in obj["spec"]


def test_restart_now() -> None:
    now = datetime(2025, 1, 2, 3, 4, 5, 123000, tzinfo=UTC)
    new = vm(nextRestartTime="NOW")
    assert mutate_vm_update(new, vm(), now) == []
    assert new["spec"]["nextRestartTime"] == "2025-01-02T03:04:05.123Z"
    assert messages(new, vm()) == ""
    off = vm(powerState="PoweredOff")
    causes = mutate_vm_update(vm(nextRestartTime="now", powerState="PoweredOff"), off, now)
    assert causes and "can only restart powered on vm" in causes[0].message
    assert "mutation webhooks are required to restart VM" in messages(
        vm(nextRestartTime="now"), vm()
    )


def image(name: str, display: str) -> dict:
    return {"metadata": {"name": name}, "status": {"name": display}}


def test_image_name_resolution() -> None:
    local = [image("vmi-1", "ubuntu"), image("vmi-2", "debian")]
    cluster = [image("vmi-3", "debian"), image("vmi-4", "alma")]
    assert resolve_image_name("vmi-3", local, cluster) == ("ClusterVirtualMachineImage", "vmi-3")
    assert resolve_image_name("ubuntu", local, cluster) == ("VirtualMachineImage", "vmi-1")
    assert resolve_image_name("alma", local, cluster) == ("ClusterVirtualMachineImage", "vmi-4")
    with pytest.raises(ImageNameError, match="in namespace and cluster scope"):
        resolve_image_name("debian", local, cluster)
    with pytest.raises(ImageNameError, match='no VM image exists for "vmi-9"'):
        resolve_image_name("vmi-9", local, cluster)
    obj = vm()
    assert check_image_name(obj, local, cluster) == []
    assert obj["spec"]["image"] == {"kind": "VirtualMachineImage", "name": "vmi-1"}
    wrong = vm(image={"kind": "VirtualMachineImage", "name": "vmi-2"})
    assert "must refer to the same resource as spec.image" in (
        check_image_name(wrong, local, cluster)[0].message
    )


def test_webconsole_public_key_must_be_pkcs1_rsa() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    pkcs1 = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    spki = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    import base64

    good = (
        "-----BEGIN PUBLIC KEY-----\n"
        + base64.b64encode(pkcs1).decode()
        + "\n-----END PUBLIC KEY-----\n"
    )
    assert is_rsa_public_key(good)
    assert not is_rsa_public_key(spki.decode())
    assert not is_rsa_public_key("not a key")
    req = {
        "metadata": {"name": "r", "namespace": "demo"},
        "spec": {"name": "web-01", "publicKey": "x"},
    }
    assert "invalid public key format" in messages(req, kind="VirtualMachineWebConsoleRequest")


def test_service_rules() -> None:
    svc = {
        "metadata": {"name": "lb", "namespace": "demo"},
        "spec": {"type": "LoadBalancer", "clusterIp": "None", "ports": []},
    }
    text = messages(svc, kind="VirtualMachineService")
    assert "may not be set to 'None' for LoadBalancer services" in text
    svc["spec"] = {"type": "ClusterIP"}
    assert "spec.ports: Required value" in messages(svc, kind="VirtualMachineService")
    svc["spec"] = {"ports": []}
    assert "spec.type: Required value" in messages(svc, kind="VirtualMachineService")
