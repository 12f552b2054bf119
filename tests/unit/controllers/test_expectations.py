from pacific.controllers.expectations import Expectations
from pacific.testing.clock import FakeClock


def test_creations_must_be_observed():
    exp = Expectations(FakeClock())
    assert exp.satisfied("ns/rs")
    exp.expect_creations("ns/rs", 2)
    assert not exp.satisfied("ns/rs")
    exp.creation_observed("ns/rs")
    assert not exp.satisfied("ns/rs")
    exp.creation_observed("ns/rs")
    assert exp.satisfied("ns/rs")


def test_deletions_are_tracked_by_uid():
    exp = Expectations(FakeClock())
    exp.expect_deletions("ns/rs", ["a", "b"])
    exp.deletion_observed("ns/rs", "a")
    exp.deletion_observed("ns/rs", "a")
    assert not exp.satisfied("ns/rs")
    exp.deletion_observed("ns/rs", "b")
    assert exp.satisfied("ns/rs")


def test_expectations_expire_and_can_be_forgotten():
    clock = FakeClock()
    exp = Expectations(clock, ttl=300)
    exp.expect_creations("ns/rs", 1)
    clock.advance(299)
    assert not exp.satisfied("ns/rs")
    clock.advance(2)
    assert exp.satisfied("ns/rs")
    exp.expect_creations("ns/other", 1)
    exp.forget("ns/other")
    assert exp.satisfied("ns/other")
