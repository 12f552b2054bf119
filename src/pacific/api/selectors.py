"""Label and field selectors, parsed and matched the way kube-apiserver does.

Label selectors come in two forms that compile to the same `LabelSelector`, an AND of
`Requirement`s sorted by key:

- the string form of `?labelSelector=` (k8s.io/apimachinery/pkg/labels): `a=b`, `a==b`,
  `a!=b`, `a in (x,y)`, `a notin (x)`, `a` (exists), `!a` (does not exist), `a>1`, `a<1`.
  `parse_label_selector` follows kube's lexer and recursive-descent parser, including its
  error texts, so a bad selector yields the same `400 BadRequest` message kubectl prints.
- the object form, metav1.LabelSelector (`matchLabels` + `matchExpressions`) embedded in
  Deployments, ReplicaSets, Services and so on. `label_selector_from_object` follows
  metav1.LabelSelectorAsSelector: an empty selector (`{}`) matches everything; a missing
  selector (`None`) matches nothing.

Field selectors (`?fieldSelector=`, k8s.io/apimachinery/pkg/fields) are an AND of
`field=value`, `field==value` and `field!=value` terms. Every kind accepts
`metadata.name` and `metadata.namespace`; a kind accepts more through
`ResourceType.field_selectors`. A field's value is read from the object as a string (missing
is "", booleans are "true"/"false"). `FieldSelector.name` / `.namespace` expose an exact
match on those two fields so a list can narrow the store prefix before filtering.

Invariants: parsing is pure and total (either a selector or `BadRequest`); selectors are
immutable; `str(selector)` is kube's canonical String() form.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pacific.api.errors import BadRequest
from pacific.api.resources import ResourceType
from pacific.api.selector_syntax import Token, label_key_errors, label_value_errors, lex


class Operator(enum.Enum):
    IN = "in"
    NOT_IN = "notin"
    EQUALS = "="
    DOUBLE_EQUALS = "=="
    NOT_EQUALS = "!="
    GREATER_THAN = "gt"
    LESS_THAN = "lt"
    EXISTS = "exists"
    DOES_NOT_EXIST = "!"


_BINARY = "in, notin, =, ==, !=, gt, lt"
_SYMBOL = {
    Operator.EQUALS: "=",
    Operator.DOUBLE_EQUALS: "==",
    Operator.NOT_EQUALS: "!=",
    Operator.IN: " in ",
    Operator.NOT_IN: " notin ",
    Operator.GREATER_THAN: ">",
    Operator.LESS_THAN: "<",
}
_OBJECT_OPERATORS = {
    "In": Operator.IN,
    "NotIn": Operator.NOT_IN,
    "Exists": Operator.EXISTS,
    "DoesNotExist": Operator.DOES_NOT_EXIST,
}


def _go_quote(value: str) -> str:
    """Go's %q for the strings selectors see (printable text)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _go_strings(values: tuple[str, ...]) -> str:
    """Go's %#v of a []string, as field.Invalid prints a whole values list."""
    if not values:
        return "[]string(nil)"
    return "[]string{" + ", ".join(_go_quote(v) for v in values) + "}"


def _invalid(path: str, shown: str, detail: str) -> str:
    return f"{path}: Invalid value: {shown}: {detail}"


def _aggregate(messages: list[str]) -> str:
    unique = list(dict.fromkeys(messages))
    return unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]"


@dataclass(frozen=True, slots=True)
class Requirement:
    """One term of a label selector: `key <operator> values`."""

    key: str
    operator: Operator
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        op = self.operator
        if op is Operator.EXISTS:
            return self.key in labels
        if op is Operator.DOES_NOT_EXIST:
            return self.key not in labels
        value = labels.get(self.key)
        if op in (Operator.IN, Operator.EQUALS, Operator.DOUBLE_EQUALS):
            return value is not None and value in self.values
        if op in (Operator.NOT_IN, Operator.NOT_EQUALS):
            return value is None or value not in self.values
        if value is None or len(self.values) != 1:
            return False
        try:
            have, want = int(value), int(self.values[0])
        except ValueError:
            return False
        return have > want if op is Operator.GREATER_THAN else have < want

    def __str__(self) -> str:
        if self.operator is Operator.EXISTS:
            return self.key
        if self.operator is Operator.DOES_NOT_EXIST:
            return "!" + self.key
        shown = ",".join(sorted(self.values)) if len(self.values) > 1 else self.values[0]
        if self.operator in (Operator.IN, Operator.NOT_IN):
            shown = f"({shown})"
        return f"{self.key}{_SYMBOL[self.operator]}{shown}"


