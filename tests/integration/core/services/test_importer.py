"""The importer on real encrypted profiles: matching, updates, history, scope, dry run."""

from datetime import date

import pytest
from sqlalchemy import select

from khdesk.core.services.candidates import list_files, open_file
from khdesk.core.services.importer import RowTables, import_tables
from khdesk.core.store import schema as t

pytestmark = pytest.mark.usefixtures("engine_kind")


def d(text: str) -> date:
    return date.fromisoformat(text)


ORG = "X01-CB01"


def candidate(**over):
    row = {
        "file_code": None,
        "full_name": "Nguyễn Thị Hoa",
        "sex": "Nữ",
        "birth_date": d("2000-05-04"),
        "cccd": "056300001234",
        "org_code": ORG,
        "a1_source_on": d("2025-01-10"),
        "a2_cert_on": d("2025-03-01"),
        "a2_cert_no": "CN-125",
    }
    row.update(over)
    return row


def run(session, tables, **kw):
    return import_tables(session, RowTables.from_dicts(tables), "test", **kw)


def steps_of(session, code):
    return [(s["step_id"], s["on"], s["result"]) for s in open_file(session, code)["steps"]]


def test_quick_columns_create_history_and_state(cell):
    report = run(cell, {"candidates": [candidate(a3_application_on=d("2025-04-02"))]})
    assert report.committed and not report.problems
    files = list_files(cell)
    assert [f["file_code"] for f in files] == ["X01-CB01-0001"]
    assert files[0]["state"] == "HO_SO"
    assert steps_of(cell, "X01-CB01-0001") == [
        ("A1", d("2025-01-10"), "passed"),
        ("A2", d("2025-03-01"), "passed"),
        ("A3", d("2025-04-02"), "passed"),
    ]


def test_reimport_changes_nothing_and_matches_without_file_code(cell):
    tables = {"candidates": [candidate()]}
    run(cell, tables)
    with cell.store.read() as conn:
        before = conn.execute(select(t.candidates.c.rev, t.candidates.c.change_seq)).all()
    report = run(cell, tables)
    assert report.counts["candidates"].unchanged == 1
    assert report.changed == 0
    with cell.store.read() as conn:
        assert conn.execute(select(t.candidates.c.rev, t.candidates.c.change_seq)).all() == before
        assert conn.execute(select(t.steps.c.id)).all().__len__() == 2


def test_changed_row_updates_and_bumps_revision(cell):
    run(cell, {"candidates": [candidate(file_code="X01-CB01-0007")]})
    report = run(
        cell, {"candidates": [candidate(file_code="X01-CB01-0007", full_name="Nguyễn Thị Hòa")]}
    )
    assert report.counts["candidates"].updated == 1
    with cell.store.read() as conn:
        row = conn.execute(select(t.candidates)).mappings().one()
    assert row["full_name"] == "Nguyễn Thị Hòa" and row["rev"] == 2
    assert row["name_folded"] == "nguyen thi hoa"


def test_history_sheet_replaces_history_failed_vote_kept(cell):
    code = "X01-CB01-0003"
    history = [
        {"file_code": code, "step_id": "A5", "on": d("2025-05-01"), "result": "Thông qua"},
        {
            "file_code": code,
            "step_id": "A8",
            "on": d("2025-06-01"),
            "result": "Không thông qua",
            "official_members": 9,
            "votes_for": 5,
        },
        {
            "file_code": code,
            "step_id": "A8",
            "on": d("2025-09-01"),
            "result": "Thông qua",
            "official_members": 9,
            "votes_for": 7,
        },
    ]
    row = candidate(file_code=code, a1_source_on=None, a2_cert_on=None, a2_cert_no=None)
    report = run(cell, {"candidates": [row], "steps": history})
    assert not report.problems
    assert steps_of(cell, code) == [
        ("A5", d("2025-05-01"), "passed"),
        ("A8", d("2025-06-01"), "failed"),
        ("A8", d("2025-09-01"), "passed"),
    ]
    assert list_files(cell)[0]["state"] == "CHI_BO_XET"
    again = run(cell, {"candidates": [row], "steps": history})
    assert again.changed == 0 and again.counts["steps"].unchanged == 3


