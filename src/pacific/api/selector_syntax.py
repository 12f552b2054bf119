"""The lexical layer of label selectors: tokens, and the label key/value rules.

`lex` splits a selector string into tokens exactly like apimachinery's labels.Lexer:
whitespace separates, the symbols `= ! ( ) , > <` form the longest operator they spell
(`!=`, `==`), and every other run of characters is an identifier, or the keywords `in` /
`notin`. The list always ends with `Token.END`.

`label_key_errors` / `label_value_errors` return the same messages as
validation.IsQualifiedName / IsValidLabelValue, so errors read like kube-apiserver's.
"""

from __future__ import annotations

import enum
import re


class Token(enum.Enum):
    END = "end"
    CLOSE_PAREN = ")"
    COMMA = ","
    NOT = "!"
    DOUBLE_EQUALS = "=="
    EQUALS = "="
    GREATER_THAN = ">"
    IDENTIFIER = "identifier"
    IN = "in"
    LESS_THAN = "<"
    NOT_EQUALS = "!="
    NOT_IN = "notin"
    OPEN_PAREN = "("


_LITERALS = {t.value: t for t in Token if t not in (Token.END, Token.IDENTIFIER)}
_SPECIAL = frozenset("=!(),><")
_SPACE = frozenset(" \t\r\n")


def lex(text: str) -> list[tuple[Token, str]]:
    """Tokenise `text`; each item is (token, literal)."""
    out: list[tuple[Token, str]] = []
    i, n = 0, len(text)
    while True:
        while i < n and text[i] in _SPACE:
            i += 1
        if i >= n:
            out.append((Token.END, ""))
            return out
        if text[i] in _SPECIAL:
            # Longest prefix of special characters that is an operator.
            j = i + 1
            if j < n and text[i : j + 1] in _LITERALS:
                j += 1
            lit = text[i:j]
            out.append((_LITERALS[lit], lit))
            i = j
            continue
        j = i
        while j < n and text[j] not in _SPECIAL and text[j] not in _SPACE:
            j += 1
        lit = text[i:j]
        out.append((_LITERALS.get(lit, Token.IDENTIFIER), lit))
        i = j


_QNAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_QNAME_MSG = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
    "with an alphanumeric character"
)
_DNS_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS_SUBDOMAIN_FMT = _DNS_LABEL_FMT + "(\\." + _DNS_LABEL_FMT + ")*"
_DNS_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
    "'-' or '.', and must start and end with an alphanumeric character"
)
_VALUE_FMT = "(" + _QNAME_FMT + ")?"
_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', "
    "'_' or '.', and must start and end with an alphanumeric character"
)


def regex_error(msg: str, fmt: str, *examples: str) -> str:
    """validation.RegexError, double spaces and all."""
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    shown = " or ".join(f"'{e}', " for e in examples)
    return f"{msg} (e.g. {shown}regex used for validation is '{fmt}')"


def dns1123_subdomain_errors(value: str) -> list[str]:
    errs = []
    if len(value) > 253:
        errs.append("must be no more than 253 characters")
    if not re.fullmatch(_DNS_SUBDOMAIN_FMT, value):
        errs.append(regex_error(_DNS_SUBDOMAIN_MSG, _DNS_SUBDOMAIN_FMT, "example.com"))
    return errs


def label_key_errors(key: str) -> list[str]:
    """validation.IsQualifiedName: `[prefix/]name`."""
    parts = key.split("/")
    errs: list[str] = []
    if len(parts) > 2:
        example = regex_error(_QNAME_MSG, _QNAME_FMT, "MyName", "my.name", "123-abc")
        return [
            f"a qualified name {example} with an optional DNS subdomain prefix and '/' "
            "(e.g. 'example.com/MyName')"
        ]
    name = parts[-1]
    if len(parts) == 2:
        prefix = parts[0]
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            errs.extend("prefix part " + e for e in dns1123_subdomain_errors(prefix))
    if not name:
        errs.append("name part must be non-empty")
    elif len(name) > 63:
        errs.append("name part must be no more than 63 characters")
    if not re.fullmatch(_QNAME_FMT, name):
        errs.append(
            "name part " + regex_error(_QNAME_MSG, _QNAME_FMT, "MyName", "my.name", "123-abc")
        )
    return errs


def label_value_errors(value: str) -> list[str]:
    """validation.IsValidLabelValue."""
    errs = []
    if len(value) > 63:
        errs.append("must be no more than 63 characters")
    if not re.fullmatch(_VALUE_FMT, value):
        errs.append(regex_error(_VALUE_MSG, _VALUE_FMT, "MyValue", "my_value", "12345"))
    return errs
