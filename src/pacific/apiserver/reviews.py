"""Create-only review kinds that are answered, never stored.

- authentication.k8s.io/v1 SelfSubjectReview: the caller's UserInfo (`kubectl auth whoami`).
- authorization.k8s.io/v1 SelfSubjectAccessReview (`kubectl auth can-i`): RBAC is not
  enforced yet, so every authenticated user is allowed; the reason says so.
"""

from __future__ import annotations

from pacific.api.resources import Obj
from pacific.apiserver import bodies, render
from pacific.apiserver.context import Call, Response, Server

ALLOW_REASON = "RBAC is not enforced yet: every authenticated user may do everything"


def self_subject_review(call: Call) -> Obj:
    return {
        "kind": "SelfSubjectReview",
        "apiVersion": "authentication.k8s.io/v1",
        "metadata": {"creationTimestamp": None},
        "status": {"userInfo": call.user.to_user_info()},
    }


def self_subject_access_review(body: Obj) -> Obj:
    return {
        "kind": "SelfSubjectAccessReview",
        "apiVersion": "authorization.k8s.io/v1",
        "metadata": {"creationTimestamp": None},
        "spec": body.get("spec") or {},
        "status": {"allowed": True, "reason": ALLOW_REASON},
    }


async def review(server: Server, call: Call) -> Response:
    body = bodies.load_object(call.body, call.header(b"content-type"))
    bodies.check_type(call.rt, body)
    if call.rt.kind == "SelfSubjectReview":
        return render.json_response(self_subject_review(call), status=201)
    return render.json_response(self_subject_access_review(body), status=201)
