"""Image references, normalised the way docker and containerd do.

`parse_reference("busybox")` is `docker.io/library/busybox:latest`. The rules follow
distribution's reference grammar:

- The first `/`-separated component is a registry domain when it contains `.` or `:`, is
  `localhost`, or has an upper-case letter; otherwise the registry is `docker.io`.
  `index.docker.io` is written `docker.io`; single-component names on docker.io get the
  `library/` prefix.
- Repository path components are lower case: `[a-z0-9]+` joined by `.`, `_`, `__` or
  dashes. A whole name is at most 255 characters.
- A tag is `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`; a digest is `sha256:<64 hex>`. With neither,
  the tag is `latest`. With a digest the digest wins when pulling; the tag is kept for
  display.
- A bare 64-hex string is refused, as docker refuses it (it reads as an image ID).

Everything here is pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pacific.agent.images.digest import is_digest
from pacific.agent.images.errors import InvalidReference

DOCKER_HUB = "docker.io"
DOCKER_HUB_ENDPOINT = "registry-1.docker.io"

_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = re.compile(
    rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?"
)
_PATH_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
_TAG = re.compile(r"[\w][\w.-]{0,127}")
_HEX64 = re.compile(r"[a-f0-9]{64}")


@dataclass(frozen=True)
class Reference:
    domain: str
    path: str
    tag: str | None
    digest: str | None

    @property
    def repository(self) -> str:
        """`domain/path`, the name without tag or digest."""
        return f"{self.domain}/{self.path}"

    @property
    def identifier(self) -> str:
        """What to ask the registry for: the digest if known, else the tag."""
        if self.digest is not None:
            return self.digest
        return self.tag or "latest"

    def with_digest(self, digest: str) -> Reference:
        return Reference(self.domain, self.path, None, digest)

    @property
    def endpoint_host(self) -> str:
        """The host to connect to (Docker Hub's API lives on another name)."""
        return DOCKER_HUB_ENDPOINT if self.domain == DOCKER_HUB else self.domain

    def __str__(self) -> str:
        text = self.repository
        if self.tag is not None:
            text += f":{self.tag}"
        if self.digest is not None:
            text += f"@{self.digest}"
        return text


def parse_reference(text: str) -> Reference:
    """Parse and normalise an image name; InvalidReference when it is not one."""
    name, digest = text, None
    if "@" in name:
        name, digest = name.split("@", 1)
        if not is_digest(digest):
            raise InvalidReference(text)
    tag = None
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        name, tag = name[:colon], name[colon + 1 :]
        if not _TAG.fullmatch(tag):
            raise InvalidReference(text)
    if not name or len(name) > 255:
        raise InvalidReference(text, "repository name must not be empty or over 255 characters")
    if _HEX64.fullmatch(name):
        raise InvalidReference(
            text, f"invalid repository name ({name}), cannot specify 64-byte hexadecimal strings"
        )
    domain, path = _split_domain(name)
    if not _DOMAIN.fullmatch(domain):
        raise InvalidReference(text)
    for component in path.split("/"):
        if not _PATH_COMPONENT.fullmatch(component):
            if component.lower() != component:
                raise InvalidReference(text, f"repository name ({path}) must be lowercase")
            raise InvalidReference(text)
    if tag is None and digest is None:
        tag = "latest"
    return Reference(domain, path, tag, digest)


def _split_domain(name: str) -> tuple[str, str]:
    first, sep, rest = name.partition("/")
    is_domain = sep and (
        any(c in first for c in ".:") or first == "localhost" or first.lower() != first
    )
    if not is_domain:
        domain, path = DOCKER_HUB, name
    else:
        domain, path = first, rest
    if domain == "index.docker.io":
        domain = DOCKER_HUB
    if domain == DOCKER_HUB and "/" not in path:
        path = f"library/{path}"
    return domain, path


def familiar(ref: Reference) -> str:
    """The short form docker prints: `busybox:latest`, `me/app:1`, others unchanged."""
    text = str(ref)
    if ref.domain == DOCKER_HUB:
        text = text.removeprefix(f"{DOCKER_HUB}/").removeprefix("library/")
    return text
