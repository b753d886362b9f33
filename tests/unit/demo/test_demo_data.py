"""The demo generator: template shape, consistent histories, planted problems, speed-free
province checks (small sizes), determinism, NFC text and the "duc" search answer."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from datetime import date, timedelta
from typing import Any

import pytest

from khdesk.core.domain import pipeline, template
from khdesk.core.text import fold
from khdesk.demo.province import province_demo
from khdesk.demo.small import DUC_NAMES, EDGE_CASES, PLANTED, PLANTED_MEMBERS, small_demo

TODAY = date(2026, 11, 26)
Rows = dict[str, list[dict[str, Any]]]


@pytest.fixture(scope="module")
def demo() -> Rows:
    return small_demo(TODAY)


@pytest.fixture(scope="module")
def province() -> Rows:
    return province_demo(seed=7, cells=50, people=2000, files=200)


def events_by_file(data: Rows) -> dict[str, list[pipeline.StepEvent]]:
    out: dict[str, list[pipeline.StepEvent]] = defaultdict(list)
    for seq, r in enumerate(data["steps"]):
        out[r["file_code"]].append(
            pipeline.StepEvent(
                step_id=r["step_id"],
                on=r["on"],
                result=pipeline.RESULT_BY_LABEL[r["result"]],
                doc_no=r["doc_no"],
                official_members=r["official_members"],
                votes_for=r["votes_for"],
                note=r["note"],
                seq=seq,
            )
        )
    return out


def states(data: Rows) -> dict[str, pipeline.State]:
    events = events_by_file(data)
    return {
        c["file_code"]: pipeline.derive_state(events[c["file_code"]]) for c in data["candidates"]
    }


# --- shape ---------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["demo", "province"])
def test_rows_have_exactly_the_template_columns_and_plain_values(which: str, request) -> None:
    data: Rows = request.getfixturevalue(which)
    assert set(data) == set(template.SHEETS_BY_KEY)
    for key, rows in data.items():
        sheet = template.SHEETS_BY_KEY[key]
        keys = [c.key for c in sheet.columns]
        assert rows, key
        for row in rows:
            assert list(row) == keys or set(row) == set(keys), (key, row)
            for col in sheet.columns:
                v = row[col.key]
                if v is None:
                    assert not col.required, (key, col.key, row)
                    continue
                expected = {
                    template.Kind.DATE: date,
                    template.Kind.BOOL: bool,
                    template.Kind.INT: int,
                }.get(col.kind, str)
                assert type(v) is expected, (key, col.key, v)
                if col.kind is template.Kind.CHOICE:
                    assert v in col.choices, (key, col.key, v)
                if col.kind is template.Kind.STEP:
                    assert v in pipeline.STEP_BY_ID, v


@pytest.mark.parametrize("which", ["demo", "province"])
def test_codes_are_unique_and_references_resolve(which: str, request) -> None:
    data: Rows = request.getfixturevalue(which)
    orgs = {o["code"]: o for o in data["orgs"]}
    assert len(orgs) == len(data["orgs"])
    for o in data["orgs"]:
        assert o["parent_code"] is None or o["parent_code"] in orgs
    members = {m["member_code"]: m for m in data["members"]}
    assert len(members) == len(data["members"])
    assert all(m["org_code"] in orgs for m in data["members"])
    files = [c["file_code"] for c in data["candidates"]]
    assert len(set(files)) == len(files)
    for c in data["candidates"]:
        assert orgs[c["org_code"]]["kind"].startswith("Chi bộ")
        assert re.fullmatch(re.escape(c["org_code"]) + r"-\d{4}", c["file_code"])
        for col in ("a6_introducer1", "a6_introducer2", "mentor"):
            if c[col] is not None:  # introducers and mentors: members of the same cell
                assert members[c[col]]["org_code"] == c["org_code"], (c["file_code"], col)
    assert {r["file_code"] for r in data["steps"]} <= set(files)
    for key in ("member_records", "ratings"):
        assert all(r["member_code"] in members for r in data[key])
        assert len({(r["member_code"], r["year"]) for r in data[key]}) == len(data[key])
    assert all(p["org_code"] in orgs for p in data["plans"])


@pytest.mark.parametrize("which", ["demo", "province"])
def test_all_text_is_nfc(which: str, request) -> None:
    data: Rows = request.getfixturevalue(which)
    for rows in data.values():
        for row in rows:
            for v in row.values():
                if isinstance(v, str):
                    assert unicodedata.is_normalized("NFC", v), v
                    assert v == v.strip() and "  " not in v, v


# --- histories -------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["demo", "province"])
def test_every_state_is_present(which: str, request) -> None:
    data: Rows = request.getfixturevalue(which)
    assert set(states(data).values()) == set(pipeline.State)


@pytest.mark.parametrize("which", ["demo", "province"])
def test_pipeline_columns_equal_the_latest_history_record(which: str, request) -> None:
    data: Rows = request.getfixturevalue(which)
    events = events_by_file(data)
    single = {
        "A1": "a1_source_on",
        "A3": "a3_application_on",
        "A4": "a4_history_on",
        "A5": "a5_verified_on",
        "A6": "a6_introduced_on",
        "A7": "a7_opinions_on",
        "A9": "a9_committee_resolution_on",
        "A11": "a11_ceremony_on",
    }
    for c in data["candidates"]:
        ev = events[c["file_code"]]
        for step, col in single.items():
            last = pipeline.latest(ev, step)
            assert c[col] == (last.on if last else None), (c["file_code"], col)
        a2 = pipeline.latest(ev, "A2")
        assert (c["a2_cert_on"], c["a2_cert_no"]) == ((a2.on, a2.doc_no) if a2 else (None, None))
        for step, prefix in (("A8", "a8_cell_meeting_on"), ("P3", "p3_cell_meeting_on")):
            last = pipeline.latest(ev, step)
            head = prefix[:2]
            got = (c[prefix], c[f"{head}_official_members"], c[f"{head}_votes_for"])
            want = (last.on, last.official_members, last.votes_for) if last else (None,) * 3
            assert got == want, (c["file_code"], step)
        for step, (no, on) in {
            "A10": ("a10_decision_no", "a10_decision_on"),
            "P5": ("p5_decision_no", "p5_decision_on"),
        }.items():
            last = pipeline.latest(ev, step)
            assert (c[no], c[on]) == ((last.doc_no, last.on) if last else (None, None))
        closing = [e for e in pipeline.ordered(ev) if e.step_id in ("XOA_TEN", "DUNG")]
        if closing:
            e = closing[-1]
            label = "Xóa tên" if e.step_id == "XOA_TEN" else "Dừng"
            assert (c["closed"], c["closed_on"], c["closed_reason"]) == (label, e.on, e.note)
            assert e.note
        else:
            assert (c["closed"], c["closed_on"], c["closed_reason"]) == (None, None, None)


@pytest.mark.parametrize("which", ["demo", "province"])
def test_histories_are_chronological_and_not_in_the_future(which: str, request) -> None:
    data: Rows = request.getfixturevalue(which)
    last: dict[str, date] = {}
    for r in data["steps"]:
        assert r["on"] <= TODAY
        assert r["on"] >= last.get(r["file_code"], date.min), r
        last[r["file_code"]] = r["on"]
    for c in data["candidates"]:
        assert c["a1_source_on"] is not None
        if c["a10_received_on"]:
            assert c["a10_decision_on"] <= c["a10_received_on"] <= TODAY


def test_history_has_failed_votes_and_a_returned_file(demo: Rows) -> None:
    events = events_by_file(demo)
    failed_then_passed = returned_then_revoted = 0
    for ev in events.values():
        seq = [(e.step_id, e.result) for e in pipeline.ordered(ev)]
        for step in ("A8", "P3"):
            if (step, pipeline.Result.FAILED) in seq:
                after = seq[seq.index((step, pipeline.Result.FAILED)) :]
                failed_then_passed += (step, pipeline.Result.PASSED) in after
        if ("A10", pipeline.Result.RETURNED) in seq:
            i = seq.index(("A10", pipeline.Result.RETURNED))
            assert ("A8", pipeline.Result.PASSED) in seq[i:]
            assert ("A10", pipeline.Result.PASSED) in seq[i:]
            returned_then_revoted += 1
    assert failed_then_passed >= 2
    assert returned_then_revoted >= 1


# --- a small reading of the rules: planted files break exactly their rule ---------------------


def _months(d: date, n: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 + n, 12)
    day = d.day
    while True:
        try:
            return date(y, m + 1, day)
        except ValueError:
            day -= 1


def _weekdays_after(d: date, n: int) -> date:
    while n:
        d += timedelta(days=1)
        n -= d.weekday() < 5
    return d


def _age(birth: date, on: date) -> int:
    return on.year * 12 + on.month - birth.year * 12 - birth.month


def findings(data: Rows, today: date) -> dict[str, set[str]]:
    """file_code -> rule ids, by a plain reading of RULES.md (not the rules engine)."""
    orgs = {o["code"]: o for o in data["orgs"]}
    members = {m["member_code"]: m for m in data["members"]}
    events = events_by_file(data)
    by_cccd = Counter(c["cccd"] for c in data["candidates"])
    by_person = Counter((fold(c["full_name"]), c["birth_date"]) for c in data["candidates"])
    out: dict[str, set[str]] = {}
    for c in data["candidates"]:
        f: set[str] = set()
        cell = orgs[c["org_code"]]
        a8, closed = c["a8_cell_meeting_on"], c["closed"]
        age = _age(c["birth_date"], a8 or today)
        if age < 216:
            f.add("AGE_MIN")
        if age > 720 and not c["exception_approval"]:
            f.add("AGE_MAX")
        if c["education"] == "Tiểu học" and not (cell["special_area"] or c["sea_fisher"]):
            f.add("EDU_MIN")
        if a8 and not c["a2_cert_on"]:
            f.add("CERT_MISSING")
        if a8 and c["a2_cert_on"] and _months(c["a2_cert_on"], 60) <= a8:
            f.add("CERT_EXPIRED")
        if a8 and not (c["a5_verified_on"] and c["a5_verified_on"] <= a8):
            f.add("VERIFY_MISSING")
        if not closed:
            docs = ("a3_application_on", "a4_history_on", "a6_introduced_on", "a7_opinions_on")
            if any(c[d] and _months(c[d], 12) < (a8 or today) for d in docs):
                f.add("DOSSIER_STALE")
        a6 = c["a6_introduced_on"]
        if a6:
            introducers = [c["a6_introducer1"], c["a6_introducer2"]]
            for code, since in zip(
                introducers, (c["a6_introducer1_since"], c["a6_introducer2_since"]), strict=True
            ):
                if code is None:
                    continue
                m = members[code]
                if m["official_on"] is None or m["official_on"] > a6:
                    f.add("INTRO_STATUS")
                if since is None or _months(since, 12) > a6:
                    f.add("INTRO_OVERLAP")
            n = sum(i is not None for i in introducers)
            if not (n == 2 or (n == 1 and c["a6_union_intro"])):
                f.add("INTRO_COUNT")
            young = _age(c["birth_date"], a6) < 31 * 12
            if c["youth_union_member"] and young and cell["has_youth_union"]:
                if c["a6_union_intro"] != "Đoàn":
                    f.add("INTRO_YOUTH")
        for e in events[c["file_code"]]:
            passed = e.result is pipeline.Result.PASSED
            if e.step_id in ("A8", "P3") and passed and 3 * e.votes_for < 2 * e.official_members:
                f.add("VOTE_2_3")
        if not closed:
            if a8 and not c["a10_decision_on"] and today > _weekdays_after(a8, 60):
                f.add("DECISION_DUE")
            received = c["a10_received_on"]
            if received and not c["a11_ceremony_on"] and today > _weekdays_after(received, 30):
                f.add("CEREMONY_DUE")
            a11 = c["a11_ceremony_on"]
            if a11 and not c["p3_cell_meeting_on"]:
                end = _months(a11, 12)
                if today > _weekdays_after(end, 30):
                    f.add("RECOGNITION_DUE")
                elif 0 <= (end - today).days <= 30:
                    f.add("PROBATION_END")
        cccd = c["cccd"] or ""
        if not re.fullmatch(r"\d{12}", cccd):
            f.add("CCCD_FORMAT")
        else:
            year = c["birth_date"].year
            digit = (year // 100 - 19) * 2 + (c["sex"] == "Nữ")
            if cccd[3] != str(digit) or cccd[4:6] != f"{year % 100:02d}":
                f.add("CCCD_FORMAT")
        if by_cccd[cccd] > 1 or by_person[(fold(c["full_name"]), c["birth_date"])] > 1:
            f.add("DUPLICATE_PERSON")
        out[c["file_code"]] = f
    return out


def test_planted_files_exist_and_break_exactly_their_rule(demo: Rows) -> None:
    found = findings(demo, TODAY)
    assert set(PLANTED) <= set(found)
    rules = set(PLANTED.values())
    assert rules >= {
        "AGE_MIN", "AGE_MAX", "EDU_MIN", "CERT_EXPIRED", "CERT_MISSING", "VERIFY_MISSING",
        "DOSSIER_STALE", "INTRO_STATUS", "INTRO_OVERLAP", "INTRO_COUNT", "INTRO_YOUTH",
        "VOTE_2_3", "DECISION_DUE", "CEREMONY_DUE", "RECOGNITION_DUE", "PROBATION_END",
        "CCCD_FORMAT", "DUPLICATE_PERSON",
    }  # fmt: skip
    for code, got in found.items():
        want = {PLANTED[code]} if code in PLANTED else set()
        assert got == want, (code, got)
    assert Counter(PLANTED.values())["CCCD_FORMAT"] == 2
    assert Counter(PLANTED.values())["DUPLICATE_PERSON"] == 2


def test_planted_files_stay_planted_whatever_today(demo: Rows) -> None:
    for today in (date(2025, 3, 3), date(2027, 1, 1), date(2028, 2, 29)):
        found = findings(small_demo(today), today)
        assert {code: rules for code, rules in found.items() if rules} == {
            code: {rule} for code, rule in PLANTED.items()
        }, today


def test_planted_details(demo: Rows) -> None:
    files = {c["file_code"]: c for c in demo["candidates"]}
    members = {m["member_code"]: m for m in demo["members"]}
    orgs = {o["code"]: o for o in demo["orgs"]}
    by_rule = {rule: files[code] for code, rule in PLANTED.items()}
    c = by_rule["AGE_MIN"]
    assert _age(c["birth_date"], c["a8_cell_meeting_on"]) == 17 * 12 + 11
    c = by_rule["INTRO_STATUS"]
    assert members[c["a6_introducer1"]]["status"] == "Dự bị"
    assert members[c["a6_introducer1"]]["admitted_on"] < c["a6_introduced_on"]
    c = by_rule["INTRO_OVERLAP"]
    assert c["a6_introducer1_since"] == _months(c["a6_introduced_on"], -8)
    c = by_rule["INTRO_YOUTH"]
    assert _age(c["birth_date"], c["a6_introduced_on"]) // 12 == 24
    assert orgs[c["org_code"]]["has_youth_union"] and c["a6_introducer2"]
    c = by_rule["DOSSIER_STALE"]
    assert c["a3_application_on"] == _months(c["a8_cell_meeting_on"], -14)
    c = by_rule["EDU_MIN"]
    assert not c["sea_fisher"] and not orgs[c["org_code"]]["special_area"]
    short = [files[k]["cccd"] for k, r in PLANTED.items() if r == "CCCD_FORMAT"]
    assert sorted(map(len, short)) == [11, 12]
    dup = [files[k] for k, r in PLANTED.items() if r == "DUPLICATE_PERSON"]
    assert dup[0]["cccd"] == dup[1]["cccd"] and dup[0]["org_code"] != dup[1]["org_code"]


def test_edge_cases_sit_on_the_edge(demo: Rows) -> None:
    files = {c["file_code"]: c for c in demo["candidates"]}
    by_rule = {rule: files[code] for code, rule in EDGE_CASES.items()}
    c = by_rule["AGE_MIN"]
    assert _age(c["birth_date"], c["a8_cell_meeting_on"]) == 216
    c = by_rule["AGE_MAX"]
    assert _age(c["birth_date"], c["a8_cell_meeting_on"]) > 720 and c["exception_approval"]
    c = by_rule["VOTE_2_3"]
    assert 3 * c["a8_votes_for"] == 2 * c["a8_official_members"]
    c = by_rule["EDU_MIN"]
    assert c["education"] == "Tiểu học" and c["sea_fisher"]
    c = by_rule["INTRO_OVERLAP"]
    assert c["a6_introducer1_since"] == _months(c["a6_introduced_on"], -12)
    c = by_rule["INTRO_COUNT"]
    assert c["a6_union_intro"] == "Công đoàn" and c["a6_introducer2"] is None


# --- organisations, members, screening --------------------------------------------------------


def test_small_demo_organisations(demo: Rows) -> None:
    orgs = {o["code"]: o for o in demo["orgs"]}
    assert orgs["KH"]["kind"] == "Tỉnh ủy" and orgs["KH"]["parent_code"] is None
    commune = [o for o in demo["orgs"] if o["parent_code"] == "KH"]
    assert len(commune) == 1 and commune[0]["kind"] == "Đảng ủy xã"
    cells = [o for o in demo["orgs"] if o["kind"].startswith("Chi bộ")]
    assert len(cells) >= 4
    kinds = {o["kind"] for o in cells}
    assert kinds >= {
        "Chi bộ thôn",
        "Chi bộ tổ dân phố",
        "Chi bộ doanh nghiệp tư nhân",
        "Chi bộ trường học",
    }
    assert sorted(o["self_managed"] for o in cells) == [False, True, True, True]
    dn = next(o for o in cells if o["kind"] == "Chi bộ doanh nghiệp tư nhân")
    assert dn["is_grassroots_cell"] is False
    assert orgs[dn["parent_code"]]["kind"] == "Đảng ủy cơ sở"
    assert all(o["is_grassroots_cell"] for o in cells if o is not dn)


def test_small_demo_members(demo: Rows) -> None:
    cells = [o["code"] for o in demo["orgs"] if o["kind"].startswith("Chi bộ")]
    for cell in cells:
        ms = [m for m in demo["members"] if m["org_code"] == cell]
        assert 12 <= len(ms) <= 25
        status = Counter(m["status"] for m in ms)
        assert status["Chuyển đi"] == 1 and status["Dự bị"] >= 1
        assert status["Chính thức"] > len(ms) / 2
    for m in demo["members"]:
        assert _age(m["birth_date"], m["admitted_on"]) >= 18 * 12
        if m["status"] == "Dự bị":
            assert m["official_on"] is None
            assert (TODAY - m["admitted_on"]).days < 365
        else:
            assert m["admitted_on"] < m["official_on"] <= TODAY
    assert sum(m["village_head"] for m in demo["members"]) == 1


def test_screening_records_and_planted_members(demo: Rows) -> None:
    records = defaultdict(list)
    for r in demo["member_records"]:
        records[r["member_code"]].append(r)
    assert {r["year"] for r in demo["member_records"]} == {TODAY.year - 1, TODAY.year}
    assert {r["year"] for r in demo["ratings"]} == {TODAY.year - 2, TODAY.year - 1}
    flagged: dict[str, str] = {}
    for code, rs in records.items():
        if any(r["months_absent"] >= 3 or r["months_unpaid"] >= 3 for r in rs):
            flagged[code] = "SCREEN_ABSENT"
        if len(rs) == 2 and all(r["declining"] for r in rs):
            flagged[code] = "SCREEN_DECLINE"
        if len(rs) == 2 and all(r["violated"] for r in rs):
            flagged[code] = "SCREEN_VIOLATION_2Y"
    assert flagged == PLANTED_MEMBERS


def test_plans_cover_two_years_and_the_period(demo: Rows) -> None:
    for code in ("X01", "X01-CB01"):
        rows = [p for p in demo["plans"] if p["org_code"] == code]
        assert {p["year"] for p in rows if p["year"]} == {TODAY.year - 1, TODAY.year}
        assert [p["period"] for p in rows if p["period"]] == ["2026-2030"]
    assert any(not u["has_party_org"] for u in demo["private_units"])


# --- identity ---------------------------------------------------------------------------------


def test_cccds_are_twelve_digits_and_unique_except_planted(demo: Rows) -> None:
    short = {k for k, r in PLANTED.items() if r == "CCCD_FORMAT"}
    people = demo["members"] + demo["candidates"]
    seen = Counter(p["cccd"] for p in people)
    for p in people:
        code = p.get("file_code")
        if PLANTED.get(code) == "CCCD_FORMAT":
            continue
        assert re.fullmatch(r"\d{12}", p["cccd"]), p
        assert p["cccd"][:3] in ("056", "058") or p["home_town"] != "xã Cam Lâm, Khánh Hòa"
        if PLANTED.get(code) != "DUPLICATE_PERSON":
            assert seen[p["cccd"]] == 1, p
    assert len([p for p in people if len(p["cccd"]) != 12]) == 1
    assert short


def test_duc_names_are_exactly_the_names_with_a_duc_word(demo: Rows) -> None:
    def has_duc(text: str) -> bool:
        return any(w.startswith("duc") for w in fold(text).split())

    names = {p["full_name"] for p in demo["members"] + demo["candidates"]}
    assert {n for n in names if has_duc(n)} == DUC_NAMES
    assert DUC_NAMES <= names
    raw = {w for n in DUC_NAMES for w in n.split() if fold(w).startswith("duc")}
    assert raw >= {"Đức", "Đúc", "Dục"}
    # Nothing else in the demo answers a "duc" search.
    for key, rows in demo.items():
        for row in rows:
            for col, v in row.items():
                if isinstance(v, str) and col != "full_name":
                    assert not has_duc(v), (key, col, v)
    women = [n for n in names if n.startswith("Nguyễn Thị ")]
    assert len(women) >= 4
    # One name, one person: only the planted duplicate shares a name.
    people = demo["members"] + demo["candidates"]
    assert len(names) == len(people) - 1


def test_small_demo_is_deterministic_and_names_do_not_depend_on_today(demo: Rows) -> None:
    assert small_demo(TODAY) == demo
    other = small_demo(date(2027, 6, 15))

    def identity(data: Rows) -> list[tuple[str, ...]]:
        rows = [(m["member_code"], m["full_name"]) for m in data["members"]]
        return rows + [(c["file_code"], c["full_name"], c["sex"]) for c in data["candidates"]]

    assert identity(other) == identity(demo)
    assert set(states(other).items()) == set(states(demo).items())


# --- province -----------------------------------------------------------------------------------


def test_province_is_deterministic_per_seed(province: Rows) -> None:
    assert province_demo(seed=7, cells=50, people=2000, files=200) == province
    assert province_demo(seed=8, cells=50, people=2000, files=200) != province


def test_province_counts_and_structure(province: Rows) -> None:
    kinds = Counter(o["kind"] for o in province["orgs"])
    assert kinds["Tỉnh ủy"] == 1
    assert (kinds["Đảng ủy xã"], kinds["Đảng ủy phường"], kinds["Đảng ủy đặc khu"]) == (48, 16, 1)
    cells = [o for o in province["orgs"] if o["kind"].startswith("Chi bộ")]
    assert len(cells) == 50
    assert all(o["self_managed"] is False for o in cells)
    assert len(province["candidates"]) == 200
    assert abs(len(province["members"]) - 1800) <= 50
    assert len(province["steps"]) > len(province["candidates"])
    assert province["plans"] and province["private_units"] and province["member_records"]
    assert all(re.fullmatch(r"\d{12}", p["cccd"]) for p in province["candidates"])
    cccds = [p["cccd"] for p in province["members"] + province["candidates"]]
    assert len(set(cccds)) == len(cccds)


def test_province_default_today_is_fixed() -> None:
    a = province_demo(seed=3, cells=10, people=300, files=40)
    b = province_demo(seed=3, cells=10, people=300, files=40, today=date(2026, 11, 26))
    assert a == b
