import pytest

from pacific.api.errors import NotAcceptable, UnsupportedMediaType
from pacific.apiserver.negotiation import (
    Body,
    Output,
    body_format,
    choose_output,
    wants_aggregated_discovery,
)

KUBECTL_TABLE = (
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;"
    "g=meta.k8s.io,application/json"
)


@pytest.mark.parametrize(
    ("accept", "output"),
    [
        ("", Output.JSON),
        ("*/*", Output.JSON),
        ("application/json", Output.JSON),
        ("application/yaml", Output.YAML),
        (KUBECTL_TABLE, Output.TABLE),
        ("application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1", Output.METADATA),
        ("application/vnd.kubernetes.protobuf, application/json", Output.JSON),
        ("application/yaml;q=0.5, application/json", Output.JSON),
    ],
)
def test_choose_output(accept: str, output: Output) -> None:
    assert choose_output(accept) is output


def test_nothing_acceptable() -> None:
    with pytest.raises(NotAcceptable):
        choose_output("text/html")


def test_aggregated_discovery_only_when_preferred() -> None:
    v2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    assert wants_aggregated_discovery(f"{v2},application/json")
    assert not wants_aggregated_discovery("application/json")
    assert not wants_aggregated_discovery(f"application/json,{v2}")


def test_body_formats() -> None:
    assert body_format("application/json; charset=utf-8", patch=False) is Body.JSON
    assert body_format("application/yaml", patch=False) is Body.YAML
    assert body_format("application/vnd.kubernetes.protobuf", patch=False) is Body.PROTOBUF
    assert body_format("application/apply-patch+yaml", patch=True) is Body.APPLY_PATCH
    with pytest.raises(UnsupportedMediaType):
        body_format("application/json", patch=True)
    with pytest.raises(UnsupportedMediaType):
        body_format("text/plain", patch=False)
