"""Transfers (RULES.md §2a) in the domain: one holder at every moment, the in-transit
flag, the pipeline state untouched, and the rules TRANSFER_REDO, TRANSFER_MENTOR and
TRANSFER_PRIOR_OPINION on both sides of each boundary."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from khdesk.core.domain import transfers as tr
from khdesk.core.domain.pipeline import State, StepEvent, derive_state, parse_step
from khdesk.core.domain.rulebook import default_rulebooks, parse_rulebook
from khdesk.core.domain.rules import add_months, blocked, next_steps
from tests.unit.core.domain.test_rules import (
    CAL,
    CTX,
    ERROR,
    MEMBERS,
    ORG,
    WARNING,
    admitted_events,
    base_events,
    check,
    ev,
    make_file,
    of,
)

D = date.fromisoformat


def numbered(events: list[StepEvent]) -> list[StepEvent]:
    """The events with their recording order as the list gives it."""
    return [replace(e, seq=i + 1) for i, e in enumerate(events)]


def out(on: str, to: str = "CB02", frm: str = "CB01", **kw) -> StepEvent:
    return ev(tr.OUT, on, from_org=frm, to_org=to, **kw)


def arrive(on: str, to: str = "CB02", frm: str = "CB01", **kw) -> StepEvent:
    return ev(tr.IN, on, from_org=frm, to_org=to, **kw)


def back(on: str, to: str = "CB02", frm: str = "CB01") -> StepEvent:
    return ev(tr.BACK, on, from_org=to, to_org=frm, note="Không đúng địa bàn")


def withdraw(on: str, to: str = "CB02", frm: str = "CB01") -> StepEvent:
    return ev(tr.WITHDRAW, on, from_org=frm, to_org=to, note="Ở lại")


SOURCE = [ev("A1", "2026-01-05"), ev("A2", "2026-03-01", doc_no="1-CN")]


# --- the replay: holder, transit, state ----------------------------------------------------


@pytest.mark.parametrize(
    ("moves", "holder", "in_transit"),
    [
        ([], "CB01", False),
        ([out("2026-04-01")], "CB01", True),  # the sender holds it until accepted
        ([out("2026-04-01"), arrive("2026-04-01")], "CB02", False),
        ([out("2026-04-01"), back("2026-04-03")], "CB01", False),
        (
            [out("2026-04-01"), back("2026-04-03"), out("2026-04-05"), arrive("2026-04-09")],
            "CB02",
            False,
        ),
        (
            [out("2026-04-01"), arrive("2026-04-02"), out("2026-05-01", "CB03", "CB02")],
            "CB02",
            True,
        ),
        # an answer without a transfer out is no move (a forged or stray record)
        ([arrive("2026-04-01")], "CB01", False),
    ],
)
def test_one_holder_at_every_moment(moves, holder, in_transit) -> None:
    events = numbered(SOURCE + moves)
    r = tr.replay(events, "CB01")
    assert r.holder == holder and r.in_transit is in_transit
    # the pipeline state is untouched by any transfer
    assert derive_state(events) is derive_state(SOURCE) is State.BOI_DUONG


def test_the_holder_on_each_day_changes_at_the_acceptance() -> None:
    events = numbered(SOURCE + [out("2026-04-01"), arrive("2026-04-10")])
    # the file record names the receiving unit once accepted
    assert tr.holder_on(events, "CB02", D("2026-03-31")) == "CB01"
    assert tr.holder_on(events, "CB02", D("2026-04-09")) == "CB01"  # in transit: the sender
    assert tr.holder_on(events, "CB02", D("2026-04-10")) == "CB02"
    holders = {e.step_id: unit for e, unit in tr.replay(events, "CB02").holders}
    assert holders == {"A1": "CB01", "A2": "CB01", tr.OUT: "CB01", tr.IN: "CB02"}


@pytest.mark.parametrize(
    ("moves", "on", "refused"),
    [
        ([out("2026-04-01")], "2026-04-02", "đang chuyển"),
        ([out("2026-04-01"), arrive("2026-04-10")], "2026-04-09", "trước khi đơn vị nhận"),
        ([out("2026-04-01"), arrive("2026-04-10")], "2026-04-10", None),
        ([out("2026-04-01"), back("2026-04-03")], "2026-04-03", None),
    ],
)
def test_no_step_while_in_transit_nor_before_the_arrival(moves, on, refused) -> None:
    events = numbered(SOURCE + moves)
    why = tr.step_problem("CB01-0001", events, "CB02", D(on))
    assert (why is None) if refused is None else (refused in why)


@pytest.mark.parametrize(
    ("events", "on", "to", "refused"),
    [
        (SOURCE, "2026-03-01", "CB02", None),  # the same day as the last step
        (SOURCE, "2026-02-28", "CB02", "trước bước đã ghi"),
        (SOURCE, "2026-04-01", "CB01", "đang ở CB01"),
        (SOURCE + [out("2026-04-01")], "2026-04-02", "CB03", "đang chuyển"),
        (SOURCE + [ev("DUNG", "2026-03-05")], "2026-04-01", "CB02", "chưa kết thúc"),
        (
            admitted_events(D("2025-01-15"), D("2025-02-10"), None, D("2025-02-20"))
            + [ev("P3", "2026-02-25", official_members=9, votes_for=9)]
            + [ev("P5", "2026-03-10", doc_no="5-QĐ")],
            "2026-04-01",
            "CB02",
            "chính thức",
        ),
    ],
)
def test_what_may_be_sent(events, on, to, refused) -> None:
    why = tr.out_problem("CB01-0001", numbered(events), "CB01", D(on), to)
    assert (why is None) if refused is None else (refused in why)


@pytest.mark.parametrize(
    ("moves", "on", "refused"),
    [
        ([out("2026-04-01")], "2026-04-01", None),
        ([out("2026-04-01")], "2026-03-31", "trước ngày chuyển đi"),
        ([], "2026-04-01", "không đang chuyển"),
        ([out("2026-04-01"), arrive("2026-04-02")], "2026-04-03", "không đang chuyển"),
    ],
)
def test_what_may_be_answered(moves, on, refused) -> None:
    why = tr.answer_problem("CB01-0001", numbered(SOURCE + moves), "CB01", D(on))
    assert (why is None) if refused is None else (refused in why)


# --- a withdrawal (CHUYEN_HUY): a request only the receiver's return answers --------------


@pytest.mark.parametrize(
    ("moves", "holder", "in_transit", "withdrawn"),
    [
        ([out("2026-04-01"), withdraw("2026-04-02")], "CB01", True, True),
        ([out("2026-04-01"), withdraw("2026-04-02"), back("2026-04-02")], "CB01", False, False),
        # crossed in the post: the acceptance stands, before or after the withdrawal's date
        ([out("2026-04-01"), withdraw("2026-04-02"), arrive("2026-04-03")], "CB02", False, False),
        ([out("2026-04-01"), arrive("2026-04-02"), withdraw("2026-04-03")], "CB02", False, False),
        # a withdrawal naming other ends, or with no transfer, withdraws nothing
        ([out("2026-04-01"), withdraw("2026-04-02", to="CB03")], "CB01", True, False),
        ([withdraw("2026-04-02")], "CB01", False, False),
    ],
)
def test_a_withdrawal_is_a_request_the_receiver_answers(moves, holder, in_transit, withdrawn):
    r = tr.replay(numbered(SOURCE + moves), "CB01")
    assert (r.holder, r.in_transit, r.withdrawal is not None) == (holder, in_transit, withdrawn)


@pytest.mark.parametrize(
    ("moves", "on", "refused"),
    [
        ([out("2026-04-01")], "2026-04-01", None),  # the same day
        ([out("2026-04-01")], "2026-03-31", "trước ngày chuyển đi"),
        ([], "2026-04-01", "không đang chuyển"),
        ([out("2026-04-01"), withdraw("2026-04-02")], "2026-04-03", "đã rút lại"),
        ([out("2026-04-01"), arrive("2026-04-02")], "2026-04-03", "không đang chuyển"),
        ([out("2026-04-01"), back("2026-04-02")], "2026-04-03", "không đang chuyển"),
    ],
)
def test_what_may_be_withdrawn(moves, on, refused) -> None:
    why = tr.withdraw_problem("CB01-0001", numbered(SOURCE + moves), "CB01", D(on))
    assert (why is None) if refused is None else (refused in why)


def test_a_known_withdrawal_bars_the_acceptance_and_its_answer_is_a_return() -> None:
    events = numbered(SOURCE + [out("2026-04-01"), withdraw("2026-04-02")])
    assert "đã rút lại" in tr.accept_problem("CB01-0001", events, "CB01", D("2026-04-03"))
    assert tr.answer_problem("CB01-0001", events, "CB01", D("2026-04-03")) is None  # return
    r = tr.replay(events, "CB01")
    answer = tr.withdrawal_answer(r.pending, r.withdrawal)
    assert (answer.step_id, answer.on, answer.from_org, answer.to_org) == (
        tr.BACK,
        D("2026-04-02"),
        "CB02",
        "CB01",
    )
    assert answer.note == "Đơn vị gửi rút lại hồ sơ: Ở lại"
    assert not tr.replay(numbered([*events, answer]), "CB01").in_transit


def test_a_transfer_is_no_step_one_types() -> None:
    assert parse_step("CHUYEN_DI") is None and parse_step("Chuyển đi") is None
    assert parse_step("A8").id == "A8"


def test_nothing_is_offered_while_in_transit() -> None:
    file = make_file(events=numbered(SOURCE + [out("2026-04-01")]))
    assert next_steps(file, ORG) == []
    file = make_file(events=numbered(SOURCE + [out("2026-04-01"), back("2026-04-02")]))
    assert next_steps(file, ORG) == ["A3", "DUNG"]


# --- TRANSFER_REDO ------------------------------------------------------------------------

UPTO_A7 = base_events()[:-1]  # A1…A7, A6 on 15/09/2026, A7 on 30/09/2026


@pytest.mark.parametrize(
    ("moved_on", "redo", "expected"),
    [
        (None, [], []),  # never moved: nothing to redo
        ("2026-10-01", [], ["A6", "A7"]),  # both describe the old place
        ("2026-10-01", [ev("A6", "2026-10-05")], ["A7"]),
        ("2026-10-01", [ev("A6", "2026-10-05"), ev("A7", "2026-10-06")], []),
        ("2026-09-20", [], ["A6"]),  # A7 was recorded at the new cell already
    ],
)
def test_transfer_redo_names_each_document_of_the_old_place(moved_on, redo, expected) -> None:
    events = list(UPTO_A7)
    if moved_on:
        a7 = events.pop()  # keep the history in date order around the move
        if D(moved_on) > a7.on:
            events.append(a7)
        events += [out(moved_on), arrive(moved_on)]
        if D(moved_on) <= a7.on:
            events.append(a7)
    events += redo
    file = make_file(events=numbered(events), org_code="CB02")
    found = of(check(file), "TRANSFER_REDO")
    assert [f.step for f in found] == expected
    assert all(f.severity is WARNING for f in found)
    if expected:
        assert "A6 – Giới thiệu người vào Đảng" in found[0].message or "A7" in found[0].message
        # a warning: the meeting is offered, the stale documents may be redone
        assert next_steps(file, ORG) == [*expected, "A8", "DUNG"]


def test_transfer_redo_ends_once_the_cell_has_met() -> None:
    events = [*UPTO_A7, out("2026-10-01"), arrive("2026-10-02")]
    events += [ev("A6", "2026-10-05"), ev("A7", "2026-10-06")]
    events += [ev("A8", "2026-10-15", official_members=9, votes_for=9, doc_no="2-NQ")]
    assert not of(check(make_file(events=numbered(events), org_code="CB02")), "TRANSFER_REDO")
    events = [*base_events(), out("2026-10-16"), arrive("2026-10-17")]  # moved after A8
    assert not of(check(make_file(events=numbered(events), org_code="CB02")), "TRANSFER_REDO")


# --- TRANSFER_MENTOR and the probation --------------------------------------------------------

CEREMONY = D("2026-02-20")


def probation(*after: StepEvent) -> list[StepEvent]:
    return numbered(admitted_events(D("2026-01-15"), D("2026-02-10"), None, CEREMONY) + list(after))


@pytest.mark.parametrize(
    ("after", "warned"),
    [
        ([], False),  # never moved
        ([out("2026-05-01"), arrive("2026-05-04")], True),
        ([out("2026-05-01"), arrive("2026-05-04"), ev("P1", "2026-05-04")], False),
        ([out("2026-05-01"), arrive("2026-05-04"), ev("P1", "2026-05-20")], False),
        ([out("2026-05-01")], False),  # in transit: not yet the new cell's
        ([out("2026-05-01"), back("2026-05-04")], False),
    ],
)
def test_transfer_mentor_until_the_new_cell_assigns_one(after, warned) -> None:
    file = make_file(events=probation(*after), org_code="CB02")
    found = of(check(file, D("2026-06-01")), "TRANSFER_MENTOR")
    assert bool(found) is warned
    if warned:
        assert found[0].severity is WARNING and found[0].step == "P1"
        assert "P1" in next_steps(file, ORG)


def test_probation_keeps_counting_from_the_ceremony() -> None:
    moved = make_file(events=probation(out("2026-05-01"), arrive("2026-05-04")), org_code="CB02")
    stayed = make_file(events=probation())
    for day in ("2026-06-01", "2027-02-19", "2027-03-15"):
        due = {
            f.rule: f.due
            for f in check(moved, D(day))
            if f.rule in ("PROBATION_END", "RECOGNITION_DUE")
        }
        assert due == {
            f.rule: f.due
            for f in check(stayed, D(day))
            if f.rule in ("PROBATION_END", "RECOGNITION_DUE")
        }
        assert due  # the deadlines are there, counted from the ceremony
    assert tr.replay(moved.events, "CB02").holder == "CB02"


# --- TRANSFER_PRIOR_OPINION ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("left_after_months", "days", "opinion", "refused"),
    [
        (5, 30, None, False),  # 5 full months at the old cell
        (6, -1, None, False),  # one day short of 6 months
        (6, 0, None, True),  # exactly 6 months: the old cell's opinion is needed
        (7, 0, None, True),
        (7, 0, "out", False),  # sent with the file
        (7, 0, "in", False),  # recorded when the file was accepted
    ],
)
def test_prior_opinion_at_recognition(left_after_months, days, opinion, refused) -> None:
    left = add_months(CEREMONY, left_after_months) + timedelta(days=days)
    arrived = left + timedelta(days=3)
    moves = [
        out(left.isoformat(), doc_no="3-NX/CB" if opinion == "out" else None),
        arrive(arrived.isoformat(), doc_no="3-NX/CB" if opinion == "in" else None),
        ev("P1", arrived),
        ev("P2", D("2027-02-20")),
    ]
    file = make_file(events=probation(*moves), org_code="CB02")
    p3 = ev("P3", "2027-02-25", official_members=9, votes_for=9)
    errors = blocked(file, "P3", p3, ORG, MEMBERS, CAL, D("2027-02-26"), CTX)
    assert bool(of(errors, "TRANSFER_PRIOR_OPINION")) is refused
    found = of(check(file, D("2027-02-21")), "TRANSFER_PRIOR_OPINION")
    assert bool(found) is refused
    if refused:
        assert found[0].severity is ERROR and found[0].step == "P3" and "CB01" in found[0].message
        assert "[U]" in found[0].message  # the 6 months are a rulebook parameter, unverified


@pytest.mark.parametrize(
    ("gave", "on", "refused"),
    [
        ("CB01", "2027-02-25", False),  # recorded later, dated the day of P3
        ("CB01", "2027-02-10", False),
        ("CB01", "2027-02-26", True),  # dated after the vote: not part of the file then
        ("CB09", "2027-02-10", True),  # another cell's opinion is not the one asked
    ],
)
def test_the_prior_opinion_recorded_after_acceptance(gave, on, refused) -> None:
    left = add_months(CEREMONY, 7)
    arrived = left + timedelta(days=3)
    moves = [out(left.isoformat()), arrive(arrived.isoformat()), ev("P1", arrived)]
    moves += [ev("P2", D("2027-02-20"))]
    opinion = ev(tr.OPINION, on, from_org=gave, to_org="CB02", note="Tốt", doc_no="3-NX")
    file = make_file(events=probation(*moves, opinion), org_code="CB02")
    p3 = ev("P3", "2027-02-25", official_members=9, votes_for=9)
    errors = blocked(file, "P3", p3, ORG, MEMBERS, CAL, D("2027-02-26"), CTX)
    assert bool(of(errors, "TRANSFER_PRIOR_OPINION")) is refused


@pytest.mark.parametrize(
    ("moves", "gave", "refused"),
    [
        ([out("2026-04-01"), arrive("2026-04-02")], "CB01", None),
        ([out("2026-04-01"), arrive("2026-04-02")], "CB03", "không chuyển đến từ CB03"),
        ([], "CB01", "chưa chuyển đơn vị lần nào"),
        ([out("2026-04-01")], "CB01", "đang chuyển"),
    ],
)
def test_whose_opinion_may_be_recorded(moves, gave, refused) -> None:
    why = tr.opinion_problem("CB01-0001", numbered(SOURCE + moves), "CB02", gave)
    assert (why is None) if refused is None else (refused in why)


def test_moved_before_the_ceremony_asks_no_prior_opinion() -> None:
    events = base_events(D("2026-01-15"))
    events += [out("2026-01-20"), arrive("2026-01-22")]
    events += [ev("A10", "2026-02-10", doc_no="100-QĐ/ĐU"), ev("A11", CEREMONY)]
    events += [ev("P1", "2026-02-23"), ev("P2", "2027-02-20")]
    file = make_file(events=numbered(events), org_code="CB02")
    assert not of(check(file, D("2027-02-21")), "TRANSFER_PRIOR_OPINION")


# --- the rulebook parameter -----------------------------------------------------------------


def test_every_shipped_book_has_the_transfer_parameter_and_severities() -> None:
    for book in default_rulebooks():
        assert book.value("transfer_prior_opinion_months") == 6
        assert book.severity("TRANSFER_PRIOR_OPINION") is ERROR
        assert book.severity("TRANSFER_REDO") is WARNING
        assert book.severity("TRANSFER_MENTOR") is WARNING


def test_a_book_issued_before_transfers_still_loads_with_the_defaults() -> None:
    import json

    from khdesk.core.resources import resource_path

    data = json.loads(resource_path("rulebooks", "294-2025.json").read_text("utf-8"))
    del data["params"]["transfer_prior_opinion_months"]
    for rule in ("TRANSFER_REDO", "TRANSFER_MENTOR", "TRANSFER_PRIOR_OPINION"):
        del data["severities"][rule]
    book = parse_rulebook(data, "cũ")
    assert book.value("transfer_prior_opinion_months") == 6
    assert book.param("transfer_prior_opinion_months").grade == "U"
    assert book.severity("TRANSFER_PRIOR_OPINION") is ERROR
