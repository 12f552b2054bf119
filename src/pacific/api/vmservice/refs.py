"""Types shared by every VM Service kind, and the helper the schema modules declare with.

`field(schema, description, required=False)` is a `Field` whose description reaches
OpenAPI (and so `kubectl explain`). The shared shapes follow vm-operator's
`api/v1alpha3/common` package: an object reference with required apiVersion/kind/name, a
partial one where only the name is required, a Secret key selector and the "value or
secret key" pair used by vApp properties and sysprep.

Schema names follow the OpenAPI naming of CRDs: reversed group, version, type
(`com.vmware.vmoperator.v1alpha3.VirtualMachineSpec`).
"""

from __future__ import annotations

from pacific.api.schema import Field, Schema, Type, array, define, obj, scalar, schema_for

PREFIX = "com.vmware.vmoperator.v1alpha3."
META = "io.k8s.apimachinery.pkg.apis.meta.v1."

STRING = scalar(Type.STRING)
BOOL = scalar(Type.BOOLEAN)
INT32 = scalar(Type.INTEGER, format="int32")
INT64 = scalar(Type.INTEGER, format="int64")
QUANTITY = scalar(Type.QUANTITY)
TIME = scalar(Type.TIME)
ANY = scalar(Type.ANY)
INT_OR_STRING = scalar(Type.INT_OR_STRING)


def field(schema: Schema, description: str, *, required: bool = False) -> Field:
    """A field of a VM Service type with its documentation."""
    return Field(schema, required=required, description=description)


def enum(*values: str) -> Schema:
    """A string restricted to `values` (checked by `structural`, listed in OpenAPI)."""
    return scalar(Type.STRING, enum=values)


def named(name: str, fields: dict[str, Field], description: str) -> Schema:
    """Publish a named object type of this group/version."""
    return define(obj(PREFIX + name, fields, description=description))


def strings(description: str) -> Field:
    """An atomic list of strings."""
    return field(array(STRING, list_type="atomic"), description)


LOCAL_OBJECT_REF = named(
    "LocalObjectRef",
    {
        "apiVersion": field(STRING, "API version of the referent.", required=True),
        "kind": field(STRING, "Kind of the referent.", required=True),
        "name": field(STRING, "Name of the referent.", required=True),
    },
    "A reference to an object of any kind in the same namespace.",
)

PARTIAL_OBJECT_REF = named(
    "PartialObjectRef",
    {
        "apiVersion": field(STRING, "API version of the referent."),
        "kind": field(STRING, "Kind of the referent."),
        "name": field(STRING, "Name of the referent.", required=True),
    },
    "A reference to an object by name; kind and apiVersion may be left to the server.",
)

SECRET_KEY_SELECTOR = named(
    "SecretKeySelector",
    {
        "name": field(STRING, "Name of a Secret in the same namespace.", required=True),
        "key": field(STRING, "Key of the Secret's data that holds the value.", required=True),
    },
    "Selects one key of a Secret in the object's namespace.",
)

VALUE_OR_SECRET_KEY_SELECTOR = named(
    "ValueOrSecretKeySelector",
    {
        "from": field(SECRET_KEY_SELECTOR, "Reads the value from a Secret key."),
        "value": field(STRING, "The value itself. Mutually exclusive with from."),
    },
    "Either a literal value or a reference to a Secret key holding it.",
)

KEY_VALUE_PAIR = named(
    "KeyValuePair",
    {
        "key": field(STRING, "The key.", required=True),
        "value": field(STRING, "The value."),
    },
    "A key and its string value.",
)

KEY_VALUE_OR_SECRET_KEY_SELECTOR_PAIR = named(
    "KeyValueOrSecretKeySelectorPair",
    {
        "key": field(STRING, "The key.", required=True),
        "value": field(VALUE_OR_SECRET_KEY_SELECTOR, "A literal value or a Secret key."),
    },
    "A key whose value is a literal or comes from a Secret key.",
)


def conditions(description: str) -> Field:
    """A list of standard metav1.Condition, keyed by type."""
    return field(array(schema_for(META + "Condition"), keys=("type",)), description)


def object_meta() -> Field:
    return field(
        schema_for(META + "ObjectMeta"),
        "Standard object's metadata. More info: https://git.k8s.io/community/contributors/"
        "devel/sig-architecture/api-conventions.md#metadata",
    )


def type_meta() -> dict[str, Field]:
    return {
        "apiVersion": field(
            STRING,
            "APIVersion defines the versioned schema of this representation of an object.",
        ),
        "kind": field(STRING, "Kind is a string value representing the REST resource."),
    }
