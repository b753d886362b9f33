"""Rulebooks as data: the shipped books, choosing a book by date, local overlays, and the
Vietnamese errors for malformed books."""

from __future__ import annotations

import copy
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from khdesk.core import resources
from khdesk.core.domain.rulebook import (
    DEADLINE_RULES,
    PARAM_SPECS,
    RULE_IDS,
    RULE_PARAMS,
    SEVERITY_KEYS,
    Fraction,
    RulebookError,
    RulebookSet,
    Severity,
    default_rulebooks,
    parse_overlay,
    parse_rulebook,
    rulebook_for,
)
from khdesk.core.resources import resource_path

D = date.fromisoformat
BOOK_FILES = ("24-2021.json", "232-2025.json", "294-2025.json")
FRACTION = ("params", "vote_fraction", "value")


def raw_book(name: str = "294-2025.json") -> dict[str, Any]:
    return json.loads(resource_path("rulebooks", name).read_text(encoding="utf-8"))


# --- the shipped books ----------------------------------------------------------------------


def test_shipped_books_and_their_periods() -> None:
    books = default_rulebooks()
    assert [b.legal_basis for b in books] == ["24-QĐ/TW", "232-QĐ/TW", "294-QĐ/TW"]
    spans = [(b.effective_from, b.effective_to) for b in books]
    assert spans == [
        (D("2021-07-30"), D("2025-01-19")),
        (D("2025-01-20"), D("2025-06-30")),
        (D("2025-07-01"), None),
    ]
    assert all(b.title.startswith("Quy định số") for b in books)


@pytest.mark.parametrize(
    ("day", "basis"),
    [
        ("2019-05-01", "24-QĐ/TW"),  # before the earliest shipped book: the earliest judges
        ("2021-07-30", "24-QĐ/TW"),
        ("2025-01-19", "24-QĐ/TW"),
        ("2025-01-20", "232-QĐ/TW"),
        ("2025-03-15", "232-QĐ/TW"),  # RULES.md: a meeting in March 2025 is judged by 232
        ("2025-06-30", "232-QĐ/TW"),
        ("2025-07-01", "294-QĐ/TW"),
        ("2025-08-15", "294-QĐ/TW"),  # … one in August 2025 by 294
        ("2031-01-01", "294-QĐ/TW"),
    ],
)
def test_rulebook_for_picks_the_book_in_force(day: str, basis: str) -> None:
    assert rulebook_for(D(day)).legal_basis == basis


@pytest.mark.parametrize("name", BOOK_FILES)
def test_every_parameter_has_a_value_a_source_and_a_grade(name: str) -> None:
    data = raw_book(name)
    assert set(k for k in data["params"] if not k.startswith("_")) == set(PARAM_SPECS)
    for key, item in data["params"].items():
        assert item["grade"] in ("P", "S", "U"), key
        assert len(item["source"]) > 20, key
    assert set(data["severities"]) == set(SEVERITY_KEYS)


@pytest.mark.parametrize("book", default_rulebooks().books, ids=lambda b: b.legal_basis)
def test_the_numbers_of_rules_md(book) -> None:
    v = book.value
    assert (v("age_min_months"), v("age_max_months")) == (216, 720)
    assert (v("edu_min"), v("edu_min_special")) == ("THCS", "Tiểu học")
    assert v("cert_validity_months") == 60
    assert v("dossier_validity_months") == 12
    assert v("intro_overlap_months") == 12
    assert v("intro_replacement_exempt") is True
    assert v("vote_fraction") == Fraction(2, 3)
    assert (v("decision_working_days"), v("decision_extension_working_days")) == (60, 30)
    assert v("ceremony_working_days") == 30
    assert v("probation_months") == 12
    assert v("recognition_cell_working_days") == 30
    assert v("recognition_decision_working_days") == 30
    assert v("recognition_extension_working_days") == 30
    assert (v("readmit_wait_months"), v("readmit_wait_after_conviction_months")) == (36, 60)
    assert v("warning_window_days") == 30
    assert v("escalate_after_votes") == 3
    assert v("screen_absent_months") == 3


