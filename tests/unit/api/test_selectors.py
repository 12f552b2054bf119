"""Label and field selectors: kube's grammar, matching and error texts."""

import pytest

from pacific.api.errors import BadRequest
from pacific.api.resources import ResourceType
from pacific.api.selector_syntax import Token, lex
from pacific.api.selectors import (
    Operator,
    format_label_selector,
    label_selector_from_object,
    parse_field_selector,
    parse_label_selector,
)

PODS = ResourceType(
    group="",
    version="v1",
    kind="Pod",
    plural="pods",
    singular="pod",
    namespaced=True,
    field_selectors=("spec.nodeName", "status.phase", "spec.hostNetwork"),
)
EVENTS = ResourceType(
    group="",
    version="v1",
    kind="Event",
    plural="events",
    singular="event",
    namespaced=True,
    field_selectors=("source", "reason"),
)


def test_lex_operators_and_keywords() -> None:
    assert lex("a!=b,c in (x),!d") == [
        (Token.IDENTIFIER, "a"),
        (Token.NOT_EQUALS, "!="),
        (Token.IDENTIFIER, "b"),
        (Token.COMMA, ","),
        (Token.IDENTIFIER, "c"),
        (Token.IN, "in"),
        (Token.OPEN_PAREN, "("),
        (Token.IDENTIFIER, "x"),
        (Token.CLOSE_PAREN, ")"),
        (Token.COMMA, ","),
        (Token.NOT, "!"),
        (Token.IDENTIFIER, "d"),
        (Token.END, ""),
    ]


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("", ""),
        ("app=web", "app=web"),
        ("app==web", "app==web"),
        ("app != web", "app!=web"),
        ("env in (prod, dev)", "env in (dev,prod)"),
        ("env notin (prod)", "env notin (prod)"),
        ("tier", "tier"),
        ("!tier", "!tier"),
        ("b=1,a=2", "a=2,b=1"),
        ("x in (in)", "x in (in)"),
        ("a=", "a="),
        ("example.com/app=x", "example.com/app=x"),
        ("n>5", "n>5"),
        ("x in (foo,,baz),y,z notin ()", "x in (,baz,foo),y,z notin ()"),
    ],
)
def test_parse_canonical_form(text: str, canonical: str) -> None:
    assert str(parse_label_selector(text)) == canonical


def test_matching() -> None:
    labels = {"app": "web", "env": "prod", "n": "7"}
    assert parse_label_selector("").matches(labels)
    assert parse_label_selector("app=web,env in (prod,dev)").matches(labels)
    assert not parse_label_selector("app=db").matches(labels)
    assert parse_label_selector("app!=db").matches(labels)
    assert parse_label_selector("missing!=x").matches(labels)
    assert not parse_label_selector("env notin (prod)").matches(labels)
    assert parse_label_selector("missing notin (prod)").matches(labels)
    assert parse_label_selector("app").matches(labels)
    assert not parse_label_selector("!app").matches(labels)
    assert parse_label_selector("n>5,n<8").matches(labels)
    assert not parse_label_selector("n>7").matches(labels)
    assert not parse_label_selector("app>1").matches(labels)
    assert parse_label_selector("!x").matches(None)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a in b", "unable to parse requirement: found 'b' expected: '('"),
        ("a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"),
        ("a=b c", "found 'c', expected: ',' or 'end of string'"),
        ("a=b,", "found '', expected: identifier after ','"),
        ("=b", "found '=', expected: !, identifier, or 'end of string'"),
        ("a in (b", "unable to parse requirement: found '', expected: ',' or ')'"),
        ("a=(", "unable to parse requirement: found '(', expected: identifier"),
        (
            "n>x",
            'unable to parse requirement: values[0]: Invalid value: "x": '
            "for 'Gt', 'Lt' operators, the value must be an integer",
        ),
        (
            "-a=b",
            'unable to parse requirement: <nil>: Invalid value: "-a": name part must consist '
            "of alphanumeric characters, '-', '_' or '.', and must start and end with an "
            "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used "
            "for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
        ),
        (
            "a=b$",
            'unable to parse requirement: values[0][a]: Invalid value: "b$": a valid label '
            "must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
            "and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
            "'my_value',  or '12345', regex used for validation is "
            "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
        ),
    ],
)
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(BadRequest) as err:
        parse_label_selector(text)
    assert err.value.message == message
    assert err.value.status()["code"] == 400


