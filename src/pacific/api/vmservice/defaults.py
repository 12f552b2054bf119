"""Defaults of the VM Service kinds: the CRD schema's and the mutating webhook's.

    apply_vm_defaults(vm)                    CRD defaults; every write, idempotent
    mutate_vm_create(vm, new_uuid)           webhook defaults of a new VM
    mutate_vm_update(vm, old, now) -> causes webhook mutation of an update (restart)
    mutate_class_update(cls, old)            a class's controllerName never goes back to ""

CRD defaults (what kube-apiserver fills from `default:` in the schema): the power modes
TrySoft, a guest heartbeat threshold of green, CD-ROMs connected and guest-controllable,
the default key provider, cloud-config files as text/plain root:root 0644, and the default
key names of sysprep's Secret selectors. They only add what is absent.

The mutating webhook on create: powerState PoweredOn; fresh instance and BIOS UUIDs (v4);
Cloud-Init's instanceID = biosUUID; CD-ROM images of kind VirtualMachineImage and
imageName from the first connected CD-ROM; and, unless the VM's network is disabled or it
carries `vmoperator.vmware.com/no-default-nic`, an interface `eth0` on the namespace's
default network. Pacific's namespace network is a plain named network, so interfaces
without a network kind get vSphere's named-network provider values (kind `Network`,
apiVersion `netoperator.vmware.com/v1alpha1`, as VDS networking does).

On update the webhook turns `nextRestartTime: now` into the request's time (RFC 3339 with
nanoseconds, UTC); an empty value keeps the previous one. Interfaces without a network kind
get the provider's values again (a client-side `kubectl apply` replaces the whole list).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from pacific.api.errors import Cause
from pacific.api.validation.field import invalid

TRY_SOFT = "TrySoft"
POWERED_ON = "PoweredOn"
NO_DEFAULT_NIC = "vmoperator.vmware.com/no-default-nic"
NETWORK_KIND = "Network"
NETWORK_API_VERSION = "netoperator.vmware.com/v1alpha1"
DEFAULT_INTERFACE = "eth0"
RESTART_NOT_ON = "can only restart powered on vm"

Obj = dict[str, Any]


def _dict(parent: Mapping[str, Any], key: str) -> Obj | None:
    value = parent.get(key)
    return value if isinstance(value, dict) else None


def _dicts(parent: Mapping[str, Any], key: str) -> list[Obj]:
    value = parent.get(key)
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _selector_key(parent: Obj | None, field: str, key: str) -> None:
    selector = _dict(parent, field) if parent is not None else None
    if selector is not None:
        selector.setdefault("key", key)


def _default_bootstrap(bootstrap: Obj) -> None:
    cloud_config = _dict(_dict(bootstrap, "cloudInit") or {}, "cloudConfig")
    for wf in _dicts(cloud_config or {}, "write_files"):
        wf.setdefault("encoding", "text/plain")
        wf.setdefault("owner", "root:root")
        wf.setdefault("permissions", "0644")
    sysprep = _dict(_dict(bootstrap, "sysprep") or {}, "sysprep")
    if sysprep is None:
        return
    _selector_key(_dict(sysprep, "userData"), "productID", "product_id")
    gui = _dict(sysprep, "guiUnattended")
    if gui is not None:
        gui.setdefault("timeZone", 85)
        _selector_key(gui, "password", "password")
    _selector_key(_dict(sysprep, "identification"), "domainAdminPassword", "domain_admin_password")


def apply_vm_defaults(vm: Obj) -> None:
    """Fill a VirtualMachine's CRD schema defaults in place."""
    spec = _dict(vm, "spec")
    if spec is None:
        return
    for mode in ("powerOffMode", "suspendMode", "restartMode"):
        spec.setdefault(mode, TRY_SOFT)
    heartbeat = _dict(_dict(spec, "readinessProbe") or {}, "guestHeartbeat")
    if heartbeat is not None:
        heartbeat.setdefault("thresholdStatus", "green")
    for cdrom in _dicts(spec, "cdrom"):
        cdrom.setdefault("connected", True)
        cdrom.setdefault("allowGuestControl", True)
    crypto = _dict(spec, "crypto")
    if crypto is not None:
        crypto.setdefault("useDefaultKeyProvider", True)
    bootstrap = _dict(spec, "bootstrap")
    if bootstrap is not None:
        _default_bootstrap(bootstrap)


def _new_uuid() -> str:
    return str(uuid.uuid4())


