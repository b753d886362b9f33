from datetime import date

import pytest

from khdesk.core.domain.pipeline import (
    CELL_VOTE_STEPS,
    VOTE_STEPS,
    Result,
    State,
    StepEvent,
    derive_state,
    parse_step,
)


def ev(step, d, result=Result.PASSED, seq=0):
    return StepEvent(step_id=step, on=date.fromisoformat(d), result=result, seq=seq)


def test_nothing_recorded_is_source_list():
    assert derive_state([]) is State.NGUON


def test_forward_steps_reach_their_states():
    events = [
        ev("A1", "2025-01-10"),
        ev("A2", "2025-03-01"),
        ev("A3", "2025-04-01"),
        ev("A4", "2025-04-02"),
        ev("A5", "2025-05-01"),
    ]
    assert derive_state(events) is State.THAM_TRA
    events += [ev("A8", "2025-06-01"), ev("A10", "2025-07-01")]
    assert derive_state(events) is State.QUYET_DINH
    events += [ev("A11", "2025-07-20")]
    assert derive_state(events) is State.DU_BI
    events += [ev("P3", "2026-07-25"), ev("P5", "2026-08-10")]
    assert derive_state(events) is State.CHINH_THUC


def test_failed_vote_is_recorded_but_does_not_advance():
    events = [ev("A1", "2025-01-10"), ev("A5", "2025-05-01"), ev("A8", "2025-06-01", Result.FAILED)]
    assert derive_state(events) is State.THAM_TRA
    events.append(ev("A8", "2025-09-01"))
    assert derive_state(events) is State.CHI_BO_XET


def test_returned_decision_sends_file_back_before_the_cell_meeting():
    events = [
        ev("A5", "2025-05-01"),
        ev("A8", "2025-06-01"),
        ev("A10", "2025-07-01", Result.RETURNED),
    ]
    assert derive_state(events) is State.THAM_TRA
    events += [ev("A8", "2025-08-01"), ev("A10", "2025-09-01")]
    assert derive_state(events) is State.QUYET_DINH


def test_terminal_states():
    assert derive_state([ev("A1", "2025-01-01"), ev("DUNG", "2025-02-01")]) is State.DUNG
    probation = [ev("A8", "2025-01-01"), ev("A10", "2025-02-01"), ev("A11", "2025-02-10")]
    assert derive_state(probation + [ev("XOA_TEN", "2026-03-01")]) is State.XOA_TEN


def test_same_day_events_keep_recording_order():
    events = [ev("A8", "2025-06-01", Result.FAILED, seq=1), ev("A8", "2025-06-01", seq=2)]
    assert derive_state(events) is State.CHI_BO_XET


@pytest.mark.parametrize(
    "text,expected",
    [
        ("a8", "A8"),
        ("A10", "A10"),
        ("Lễ kết nạp", "A11"),
        ("le ket nap", "A11"),
        ("xoa ten", "XOA_TEN"),
    ],
)
def test_parse_step(text, expected):
    assert parse_step(text).id == expected


def test_parse_step_unknown():
    assert parse_step("Z9") is None


def test_the_vote_steps_are_the_cell_and_committee_resolutions():
    """RULES.md: the cell's resolutions to admit (A8) and to recognise (P3), and the base
    committee's on each (A9, P4), carry the members and the votes for."""
    assert VOTE_STEPS == {"A8", "A9", "P3", "P4"}
    assert CELL_VOTE_STEPS == {"A8", "P3"}
