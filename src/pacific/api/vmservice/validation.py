"""Validation of the VM Service kinds: the CRD schema's checks, then the webhooks' rules.

    RULES[kind] = Rules(name, create, update)

`pacific.api.validation` looks kinds of group vmoperator.vmware.com up here. `create` runs
on every write (kube's registry runs it on updates too) and `update` adds the rules that
compare with the old object; both return every `Cause`, so one 422 Invalid lists them all:
first what the CRD's structural schema rejects (missing required fields, values outside an
enum; see `structural`), then the validating webhook's rules:

- VirtualMachine: `validation_vm` and `validation_bootstrap`.
- VirtualMachineClass: each CPU/memory request at most its limit; reservedSlots only with
  reservedProfileID.
- VirtualMachineService: the name is a DNS-1035 label; ports (unless headless or
  ExternalName) with DNS-1123 label names, unique names and protocol/port pairs, ports in
  1-65535; clusterIp "", "None" or an IP, never None for LoadBalancer and absent for
  ExternalName; externalName a DNS name and required for ExternalName; source ranges only
  for LoadBalancer and as CIDRs. type and clusterIp never change.
- VirtualMachineWebConsoleRequest: the VM name and an RSA public key in a PEM block of type
  PUBLIC KEY holding a PKCS#1 RSAPublicKey (what vm-operator parses); neither changes.
- Images: only the structural checks (they are written by the image library).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_public_key,
)

from pacific.api.errors import Cause
from pacific.api.validation.field import duplicate, immutable, invalid, required
from pacific.api.validation.names import (
    NameCheck,
    dns1123_label_errors,
    dns1123_subdomain_errors,
    name_is_dns1035_label,
    name_is_dns_subdomain,
)
from pacific.api.validation.quantity import QuantityError, parse_quantity
from pacific.api.vmservice.schemas import SCHEMAS
from pacific.api.vmservice.structural import structural_causes
from pacific.api.vmservice.validation_vm import vm_create_causes, vm_update_causes

Obj = Mapping[str, Any]
Check = Callable[[Obj], list[Cause]]
UpdateCheck = Callable[[Obj, Obj], list[Cause]]

INVALID_PUBLIC_KEY = "invalid public key format"


@dataclass(frozen=True, slots=True)
class Rules:
    name: NameCheck
    create: Check
    update: UpdateCheck


def _spec(obj: Obj) -> Obj:
    spec = obj.get("spec")
    return spec if isinstance(spec, Mapping) else {}


def _structural(kind: str) -> Check:
    def check(obj: Obj) -> list[Cause]:
        return structural_causes(SCHEMAS[kind], obj)

    return check


def _with_structure(kind: str, rules: Check) -> Check:
    schema = SCHEMAS[kind]

    def check(obj: Obj) -> list[Cause]:
        return structural_causes(schema, obj) + rules(obj)

    return check


def _quantity(value: Any) -> Any:
    if value is None:
        return None
    try:
        return parse_quantity(value)
    except (QuantityError, AttributeError):
        return None


def class_causes(cls: Obj) -> list[Cause]:
    spec = _spec(cls)
    out: list[Cause] = []
    resources = (spec.get("policies") or {}).get("resources") or {}
    requests, limits = resources.get("requests") or {}, resources.get("limits") or {}
    for res, label in (("cpu", "CPU"), ("memory", "memory")):
        req, lim = _quantity(requests.get(res)), _quantity(limits.get(res))
        if req is not None and lim is not None and req > lim:
            out.append(
                invalid(
                    f"spec.policies.resources.requests.{res}",
                    str(requests.get(res)),
                    f"{label} request must not be larger than the {label} limit",
                )
            )
    if spec.get("reservedSlots") and not spec.get("reservedProfileID"):
        out.append(required("spec.reservedProfileID", "when reservedSlots is set"))
    return out


def _ports(spec: Obj) -> list[Cause]:
    out: list[Cause] = []
    ports = spec.get("ports")
    ports = [p for p in ports if isinstance(p, Mapping)] if isinstance(ports, list) else []
    headless = spec.get("clusterIp") == "None"
    if not ports and not headless and spec.get("type") != "ExternalName":
        out.append(required("spec.ports"))
    names: set[str] = set()
    pairs: set[tuple[str, int]] = set()
    for i, port in enumerate(ports):
        path = f"spec.ports[{i}]"
        name = str(port.get("name") or "")
        for msg in dns1123_label_errors(name) if name else []:
            out.append(invalid(f"{path}.name", name, msg))
        if name in names:
            out.append(duplicate(f"{path}.name", name))
        names.add(name)
        for key in ("port", "targetPort"):
            value = port.get(key)
            if isinstance(value, int) and not 1 <= value <= 65535:
                out.append(
                    invalid(f"{path}.{key}", value, "must be between 1 and 65535, inclusive")
                )
        pair = (str(port.get("protocol") or ""), port.get("port"))
        if isinstance(pair[1], int):
            if (pair[0], pair[1]) in pairs:
                out.append(duplicate(path, f"{pair[1]}/{pair[0]}"))
            pairs.add((pair[0], pair[1]))
    return out


def service_causes(svc: Obj) -> list[Cause]:
    spec = _spec(svc)
    kind = spec.get("type")
    out = _ports(spec)
    cluster_ip = spec.get("clusterIp")
    if kind == "ExternalName":
        if cluster_ip:
            out.append(
                invalid("spec.clusterIp", cluster_ip, "must be empty for ExternalName services")
            )
        external = str(spec.get("externalName") or "")
        if not external:
            out.append(required("spec.externalName"))
        else:
            out += [
                invalid("spec.externalName", external, m)
                for m in dns1123_subdomain_errors(external)
            ]
    elif cluster_ip and cluster_ip != "None":
        try:
            ipaddress.ip_address(str(cluster_ip))
        except ValueError:
            out.append(
                invalid(
                    "spec.clusterIp", cluster_ip, "must be empty, 'None', or a valid IP address"
                )
            )
    if kind == "LoadBalancer" and cluster_ip == "None":
        out.append(
            invalid("spec.clusterIp", "None", "may not be set to 'None' for LoadBalancer services")
        )
    ranges = spec.get("loadBalancerSourceRanges") or []
    if ranges and kind != "LoadBalancer":
        out.append(
            invalid(
                "spec.loadBalancerSourceRanges",
                ",".join(map(str, ranges)),
                "may only be used when `type` is 'LoadBalancer'",
            )
        )
    for i, cidr in enumerate(ranges):
        try:
            ipaddress.ip_network(str(cidr), strict=False)
        except ValueError:
            out.append(
                invalid(
                    f"spec.loadBalancerSourceRanges[{i}]",
                    cidr,
                    "must be a list of IP ranges. For example, 10.240.0.0/24,10.250.0.0/24 ",
                )
            )
    return out


def service_update_causes(svc: Obj, old: Obj) -> list[Cause]:
    spec, before = _spec(svc), _spec(old)
    out = immutable("spec.type", spec.get("type"), before.get("type"))
    return out + immutable(
        "spec.clusterIp", spec.get("clusterIp") or "", before.get("clusterIp") or ""
    )


def _pem_block(text: str) -> tuple[str, bytes] | None:
    """The label and bytes of the first PEM block of `text` (Go's pem.Decode)."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if len(lines) < 3 or not lines[0].startswith("-----BEGIN ") or not lines[0].endswith("-----"):
        return None
    label = lines[0][len("-----BEGIN ") : -len("-----")]
    end = f"-----END {label}-----"
    if end not in lines:
        return None
    try:
        return label, base64.b64decode("".join(lines[1 : lines.index(end)]), validate=True)
    except (binascii.Error, ValueError):
        return None


def parse_pkcs1_public_key(der: bytes) -> rsa.RSAPublicKey | None:
    """An RSA key from PKCS#1 DER (SEQUENCE {modulus, exponent}); None for anything else."""
    body = "\n".join(textwrap.wrap(base64.b64encode(der).decode(), 64))
    pem = f"-----BEGIN RSA PUBLIC KEY-----\n{body}\n-----END RSA PUBLIC KEY-----\n"
    try:
        key = load_pem_public_key(pem.encode())
    except ValueError:
        return None
    if not isinstance(key, rsa.RSAPublicKey):
        return None
    # The loader also takes SubjectPublicKeyInfo; only PKCS#1 bytes round-trip.
    return key if key.public_bytes(Encoding.DER, PublicFormat.PKCS1) == der else None


def is_rsa_public_key(text: str) -> bool:
    """A PEM block of type PUBLIC KEY whose bytes are a PKCS#1 RSAPublicKey."""
    block = _pem_block(text)
    if block is None or block[0] != "PUBLIC KEY":
        return False
    return parse_pkcs1_public_key(block[1]) is not None


def webconsole_causes(req: Obj) -> list[Cause]:
    key = _spec(req).get("publicKey")
    if isinstance(key, str) and key and not is_rsa_public_key(key):
        return [invalid("spec.publicKey", key, INVALID_PUBLIC_KEY)]
    return []


def webconsole_update_causes(req: Obj, old: Obj) -> list[Cause]:
    spec, before = _spec(req), _spec(old)
    out = immutable("spec.name", spec.get("name"), before.get("name"))
    return out + immutable("spec.publicKey", spec.get("publicKey"), before.get("publicKey"))


def _no_update(obj: Obj, old: Obj) -> list[Cause]:
    return []


RULES: dict[str, Rules] = {
    "VirtualMachine": Rules(
        name_is_dns_subdomain,
        _with_structure("VirtualMachine", vm_create_causes),
        vm_update_causes,
    ),
    "VirtualMachineClass": Rules(
        name_is_dns_subdomain,
        _with_structure("VirtualMachineClass", class_causes),
        _no_update,
    ),
    "VirtualMachineImage": Rules(
        name_is_dns_subdomain,
        _structural("VirtualMachineImage"),
        _no_update,
    ),
    "ClusterVirtualMachineImage": Rules(
        name_is_dns_subdomain,
        _structural("ClusterVirtualMachineImage"),
        _no_update,
    ),
    "VirtualMachineService": Rules(
        name_is_dns1035_label,
        _with_structure("VirtualMachineService", service_causes),
        service_update_causes,
    ),
    "VirtualMachineWebConsoleRequest": Rules(
        name_is_dns_subdomain,
        _with_structure("VirtualMachineWebConsoleRequest", webconsole_causes),
        webconsole_update_causes,
    ),
}
