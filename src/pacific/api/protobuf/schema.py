"""How a protobuf message table is written: one `Field` per field number.

A message table maps a message name (the Go type name, unqualified: `ObjectMeta`,
`ServicePort`) to `{field number: Field}`. Field numbers, names and shapes are the ones in
the `generated.proto` files of k8s.io/api and k8s.io/apimachinery; the `Presence` of each
field records the two facts about the Go struct field that the wire does not carry but the
JSON form depends on:

- is it a pointer (`*int32`, `*PodSecurityContext`)? Go writes a pointer field only when it
  is set, so on the wire means set, even to a zero value (`replicas: 0`, `emptyDir: {}`);
- does its JSON tag say `omitempty`? Go writes every non-pointer field, zero or not, so a
  zero value on the wire means "unset" for an `omitempty` field and must be left out of
  the JSON, but stays in for a field without `omitempty` (`ServicePort.port`).

Lists and maps are always left out when empty (Go sends nil slices as null, which Kubernetes
reads as absent). Message names are unique across all the tables; `registry` checks that.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import NamedTuple


class Scalar(enum.Enum):
    """The protobuf scalar types Kubernetes objects use, and their JSON form."""

    STRING = "string"  # length-delimited UTF-8 -> str
    BYTES = "bytes"  # length-delimited -> base64 str (Go's []byte)
    INT32 = "int32"  # varint, two's complement -> int
    INT64 = "int64"  # varint, two's complement -> int
    BOOL = "bool"  # varint -> bool


class Presence(enum.Enum):
    OMIT = "omit"  # non-pointer, `omitempty`: a zero value is left out
    POINTER = "pointer"  # pointer: on the wire means set, kept even when zero
    KEEP = "keep"  # no `omitempty`: always in the JSON, zero value if not on the wire
    INLINE = "inline"  # embedded struct (`json:",inline"`): its fields join the parent's


class Shape(enum.Enum):
    ONE = "one"
    LIST = "list"  # `repeated`
    MAP = "map"  # `map<string, T>`: repeated entry messages {1: key, 2: value}


class Field(NamedTuple):
    json: str
    type: Scalar | str  # a scalar, or the name of another message in the tables
    presence: Presence = Presence.OMIT
    shape: Shape = Shape.ONE


Message = Mapping[int, Field]

STRING = Scalar.STRING
BYTES = Scalar.BYTES
INT32 = Scalar.INT32
INT64 = Scalar.INT64
BOOL = Scalar.BOOL
KEEP = Presence.KEEP
POINTER = Presence.POINTER
INLINE = Presence.INLINE
LIST = Shape.LIST
MAP = Shape.MAP
