"""API errors, each one a Kubernetes `Status`.

Every error the API returns is raised as an `APIError` somewhere below the HTTP layer and
turned into a `Status` body and HTTP code in exactly one place (`APIError.status()`). The
reasons and codes are the ones kube-apiserver uses (k8s.io/apimachinery/pkg/api/errors).

    APIError                     (reason, code)
    ├── BadRequest               BadRequest 400
    ├── Unauthorized             Unauthorized 401
    ├── Forbidden                Forbidden 403
    ├── NotFound                 NotFound 404
    ├── MethodNotAllowed         MethodNotAllowed 405
    ├── NotAcceptable            NotAcceptable 406
    ├── AlreadyExists            AlreadyExists 409
    ├── Conflict                 Conflict 409
    ├── Gone                     Expired 410 (stale resourceVersion / continue token)
    ├── RequestEntityTooLarge    RequestEntityTooLarge 413
    ├── UnsupportedMediaType     UnsupportedMediaType 415
    ├── Invalid                  Invalid 422, with causes (field errors)
    ├── TooManyRequests          TooManyRequests 429
    ├── InternalError            InternalError 500
    ├── ServiceUnavailable       ServiceUnavailable 503
    └── Timeout                  Timeout 504
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class Cause:
    """One field error (metav1.StatusCause). `reason` is a CauseType such as FieldValueRequired."""

    reason: str
    message: str
    field: str = ""

    def to_dict(self) -> dict[str, str]:
        out = {"reason": self.reason, "message": self.message}
        if self.field:
            out["field"] = self.field
        return out


# field.ErrorType → (CauseType, the text kube-apiserver prints)
FIELD_VALUE_REQUIRED = "FieldValueRequired"
FIELD_VALUE_INVALID = "FieldValueInvalid"
FIELD_VALUE_NOT_SUPPORTED = "FieldValueNotSupported"
FIELD_VALUE_DUPLICATE = "FieldValueDuplicate"
FIELD_VALUE_FORBIDDEN = "FieldValueForbidden"
FIELD_VALUE_TOO_LONG = "FieldValueTooLong"
FIELD_VALUE_TYPE_INVALID = "FieldValueTypeInvalid"
FIELD_UNKNOWN = "FieldValueUnknown"  # unknown field under Strict validation ("unknown field")


@dataclass
class Details:
    name: str = ""
    group: str = ""
    kind: str = ""
    causes: list[Cause] = field(default_factory=list)
    retry_after_seconds: int = 0

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.name:
            out["name"] = self.name
        if self.group:
            out["group"] = self.group
        if self.kind:
            out["kind"] = self.kind
        if self.causes:
            out["causes"] = [c.to_dict() for c in self.causes]
        if self.retry_after_seconds:
            out["retryAfterSeconds"] = self.retry_after_seconds
        return out


class APIError(Exception):
    reason: ClassVar[str] = "InternalError"
    code: ClassVar[int] = 500

    def __init__(self, message: str, details: Details | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def status(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details is not None:
            d = self.details.to_dict()
            if d:
                out["details"] = d
        return out


def _resource_ref(resource: str, group: str) -> str:
    return f"{resource}.{group}" if group else resource


class BadRequest(APIError):
    reason = "BadRequest"
    code = 400


class Unauthorized(APIError):
    reason = "Unauthorized"
    code = 401


class Forbidden(APIError):
    reason = "Forbidden"
    code = 403


class NotFound(APIError):
    reason = "NotFound"
    code = 404

    @classmethod
    def of(cls, resource: str, group: str, name: str) -> NotFound:
        return cls(
            f'{_resource_ref(resource, group)} "{name}" not found',
            Details(name=name, group=group, kind=resource),
        )


class MethodNotAllowed(APIError):
    reason = "MethodNotAllowed"
    code = 405


class NotAcceptable(APIError):
    reason = "NotAcceptable"
    code = 406


class AlreadyExists(APIError):
    reason = "AlreadyExists"
    code = 409

    @classmethod
    def of(cls, resource: str, group: str, name: str) -> AlreadyExists:
        return cls(
            f'{_resource_ref(resource, group)} "{name}" already exists',
            Details(name=name, group=group, kind=resource),
        )


class Conflict(APIError):
    reason = "Conflict"
    code = 409

    @classmethod
    def modified(cls, resource: str, group: str, name: str) -> Conflict:
        return cls(
            f'Operation cannot be fulfilled on {_resource_ref(resource, group)} "{name}": '
            "the object has been modified; please apply your changes to the latest version "
            "and try again",
            Details(name=name, group=group, kind=resource),
        )


class Gone(APIError):
    reason = "Expired"
    code = 410


class RequestEntityTooLarge(APIError):
    reason = "RequestEntityTooLarge"
    code = 413


class UnsupportedMediaType(APIError):
    reason = "UnsupportedMediaType"
    code = 415


class Invalid(APIError):
    reason = "Invalid"
    code = 422

    @classmethod
    def of(cls, kind: str, group: str, name: str, causes: list[Cause]) -> Invalid:
        qualified = f"{kind}.{group}" if group else kind
        text = ", ".join(f"{c.field}: {c.message}" if c.field else c.message for c in causes)
        if len(causes) > 1:
            text = f"[{text}]"
        return cls(
            f'{qualified} "{name}" is invalid: {text}',
            Details(name=name, group=group, kind=kind, causes=causes),
        )


class TooManyRequests(APIError):
    reason = "TooManyRequests"
    code = 429


class InternalError(APIError):
    reason = "InternalError"
    code = 500


class ServiceUnavailable(APIError):
    reason = "ServiceUnavailable"
    code = 503


class Timeout(APIError):
    reason = "Timeout"
    code = 504
