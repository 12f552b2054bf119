from pacific.controllers.podtemplate import (
    SAFE_ALPHABET,
    compute_hash,
    equal_ignoring_hash,
    fnv32a,
    safe_encode,
    selector_with_hash,
    with_hash_label,
)

TEMPLATE = {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c"}]}}


def test_fnv32a_known_vectors():
    assert fnv32a(b"") == 0x811C9DC5
    assert fnv32a(b"a") == 0xE40C292C
    assert fnv32a(b"foobar") == 0xBF9CF968


def test_safe_encode_maps_digits_into_alphabet():
    assert safe_encode("0123") == "".join(SAFE_ALPHABET[ord(c) % 27] for c in "0123")
    assert all(ch in SAFE_ALPHABET for ch in compute_hash(TEMPLATE))


def test_hash_is_stable_and_sensitive():
    assert compute_hash(TEMPLATE) == compute_hash({**TEMPLATE})
    changed = {**TEMPLATE, "spec": {"containers": [{"name": "d"}]}}
    assert compute_hash(changed) != compute_hash(TEMPLATE)
    assert compute_hash(TEMPLATE, 1) != compute_hash(TEMPLATE)
    assert compute_hash(TEMPLATE, 0) != compute_hash(TEMPLATE)


def test_equal_ignoring_hash():
    labelled = with_hash_label(TEMPLATE, "abc")
    assert labelled["metadata"]["labels"]["pod-template-hash"] == "abc"
    assert equal_ignoring_hash(labelled, TEMPLATE)
    assert not equal_ignoring_hash(labelled, {"spec": TEMPLATE["spec"]})
    bare = {"spec": {}}
    assert equal_ignoring_hash(with_hash_label(bare, "x"), bare)


def test_selector_with_hash():
    sel = selector_with_hash({"matchLabels": {"app": "web"}}, "abc")
    assert sel == {"matchLabels": {"app": "web", "pod-template-hash": "abc"}}


def test_empty_fields_do_not_change_identity():
    with_empty = {
        "metadata": {"labels": {"app": "web"}},
        "spec": {"containers": [{"name": "c", "resources": {}}], "volumes": []},
    }
    assert equal_ignoring_hash(with_empty, TEMPLATE)
    assert compute_hash(with_empty) == compute_hash(TEMPLATE)