def test_grades_follow_rules_md() -> None:
    b294 = rulebook_for(D("2025-08-01"))
    b232 = rulebook_for(D("2025-03-01"))
    assert b294.param("age_min_months").grade == "P"
    assert b294.param("age_max_months").grade == "U"  # "the 720 boundary is our reading"
    assert b294.param("vote_fraction").grade == "P"
    assert b294.param("cert_validity_months").grade == "S"  # 06-HD/TW as quoted
    assert b232.param("cert_validity_months").grade == "U"  # assumed for 01-HD/TW
    assert b232.param("decision_working_days").grade == "P"  # 232 §4.3.1
    assert b294.param("intro_replacement_exempt").grade == "U"


def test_default_severities() -> None:
    book = rulebook_for(D("2026-01-01"))
    errors = {"AGE_MIN", "AGE_MAX", "EDU_MIN", "CERT_MISSING", "CERT_EXPIRED", "VERIFY_MISSING",
              "INTRO_STATUS", "INTRO_OVERLAP", "INTRO_COUNT", "VOTE_2_3", "READMIT",
              "CCCD_FORMAT"}  # fmt: skip
    warnings = {"INTRO_YOUTH", "DOSSIER_STALE", "VOTE_ESCALATE", "DUPLICATE_PERSON",
                "CCCD_FORMAT.mismatch", "SCREEN_ABSENT", "SCREEN_DECLINE",
                "SCREEN_VIOLATION_2Y", "DOC_MISSING"}  # fmt: skip
    assert {k for k in errors if book.severity(k) is Severity.ERROR} == errors
    assert {k for k in warnings if book.severity(k) is Severity.WARNING} == warnings
    assert set(RULE_IDS) == set(RULE_PARAMS)
    assert DEADLINE_RULES <= set(RULE_IDS)


def test_severity_order() -> None:
    assert Severity.ERROR.at_least(Severity.WARNING)
    assert Severity.WARNING.at_least(Severity.WARNING)
    assert not Severity.INFO.at_least(Severity.WARNING)
    assert sorted([Severity.INFO, Severity.ERROR, Severity.WARNING], key=lambda s: s.rank) == [
        Severity.ERROR,
        Severity.WARNING,
        Severity.INFO,
    ]


def test_fraction_reached_is_three_times_for_at_least_twice_members() -> None:
    two_thirds = Fraction(2, 3)
    for members in range(1, 40):
        for votes in range(0, members + 1):
            assert two_thirds.reached(votes, members) == (3 * votes >= 2 * members)
            assert two_thirds.reached(votes, members) == (votes >= two_thirds.need(members))


@pytest.mark.parametrize(
    ("members", "need"),
    [(1, 1), (2, 2), (3, 2), (4, 3), (5, 4), (6, 4), (8, 6), (9, 6), (10, 7), (30, 20)],
)
def test_the_least_votes_for_two_thirds_of_all_members(members, need) -> None:
    assert Fraction(2, 3).need(members) == need
    assert Fraction(2, 3).reached(need, members) and not Fraction(2, 3).reached(need - 1, members)


# --- local overlays -------------------------------------------------------------------------

OVERLAY = {
    "overlay": True,
    "legal_basis": "01-HD/TU Khánh Hòa",
    "title": "Hướng dẫn thử của Tỉnh ủy",
    "applies_to": ["294-QĐ/TW"],
    "params": {
        "dossier_validity_months": {"value": 9, "source": "Hướng dẫn thử, mục 2", "grade": "P"},
        "age_min_months": {"value": 220, "source": "Hướng dẫn thử, mục 1", "grade": "P"},
    },
    "severities": {"INTRO_YOUTH": "error"},
}