def _default_network(vm: Obj, spec: Obj) -> None:
    network = spec.get("network")
    if isinstance(network, dict) and network.get("disabled"):
        return
    annotations = (vm.get("metadata") or {}).get("annotations") or {}
    interfaces = _dicts(network, "interfaces") if isinstance(network, dict) else []
    if not interfaces and NO_DEFAULT_NIC in annotations:
        return
    if not interfaces:
        network = spec.setdefault("network", {}) if network is None else network
        if not isinstance(network, dict):
            return
        network["interfaces"] = interfaces = [{"name": DEFAULT_INTERFACE}]
    _default_interface_networks(interfaces)


def _default_interface_networks(interfaces: list[Obj]) -> None:
    for iface in interfaces:
        ref = iface.setdefault("network", {})
        if isinstance(ref, dict):
            ref.setdefault("kind", NETWORK_KIND)
            ref.setdefault("apiVersion", NETWORK_API_VERSION)
            ref.setdefault("name", "")  # the namespace's default network


def _image_name_from_cdrom(spec: Obj) -> None:
    cdroms = _dicts(spec, "cdrom")
    if spec.get("imageName") or not cdroms:
        return
    connected = [c for c in cdroms if c.get("connected") is True]
    image = (connected or cdroms)[0].get("image") or {}
    if image.get("name"):
        spec["imageName"] = image["name"]


def mutate_vm_create(vm: Obj, new_uuid: Callable[[], str] = _new_uuid) -> None:
    """The mutating webhook's defaults for a new VirtualMachine, in place."""
    spec = _dict(vm, "spec")
    if spec is None:
        spec = vm["spec"] = {}
    if not spec.get("powerState"):
        spec["powerState"] = POWERED_ON
    if not spec.get("instanceUUID"):
        spec["instanceUUID"] = new_uuid()
    if not spec.get("biosUUID"):
        spec["biosUUID"] = new_uuid()
    cloud_init = _dict(_dict(spec, "bootstrap") or {}, "cloudInit")
    if cloud_init is not None and not cloud_init.get("instanceID"):
        cloud_init["instanceID"] = spec["biosUUID"]
    for cdrom in _dicts(spec, "cdrom"):
        image = _dict(cdrom, "image")
        if image is not None and not image.get("kind"):
            image["kind"] = "VirtualMachineImage"
    _image_name_from_cdrom(spec)
    _default_network(vm, spec)


def rfc3339_nano(now: datetime) -> str:
    """Go's time.RFC3339Nano of `now` in UTC (trailing zeros of the fraction dropped)."""
    utc = now.astimezone(UTC)
    nanos = f"{utc.microsecond * 1000:09d}".rstrip("0")
    fraction = f".{nanos}" if nanos else ""
    return utc.strftime("%Y-%m-%dT%H:%M:%S") + fraction + "Z"


def mutate_vm_update(vm: Obj, old: Mapping[str, Any], now: datetime) -> list[Cause]:
    """The mutating webhook on a VirtualMachine update, in place; field errors it raises."""
    spec = _dict(vm, "spec")
    old_spec = old.get("spec") or {}
    if spec is None:
        return []
    restart = spec.get("nextRestartTime") or ""
    if not restart:
        if old_spec.get("nextRestartTime"):
            spec["nextRestartTime"] = old_spec["nextRestartTime"]
        else:
            spec.pop("nextRestartTime", None)
    elif isinstance(restart, str) and restart.lower() == "now":
        if old_spec.get("powerState") != POWERED_ON:
            return [invalid("spec.nextRestartTime", restart, RESTART_NOT_ON)]
        spec["nextRestartTime"] = rfc3339_nano(now)
    network = _dict(spec, "network")
    if network is not None:
        _default_interface_networks(_dicts(network, "interfaces"))
    old_kinds = {
        (c.get("image") or {}).get("name"): (c.get("image") or {}).get("kind")
        for c in _dicts(old_spec, "cdrom")
    }
    for cdrom in _dicts(spec, "cdrom"):
        image = _dict(cdrom, "image")
        if (
            image is not None
            and not image.get("kind")
            and old_kinds.get(image.get("name")) == "VirtualMachineImage"
        ):
            image["kind"] = "VirtualMachineImage"
    return []


def mutate_class_update(cls: Obj, old: Mapping[str, Any]) -> None:
    """Once set, a class's controllerName is kept when an update empties it."""
    spec = _dict(cls, "spec")
    previous = (old.get("spec") or {}).get("controllerName")
    if spec is not None and previous and not spec.get("controllerName"):
        spec["controllerName"] = previous
