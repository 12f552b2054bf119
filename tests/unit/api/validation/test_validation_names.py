import pytest

from pacific.api.validation.names import (
    config_key_errors,
    dns1035_label_errors,
    dns1123_label_errors,
    dns1123_subdomain_errors,
    env_var_name_errors,
    is_dns1123_label,
    is_dns1123_subdomain,
    label_value_errors,
    name_is_dns_subdomain,
    path_segment_errors,
    percent_errors,
    port_name_errors,
    qualified_name_errors,
)

SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
    "or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
NAME_PART_MSG = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and "
    "end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex "
    "used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("example.com", []),
        ("a", []),
        ("Foo_bar", [SUBDOMAIN_MSG]),
        ("-a", [SUBDOMAIN_MSG]),
        ("a" * 254, ["must be no more than 253 characters"]),
    ],
)
def test_dns1123_subdomain(value: str, expected: list[str]) -> None:
    assert dns1123_subdomain_errors(value) == expected
    assert is_dns1123_subdomain(value) == (not expected)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("my-name", []),
        ("a.b", ["must not contain dots"]),
        ("A", [LABEL_MSG]),
        ("a" * 64, ["must be no more than 63 characters"]),
    ],
)
def test_dns1123_label(value: str, expected: list[str]) -> None:
    assert dns1123_label_errors(value) == expected
    assert is_dns1123_label(value) == (not expected)


def test_dns1035_label_must_start_with_letter() -> None:
    assert dns1035_label_errors("abc") == []
    assert dns1035_label_errors("1abc") == [
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start "
        "with an alphabetic character, and end with an alphanumeric character (e.g. "
        "'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
    ]


def test_generate_name_may_end_with_dash() -> None:
    assert name_is_dns_subdomain("web-", True) == []
    assert name_is_dns_subdomain("web-", False) == [SUBDOMAIN_MSG]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("app", []),
        ("example.com/app", []),
        ("-bad", [NAME_PART_MSG]),
        ("/app", ["prefix part must be non-empty"]),
        ("Example.com/app", ["prefix part " + SUBDOMAIN_MSG]),
        ("example.com/", ["name part must be non-empty", NAME_PART_MSG]),
        ("a/b/c", ["a qualified name " + NAME_PART_MSG.removeprefix("name part ")]),
        ("a" * 64, ["name part must be no more than 63 characters"]),
    ],
)
def test_qualified_name(value: str, expected: list[str]) -> None:
    assert qualified_name_errors(value) == expected


def test_label_value() -> None:
    assert label_value_errors("") == []
    assert label_value_errors("my_value") == []
    assert label_value_errors("-x") == [
        "a valid label must be an empty string or consist of alphanumeric characters, '-', "
        "'_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  "
        "or 'my_value',  or '12345', regex used for validation is "
        "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("key.name", []),
        ("..x", ["must not start with '..'"]),
        (
            "a b",
            [
                "a valid config key must consist of alphanumeric characters, '-', '_' or '.' "
                "(e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation "
                "is '[-._a-zA-Z0-9]+')"
            ],
        ),
    ],
)
def test_config_key(value: str, expected: list[str]) -> None:
    assert config_key_errors(value) == expected


def test_port_name_rules() -> None:
    assert port_name_errors("http") == []
    assert port_name_errors("123") == ["must contain at least one letter (a-z)"]
    assert port_name_errors("a--b") == ["must not contain consecutive hyphens"]
    assert port_name_errors("-http-long-name-x") == [
        "must be no more than 15 characters",
        "must not begin or end with a hyphen",
    ]


def test_env_var_names_are_relaxed() -> None:
    assert env_var_name_errors("1_MY-var.x") == []
    assert env_var_name_errors("A=B") == [
        "a valid environment variable name must consist only of printable ASCII characters "
        "other than '='"
    ]


def test_percent_and_path_segment() -> None:
    assert percent_errors("25%") == []
    assert percent_errors("x%") != []
    assert path_segment_errors("system:admin") == []
    assert path_segment_errors("..") == ["may not be '..'"]
    assert path_segment_errors("a/b%") == ["may not contain '/'", "may not contain '%'"]