def test_overlay_tightens_a_parameter_and_changes_a_severity() -> None:
    books = default_rulebooks().with_overlay(parse_overlay(OVERLAY, "kh.json"))
    b294 = books.rulebook_for(D("2026-01-01"))
    b232 = books.rulebook_for(D("2025-03-01"))
    assert b294.value("dossier_validity_months") == 9
    assert b294.severity("INTRO_YOUTH") is Severity.ERROR
    assert b294.overlays == ("01-HD/TU Khánh Hòa",)
    assert b294.basis("DOSSIER_STALE", ["dossier_validity_months"]) == (
        "294-QĐ/TW; 01-HD/TU Khánh Hòa"
    )
    assert b294.basis("INTRO_YOUTH", ["youth_age_max_years"]) == "294-QĐ/TW; 01-HD/TU Khánh Hòa"
    assert b294.basis("CERT_EXPIRED", ["cert_validity_months"]) == "294-QĐ/TW"
    # the older books are untouched
    assert b232.value("dossier_validity_months") == 12 and b232.overlays == ()


def test_dated_overlay_splits_the_book() -> None:
    data = {**OVERLAY, "effective_from": "2026-03-01"}
    books = default_rulebooks().with_overlay(parse_overlay(data, "kh.json"))
    before, after = books.rulebook_for(D("2026-02-28")), books.rulebook_for(D("2026-03-01"))
    assert before.legal_basis == after.legal_basis == "294-QĐ/TW"
    assert before.value("dossier_validity_months") == 12
    assert after.value("dossier_validity_months") == 9
    assert books.rulebook_for(D("2025-07-01")).value("dossier_validity_months") == 12


@pytest.mark.parametrize(
    ("param", "value", "words"),
    [
        ("age_min_months", 200, "tuổi tối thiểu"),
        ("age_max_months", 780, "tuổi tối đa"),
        ("cert_validity_months", 72, "giấy chứng nhận"),
        ("decision_working_days", 90, "quyết định kết nạp"),
        ("vote_fraction", {"numerator": 1, "denominator": 2}, "tỉ lệ tán thành"),
        ("probation_months", 6, "dự bị"),
        ("edu_min", "Tiểu học", "trình độ"),
    ],
)
def test_overlay_may_not_loosen(param: str, value: Any, words: str) -> None:
    data = copy.deepcopy(OVERLAY)
    data["params"] = {param: {"value": value, "source": "thử", "grade": "P"}}
    with pytest.raises(RulebookError) as err:
        default_rulebooks().with_overlay(parse_overlay(data, "kh.json"))
    assert "chặt hơn" in err.value.message and words in err.value.message


def test_overlay_may_not_turn_on_the_replacement_exemption_but_may_turn_it_off() -> None:
    data = copy.deepcopy(OVERLAY)
    data["params"] = {"intro_replacement_exempt": {"value": False, "source": "x", "grade": "P"}}
    books = default_rulebooks().with_overlay(parse_overlay(data))
    assert books.rulebook_for(D("2026-01-01")).value("intro_replacement_exempt") is False


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"overlay": None}, '"overlay": true'),
        ({"applies_to": []}, "applies_to"),
        ({"applies_to": ["99-QĐ/TW"]}, "căn cứ không có"),
        ({"severities": {"DOC_MISSING": "error"}}, "cao nhất"),
        ({"severities": {"DECISION_DUE": "error"}}, "ngày đến hạn"),
        ({"severities": {"AGE_MIN": "fatal"}}, "error, warning hoặc info"),
        ({"params": {"age_limit": {"value": 1, "source": "x", "grade": "P"}}}, "age_limit"),
        ({"params": {"age_min_months": {"value": 220, "source": "x", "grade": "X"}}}, "grade"),
        (
            {"params": {"age_min_months": {"value": "220", "source": "x", "grade": "P"}}},
            "số nguyên",
        ),
        ({"params": {"age_min_months": {"value": 220, "grade": "P"}}}, "source"),
        ({"legal_basis": ""}, "legal_basis"),
    ],
)
def test_malformed_overlay_is_refused(change: dict[str, Any], words: str) -> None:
    data = {**copy.deepcopy(OVERLAY), **change}
    with pytest.raises(RulebookError) as err:
        default_rulebooks().with_overlay(parse_overlay(data, "kh.json"))
    assert words in err.value.message


