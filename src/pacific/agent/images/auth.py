"""Registry credentials: pull secrets (dockerconfigjson) and WWW-Authenticate challenges.

A `Keyring` is built from the `.dockerconfigjson` (`{"auths": {...}}`) or legacy
`.dockercfg` documents of a pod's imagePullSecrets. Keys are matched as kubelet does:
scheme and path are ignored, Docker Hub's many spellings (`https://index.docker.io/v1/`,
`registry-1.docker.io`) are `docker.io`, a port must match exactly, and a leading `*.`
label matches one label of the host. An entry gives `username`/`password`, or `auth`
(base64 `user:password`). The first secret with a match wins, as kubelet tries secrets in
order.

`parse_challenge()` reads `WWW-Authenticate: Bearer realm="...",service="...",scope="..."`
(or `Basic realm="..."`) into a scheme and its parameters. Everything here is pure.
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

_HUB_ALIASES = {"index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"}
_PARAM = re.compile(r'([A-Za-z][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))')


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str

    def __repr__(self) -> str:
        return f"Credentials(username={self.username!r}, password=***)"


def _host_of(key: str) -> str:
    text = key if "://" in key else "//" + key
    host = urlsplit(text).netloc.lower()
    return "docker.io" if host in _HUB_ALIASES else host


def _credentials(entry: Any) -> Credentials | None:
    if not isinstance(entry, dict):
        return None
    user, password = entry.get("username"), entry.get("password")
    if isinstance(user, str) and isinstance(password, str) and user:
        return Credentials(user, password)
    auth = entry.get("auth")
    if isinstance(auth, str) and auth:
        try:
            text = base64.b64decode(auth, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        user, sep, password = text.partition(":")
        if sep and user:
            return Credentials(user, password)
    return None


def _matches(pattern: str, host: str) -> bool:
    p_name, _, p_port = pattern.partition(":")
    h_name, _, h_port = host.partition(":")
    if p_port != h_port:
        return False
    p_labels, h_labels = p_name.split("."), h_name.split(".")
    return len(p_labels) == len(h_labels) and all(
        fnmatch.fnmatchcase(h, p) for p, h in zip(p_labels, h_labels, strict=True)
    )


@dataclass(frozen=True)
class Keyring:
    entries: tuple[tuple[str, Credentials], ...] = ()

    @classmethod
    def from_docker_configs(cls, documents: Sequence[bytes | Mapping[str, Any]]) -> Keyring:
        """From pull secrets' `.dockerconfigjson`/`.dockercfg` data; unusable ones skipped."""
        entries: list[tuple[str, Credentials]] = []
        for doc in documents:
            parsed: Any = doc
            if isinstance(doc, bytes):
                try:
                    parsed = json.loads(doc)
                except (ValueError, UnicodeDecodeError):
                    continue
            if not isinstance(parsed, Mapping):
                continue
            auths = parsed.get("auths", parsed)
            if not isinstance(auths, Mapping):
                continue
            for key, entry in auths.items():
                creds = _credentials(entry)
                if creds is not None:
                    entries.append((_host_of(str(key)), creds))
        return cls(tuple(entries))

    def lookup(self, domain: str) -> Credentials | None:
        host = _host_of(domain)
        for pattern, creds in self.entries:
            if _matches(pattern, host):
                return creds
        return None


def parse_challenge(header: str) -> tuple[str, dict[str, str]]:
    """(`bearer`|`basic`|..., params) from one WWW-Authenticate header value."""
    scheme, _, rest = header.strip().partition(" ")
    params = {
        m.group(1).lower(): (
            m.group(2).replace('\\"', '"') if m.group(2) is not None else m.group(3)
        )
        for m in _PARAM.finditer(rest)
    }
    return scheme.lower(), params
