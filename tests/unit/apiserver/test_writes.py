from __future__ import annotations

import itertools

from .conftest import InProcess

CMS = "/api/v1/namespaces/ns/configmaps"


def names(*suffixes: str):  # type: ignore[no-untyped-def]
    it = itertools.cycle(suffixes)
    return lambda base: base + next(it)


async def test_generate_name_collision_is_retried(api: InProcess) -> None:
    assert (await api.client.post(CMS, json={"metadata": {"name": "web-aaaaa"}})).status_code == 201
    assert (await api.client.post(CMS, json={"metadata": {"name": "web-bbbbb"}})).status_code == 201
    api.server.names = names("aaaaa", "bbbbb", "ccccc")
    r = await api.client.post(CMS, json={"metadata": {"generateName": "web-"}})
    assert r.status_code == 201, r.text
    assert r.json()["metadata"]["name"] == "web-ccccc"


async def test_generate_name_gives_up_after_eight_attempts(api: InProcess) -> None:
    assert (await api.client.post(CMS, json={"metadata": {"name": "web-aaaaa"}})).status_code == 201
    tries: list[str] = []

    def always_taken(base: str) -> str:
        tries.append(base)
        return base + "aaaaa"

    api.server.names = always_taken
    rev = await api.store.current_revision()
    r = await api.client.post(CMS, json={"metadata": {"generateName": "web-"}})
    assert r.status_code == 409
    status = r.json()
    assert status["reason"] == "AlreadyExists"
    assert status["message"] == (
        "The POST operation against configmaps could not be completed at this time, "
        "please try again."
    )
    assert status["details"]["retryAfterSeconds"] == 1
    assert len(tries) == 8
    assert await api.store.current_revision() == rev


async def test_explicit_name_collision_is_not_retried(api: InProcess) -> None:
    body = {"metadata": {"name": "same"}}
    assert (await api.client.post(CMS, json=body)).status_code == 201
    r = await api.client.post(CMS, json=body)
    assert r.status_code == 409
    assert r.json()["message"] == 'configmaps "same" already exists'


async def test_unknown_field_without_field_validation_is_a_warning(api: InProcess) -> None:
    r = await api.client.post(CMS, json={"metadata": {"name": "w"}, "bogus": 1})
    assert r.status_code == 201
    assert r.headers["warning"] == '299 - "unknown field \\"bogus\\""'


async def test_duplicate_json_keys_are_reported(api: InProcess) -> None:
    body = (
        b'{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "d"},'
        b' "data": {"a": "1"}, "data": {"b": "2"}}'
    )
    r = await api.client.post(
        CMS + "?fieldValidation=Strict", content=body, headers={"content-type": "application/json"}
    )
    assert r.status_code == 400
    assert r.json()["message"].endswith('strict decoding error: duplicate field "data"')


MERGE = {"Content-Type": "application/merge-patch+json"}


async def test_patch_without_resource_version_is_retried_after_a_concurrent_write(
    api: InProcess,
) -> None:
    # kube retries a patch that carries no resourceVersion when a concurrent write wins the
    # compare-and-swap (kubectl set image racing a controller's status update).
    assert (await api.client.post(CMS, json={"metadata": {"name": "race"}})).status_code == 201
    store_update = api.store.update
    raced = False

    async def racing_update(key: str, value: bytes, *, expected_revision: int):  # type: ignore[no-untyped-def]
        nonlocal raced
        if not raced:  # another writer lands between the patch's read and its write
            raced = True
            current = await api.store.get(key)
            assert current is not None
            await store_update(key, current.value, expected_revision=current.mod_revision)
        return await store_update(key, value, expected_revision=expected_revision)

    api.store.update = racing_update  # type: ignore[method-assign]
    r = await api.client.patch(f"{CMS}/race", json={"data": {"k": "v"}}, headers=MERGE)
    assert raced
    assert r.status_code == 200, r.text
    assert r.json()["data"] == {"k": "v"}


async def test_patch_with_a_stale_resource_version_conflicts(api: InProcess) -> None:
    r = await api.client.post(CMS, json={"metadata": {"name": "stale"}})
    rv = r.json()["metadata"]["resourceVersion"]
    await api.client.patch(f"{CMS}/stale", json={"data": {"a": "1"}}, headers=MERGE)
    r = await api.client.patch(
        f"{CMS}/stale",
        json={"metadata": {"resourceVersion": rv}, "data": {"b": "2"}},
        headers=MERGE,
    )
    assert r.status_code == 409 and r.json()["reason"] == "Conflict"
