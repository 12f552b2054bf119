from pacific.agent.backoff import BackoffEntry, next_entry, remaining


def test_first_restart_is_immediate_then_doubles_to_the_cap() -> None:
    assert remaining(None, since=100, now=100) == 0
    delays = []
    entry = None
    for i in range(8):
        entry = next_entry(entry, now=1000 + i)
        delays.append(entry.delay)
    assert delays == [10, 20, 40, 80, 160, 300, 300, 300]


def test_waits_out_the_delay_since_the_exit() -> None:
    entry = BackoffEntry(20, updated=100)
    assert remaining(entry, since=110, now=115) == 15
    assert remaining(entry, since=110, now=130) == 0


def test_resets_after_ten_quiet_minutes() -> None:
    entry = BackoffEntry(300, updated=0)
    assert next_entry(entry, now=601).delay == 10
    assert next_entry(entry, now=599).delay == 300
    assert remaining(entry, since=0, now=601) == 0
