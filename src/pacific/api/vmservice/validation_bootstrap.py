"""Webhook rules of `spec.bootstrap`, and of the network settings that depend on it.

    bootstrap_causes(spec)       providers combined as allowed, exclusive sources, sysprep
    network_dns_causes(spec)     global nameservers/search domains vs the provider

Wording follows vm-operator's validating webhook. Cloud-Init stands alone; LinuxPrep and
Sysprep exclude each other; vAppConfig goes with either of those. Inside Cloud-Init,
cloudConfig and rawCloudConfig are exclusive, and the inline cloud-config may not list
cloud-init's `- default` user (defaultUserEnabled replaces it). Per-interface settings
that only some providers can apply (guestDeviceName, mtu, routes, searchDomains: Cloud-Init;
nameservers: Cloud-Init or Sysprep) are refused with the others.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pacific.api.errors import Cause
from pacific.api.validation.field import forbidden, invalid

Obj = Mapping[str, Any]


def _obj(parent: Obj, key: str) -> Obj | None:
    value = parent.get(key)
    return value if isinstance(value, Mapping) else None


def _providers(spec: Obj) -> tuple[Obj | None, Obj | None, Obj | None, Obj | None]:
    bootstrap = _obj(spec, "bootstrap") or {}
    return (
        _obj(bootstrap, "cloudInit"),
        _obj(bootstrap, "linuxPrep"),
        _obj(bootstrap, "sysprep"),
        _obj(bootstrap, "vAppConfig"),
    )


def _cloud_config(path: str, config: Obj) -> list[Cause]:
    out: list[Cause] = []
    users = config.get("users")
    for i, user in enumerate(users if isinstance(users, list) else []):
        if isinstance(user, str):
            out.append(
                invalid(
                    f"{path}.users[{i}]",
                    user,
                    "must be an object; use defaultUserEnabled for the default user",
                )
            )
    runcmd = config.get("runcmd")
    if runcmd is not None:
        entries = runcmd if isinstance(runcmd, list) else None
        if entries is None:
            out.append(invalid(f"{path}.runcmd", str(runcmd), "must be a list"))
        for i, entry in enumerate(entries or []):
            ok = isinstance(entry, str) or (
                isinstance(entry, list) and all(isinstance(x, str) for x in entry)
            )
            if not ok:
                out.append(
                    invalid(
                        f"{path}.runcmd[{i}]", str(entry), "must be a string or a list of strings"
                    )
                )
    files = config.get("write_files")
    for i, wf in enumerate(files if isinstance(files, list) else []):
        content = wf.get("content") if isinstance(wf, Mapping) else None
        selector = isinstance(content, Mapping) and content.get("name") and content.get("key")
        if content is not None and not isinstance(content, str) and not selector:
            out.append(
                invalid(
                    f"{path}.write_files[{i}].content",
                    str(content),
                    "must be a string or a Secret key selector with name and key",
                )
            )
    return out


def _sysprep(path: str, spec: Obj, sysprep: Obj) -> list[Cause]:
    out: list[Cause] = []
    inline, raw = _obj(sysprep, "sysprep"), _obj(sysprep, "rawSysprep")
    if inline is not None and raw is not None:
        out.append(invalid(path, "sysPrep", "sysprep and rawSysprep are mutually exclusive"))
    elif inline is None and raw is None:
        out.append(invalid(path, "sysPrep", "either sysprep or rawSysprep must be provided"))
    if inline is None:
        return out
    inner = f"{path}.sysprep"
    gui = _obj(inline, "guiUnattended") or {}
    if gui.get("autoLogon") and not gui.get("autoLogonCount"):
        out.append(
            invalid(inner, "guiUnattended", "autoLogon requires autoLogonCount to be specified")
        )
    if gui.get("autoLogon") and not (_obj(gui, "password") or {}).get("name"):
        out.append(
            invalid(inner, "guiUnattended", "autoLogon requires password selector to be set")
        )
    ident = _obj(inline, "identification")
    if ident is not None:
        domain = str((_obj(spec, "network") or {}).get("domainName") or "")
        if domain and ident.get("joinWorkgroup"):
            out.append(
                invalid(
                    inner,
                    "identification",
                    "spec.network.domainName and joinWorkgroup are mutually exclusive",
                )
            )
        password = _obj(ident, "domainAdminPassword")
        if domain and (not ident.get("domainAdmin") or not (password or {}).get("name")):
            out.append(
                invalid(
                    inner,
                    "identification",
                    "spec.network.domainName requires domainAdmin and domainAdminPassword "
                    "selector to be set",
                )
            )
        if ident.get("joinWorkgroup") and (
            ident.get("domainAdmin") or password is not None or ident.get("domainOU")
        ):
            out.append(
                invalid(
                    inner,
                    "identification",
                    "joinWorkgroup and domainAdmin/domainAdminPassword/domainOU are mutually "
                    "exclusive",
                )
            )
    return out


def _vapp(path: str, vapp: Obj) -> list[Cause]:
    out: list[Cause] = []
    props = vapp.get("properties")
    props = props if isinstance(props, list) else []
    if props and vapp.get("rawProperties"):
        out.append(
            invalid(path, "vAppConfig", "properties and rawProperties are mutually exclusive")
        )
    for prop in props:
        if not isinstance(prop, Mapping):
            continue
        if not prop.get("key"):
            out.append(
                invalid(
                    f"{path}.properties.key",
                    "key",
                    "key is a required field in vAppConfig Properties",
                )
            )
        value = _obj(prop, "value") or {}
        if value.get("from") is not None and value.get("value") is not None:
            out.append(
                invalid(
                    f"{path}.properties.value", "value", "from and value are mutually exclusive"
                )
            )
    return out


def bootstrap_causes(spec: Obj) -> list[Cause]:
    """Every bootstrap rule `spec` breaks."""
    cloud_init, linux_prep, sysprep, vapp = _providers(spec)
    path = "spec.bootstrap"
    out: list[Cause] = []
    if cloud_init is not None:
        if linux_prep is not None or sysprep is not None or vapp is not None:
            out.append(
                forbidden(
                    f"{path}.cloudInit",
                    "CloudInit may not be used with any other bootstrap provider",
                )
            )
        config = _obj(cloud_init, "cloudConfig")
        if config is not None:
            if cloud_init.get("rawCloudConfig") is not None:
                out.append(
                    invalid(
                        f"{path}.cloudInit",
                        "cloudInit",
                        "cloudConfig and rawCloudConfig are mutually exclusive",
                    )
                )
            out += _cloud_config(f"{path}.cloudInit.cloudConfig", config)
    if linux_prep is not None and (cloud_init is not None or sysprep is not None):
        out.append(
            forbidden(
                f"{path}.linuxPrep",
                "LinuxPrep may not be used with either CloudInit or Sysprep bootstrap providers",
            )
        )
    if sysprep is not None:
        if cloud_init is not None or linux_prep is not None:
            out.append(
                forbidden(
                    f"{path}.sysprep",
                    "Sysprep may not be used with either CloudInit or LinuxPrep bootstrap "
                    "providers",
                )
            )
        out += _sysprep(f"{path}.sysprep", spec, sysprep)
    if vapp is not None:
        if cloud_init is not None:
            out.append(
                forbidden(
                    f"{path}.vAppConfig",
                    "vAppConfig may not be used in conjunction with CloudInit bootstrap provider",
                )
            )
        out += _vapp(f"{path}.vAppConfig", vapp)
    return out


def _go_name(flag: str) -> str:
    return flag[0].upper() + flag[1:]


def _global(spec: Obj, key: str, flag: str) -> list[Cause]:
    network = _obj(spec, "network") or {}
    values = network.get(key)
    if not isinstance(values, list) or not values:
        return []
    cloud_init, linux_prep, sysprep, _ = _providers(spec)
    joined = ",".join(str(v) for v in values)
    path = f"spec.network.{key}"
    if cloud_init is not None:
        if cloud_init.get(flag) is False:
            return [
                invalid(
                    path,
                    joined,
                    f"{key} is available only for CloudInit when {_go_name(flag)} is true",
                )
            ]
        return []
    if linux_prep is None and sysprep is None:
        return [
            invalid(
                path,
                joined,
                f"{key} is available only with the following bootstrap providers: LinuxPrep "
                "and Sysprep",
            )
        ]
    return []


def _per_interface(spec: Obj) -> list[Cause]:
    cloud_init, _, sysprep, _ = _providers(spec)
    interfaces = (_obj(spec, "network") or {}).get("interfaces")
    out: list[Cause] = []
    for i, iface in enumerate(interfaces if isinstance(interfaces, list) else []):
        if not isinstance(iface, Mapping):
            continue
        path = f"spec.network.interfaces[{i}]"
        if cloud_init is None:
            for key, shown in (
                ("guestDeviceName", iface.get("guestDeviceName")),
                ("mtu", iface.get("mtu")),
                ("routes", "routes" if iface.get("routes") else None),
                ("searchDomains", ",".join(iface.get("searchDomains") or []) or None),
            ):
                if shown:
                    out.append(
                        invalid(
                            f"{path}.{key}",
                            shown,
                            f"{key} is available only with the following bootstrap providers: "
                            "CloudInit",
                        )
                    )
        if cloud_init is None and sysprep is None and iface.get("nameservers"):
            out.append(
                invalid(
                    f"{path}.nameservers",
                    ",".join(iface["nameservers"]),
                    "nameservers is available only with the following bootstrap providers: "
                    "CloudInit and Sysprep",
                )
            )
    return out


def network_dns_causes(spec: Obj) -> list[Cause]:
    """Network settings the chosen bootstrap provider cannot apply."""
    out = _global(spec, "nameservers", "useGlobalNameserversAsDefault")
    out += _global(spec, "searchDomains", "useGlobalSearchDomainsAsDefault")
    return out + _per_interface(spec)