def new_requirement(key: str, operator: Operator, values: tuple[str, ...]) -> Requirement:
    """Validate and build one requirement (labels.NewRequirement); BadRequest when invalid."""
    errors = [_invalid("key", _go_quote(key), e) for e in _key_errors(key)]
    if operator in (Operator.IN, Operator.NOT_IN) and not values:
        detail = "for 'in', 'notin' operators, values set can't be empty"
        errors.append(_invalid("values", _go_strings(values), detail))
    elif operator in (Operator.EQUALS, Operator.DOUBLE_EQUALS, Operator.NOT_EQUALS):
        if len(values) != 1:
            detail = "exact-match compatibility requires one single value"
            errors.append(_invalid("values", _go_strings(values), detail))
    elif operator in (Operator.EXISTS, Operator.DOES_NOT_EXIST) and values:
        detail = "values set must be empty for exists and does not exist"
        errors.append(_invalid("values", _go_strings(values), detail))
    elif operator in (Operator.GREATER_THAN, Operator.LESS_THAN):
        if len(values) != 1:
            detail = "for 'Gt', 'Lt' operators, exactly one value is required"
            errors.append(_invalid("values", _go_strings(values), detail))
        for i, value in enumerate(values):
            if not re.fullmatch(r"[+-]?[0-9]+", value):
                detail = "for 'Gt', 'Lt' operators, the value must be an integer"
                errors.append(_invalid(f"values[{i}]", _go_quote(value), detail))
    for i, value in enumerate(values):
        detail = "; ".join(label_value_errors(value))
        if detail:
            errors.append(_invalid(f"values[{i}][{key}]", _go_quote(value), detail))
    if errors:
        raise BadRequest(_aggregate(errors))
    return Requirement(key, operator, values)


def _key_errors(key: str) -> list[str]:
    detail = "; ".join(label_key_errors(key))
    return [detail] if detail else []


@dataclass(frozen=True, slots=True)
class LabelSelector:
    """An AND of requirements. `nothing=True` is the selector that matches no object."""

    requirements: tuple[Requirement, ...] = ()
    nothing: bool = False

    @property
    def empty(self) -> bool:
        """True when the selector does not restrict anything (matches every object)."""
        return not self.requirements and not self.nothing

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        if self.nothing:
            return False
        have = labels or {}
        return all(r.matches(have) for r in self.requirements)

    def matches_object(self, obj: Mapping[str, Any]) -> bool:
        """Match an API object by its `metadata.labels`."""
        return self.matches((obj.get("metadata") or {}).get("labels"))

    def exact(self, key: str) -> str | None:
        """The single value `key` must have to match (labels.RequiresExactMatch), if any."""
        for r in self.requirements:
            if r.key == key:
                exact = (Operator.EQUALS, Operator.DOUBLE_EQUALS, Operator.IN)
                if r.operator in exact and len(r.values) == 1:
                    return r.values[0]
                return None
        return None

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)


def _sorted(requirements: list[Requirement]) -> LabelSelector:
    return LabelSelector(tuple(sorted(requirements, key=lambda r: r.key)))


