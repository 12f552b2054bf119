"""How the client fails: the server's `Status` answers, and failures to get an answer at all.

A non-2xx response carrying a `Status` (or a watch `ERROR` event) is raised as the same
`pacific.api.errors.APIError` subclass the server raised, with message, details and causes
restored, so callers write `except NotFound` whether they talk to the server in-process or
over HTTPS. The mapping from (reason, code) back to a class lives only here.

    Exception
    ├── pacific.api.errors.APIError    the server answered with a failure Status
    └── ClientError                    no usable answer
        ├── TransportError             could not connect / the connection broke / timed out
        └── DecodeError                the answer was not the JSON we expected

Resolution order: the Status `reason` picks the class (409 is both AlreadyExists and
Conflict; 410 is reason Expired or Gone); an unknown reason falls back to the HTTP code;
an unknown code falls back to BadRequest for 4xx and InternalError otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from pacific.api import errors as api

_BY_REASON: dict[str, type[api.APIError]] = {
    cls.reason: cls
    for cls in (
        api.BadRequest,
        api.Unauthorized,
        api.Forbidden,
        api.NotFound,
        api.MethodNotAllowed,
        api.NotAcceptable,
        api.AlreadyExists,
        api.Conflict,
        api.Gone,
        api.RequestEntityTooLarge,
        api.UnsupportedMediaType,
        api.Invalid,
        api.TooManyRequests,
        api.InternalError,
        api.ServiceUnavailable,
        api.Timeout,
    )
}
_BY_REASON["Gone"] = api.Gone
_BY_REASON["ServerTimeout"] = api.Timeout

_BY_CODE: dict[int, type[api.APIError]] = {
    400: api.BadRequest,
    401: api.Unauthorized,
    403: api.Forbidden,
    404: api.NotFound,
    405: api.MethodNotAllowed,
    406: api.NotAcceptable,
    409: api.Conflict,
    410: api.Gone,
    413: api.RequestEntityTooLarge,
    415: api.UnsupportedMediaType,
    422: api.Invalid,
    429: api.TooManyRequests,
    500: api.InternalError,
    503: api.ServiceUnavailable,
    504: api.Timeout,
}


class ClientError(Exception):
    """The client got no usable answer from the server."""


class TransportError(ClientError):
    """Connecting, sending or receiving failed (after any retries)."""


class DecodeError(ClientError):
    """The server's answer was not the JSON document expected."""


def _error_class(reason: str, code: int) -> type[api.APIError]:
    cls = _BY_REASON.get(reason) or _BY_CODE.get(code)
    if cls is not None:
        return cls
    return api.BadRequest if 400 <= code < 500 else api.InternalError


def _details(raw: Any, retry_after: int) -> api.Details | None:
    if not isinstance(raw, Mapping) and not retry_after:
        return None
    raw = raw if isinstance(raw, Mapping) else {}
    causes = [
        api.Cause(
            reason=str(c.get("reason", "")),
            message=str(c.get("message", "")),
            field=str(c.get("field", "")),
        )
        for c in raw.get("causes") or ()
        if isinstance(c, Mapping)
    ]
    return api.Details(
        name=str(raw.get("name", "")),
        group=str(raw.get("group", "")),
        kind=str(raw.get("kind", "")),
        causes=causes,
        retry_after_seconds=int(raw.get("retryAfterSeconds") or retry_after),
    )


def error_from_status(
    status: Mapping[str, Any], code: int = 0, retry_after: int = 0
) -> api.APIError:
    """The APIError a `Status` object describes (`code` is used when the body has none)."""
    code = int(status.get("code") or code or 500)
    reason = str(status.get("reason") or "")
    cls = _error_class(reason, code)
    message = str(status.get("message") or reason or f"the server answered {code}")
    return cls(message, _details(status.get("details"), retry_after))


def retry_after_seconds(headers: Mapping[str, str]) -> int:
    """The `Retry-After` header as whole seconds (0 when absent or not a number)."""
    value = headers.get("retry-after", "")
    try:
        return max(int(value), 0)
    except ValueError:
        return 0


def error_from_response(code: int, body: bytes, headers: Mapping[str, str]) -> api.APIError:
    """The APIError for a non-2xx HTTP response, whether or not its body is a Status."""
    retry_after = retry_after_seconds(headers)
    try:
        doc = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        doc = None
    if isinstance(doc, Mapping) and doc.get("kind") == "Status":
        return error_from_status(doc, code, retry_after)
    text = body.decode("utf-8", "replace").strip()[:512] if body else ""
    status = {"code": code, "message": text or f"the server answered {code}"}
    return error_from_status(status, code, retry_after)
