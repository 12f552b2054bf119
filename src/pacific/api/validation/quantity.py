"""resource.Quantity: parsing, comparison and kube's canonical string form.

A quantity is a decimal number with an optional suffix: binary SI (`Ki` .. `Ei`, powers of
1024), decimal SI (`n u m "" k M G T P E`, powers of 1000) or a decimal exponent (`e3`,
`E-2`). Values are exact `Decimal`s; like kube, anything finer than a nano-unit is rounded
away from zero to the next nano-unit (`0.1n` is `1n`).

The canonical form keeps the family of the suffix the user wrote and picks the largest
unit that keeps the mantissa an integer: "1.5" -> "1500m", "1024Mi" -> "1Gi", "1000m" ->
"1", "1e3" stays "1e3". Binary quantities below 1024 or with a fraction are written in
decimal SI instead ("0.5Ki" -> "512"), exactly as apimachinery's CanonicalizeBytes does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Context, Decimal, InvalidOperation

BINARY_SI = "BinarySI"
DECIMAL_SI = "DecimalSI"
DECIMAL_EXPONENT = "DecimalExponent"

FORMAT_ERROR = (
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)
SUFFIX_ERROR = "unable to parse quantity's suffix"
NUMERIC_ERROR = "unable to parse numeric part of quantity"

_SHAPE = re.compile(r"^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$")
_NUMBER = re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)$")
_EXPONENT = re.compile(r"^[eE]([+-]?[0-9]+)$")
_BINARY = {"Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_DECIMAL_SUFFIX = {exp: s for s, exp in _DECIMAL.items()}
_BINARY_SUFFIX = {0: "", **{exp: s for s, exp in _BINARY.items()}}
_CTX = Context(prec=200)
_NANO = Decimal("1e-9")


class QuantityError(ValueError):
    """The string is not a quantity; `str(err)` is kube's message."""


@dataclass(frozen=True, slots=True)
class Quantity:
    value: Decimal
    format: str

    def canonical(self) -> str:
        return format_quantity(self.value, self.format)


def parse(raw: str | int | float) -> Quantity:
    """Parse a quantity as it may appear in JSON (a string, or a bare number)."""
    if isinstance(raw, bool):
        raise QuantityError(FORMAT_ERROR)
    text = str(raw) if isinstance(raw, int | float) else raw.strip()
    m = _SHAPE.match(text)
    if not m:
        raise QuantityError(FORMAT_ERROR)
    number, suffix = m.groups()
    if not _NUMBER.match(number):
        raise QuantityError(NUMERIC_ERROR)
    if suffix in _BINARY:
        scale, fmt = Decimal(1024) ** _BINARY[suffix], BINARY_SI
    elif suffix in _DECIMAL:
        scale, fmt = Decimal(10) ** _DECIMAL[suffix], DECIMAL_SI
    elif e := _EXPONENT.match(suffix):
        try:
            scale, fmt = _CTX.power(Decimal(10), int(e.group(1))), DECIMAL_EXPONENT
        except (InvalidOperation, OverflowError) as exc:
            raise QuantityError(NUMERIC_ERROR) from exc
    else:
        raise QuantityError(SUFFIX_ERROR)
    value = _CTX.multiply(Decimal(number), scale)
    return Quantity(_round_nano(value), fmt)


def _round_nano(value: Decimal) -> Decimal:
    rounding = ROUND_CEILING if value >= 0 else ROUND_FLOOR
    out = value.quantize(_NANO, rounding=rounding, context=_CTX)
    return out.normalize(_CTX) if out else Decimal(0)


def parse_quantity(raw: str | int | float) -> Decimal:
    """The exact value of a quantity; raises QuantityError."""
    return parse(raw).value


def canonical_quantity(raw: str | int | float) -> str:
    """kube's canonical string for a quantity ("1.5" -> "1500m"); raises QuantityError."""
    return parse(raw).canonical()


def format_quantity(value: Decimal, fmt: str = DECIMAL_SI) -> str:
    """Write `value` in kube's canonical form for the given format family."""
    value = _round_nano(value)
    if fmt == BINARY_SI and (abs(value) < 1024 or value != value.to_integral_value()):
        fmt = DECIMAL_SI
    sign = "-" if value < 0 else ""
    if fmt == BINARY_SI:
        mantissa, exp = int(abs(value)), 0
        while mantissa % 1024 == 0 and exp < 6:
            mantissa //= 1024
            exp += 1
        return f"{sign}{mantissa}{_BINARY_SUFFIX[exp]}"
    mantissa, exp = int(_CTX.multiply(abs(value), Decimal(10) ** 9)), -9
    if mantissa == 0:
        return "0"
    while mantissa % 1000 == 0 and (fmt == DECIMAL_EXPONENT or exp < 18):
        mantissa //= 1000
        exp += 3
    if fmt == DECIMAL_EXPONENT:
        return f"{sign}{mantissa}" + (f"e{exp}" if exp else "")
    return f"{sign}{mantissa}{_DECIMAL_SUFFIX[exp]}"