class _Parser:
    """kube's label selector parser; `in`/`notin` are values outside operator position."""

    def __init__(self, text: str) -> None:
        self.items = lex(text)
        self.pos = 0

    def peek(self, as_value: bool = True) -> tuple[Token, str]:
        return self._view(self.items[self.pos], as_value)

    def take(self, as_value: bool = True) -> tuple[Token, str]:
        item = self.items[self.pos]
        self.pos += 1
        return self._view(item, as_value)

    @staticmethod
    def _view(item: tuple[Token, str], as_value: bool) -> tuple[Token, str]:
        tok, lit = item
        if as_value and tok in (Token.IN, Token.NOT_IN):
            return Token.IDENTIFIER, lit
        return tok, lit

    def parse(self) -> list[Requirement]:
        out: list[Requirement] = []
        while True:
            tok, lit = self.peek()
            if tok is Token.END:
                return out
            if tok not in (Token.IDENTIFIER, Token.NOT):
                raise ValueError(f"found '{lit}', expected: !, identifier, or 'end of string'")
            try:
                out.append(self.requirement())
            except ValueError as exc:
                raise ValueError(f"unable to parse requirement: {exc}") from None
            except BadRequest as exc:
                raise ValueError(f"unable to parse requirement: {exc.message}") from None
            tok, lit = self.take()
            if tok is Token.END:
                return out
            if tok is not Token.COMMA:
                raise ValueError(f"found '{lit}', expected: ',' or 'end of string'")
            tok, lit = self.peek()
            if tok not in (Token.IDENTIFIER, Token.NOT):
                raise ValueError(f"found '{lit}', expected: identifier after ','")

    def requirement(self) -> Requirement:
        tok, key = self.take()
        negated = tok is Token.NOT
        if negated:
            tok, key = self.take()
        if tok is not Token.IDENTIFIER:
            raise ValueError(f"found '{key}', expected: identifier")
        errors = _key_errors(key)
        if errors:
            raise ValueError(_invalid("<nil>", _go_quote(key), errors[0]))
        if self.peek()[0] in (Token.END, Token.COMMA):
            op = Operator.DOES_NOT_EXIST if negated else Operator.EXISTS
            return new_requirement(key, op, ())
        op = self.operator()
        values = self.set_values() if op in (Operator.IN, Operator.NOT_IN) else self.exact_value()
        return new_requirement(key, op, tuple(sorted(values)))

    def operator(self) -> Operator:
        tok, lit = self.take(as_value=False)
        ops = {
            Token.IN: Operator.IN,
            Token.NOT_IN: Operator.NOT_IN,
            Token.EQUALS: Operator.EQUALS,
            Token.DOUBLE_EQUALS: Operator.DOUBLE_EQUALS,
            Token.NOT_EQUALS: Operator.NOT_EQUALS,
            Token.GREATER_THAN: Operator.GREATER_THAN,
            Token.LESS_THAN: Operator.LESS_THAN,
        }
        if tok not in ops:
            raise ValueError(f"found '{lit}', expected: {_BINARY}")
        return ops[tok]

    def set_values(self) -> set[str]:
        tok, lit = self.take()
        if tok is not Token.OPEN_PAREN:
            raise ValueError(f"found '{lit}' expected: '('")
        tok, lit = self.peek()
        if tok is Token.CLOSE_PAREN:
            self.take()
            return {""}
        if tok not in (Token.IDENTIFIER, Token.COMMA):
            raise ValueError(f"found '{lit}', expected: ',', ')' or identifier")
        values = self.identifiers()
        if self.take()[0] is not Token.CLOSE_PAREN:
            raise ValueError(f"found '{lit}', expected: ')'")
        return values

    def identifiers(self) -> set[str]:
        values: set[str] = set()
        while True:
            tok, lit = self.take()
            if tok is Token.IDENTIFIER:
                values.add(lit)
                nxt, nlit = self.peek()
                if nxt is Token.CLOSE_PAREN:
                    return values
                if nxt is not Token.COMMA:
                    raise ValueError(f"found '{nlit}', expected: ',' or ')'")
            elif tok is Token.COMMA:
                # "(,a", "a,,b" and "a,)" all carry the empty value.
                nxt = self.peek()[0]
                if not values or nxt in (Token.CLOSE_PAREN, Token.COMMA):
                    values.add("")
                if nxt is Token.CLOSE_PAREN:
                    return values
            else:
                raise ValueError(f"found '{lit}', expected: ',', or identifier")

    def exact_value(self) -> set[str]:
        if self.peek()[0] in (Token.END, Token.COMMA):
            return {""}
        tok, lit = self.take()
        if tok is not Token.IDENTIFIER:
            raise ValueError(f"found '{lit}', expected: identifier")
        return {lit}


def parse_label_selector(text: str) -> LabelSelector:
    """Parse the string form of a label selector; `BadRequest` with kube's text if invalid."""
    try:
        return _sorted(_Parser(text).parse())
    except ValueError as exc:
        raise BadRequest(str(exc)) from None


def label_selector_from_object(sel: Mapping[str, Any] | None) -> LabelSelector:
    """Compile a metav1.LabelSelector. `None` matches nothing; `{}` matches everything."""
    if sel is None:
        return LabelSelector(nothing=True)
    match_labels: Mapping[str, Any] = sel.get("matchLabels") or {}
    expressions: list[Mapping[str, Any]] = sel.get("matchExpressions") or []
    out = [new_requirement(k, Operator.EQUALS, (str(v),)) for k, v in match_labels.items()]
    for expr in expressions:
        name = str(expr.get("operator", ""))
        op = _OBJECT_OPERATORS.get(name)
        if op is None:
            raise BadRequest(f"{_go_quote(name)} is not a valid label selector operator")
        values = tuple(str(v) for v in expr.get("values") or ())
        out.append(new_requirement(str(expr.get("key", "")), op, values))
    return _sorted(out)


