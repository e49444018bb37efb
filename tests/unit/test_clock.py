from hotmesh_pg.clock import ManualClock, SystemClock


def test_manual_clock_moves_only_when_told() -> None:
    clock = ManualClock(1_000)
    assert clock.now_ms() == 1_000
    assert clock.advance(250) == 1_250
    assert clock.now_ms() == 1_250


def test_system_clock_is_epoch_ms() -> None:
    now = SystemClock().now_ms()
    assert 1_700_000_000_000 < now < 4_000_000_000_000