def test_cell_cannot_import_other_cells_files(cell):
    report = run(cell, {"candidates": [candidate(org_code="X01-CB02")]})
    assert report.counts["candidates"].skipped == 1
    assert "không phải chi bộ của hồ sơ này" in report.problems[0].message
    assert report.problems[0].sheet == "Quần chúng" and report.problems[0].row == 2
    assert list_files(cell) == []


def test_committee_refuses_files_of_self_managed_cells(committee):
    orgs = [
        {
            "code": "X01-CB01",
            "name": "Chi bộ thôn 1",
            "parent_code": "X01",
            "kind": "Chi bộ thôn",
            "self_managed": True,
        },
        {
            "code": "X01-CB02",
            "name": "Chi bộ thôn 2",
            "parent_code": "X01",
            "kind": "Chi bộ thôn",
            "self_managed": False,
        },
        {"code": "Y09", "name": "Đảng ủy xã khác", "parent_code": "KH", "kind": "Đảng ủy xã"},
    ]
    files = [candidate(org_code="X01-CB01"), candidate(org_code="X01-CB02", full_name="Lê Văn Đức")]
    report = run(committee, {"orgs": orgs, "candidates": files})
    assert report.counts["orgs"].added == 2 and report.counts["orgs"].skipped == 1
    assert report.counts["candidates"].added == 1 and report.counts["candidates"].skipped == 1
    assert any("tự dùng khdesk" in p.message for p in report.problems)
    assert [f["full_name"] for f in list_files(committee)] == ["Lê Văn Đức"]


def test_dry_run_changes_nothing(cell):
    report = run(cell, {"candidates": [candidate()]}, dry_run=True)
    assert report.counts["candidates"].added == 1 and not report.committed
    assert list_files(cell) == []
    with cell.store.read() as conn:
        assert (
            conn.execute(select(t.audit.c.action).where(t.audit.c.action == "import")).all() == []
        )


def test_all_or_nothing_rolls_back_on_any_problem(cell):
    rows = [candidate(), candidate(full_name="Trần Văn Nam", org_code="X01-CB09")]
    report = run(cell, {"candidates": rows}, all_or_nothing=True)
    assert report.problems and not report.committed
    assert list_files(cell) == []


def test_search_folds_diacritics_and_d_stroke(cell):
    names = [
        "Nguyễn Đức Anh",
        "Trần Văn Dục",
        "Lê Thị Đúc",
        "Phạm Ducan",
        "Hoàng Văn Nam",
        "Nguyễn Thị Lan",
        "Nguyễn Văn Thịnh",
    ]
    rows = [
        candidate(full_name=n, birth_date=d(f"199{i}-01-01"), cccd=None)
        for i, n in enumerate(names)
    ]
    run(cell, {"candidates": rows})
    found = {f["full_name"] for f in list_files(cell, search="duc")}
    assert found == {"Nguyễn Đức Anh", "Trần Văn Dục", "Lê Thị Đúc", "Phạm Ducan"}
    found = {f["full_name"] for f in list_files(cell, search="nguyen thi")}
    assert found == {"Nguyễn Thị Lan", "Nguyễn Văn Thịnh"}  # word prefixes, any order
    assert [f["full_name"] for f in list_files(cell, search="NGUYỄN THỊ LAN")] == ["Nguyễn Thị Lan"]
    assert list_files(cell, search="X01-CB01-0002")[0]["full_name"] == "Trần Văn Dục"


def test_search_index_follows_inserts_and_renames(cell):
    run(cell, {"candidates": [candidate(file_code="X01-CB01-0009", full_name="Lê Văn Tám")]})
    assert [f["full_name"] for f in list_files(cell, search="tam")] == ["Lê Văn Tám"]
    run(cell, {"candidates": [candidate(file_code="X01-CB01-0009", full_name="Lê Văn Chín")]})
    assert list_files(cell, search="tam") == []
    assert [f["full_name"] for f in list_files(cell, search="chin")] == ["Lê Văn Chín"]
    if cell.on_server:
        return  # PostgreSQL keeps its trigram index itself
    with cell.store.read() as conn:
        indexed = conn.exec_driver_sql("SELECT count(*) FROM candidates_fts").scalar()
        rows = conn.exec_driver_sql("SELECT count(*) FROM candidates").scalar()
    assert indexed == rows == 1