# --- malformed books ------------------------------------------------------------------------


def _without(data: dict[str, Any], *path: str) -> dict[str, Any]:
    data = copy.deepcopy(data)
    target = data
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return data


def _with(data: dict[str, Any], value: Any, *path: str) -> dict[str, Any]:
    data = copy.deepcopy(data)
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("mutate", "words"),
    [
        (lambda b: _without(b, "params", "cert_validity_months"), "thiếu tham số"),
        (lambda b: _without(b, "severities", "AGE_MIN"), "thiếu mức độ"),
        (lambda b: _without(b, "legal_basis"), "legal_basis"),
        (lambda b: _with(b, "1/7/2025", "effective_from"), "năm-tháng-ngày, ví dụ 2026-12-31"),
        (lambda b: _with(b, "2025-01-01", "effective_to"), "effective_to"),
        (lambda b: _with(b, 2, "format"), "định dạng"),
        (lambda b: _with(b, "x", "oops"), "không hiểu mục"),
        (lambda b: _with(b, -1, "params", "probation_months", "value"), "không âm"),
        (lambda b: _with(b, "Đại học", "params", "edu_min", "value"), "THCS"),
        (lambda b: _with(b, {"numerator": 3, "denominator": 2}, *FRACTION), "tử số"),
        (lambda b: _with(b, "yes", "params", "intro_replacement_exempt", "value"), "true"),
        (lambda b: _with(b, 900, "params", "age_min_months", "value"), "lớn hơn"),
        (lambda b: ["not", "a", "book"], "đối tượng JSON"),
        (lambda b: _with(b, True, "overlay"), "quy định địa phương"),
    ],
)
def test_malformed_book_is_refused_in_vietnamese(mutate, words: str) -> None:
    with pytest.raises(RulebookError) as err:
        parse_rulebook(mutate(raw_book()), "294-2025.json")
    assert words in err.value.message, err.value.message


@pytest.mark.parametrize("name", ["24-2021.json", "232-2025.json", "294-2025.json"])
def test_a_book_issued_before_a_later_severity_key_still_loads(name: str) -> None:
    """Books signed into catalogues before INTRO_YOUTH.unknown existed keep loading (an
    installed catalogue must not stop the check): the key reads RULES.md's default."""
    old = _without(raw_book(name), "severities", "INTRO_YOUTH.unknown")
    assert parse_rulebook(old, name).severity("INTRO_YOUTH.unknown") is Severity.INFO
    stricter = _with(raw_book(name), "warning", "severities", "INTRO_YOUTH.unknown")
    assert parse_rulebook(stricter, name).severity("INTRO_YOUTH.unknown") is Severity.WARNING


def test_overlapping_books_are_refused() -> None:
    a = parse_rulebook(raw_book("232-2025.json"))
    b = parse_rulebook(_with(raw_book(), "2025-06-01", "effective_from"))
    with pytest.raises(RulebookError, match="chồng lên nhau"):
        RulebookSet([a, b])


def test_unreadable_book_file_is_a_clear_error() -> None:
    from khdesk.core.domain.rulebook import load_rulebook

    with pytest.raises(RulebookError, match="Không tìm thấy"):
        load_rulebook(Path("/nonexistent/khdesk/294-2025.json"))


# --- resources ------------------------------------------------------------------------------


def test_resource_path_from_the_source_tree() -> None:
    path = resource_path("rulebooks", "294-2025.json")
    assert path.is_file()
    assert path.parent.parent == Path(resources.__file__).resolve().parents[2] / "resources"


def test_resource_path_when_frozen(monkeypatch) -> None:
    monkeypatch.setattr(sys, "_MEIPASS", "/opt/khdesk-bundle", raising=False)
    # where the spec puts the folder: the package khdesk.resources, as a wheel installs it
    assert resource_path("calendar", "vn-overlay.json") == Path(
        "/opt/khdesk-bundle/khdesk/resources/calendar/vn-overlay.json"
    )
