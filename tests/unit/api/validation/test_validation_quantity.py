from decimal import Decimal

import pytest

from pacific.api.validation.quantity import (
    BINARY_SI,
    DECIMAL_SI,
    QuantityError,
    canonical_quantity,
    format_quantity,
    parse,
    parse_quantity,
)


@pytest.mark.parametrize(
    ("raw", "canonical", "value"),
    [
        ("100m", "100m", "0.1"),
        ("1.5", "1500m", "1.5"),
        ("1000m", "1", "1"),
        ("1Gi", "1Gi", "1073741824"),
        ("1024Mi", "1Gi", "1073741824"),
        ("0.5Gi", "512Mi", "536870912"),
        ("0.5Ki", "512", "512"),
        ("1536Ki", "1536Ki", "1572864"),
        ("1500k", "1500k", "1500000"),
        ("1e3", "1e3", "1000"),
        ("1E3", "1e3", "1000"),
        ("12e-3", "12e-3", "0.012"),
        ("1E", "1E", "1000000000000000000"),
        ("0.1n", "1n", "0.000000001"),
        ("-1.5", "-1500m", "-1.5"),
        (".5", "500m", "0.5"),
        ("0", "0", "0"),
        (2, "2", "2"),
        (0.25, "250m", "0.25"),
    ],
)
def test_parse_and_canonical(raw: str | int | float, canonical: str, value: str) -> None:
    assert canonical_quantity(raw) == canonical
    assert parse_quantity(raw) == Decimal(value)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("abc", "quantities must match the regular expression"),
        ("", "quantities must match the regular expression"),
        ("1Zi", "quantities must match the regular expression"),
        ("1..2", "unable to parse numeric part of quantity"),
        ("1mm", "unable to parse quantity's suffix"),
    ],
)
def test_parse_errors(raw: str, message: str) -> None:
    with pytest.raises(QuantityError, match=message.replace("'", ".")):
        parse(raw)


def test_format_keeps_family() -> None:
    assert format_quantity(Decimal(2**30), BINARY_SI) == "1Gi"
    assert format_quantity(Decimal(2**30), DECIMAL_SI) == "1073741824"
    assert format_quantity(Decimal("0.001")) == "1m"
    assert parse("1Gi").format == BINARY_SI
