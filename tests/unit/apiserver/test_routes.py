import pytest

from pacific.api.errors import MethodNotAllowed, NotFound
from pacific.apiserver.routes import Page, PageRoute, ResourceRoute, Verb, parse


@pytest.mark.parametrize(
    ("method", "path", "watch", "expected"),
    [
        ("GET", "/api/v1/pods", False, ResourceRoute(Verb.LIST, "", "v1", "pods", None, "", "")),
        (
            "GET",
            "/api/v1/namespaces/ns/pods/p",
            False,
            ResourceRoute(Verb.GET, "", "v1", "pods", "ns", "p", ""),
        ),
        (
            "PUT",
            "/api/v1/namespaces/ns/pods/p/status",
            False,
            ResourceRoute(Verb.UPDATE, "", "v1", "pods", "ns", "p", "status"),
        ),
        (
            "GET",
            "/api/v1/namespaces/ns",
            False,
            ResourceRoute(Verb.GET, "", "v1", "namespaces", None, "ns", ""),
        ),
        (
            "PUT",
            "/api/v1/namespaces/ns/finalize",
            False,
            ResourceRoute(Verb.UPDATE, "", "v1", "namespaces", None, "ns", "finalize"),
        ),
        (
            "GET",
            "/apis/apps/v1/namespaces/ns/deployments",
            True,
            ResourceRoute(Verb.WATCH, "apps", "v1", "deployments", "ns", "", ""),
        ),
        (
            "GET",
            "/api/v1/watch/namespaces/ns/pods/p",
            False,
            ResourceRoute(Verb.WATCH, "", "v1", "pods", "ns", "p", ""),
        ),
        (
            "DELETE",
            "/api/v1/namespaces/ns/pods",
            False,
            ResourceRoute(Verb.DELETECOLLECTION, "", "v1", "pods", "ns", "", ""),
        ),
        ("GET", "/apis/apps/v1", False, PageRoute(Page.RESOURCE_LIST, "apps", "v1")),
        ("GET", "/apis/apps", False, PageRoute(Page.API_GROUP, "apps")),
        ("GET", "/api", False, PageRoute(Page.API_VERSIONS)),
        ("GET", "/openapi/v3/apis/apps/v1", False, PageRoute(Page.OPENAPI_V3, rest="apis/apps/v1")),
    ],
)
def test_parse(method: str, path: str, watch: bool, expected: object) -> None:
    assert parse(method, path, watch_param=watch) == expected


def test_watch_param_does_not_turn_a_named_get_into_a_watch() -> None:
    route = parse("GET", "/api/v1/namespaces/ns/pods/p", watch_param=True)
    assert isinstance(route, ResourceRoute) and route.verb is Verb.GET


@pytest.mark.parametrize("path", ["/", "/foo", "/api/v1/a/b/c/d/e", "/api/v1/watch"])
def test_unknown_paths_are_not_found(path: str) -> None:
    with pytest.raises(NotFound):
        parse("GET", path)


def test_unknown_method() -> None:
    with pytest.raises(MethodNotAllowed):
        parse("TRACE", "/api/v1/pods")
