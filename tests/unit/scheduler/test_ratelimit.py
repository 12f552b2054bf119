import pytest

from pacific.scheduler.ratelimit import TokenBucket


def test_burst_then_rate() -> None:
    bucket = TokenBucket(rate=2.0, burst=3)
    assert [bucket.allow(0.0) for _ in range(4)] == [True, True, True, False]
    assert not bucket.allow(0.4)  # 0.8 tokens so far
    assert bucket.allow(0.5)
    assert [bucket.allow(100.0) for _ in range(4)] == [True, True, True, False]  # capped


def test_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        TokenBucket(0, 1)