def test_import_audits_each_changed_file_and_nothing_on_reimport(cell):
    from khdesk.core.store.store import verify_audit

    rows = [candidate(), candidate(full_name="Lê Văn Bảy", birth_date=d("1999-09-09"), cccd=None)]
    run(cell, {"candidates": rows})
    run(cell, {"candidates": rows})  # unchanged: no per-file entries
    rows[1]["a3_application_on"] = d("2025-05-05")
    run(cell, {"candidates": rows})
    with cell.store.read() as conn:
        changes = conn.execute(
            select(t.audit.c.entity_key, t.audit.c.detail)
            .where(t.audit.c.action == "change")
            .order_by(t.audit.c.id)
        ).all()
        assert verify_audit(conn) == []
    assert [c.entity_key for c in changes] == ["X01-CB01-0001", "X01-CB01-0002", "X01-CB01-0002"]
    assert '"how": "steps"' in changes[-1].detail
    assert all("056300001234" not in c.detail for c in changes)  # no CCCD in the audit


def test_org_tree_in_any_order_and_duplicates_reported(committee):
    orgs = [
        {
            "code": "X01-CB03",
            "name": "Chi bộ phân xưởng",
            "parent_code": "X01-DU01",
            "kind": "Chi bộ doanh nghiệp tư nhân",
        },
        {
            "code": "X01-DU01",
            "name": "Đảng ủy công ty",
            "parent_code": "X01",
            "kind": "Đảng ủy cơ sở",
        },
        {"code": "X01-CB03", "name": "Chi bộ phân xưởng (lặp)", "parent_code": "X01-DU01"},
    ]
    report = run(committee, {"orgs": orgs})
    assert report.counts["orgs"].added == 2 and report.counts["orgs"].skipped == 1
    assert report.problems[0].row == 4 and "Trùng với dòng 2" in report.problems[0].message


def test_people_without_codes_get_the_next_free_code(cell):
    def member(name, born):
        return {
            "full_name": name,
            "sex": "Nam",
            "birth_date": d(born),
            "org_code": ORG,
            "admitted_on": d("2010-01-01"),
        }

    run(cell, {"members": [member("Lê Văn Một", "1970-01-01"), member("Lê Văn Hai", "1971-01-01")]})
    run(cell, {"members": [member("Lê Văn Một", "1970-01-01"), member("Lê Văn Ba", "1972-01-01")]})
    run(cell, {"candidates": [candidate(file_code="X01-CB01-0041")]})
    run(cell, {"candidates": [candidate(full_name="Võ Thị Năm", birth_date=d("2001-01-01"))]})
    with cell.store.read() as conn:
        codes = dict(conn.execute(select(t.members.c.full_name, t.members.c.member_code)).all())
        files = sorted(conn.execute(select(t.candidates.c.file_code)).scalars())
    assert codes == {
        "Lê Văn Một": "X01-CB01-DV0001",
        "Lê Văn Hai": "X01-CB01-DV0002",
        "Lê Văn Ba": "X01-CB01-DV0003",
    }
    assert files == ["X01-CB01-0041", "X01-CB01-0042"]


def test_tombstoned_rows_leave_search_and_lists(cell):
    run(cell, {"candidates": [candidate(file_code="X01-CB01-0005", full_name="Hồ Văn Đức")]})
    assert len(list_files(cell, search="duc")) == 1
    with cell.store.write("bithu") as tx:
        tx.conn.execute(t.candidates.update().values(deleted=True))
    assert list_files(cell, search="duc") == [] and list_files(cell) == []


# -- issue 15 finding 1: the import asks the one write-scope rule (domain/scope.py) --

