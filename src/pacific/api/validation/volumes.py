"""Pod volumes: unique DNS-label names and exactly one volume source each.

Only the sources a Pacific host can provide get field-level checks (emptyDir, hostPath,
configMap, secret, persistentVolumeClaim, projected, downwardAPI, nfs, csi, ephemeral);
the rest of kube's sources are recognised so that "exactly one source" counts them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pacific.api.errors import Cause
from pacific.api.validation.field import duplicate, forbidden, invalid, not_supported, required
from pacific.api.validation.names import dns1123_label_errors
from pacific.api.validation.resources import quantity_errors

SOURCES = (
    "hostPath",
    "emptyDir",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "secret",
    "nfs",
    "iscsi",
    "glusterfs",
    "persistentVolumeClaim",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "downwardAPI",
    "fc",
    "azureFile",
    "configMap",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "projected",
    "portworxVolume",
    "scaleIO",
    "storageos",
    "csi",
    "ephemeral",
    "image",
)
HOST_PATH_TYPES = (
    "",
    "DirectoryOrCreate",
    "Directory",
    "FileOrCreate",
    "File",
    "Socket",
    "CharDevice",
    "BlockDevice",
)
FILE_MODE_ERROR = "must be a number between 0 and 0777 (octal), both inclusive"


def _file_mode(mode: Any, path: str) -> list[Cause]:
    if mode is None or (isinstance(mode, int) and 0 <= mode <= 0o777):
        return []
    return [invalid(path, mode, FILE_MODE_ERROR)]


def _key_to_paths(items: Any, path: str) -> list[Cause]:
    errs: list[Cause] = []
    for i, item in enumerate(items or []):
        p = f"{path}[{i}]"
        key = item.get("key") or ""
        if not key:
            errs.append(required(f"{p}.key"))
        target = item.get("path") or ""
        if not target:
            errs.append(required(f"{p}.path"))
        elif target.startswith("/"):
            errs.append(invalid(f"{p}.path", target, "must be a relative path"))
        elif ".." in target.split("/"):
            errs.append(invalid(f"{p}.path", target, "must not contain '..'"))
        errs += _file_mode(item.get("mode"), f"{p}.mode")
    return errs


def _validate_source(kind: str, src: Any, path: str) -> list[Cause]:
    if not isinstance(src, Mapping):
        return []
    errs: list[Cause] = []
    if kind == "hostPath":
        if not src.get("path"):
            errs.append(required(f"{path}.path"))
        host_type = src.get("type") or ""
        if host_type not in HOST_PATH_TYPES:
            errs.append(not_supported(f"{path}.type", host_type, HOST_PATH_TYPES))
    elif kind == "emptyDir":
        medium = src.get("medium") or ""
        if medium not in ("", "Memory") and not medium.startswith("HugePages"):
            errs.append(not_supported(f"{path}.medium", medium, ("", "Memory", "HugePages")))
        if src.get("sizeLimit") is not None:
            errs += quantity_errors("storage", src["sizeLimit"], f"{path}.sizeLimit")[1]
    elif kind in ("secret", "configMap"):
        name_key = "secretName" if kind == "secret" else "name"
        if not src.get(name_key):
            errs.append(required(f"{path}.{name_key}"))
        errs += _file_mode(src.get("defaultMode"), f"{path}.defaultMode")
        errs += _key_to_paths(src.get("items"), f"{path}.items")
    elif kind == "persistentVolumeClaim":
        if not src.get("claimName"):
            errs.append(required(f"{path}.claimName"))
    elif kind in ("projected", "downwardAPI"):
        errs += _file_mode(src.get("defaultMode"), f"{path}.defaultMode")
    elif kind == "nfs":
        for key in ("server", "path"):
            if not src.get(key):
                errs.append(required(f"{path}.{key}"))
    elif kind == "csi" and not src.get("driver"):
        errs.append(required(f"{path}.driver"))
    return errs


def validate_volumes(volumes: Any, path: str) -> tuple[set[str], list[Cause]]:
    """Returns the set of valid volume names (for volumeMounts) and the errors."""
    names: set[str] = set()
    errs: list[Cause] = []
    for i, vol in enumerate(volumes or []):
        p = f"{path}[{i}]"
        name = vol.get("name") or ""
        if not name:
            errs.append(required(f"{p}.name"))
        else:
            msgs = dns1123_label_errors(name)
            errs += [invalid(f"{p}.name", name, msg) for msg in msgs]
            if name in names:
                errs.append(duplicate(f"{p}.name", name))
            elif not msgs:
                names.add(name)
        given = [s for s in SOURCES if vol.get(s) is not None]
        if not given:
            errs.append(required(p, "must specify a volume type"))
        for extra in given[1:]:
            errs.append(forbidden(f"{p}.{extra}", "may not specify more than 1 volume type"))
        if len(given) == 1:
            errs += _validate_source(given[0], vol[given[0]], f"{p}.{given[0]}")
    return names, errs