def test_prefix_errors() -> None:
    with pytest.raises(BadRequest, match="prefix part a lowercase RFC 1123 subdomain"):
        parse_label_selector("Foo.com/a")
    with pytest.raises(BadRequest, match="prefix part must be non-empty"):
        parse_label_selector("/a")


def test_object_selector() -> None:
    sel = label_selector_from_object(
        {
            "matchLabels": {"app": "web"},
            "matchExpressions": [
                {"key": "env", "operator": "In", "values": ["prod", "dev"]},
                {"key": "canary", "operator": "DoesNotExist"},
            ],
        }
    )
    assert str(sel) == "app=web,!canary,env in (dev,prod)"
    assert [r.key for r in sel.requirements] == ["app", "canary", "env"]
    assert sel.matches({"app": "web", "env": "dev"})
    assert not sel.matches({"app": "web", "env": "dev", "canary": "1"})
    assert sel.exact("app") == "web"
    assert sel.exact("env") is None


def test_empty_and_none_object_selectors() -> None:
    assert label_selector_from_object({}).matches({})
    assert label_selector_from_object({}).empty
    nothing = label_selector_from_object(None)
    assert not nothing.matches({"a": "b"})
    assert not nothing.empty
    assert format_label_selector(None) == "<none>"
    assert format_label_selector({}) == "<none>"
    assert format_label_selector({"matchLabels": {"b": "2", "a": "1"}}) == "a=1,b=2"
    assert format_label_selector({"matchLabels": {"a": "$"}}) == "<error>"


def test_object_selector_errors() -> None:
    with pytest.raises(BadRequest, match='"Bogus" is not a valid label selector operator'):
        label_selector_from_object({"matchExpressions": [{"key": "a", "operator": "Bogus"}]})
    with pytest.raises(BadRequest) as err:
        label_selector_from_object({"matchExpressions": [{"key": "a", "operator": "In"}]})
    assert err.value.message == (
        "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set "
        "can't be empty"
    )
    with pytest.raises(BadRequest, match=r'values: Invalid value: \[\]string\{"x"\}'):
        label_selector_from_object(
            {"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]}
        )


def test_operator_enum_values() -> None:
    assert parse_label_selector("a notin (b)").requirements[0].operator is Operator.NOT_IN


POD = {
    "metadata": {"name": "web-1", "namespace": "prod"},
    "spec": {"nodeName": "n1", "hostNetwork": True},
    "status": {"phase": "Running"},
}


def test_field_selector_matches() -> None:
    assert parse_field_selector(PODS, "").matches(POD)
    assert parse_field_selector(PODS, "metadata.name=web-1").matches(POD)
    assert parse_field_selector(PODS, "spec.nodeName==n1,status.phase!=Pending").matches(POD)
    assert not parse_field_selector(PODS, "status.phase=Pending").matches(POD)
    assert parse_field_selector(PODS, "spec.hostNetwork=true").matches(POD)
    assert parse_field_selector(PODS, "spec.nodeName=").matches({"metadata": {}})
    assert not parse_field_selector(PODS, "spec.nodeName!=").matches({"metadata": {}})


def test_field_selector_exact_values() -> None:
    sel = parse_field_selector(PODS, "metadata.namespace=prod,metadata.name=web-1")
    assert (sel.namespace, sel.name) == ("prod", "web-1")
    sel = parse_field_selector(PODS, "metadata.name!=x")
    assert (sel.namespace, sel.name) == (None, None)


def test_field_selector_escapes() -> None:
    sel = parse_field_selector(PODS, r"metadata.name=a\,b\=c")
    assert sel.name == "a,b=c"
    assert str(sel) == r"metadata.name=a\,b\=c"


def test_field_selector_errors() -> None:
    with pytest.raises(BadRequest, match=r"^field label not supported: spec\.foo$"):
        parse_field_selector(PODS, "spec.foo=bar")
    with pytest.raises(BadRequest, match=r"^invalid selector: 'abc'; can't understand 'abc'$"):
        parse_field_selector(PODS, "abc")
    with pytest.raises(BadRequest, match="invalid escape sequence"):
        parse_field_selector(PODS, r"metadata.name=a\b")
    with pytest.raises(BadRequest, match="unescaped character in value: 61"):
        parse_field_selector(PODS, "metadata.name=a=b")


def test_event_source_alias() -> None:
    event = {"metadata": {"name": "e"}, "source": {"component": "kubelet"}, "reason": "Pulled"}
    assert parse_field_selector(EVENTS, "source=kubelet,reason=Pulled").matches(event)