TREE = [
    {"code": "X01-CB01", "name": "Chi bộ 1", "parent_code": "X01", "kind": "Chi bộ thôn"},
    {
        "code": "X01-CB04",
        "name": "Chi bộ 4",
        "parent_code": "X01",
        "kind": "Chi bộ trường học",
        "self_managed": True,
    },
    {"code": "Y09", "name": "Đảng ủy xã khác", "parent_code": "KH", "kind": "Đảng ủy xã"},
]


def test_finding_1_import_and_form_refuse_units_outside_the_branch_alike(committee):
    """A file for a unit outside the committee's branch, or of a cell that runs khdesk:
    the import skips the row and the form refuses it, in the same words."""
    from khdesk.core.errors import InputError
    from khdesk.core.services.candidates import create_candidate

    report = run(committee, {"orgs": TREE})
    assert report.counts["orgs"].added == 2 and report.counts["orgs"].skipped == 1
    for org in ("Y09", "X01-CB04", "X01-ZZ"):
        report = run(committee, {"candidates": [candidate(org_code=org)]})
        assert report.counts["candidates"].skipped == 1
        with pytest.raises(InputError) as refused:
            create_candidate(
                committee,
                {k: candidate()[k] for k in ("full_name", "sex", "birth_date")} | {"org_code": org},
            )
        assert refused.value.message == report.problems[0].message, org
    assert list_files(committee) == []


def test_finding_1_cell_import_adds_or_moves_no_unit(cell):
    """A cell's staff write their own unit's row only: no new unit under it, no parent
    for the committee, no sibling."""
    rows = [
        {"code": "X01-CB01-T1", "name": "Tổ mới", "parent_code": "X01-CB01", "kind": "Tổ đảng"},
        {"code": "X01", "name": "Đảng ủy xã", "parent_code": "X01-CB01", "kind": "Đảng ủy xã"},
        {"code": "X01-CB02", "name": "Chi bộ 2", "parent_code": "X01", "kind": "Chi bộ thôn"},
    ]
    report = run(cell, {"orgs": rows})
    assert report.counts["orgs"].skipped == 3 and report.counts["orgs"].added == 0
    assert all("ngoài phạm vi" in p.message for p in report.problems)


def test_finding_1_import_moves_no_file_to_another_cell(committee):
    run(committee, {"orgs": TREE[:1] + [{**TREE[0], "code": "X01-CB02", "name": "Chi bộ 2"}]})
    report = run(committee, {"candidates": [candidate(file_code="X01-CB01-0001")]})
    assert report.counts["candidates"].added == 1
    moved = candidate(file_code="X01-CB01-0001", org_code="X01-CB02")
    report = run(committee, {"candidates": [moved]})
    assert report.counts["candidates"].skipped == 1
    assert "không chuyển sang 'X01-CB02'" in report.problems[0].message
    assert [f["org_code"] for f in list_files(committee)] == ["X01-CB01"]


def test_finding_1_import_makes_no_loop_in_the_tree(committee):
    """A unit moved under its own child would put it outside every branch."""
    rows = [TREE[0], {"code": "X01-CB01-T1", "name": "Tổ", "parent_code": "X01-CB01", "kind": "Tổ"}]
    assert run(committee, {"orgs": rows}).counts["orgs"].added == 2
    report = run(committee, {"orgs": [{**TREE[0], "parent_code": "X01-CB01-T1"}]})
    assert report.counts["orgs"].skipped == 1
    assert "dưới chính nó" in report.problems[0].message


def test_sheet_lacking_a_required_column_is_skipped_not_a_crash(cell, tmp_path):
    """Found with the caps work: a members sheet without 'Mã chi bộ' raised KeyError (the
    CLI's "lỗi không mong đợi"); now its rows are skipped, the missing column named."""
    from khdesk.core.services.importer import import_file

    path = tmp_path / "Đảng viên.csv"
    path.write_text("Họ và tên,Giới tính\r\nLê Văn A,Nam\r\n", encoding="utf-8-sig")
    report = import_file(cell, path, dry_run=True)
    assert [(p.column, p.message) for p in report.problems if p.column == "Mã chi bộ"] == [
        ("Mã chi bộ", "Thiếu cột bắt buộc")
    ]
    assert report.counts["members"].skipped == 1 and report.changed == 0