def format_label_selector(sel: Mapping[str, Any] | None) -> str:
    """metav1.FormatLabelSelector: the string form, `<none>` if empty, `<error>` if invalid."""
    try:
        text = str(label_selector_from_object(sel))
    except BadRequest:
        return "<error>"
    return text or "<none>"


# ---- field selectors ------------------------------------------------------------------

_TERM_OPERATORS = ("!=", "==", "=")
_ALWAYS_SELECTABLE = ("metadata.name", "metadata.namespace")
# Field labels whose value lives at a different path in the object.
_FIELD_PATHS = {("Event", "source"): "source.component"}


@dataclass(frozen=True, slots=True)
class FieldTerm:
    field: str
    value: str
    negated: bool = False

    def __str__(self) -> str:
        return f"{self.field}{'!=' if self.negated else '='}{_escape(self.value)}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")


@dataclass(frozen=True, slots=True)
class FieldSelector:
    """An AND of field terms for one kind."""

    kind: str
    terms: tuple[FieldTerm, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.terms

    @property
    def name(self) -> str | None:
        """The exact `metadata.name` this selector requires, if any."""
        return self.exact("metadata.name")

    @property
    def namespace(self) -> str | None:
        """The exact `metadata.namespace` this selector requires, if any."""
        return self.exact("metadata.namespace")

    def exact(self, field: str) -> str | None:
        for term in self.terms:
            if term.field == field and not term.negated:
                return term.value
        return None

    def matches(self, obj: Mapping[str, Any]) -> bool:
        for term in self.terms:
            path = _FIELD_PATHS.get((self.kind, term.field), term.field)
            if (field_value(obj, path) == term.value) == term.negated:
                return False
        return True

    def __str__(self) -> str:
        return ",".join(str(t) for t in self.terms)


def field_value(obj: Mapping[str, Any], path: str) -> str:
    """The string a field selector compares against at dotted `path` ("" when missing)."""
    cur: Any = obj
    for part in path.split("."):
        if not isinstance(cur, Mapping):
            return ""
        cur = cur.get(part)
    if cur is None:
        return ""
    if isinstance(cur, bool):
        return "true" if cur else "false"
    return str(cur)


def _split_terms(text: str) -> list[str]:
    """Split on commas not escaped by a backslash."""
    terms: list[str] = []
    start, escaped = 0, False
    for i, ch in enumerate(text):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == ",":
            terms.append(text[start:i])
            start = i + 1
    terms.append(text[start:])
    return terms


def _split_term(term: str) -> tuple[str, str, str] | None:
    for i in range(len(term)):
        for op in _TERM_OPERATORS:
            if term.startswith(op, i):
                return term[:i], op, term[i + len(op) :]
    return None


def _unescape(value: str) -> str:
    out: list[str] = []
    escaped = False
    for ch in value:
        if escaped:
            if ch not in "\\,=":
                raise BadRequest(f"invalid field selector: invalid escape sequence: \\{ch}")
            out.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch in ",=":
            raise BadRequest(f"invalid field selector: unescaped character in value: {ord(ch)}")
        else:
            out.append(ch)
    if escaped:
        raise BadRequest("invalid field selector: invalid escape sequence: \\")
    return "".join(out)


def parse_field_selector(rt: ResourceType, text: str) -> FieldSelector:
    """Parse `?fieldSelector=` for kind `rt`; BadRequest on bad syntax or unknown fields."""
    allowed = set(_ALWAYS_SELECTABLE) | set(rt.field_selectors)
    terms: list[FieldTerm] = []
    for part in sorted(_split_terms(text)):
        if not part:
            continue
        split = _split_term(part)
        if split is None:
            raise BadRequest(f"invalid selector: '{text}'; can't understand '{part}'")
        lhs, op, rhs = split
        terms.append(FieldTerm(lhs, _unescape(rhs), negated=op == "!="))
    for term in terms:
        if term.field not in allowed:
            raise BadRequest(f"field label not supported: {term.field}")
    return FieldSelector(rt.kind, tuple(terms))
