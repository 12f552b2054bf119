from __future__ import annotations

import orjson
import pytest

from pacific.api import errors as api
from pacific.client.errors import error_from_response, error_from_status


@pytest.mark.parametrize(
    "cls",
    [
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
    ],
)
def test_every_server_error_round_trips(cls: type[api.APIError]) -> None:
    original = cls("it failed", api.Details(name="x", kind="pods"))
    body = orjson.dumps(original.status())
    restored = error_from_response(cls.code, body, {})
    assert type(restored) is cls
    assert restored.message == "it failed"
    assert restored.status() == original.status()


def test_invalid_round_trips_with_causes() -> None:
    causes = [api.Cause("FieldValueRequired", "Required value", "spec.containers[0].image")]
    original = api.Invalid.of("Pod", "", "web", causes)
    restored = error_from_status(original.status())
    assert isinstance(restored, api.Invalid)
    assert restored.details is not None and restored.details.causes == causes


def test_unknown_reason_falls_back_to_code() -> None:
    assert type(error_from_status({"reason": "Whatever", "code": 404})) is api.NotFound
    assert type(error_from_status({"reason": "Gone", "code": 410})) is api.Gone
    assert type(error_from_status({"code": 418})) is api.BadRequest
    assert type(error_from_status({"code": 502})) is api.InternalError


def test_non_status_bodies_and_retry_after() -> None:
    err = error_from_response(503, b"upstream down", {"retry-after": "7"})
    assert isinstance(err, api.ServiceUnavailable)
    assert err.message == "upstream down"
    assert err.details is not None and err.details.retry_after_seconds == 7
    empty = error_from_response(404, b"", {})
    assert isinstance(empty, api.NotFound) and "404" in empty.message
