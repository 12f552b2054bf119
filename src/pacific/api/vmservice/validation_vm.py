"""The validating webhook's rules for VirtualMachine, worded as vm-operator words them.

    vm_create_causes(vm)        rules of every write (the API server runs them on updates too)
    vm_create_only_causes(vm)   rules of a create only (run by the apiserver's VM admission)
    vm_update_causes(vm, old)   rules comparing an update with the old object

Every rule is a pure function returning `Cause`s with kube field paths, so the API server
reports all of them at once as one 422 Invalid. The rules follow the v1alpha3-era webhook:
className required; an image (or imageName) required and of a supported kind; Suspended
refused on create and restarts refused on create; bootstrap providers combined only as
allowed, cloudConfig and rawCloudConfig exclusive; network addresses, gateways, DHCP,
routes and DNS settings consistent with each other and the bootstrap provider; volume
names unique and usable; one readiness probe action; the boot disk a whole number of MiB.
Updates add immutability (image, imageName, className, storageClass, UUIDs, interfaces),
the power-state rules (compared with the old *desired* state) and hardware version rules.
Rules that need other objects (the storage class's quota, PVC binding modes, the network
provider of the namespace) are not enforced; imageName resolution is in `images`.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pacific.api.errors import Cause
from pacific.api.validation.field import (
    duplicate,
    forbidden,
    immutable,
    invalid,
    not_supported,
    required,
    too_many,
)
from pacific.api.validation.names import dns1123_label_errors, dns1123_subdomain_errors
from pacific.api.validation.quantity import QuantityError, parse_quantity
from pacific.api.vmservice.images import CVMI, VMI
from pacific.api.vmservice.validation_bootstrap import bootstrap_causes, network_dns_causes

MAX_HARDWARE_VERSION = 21
MIN_HARDWARE_VERSION = 13
MAX_INTERFACES = 10
NAME_PATTERN = re.compile(r"^[a-z0-9]{2,}$")
MAC_PATTERN = re.compile(r"^([0-9A-Fa-f]{2}:){5}([0-9A-Fa-f]{2})$")
MIB = 1024 * 1024

INVALID_IMAGE_KIND = f"supported: {VMI}; {CVMI}"
ONE_PROBE_ACTION = "only one action can be specified"
NOT_WHEN_ON = "updates to this field is not allowed when VM power is on"
ADD_CDROM_WHEN_ON = "adding new CD-ROMs is not allowed when VM is powered on"
REMOVE_CDROM_WHEN_ON = "removing CD-ROMs is not allowed when VM is powered on"
RESTART_ON_CREATE = "cannot restart VM on create"
RESTART_NEEDS_MUTATION = "mutation webhooks are required to restart VM"
NOT_RFC3339_NANO = "must be formatted as RFC3339Nano"
EMPTY_POWER_STATE = "cannot set power state to empty string"
NOT_MB_MULTIPLE = "value must be a multiple of MB"
DOWNGRADE = "cannot downgrade hardware version"
UPGRADE_ON = "cannot upgrade hardware version unless powered off"
INTERFACES_CHANGED = "network interfaces cannot be added or removed"

Obj = Mapping[str, Any]


def _spec(vm: Obj) -> Obj:
    spec = vm.get("spec")
    return spec if isinstance(spec, Mapping) else {}


def _list(parent: Obj, key: str) -> list[Obj]:
    value = parent.get(key)
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _pattern(path: str, value: str) -> list[Cause]:
    if NAME_PATTERN.match(value):
        return []
    return [invalid(path, value, f"{path} in body should match '^[a-z0-9]{{2,}}$'")]


def _image(spec: Obj) -> list[Cause]:
    image = spec.get("image")
    if not isinstance(image, Mapping) or not image:
        if spec.get("imageName"):
            return []  # spec.image is resolved from imageName at admission
        return [required("spec.image")]
    kind = image.get("kind") or ""
    if not kind:
        return [required("spec.image.kind", INVALID_IMAGE_KIND)]
    if kind not in (VMI, CVMI):
        return [invalid("spec.image.kind", kind, INVALID_IMAGE_KIND)]
    return []


def _ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _interface(vm_name: str, path: str, iface: Obj) -> list[Cause]:
    out: list[Cause] = []
    name = str(iface.get("name") or "")
    if name:
        out += _pattern(f"{path}.name", name)
    network = iface.get("network") if isinstance(iface.get("network"), Mapping) else {}
    net_name = str((network or {}).get("name") or "")
    derived = f"{vm_name}-{net_name}-{name}" if net_name else f"{vm_name}-{name}"
    for msg in dns1123_subdomain_errors(derived):
        out.append(
            invalid(f"{path}.name", derived, "is the resulting network interface name: " + msg)
        )
    v4: list[str] = []
    v6: list[str] = []
    for i, cidr in enumerate(iface.get("addresses") or []):
        try:
            parsed = ipaddress.ip_interface(str(cidr))
        except ValueError:
            out.append(invalid(f"{path}.addresses[{i}]", cidr, f"invalid CIDR address: {cidr}"))
            continue
        (v4 if parsed.version == 4 else v6).append(str(cidr))
    for family, addrs in ((4, v4), (6, v6)):
        gw = str(iface.get(f"gateway{family}") or "")
        gw_path = f"{path}.gateway{family}"
        if gw and gw != "None":
            if not addrs:
                out.append(
                    invalid(
                        gw_path,
                        gw,
                        f"gateway{family} must have an IPv{family} address in the addresses field",
                    )
                )
            ip = _ip(gw)
            if ip is None or ip.version != family:
                out.append(invalid(gw_path, gw, f"must be a valid IPv{family} address"))
        if iface.get(f"dhcp{family}") is True:
            if addrs:
                out.append(
                    invalid(
                        f"{path}.dhcp{family}",
                        ",".join(addrs),
                        f"dhcp{family} cannot be used with IPv{family} addresses in addresses "
                        "field",
                    )
                )
            if gw:
                out.append(
                    invalid(gw_path, gw, f"gateway{family} is mutually exclusive with dhcp{family}")
                )
    for i, ns in enumerate(iface.get("nameservers") or []):
        if _ip(str(ns)) is None:
            out.append(invalid(f"{path}.nameservers[{i}]", ns, "must be an IPv4 or IPv6 address"))
    out += _routes(f"{path}.routes", _list(iface, "routes"))
    mac = str(iface.get("macAddr") or "")
    if mac and not MAC_PATTERN.match(mac):
        detail = f"{path}.macAddr in body should match '{MAC_PATTERN.pattern}'"
        out.append(invalid(f"{path}.macAddr", mac, detail))
    return out


def _routes(path: str, routes: list[Obj]) -> list[Cause]:
    out: list[Cause] = []
    for i, route in enumerate(routes):
        to, via = str(route.get("to") or ""), str(route.get("via") or "")
        to_net = None
        if to != "default":
            try:
                to_net = ipaddress.ip_network(to, strict=False)
            except ValueError:
                out.append(invalid(f"{path}[{i}].to", to, f"invalid CIDR address: {to}"))
        via_ip = _ip(via)
        if via_ip is None:
            out.append(invalid(f"{path}[{i}].via", via, "must be an IPv4 or IPv6 address"))
        elif to_net is not None and to_net.version != via_ip.version:
            out.append(invalid(f"{path}[{i}]", "", "cannot mix IP address families"))
    return out


def _network(vm: Obj, spec: Obj) -> list[Cause]:
    network = spec.get("network")
    if not isinstance(network, Mapping):
        return []
    out = network_dns_causes(spec)
    for i, ns in enumerate(network.get("nameservers") or []):
        if _ip(str(ns)) is None:
            out.append(
                invalid(f"spec.network.nameservers[{i}]", ns, "must be an IPv4 or IPv6 address")
            )
    interfaces = _list(network, "interfaces")
    if len(interfaces) > MAX_INTERFACES:
        out.append(too_many("spec.network.interfaces", len(interfaces), MAX_INTERFACES))
    vm_name = str((vm.get("metadata") or {}).get("name") or "")
    for i, iface in enumerate(interfaces):
        out += _interface(vm_name, f"spec.network.interfaces[{i}]", iface)
    out += _host_name(network)
    return out


def _host_name(network: Obj) -> list[Cause]:
    host, domain = str(network.get("hostName") or ""), str(network.get("domainName") or "")
    out: list[Cause] = []
    if host:
        if _ip(host) is not None:
            if domain:
                out.append(
                    invalid(
                        "spec.network.hostName",
                        host,
                        "may not be an IP address when spec.network.domainName is specified",
                    )
                )
        elif dns1123_label_errors(host.lower()):
            out.append(
                invalid(
                    "spec.network.hostName",
                    host,
                    "may only contain alphanumeric characters and hyphens, may not start or "
                    "end with a hyphen, and must be 1-63 characters in length",
                )
            )
    if domain and dns1123_subdomain_errors(domain.lower()):
        out.append(invalid("spec.network.domainName", domain, "must be a valid DNS name"))
    if host and domain and len(host) + 1 + len(domain) > 255:
        out.append(
            invalid(
                "spec.network.hostName",
                host,
                "the hostName and domainName together must be at most 255 characters",
            )
        )
    return out


def _volumes(vm: Obj, spec: Obj) -> list[Cause]:
    out: list[Cause] = []
    vm_name = str((vm.get("metadata") or {}).get("name") or "")
    names: set[str] = set()
    claims: set[str] = set()
    for i, vol in enumerate(_list(spec, "volumes")):
        path = f"spec.volumes[{i}]"
        name = str(vol.get("name") or "")
        if not name:
            out.append(required(f"{path}.name"))
        elif name in names:
            out.append(duplicate(f"{path}.name", name))
        else:
            names.add(name)
            for msg in dns1123_subdomain_errors(f"{vm_name}-{name}"):
                out.append(invalid(f"{path}.name", name, msg))
        pvc = vol.get("persistentVolumeClaim")
        if not isinstance(pvc, Mapping):
            out.append(required(f"{path}.persistentVolumeClaim"))
            continue
        if pvc.get("readOnly"):
            out.append(not_supported(f"{path}.persistentVolumeClaim.readOnly", True, ["false"]))
        claim = str(pvc.get("claimName") or "")
        if claim in claims:
            out.append(duplicate(f"{path}.persistentVolumeClaim.claimName", claim))
        claims.add(claim)
    return out


def _probe(spec: Obj) -> list[Cause]:
    probe = spec.get("readinessProbe")
    if not isinstance(probe, Mapping):
        return []
    out: list[Cause] = []
    actions = (
        probe.get("tcpSocket") is not None,
        probe.get("guestHeartbeat") is not None,
        bool(probe.get("guestInfo")),
    )
    if sum(actions) > 1:
        out.append(forbidden("spec.readinessProbe", ONE_PROBE_ACTION))
    for key, low, high in (("timeoutSeconds", 1, 60), ("periodSeconds", 1, None)):
        value = probe.get(key)
        path = f"spec.readinessProbe.{key}"
        if isinstance(value, int) and value < low:
            out.append(invalid(path, value, f"{path} in body should be greater than or equal to 1"))
        if isinstance(value, int) and high is not None and value > high:
            out.append(invalid(path, value, f"{path} in body should be less than or equal to 60"))
    return out


def _advanced(spec: Obj) -> list[Cause]:
    advanced = spec.get("advanced")
    if not isinstance(advanced, Mapping) or advanced.get("bootDiskCapacity") is None:
        return []
    try:
        size = parse_quantity(advanced["bootDiskCapacity"])
    except QuantityError:
        return []
    if size != 0 and size % MIB != 0:
        return [invalid("spec.advanced.bootDiskCapacity", int(size), NOT_MB_MULTIPLE)]
    return []


def _hardware_version(spec: Obj, old: Obj | None) -> list[Cause]:
    value = spec.get("minHardwareVersion")
    path = "spec.minHardwareVersion"
    out: list[Cause] = []
    if isinstance(value, int) and value != 0:
        if value < MIN_HARDWARE_VERSION:
            out.append(
                invalid(path, value, f"{path} in body should be greater than or equal to 13")
            )
        if value > MAX_HARDWARE_VERSION:
            out.append(
                invalid(path, value, f"should be less than or equal to {MAX_HARDWARE_VERSION}")
            )
    if old is None:
        return out
    old_spec = _spec(old)
    before = old_spec.get("minHardwareVersion") or 0
    after = value or 0
    if isinstance(after, int) and isinstance(before, int):
        if after < before:
            out.append(invalid(path, after, DOWNGRADE))
        elif after > before and "PoweredOff" not in (
            spec.get("powerState"),
            old_spec.get("powerState"),
        ):
            out.append(invalid(path, after, UPGRADE_ON))
    return out


def _cdroms(spec: Obj) -> list[Cause]:
    out: list[Cause] = []
    cdroms = _list(spec, "cdrom")
    images: set[tuple[str, str]] = set()
    for i, cdrom in enumerate(cdroms):
        path = f"spec.cdrom[{i}]"
        name = str(cdrom.get("name") or "")
        if name:
            out += _pattern(f"{path}.name", name)
        image = cdrom.get("image") if isinstance(cdrom.get("image"), Mapping) else {}
        kind, img = str((image or {}).get("kind") or ""), str((image or {}).get("name") or "")
        if kind and kind not in (VMI, CVMI):
            out.append(invalid(f"{path}.image.kind", kind, INVALID_IMAGE_KIND))
        if (kind, img) in images:
            out.append(duplicate(f"{path}.image.name", img))
        images.add((kind, img))
    if cdroms and not spec.get("guestID"):
        out.append(required("spec.guestID", "when deploying a VM with CD-ROMs"))
    return out


def vm_create_causes(vm: Obj) -> list[Cause]:
    """Every webhook rule a new VirtualMachine breaks."""
    spec = _spec(vm)
    out = _image(spec)
    if not spec.get("className"):
        out.append(required("spec.className"))
    out += bootstrap_causes(spec)
    out += _network(vm, spec)
    out += _volumes(vm, spec)
    out += _probe(spec)
    out += _advanced(spec)
    out += _hardware_version(spec, None)
    out += _cdroms(spec)
    return out


def vm_create_only_causes(vm: Obj) -> list[Cause]:
    """Rules of a create only (the API server runs `vm_create_causes` on updates too)."""
    spec = _spec(vm)
    out: list[Cause] = []
    if spec.get("powerState") == "Suspended":
        out.append(
            invalid(
                "spec.powerState", "Suspended", "cannot set a new VM's power state to Suspended"
            )
        )
    if spec.get("nextRestartTime"):
        out.append(invalid("spec.nextRestartTime", spec["nextRestartTime"], RESTART_ON_CREATE))
    return out


def _immutable(spec: Obj, old_spec: Obj) -> list[Cause]:
    out: list[Cause] = []
    for key in ("imageName", "image", "className", "storageClass"):
        out += immutable(f"spec.{key}", spec.get(key), old_spec.get(key))
    for key in ("instanceUUID", "biosUUID"):
        if old_spec.get(key):
            out += immutable(f"spec.{key}", spec.get(key), old_spec.get(key))
    old_policy = (old_spec.get("reserved") or {}).get("resourcePolicyName")
    if old_policy:
        new_policy = (spec.get("reserved") or {}).get("resourcePolicyName")
        out += immutable("spec.reserved.resourcePolicyName", new_policy, old_policy)
    old_ifaces = _list(old_spec.get("network") or {}, "interfaces")
    new_ifaces = _list(spec.get("network") or {}, "interfaces")
    if len(old_ifaces) != len(new_ifaces):
        out.append(forbidden("spec.network.interfaces", INTERFACES_CHANGED))
    else:
        for i, (new, before) in enumerate(zip(new_ifaces, old_ifaces, strict=True)):
            path = f"spec.network.interfaces[{i}]"
            out += immutable(f"{path}.name", new.get("name"), before.get("name"))
            out += immutable(f"{path}.network", new.get("network"), before.get("network"))
    return out


def _bootstrap_when_on(spec: Obj, old_spec: Obj) -> list[Cause]:
    new, before = spec.get("bootstrap"), old_spec.get("bootstrap")
    if new == before:
        return []
    # Filling in an empty Cloud-Init instanceID is the one change allowed.
    if isinstance(new, Mapping) and isinstance(before, Mapping):
        old_ci, new_ci = before.get("cloudInit"), new.get("cloudInit")
        if (
            isinstance(old_ci, Mapping)
            and isinstance(new_ci, Mapping)
            and not old_ci.get("instanceID")
        ):
            filled = {**old_ci, "instanceID": new_ci.get("instanceID")}
            if {**before, "cloudInit": filled} == new:
                return []
    return [forbidden("spec.bootstrap", NOT_WHEN_ON)]


def _when_on(spec: Obj, old_spec: Obj) -> list[Cause]:
    out: list[Cause] = []
    if spec.get("guestID") != old_spec.get("guestID"):
        out.append(forbidden("spec.guestID", NOT_WHEN_ON))
    out += _bootstrap_when_on(spec, old_spec)
    old_cdroms = {c.get("name"): c for c in _list(old_spec, "cdrom")}
    new_cdroms = {c.get("name"): c for c in _list(spec, "cdrom")}
    if set(new_cdroms) - set(old_cdroms):
        out.append(forbidden("spec.cdrom", ADD_CDROM_WHEN_ON))
    if set(old_cdroms) - set(new_cdroms):
        out.append(forbidden("spec.cdrom", REMOVE_CDROM_WHEN_ON))
    for i, cdrom in enumerate(_list(spec, "cdrom")):
        before = old_cdroms.get(cdrom.get("name"))
        if before is not None and before.get("image") != cdrom.get("image"):
            out.append(forbidden(f"spec.cdrom[{i}].image", NOT_WHEN_ON))
    return out


def _power_state(spec: Obj, old_spec: Obj) -> list[Cause]:
    new, before = spec.get("powerState") or "", old_spec.get("powerState") or ""
    if not new:
        return [invalid("spec.powerState", "", EMPTY_POWER_STATE)]
    if before == "PoweredOn" and new == "PoweredOn":
        return _when_on(spec, old_spec)
    if before == "PoweredOff" and new == "Suspended":
        return [invalid("spec.powerState", new, "cannot suspend a VM that is powered off")]
    return []


def _next_restart(spec: Obj, old_spec: Obj) -> list[Cause]:
    new, before = spec.get("nextRestartTime") or "", old_spec.get("nextRestartTime") or ""
    if new == before:
        return []
    path = "spec.nextRestartTime"
    if str(new).lower() == "now":
        return [invalid(path, new, RESTART_NEEDS_MUTATION)]
    try:
        datetime.fromisoformat(str(new).replace("Z", "+00:00"))
    except ValueError:
        return [invalid(path, new, NOT_RFC3339_NANO)]
    return []


def vm_update_causes(vm: Obj, old: Obj) -> list[Cause]:
    """Every webhook rule an update of a VirtualMachine breaks."""
    spec, old_spec = _spec(vm), _spec(old)
    out = _immutable(spec, old_spec)
    out += _power_state(spec, old_spec)
    out += _next_restart(spec, old_spec)
    return out + _hardware_version(spec, old)
