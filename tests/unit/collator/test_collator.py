"""The 15-digit semaphore algebra, replayed through the worked examples of engine-model 4.12."""

from __future__ import annotations

import pytest

from hotmesh_pg.engine import collator as c
from hotmesh_pg.errors import CollationError, InactiveJobError


def test_duplex_lifecycle_values() -> None:
    v = c.SEED + c.ENTRY
    assert v == 899_000_000_000_000
    c.verify_entry(v)
    v += c.AUTHORIZE_REENTRY
    assert v == 889_000_000_000_000
    v += c.REENTRY
    c.verify_reentry(v)
    assert c.dimensional_index(v) == 0
    v += c.completion_amount(False)
    assert v == 888_000_001_000_001


def test_pending_then_success_moves_to_second_dimension() -> None:
    v = 889_000_000_000_000 + c.REENTRY + c.continuation_amount()
    assert v == 889_000_001_000_001
    v += c.REENTRY
    assert c.dimensional_index(v) == 1
    v += c.completion_amount(False)
    assert v == 888_000_002_000_002


def test_early_completion_and_cycle_variants() -> None:
    assert 899_000_000_000_000 + c.early_completion_amount(False) == 888_000_001_000_001
    assert 899_000_000_000_000 + c.early_completion_amount(True) == 889_000_001_000_001
    assert 899_000_000_000_000 + c.EARLY_EXIT == 888_000_000_000_000


@pytest.mark.parametrize(
    ("value", "fault"),
    [(c.ENTRY, "missing"), (799_000_000_000_000, "duplicate"), (898_000_000_000_000, "invalid")],
)
def test_entry_faults(value: int, fault: str) -> None:
    with pytest.raises(CollationError) as err:
        c.verify_entry(value)
    assert err.value.fault == fault and err.value.leg == 1


@pytest.mark.parametrize(
    ("value", "fault"),
    [(900_000_001_000_000, "forbidden"), (899_000_001_000_000, "forbidden"),
     (888_000_002_000_001, "inactive")],
)
def test_reentry_faults(value: int, fault: str) -> None:
    with pytest.raises(CollationError) as err:
        c.verify_reentry(value)
    assert err.value.fault == fault and err.value.leg == 2


def test_synthetic_guid_guard() -> None:
    c.verify_synthetic(1_000_000)
    with pytest.raises(CollationError) as err:
        c.verify_synthetic(2_000_000)
    assert err.value.fault == "duplicate"


def test_dimensions_by_id_trims_per_ancestor() -> None:
    dims = c.dimensions_by_id(["t1", "a1", "a2"], ",0,1,0")
    assert dims == {"$ADJACENT": ",0,1,0,0", "a2": ",0,1,0", "a1": ",0,1", "t1": ",0"}


def test_dad_helpers() -> None:
    assert c.leg2_entry_dad(",0,3") == ",0,0"
    assert c.resolve_dad(",0,0", 0) == ",0,0"
    assert c.resolve_dad(",0,0", 2) == ",0,2"
    # cycle c1 at ,0,0,0,0 re-enters a1 (ancestors t1,a1,w1): keeps t1's segment, resets a1's
    assert c.reentry_dimension(",0,0,0,0", ["t1", "a1", "w1"], "a1") == ",0,0"
    assert c.reentry_dimension(",0,1,0,0", ["t1", "a1", "w1"], "a1") == ",0,0"


def test_job_status_guards() -> None:
    with pytest.raises(InactiveJobError):
        c.assert_job_active(0, "j1")
    c.assert_job_active(1, "j1")
    assert c.job_was_interrupted(1 - 1_000_000_000)
    assert not c.job_was_interrupted(0)
