"""Query parameters, parsed once per request into plain typed values.

kube clients spell booleans many ways (`true`, `True` from the Python client, `1`); every
boolean is parsed case-insensitively. Bad values are 400 BadRequest, as kube's parameter
codec answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

from pacific.api.errors import BadRequest

TRUE = frozenset({"true", "1", "yes", "t"})
FALSE = frozenset({"false", "0", "no", "f", ""})


def parse_query(query_string: bytes) -> dict[str, str]:
    """Repeated keys: the first value counts, as Go's url.Values.Get reads it."""
    out: dict[str, str] = {}
    for key, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        out.setdefault(key, value)
    return out


def flag(query: dict[str, str], name: str, default: bool = False) -> bool:
    raw = query.get(name)
    if raw is None:
        return default
    low = raw.lower()
    if low in TRUE:
        return True
    if low in FALSE:
        return False
    raise BadRequest(f'invalid boolean value "{raw}" for parameter {name}')


def integer(query: dict[str, str], name: str) -> int | None:
    raw = query.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise BadRequest(f'invalid value "{raw}" for parameter {name}: not an integer') from None


@dataclass(frozen=True, slots=True)
class WriteOptions:
    dry_run: bool
    field_manager: str
    field_validation: str  # Strict | Warn | Ignore
    force: bool


FIELD_VALIDATION = ("Strict", "Warn", "Ignore")


def write_options(query: dict[str, str], user_agent: str) -> WriteOptions:
    dry = query.get("dryRun", "")
    if dry not in ("", "All"):
        raise BadRequest(f'Invalid value: "{dry}": supported values: "All"')
    validation = query.get("fieldValidation", "") or "Warn"  # kube's default when unset
    if validation not in FIELD_VALIDATION:
        raise BadRequest(
            f'fieldValidation: Unsupported value: "{validation}": supported values: '
            '"Ignore", "Strict", "Warn"'
        )
    manager = query.get("fieldManager", "")
    if len(manager) > 128:
        raise BadRequest("fieldManager: Too long: may not be more than 128 bytes")
    return WriteOptions(
        dry_run=dry == "All",
        field_manager=manager or default_manager(user_agent),
        field_validation=validation,
        force=flag(query, "force"),
    )


def default_manager(user_agent: str) -> str:
    """kube's default field manager: the User-Agent up to the first '/'."""
    name = user_agent.split("/", 1)[0]
    return name[:128] or "unknown"
