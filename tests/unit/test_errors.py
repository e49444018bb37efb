"""The error hierarchy: what callers catch, and what replay relies on."""

import pytest

from hotmesh_pg import errors


def test_every_public_error_derives_from_the_right_base() -> None:
    for name in errors.__all__:
        cls = getattr(errors, name)
        if issubclass(cls, errors.DurableInterruption):
            # Replay control flow must escape a user's ``except Exception``.
            assert not issubclass(cls, Exception), name
        else:
            assert issubclass(cls, errors.HotMeshError), name


def test_interruptions_are_not_swallowed_by_except_exception() -> None:
    def workflow() -> None:
        try:
            raise errors.DurableSleepError(duration=5, index=1)
        except Exception:  # the point of the test: this must not catch it
            pytest.fail("an interruption was caught as an Exception")

    with pytest.raises(errors.DurableSleepError) as info:
        workflow()
    assert info.value.code == 588
    assert info.value.payload == {"duration": 5, "index": 1}


def test_validation_error_names_file_line_activity_field() -> None:
    err = errors.ValidationError(
        "unknown activity type 'wrker'", file="app.yaml", line=12, activity="a1", field="type"
    )
    text = str(err)
    assert "app.yaml:12" in text and "'a1'" in text and "'type'" in text and "wrker" in text
    assert err.line == 12 and err.activity == "a1"


def test_reference_messages() -> None:
    assert str(errors.GetStateError("j1")) == "j1 Not Found"
    assert str(errors.DuplicateJobError("j1")) == "Duplicate job: j1"
    assert str(errors.InactiveJobError("j1", 0)) == "Inactive job: j1"
    assert errors.DurableFatalError("boom").code == 598
    assert errors.DurableError("x", code=596).code == 596
    assert isinstance(errors.PubSubTimeoutError("j", 1.0), TimeoutError)


def test_non_determinism_error_names_index_and_both_calls() -> None:
    err = errors.NonDeterminismError("-proxy-3-", "proxy:greet", "sleep:5 seconds")
    assert "-proxy-3-" in str(err) and "proxy:greet" in str(err) and "sleep" in str(err)


def test_all_is_sorted_and_complete() -> None:
    assert errors.__all__ == sorted(errors.__all__)
    public = {
        n for n, v in vars(errors).items()
        if isinstance(v, type) and issubclass(v, BaseException) and v.__module__ == errors.__name__
    }
    assert public == set(errors.__all__)
