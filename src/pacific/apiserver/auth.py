"""Authentication: who is making a request.

Two authenticators, tried in kube's order:
- client certificates signed by the cluster CA (the TLS layer verifies the chain; the
  connection carries the subject: CN is the user, each O a group);
- bearer tokens from a static token file (`token,user,uid,"group1,group2"`, kube's format).

Every authenticated user also belongs to `system:authenticated`. No credentials or unknown
ones are 401 Unauthorized; an invalid token is never retried against other sources. RBAC is
not enforced yet: authorization is "any authenticated user may do anything".
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pacific.api.errors import Unauthorized

AUTHENTICATED = "system:authenticated"


@dataclass(frozen=True, slots=True)
class User:
    name: str
    uid: str = ""
    groups: tuple[str, ...] = ()
    extra: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def to_user_info(self) -> dict[str, Any]:
        """authentication.k8s.io/v1 UserInfo."""
        out: dict[str, Any] = {"username": self.name, "groups": list(self.groups)}
        if self.uid:
            out["uid"] = self.uid
        return out


def parse_token_file(text: str) -> dict[str, User]:
    """Parse kube's static token file format; blank lines and `#` comments are skipped."""
    users: dict[str, User] = {}
    for row in csv.reader(io.StringIO(text)):
        if not row or not row[0].strip() or row[0].lstrip().startswith("#"):
            continue
        if len(row) < 2:
            continue
        token = row[0].strip()
        name = row[1].strip()
        uid = row[2].strip() if len(row) > 2 else ""
        groups = tuple(g.strip() for g in row[3].split(",") if g.strip()) if len(row) > 3 else ()
        users[token] = User(name, uid, (*groups, AUTHENTICATED))
    return users


def user_from_peer_cert(cert: Mapping[str, Any]) -> User | None:
    """A user from `ssl.SSLSocket.getpeercert()` of a verified client certificate."""
    name = ""
    groups: list[str] = []
    for rdn in cert.get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                name = value
            elif key == "organizationName":
                groups.append(value)
    if not name:
        return None
    return User(name, "", (*groups, AUTHENTICATED))


class Authenticator:
    """Maps a request's credentials to a User. Built once from the configuration."""

    def __init__(self, tokens: Mapping[str, User]) -> None:
        self._tokens = dict(tokens)

    @classmethod
    def from_token_file(cls, path: Path | None) -> Authenticator:
        return cls(parse_token_file(path.read_text()) if path is not None else {})

    def authenticate(self, authorization: bytes | None, peer: User | None) -> User:
        if authorization:
            scheme, _, token = authorization.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                user = self._lookup(token.strip())
                if user is not None:
                    return user
            raise Unauthorized("Unauthorized")
        if peer is not None:
            return peer
        raise Unauthorized("Unauthorized")

    def _lookup(self, token: str) -> User | None:
        return self._tokens.get(token)
