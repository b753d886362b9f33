"""Issue 15, finding 12: NUL and other control characters never reach the database, by any
path that stores text: the Excel/CSV import, the service layer, records in a bundle."""

from __future__ import annotations

from datetime import date

import openpyxl
import pytest
from sqlalchemy import select

from khdesk.core.domain.pipeline import StepEvent
from khdesk.core.errors import InputError, UsageError
from khdesk.core.services.candidates import create_candidate, list_files
from khdesk.core.services.importer import import_file
from khdesk.core.services.members import save_member
from khdesk.core.services.steps import record_step, record_step_event
from khdesk.core.store import schema as t
from tests.conftest import make_profile

pytestmark = pytest.mark.usefixtures("engine_kind")

TODAY = date(2026, 11, 26)
# NUL, C0 controls, DEL, a C1 control (CSI), the right-to-left override, a lone surrogate.
BAD = ["\x00", "\x07", "\x1b", "\x7f", "\x9b", "\u202e", "\ud800"]
CSV_HEADER = "Họ và tên*,Giới tính*,Ngày sinh*,Mã chi bộ*,Ghi chú\r\n"


def _names(session) -> list[str]:
    with session.store.read() as conn:
        return list(conn.execute(select(t.candidates.c.full_name)).scalars())


@pytest.mark.parametrize("bad", BAD[:-1])  # a lone surrogate cannot be in a UTF-8 file
def test_finding_12_csv_import_refuses_control_characters_naming_the_cell(cell, tmp_path, bad):
    path = tmp_path / "Quần chúng.csv"
    body = f"Nguyễn{bad}Văn A,Nam,01/01/2000,X01-CB01,\r\nTrần Thị B,Nữ,02/02/2000,X01-CB01,\r\n"
    path.write_text(CSV_HEADER + body, encoding="utf-8-sig", newline="")
    report = import_file(cell, path, dry_run=False)
    assert [(p.sheet, p.row, p.column) for p in report.problems] == [("Quần chúng", 2, "Họ và tên")]
    assert f"U+{ord(bad):04X}" in report.problems[0].message
    assert "vị trí 7" in report.problems[0].message
    assert _names(cell) == ["Trần Thị B"]


@pytest.mark.parametrize("bad", ["\x7f", "\x9b", "\u202e", "\u2066"])
def test_finding_12_xlsx_import_refuses_control_characters(cell, tmp_path, bad):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Quần chúng"
    ws.append(["Họ và tên", "Giới tính", "Ngày sinh", "Mã chi bộ", "Ghi chú"])
    ws.append(["Lê Văn C", "Nam", "01/01/2000", "X01-CB01", f"ghi{bad}chú"])
    ws.append(["Lê Văn D", "Nam", "01/01/2000", "X01-CB01", None])
    wb.save(tmp_path / "nhap.xlsx")
    report = import_file(cell, tmp_path / "nhap.xlsx", dry_run=False)
    assert [(p.sheet, p.row, p.column) for p in report.problems] == [("Quần chúng", 2, "Ghi chú")]
    assert _names(cell) == ["Lê Văn D"]


def test_finding_12_whitespace_controls_in_a_cell_are_spaces_as_before(cell, tmp_path):
    path = tmp_path / "Quần chúng.csv"
    # VT (a line break pasted from Word), NEL, the unit separator: whitespace to Python.
    body = "Nguyễn\x0bVăn\x85\x1fA,Nam,01/01/2000,X01-CB01,\r\n"
    path.write_text(CSV_HEADER + body, encoding="utf-8-sig", newline="")
    report = import_file(cell, path, dry_run=False)
    assert not report.problems
    assert _names(cell) == ["Nguyễn Văn A"]


@pytest.mark.parametrize("bad", BAD)
def test_finding_12_services_refuse_control_characters(cell, bad):
    fields = {"full_name": f"Phạm{bad}Văn E", "sex": "Nam", "birth_date": date(2000, 1, 1)}
    with pytest.raises(InputError):
        create_candidate(cell, fields)
    with pytest.raises(InputError):
        create_candidate(cell, {**fields, "full_name": "Phạm Văn E", "file_code": f"X{bad}1"})
    member = {
        "full_name": f"Đỗ{bad}Thị F",
        "sex": "Nữ",
        "birth_date": "01/01/1980",
        "org_code": "X01-CB01",
        "admitted_on": "01/01/2005",
    }
    with pytest.raises(InputError):
        save_member(cell, member)
    code = create_candidate(cell, {**fields, "full_name": "Phạm Văn E"})
    with pytest.raises(InputError) as err:
        record_step(cell, code, StepEvent("A2", date(2026, 1, 5), doc_no=f"1{bad}/GCN"), TODAY)
    assert "Số văn bản" in err.value.message
    with pytest.raises(InputError):
        record_step(cell, code, StepEvent("A2", date(2026, 1, 5), note=f"x{bad}"), TODAY)
    with pytest.raises(InputError) as err:
        event = StepEvent("A6", date(2026, 1, 5))
        record_step_event(cell, code, event, TODAY, details={"a6_introducer1": f"DV{bad}"})
    assert "Người giới thiệu 1" in err.value.message
    assert [f["full_name"] for f in list_files(cell)] == ["Phạm Văn E"]


def test_finding_12_a_new_profile_refuses_control_characters(home, clock):
    with pytest.raises((InputError, UsageError)):
        make_profile(home, "cell", "X01-CB09", "Chi bộ\x00 thôn", clock, "X01")
    assert not any(home.iterdir()) if home.exists() else True


def test_finding_12_user_and_profile_names_take_no_trailing_newline(cell, home, clock):
    from khdesk.core.services.profiles import add_user

    with pytest.raises(UsageError):
        add_user(cell, "pho\n", "mat-khau-rat-dai-2026", role="deputy")
    from khdesk.core.services import profiles

    with pytest.raises(UsageError):
        profiles.create_profile(
            home / "khac2",
            role="cell",
            org_code="X01-CB07",
            org_name="Chi bộ thôn 7",
            name="CB07\n",
            user="bithu",
            password="mat-khau-rat-dai-2026",
        )


@pytest.mark.parametrize("bad", BAD)
def test_unlisted_free_text_fields_refuse_control_characters(cell, bad):
    """Finding 12's cousins: the free text a user types that is not a record — the print
    settings (printed on every form), a document number's note and a void reason, the
    note of a new sync epoch (signed into the next bundle and shown to the committee),
    a handover's and a backup's note — refuse control characters as the records do."""
    from khdesk.core.services import backup, numbering, printing, safety, sync

    before = _stored_texts(cell)
    with pytest.raises(InputError, match="U\\+"):
        printing.set_print_settings(cell, signer=f"Nguyễn{bad}Văn A")
    with pytest.raises(InputError, match="U\\+"):
        numbering.use_number(cell, "NQ", date(2026, 11, 20), note=f"ghi{bad}chú")
    taken = numbering.use_number(cell, "NQ", date(2026, 11, 20))
    with pytest.raises(InputError, match="U\\+"):
        numbering.void_number(cell, "NQ", taken.term, taken.number, f"rút{bad}lại")
    with pytest.raises(InputError, match="U\\+"):
        sync.start_new_epoch(cell, f"bàn{bad}giao")
    if not cell.on_server:  # a server profile has no handover nor file backups
        with pytest.raises(InputError, match="U\\+"):
            safety.handover(cell, "bithumoi", "mat-khau-rat-dai-2026", note=f"bàn{bad}giao")
        with pytest.raises(InputError, match="U\\+"):
            backup.create_backup(cell, "manual", note=f"trước{bad}khi")
    after = _stored_texts(cell)
    assert after == {**before, "numbers": after["numbers"]}
    assert all(bad not in str(v) for v in after.values())


def _stored_texts(session) -> dict:
    from khdesk.core.services import backup

    with session.store.read() as conn:
        meta = dict(conn.execute(select(t.meta.c.key, t.meta.c.value)).all())
        numbers = conn.execute(select(t.document_numbers.c.note)).all()
        epochs = conn.execute(select(t.sync_epochs)).all()
    return {
        "meta": meta,
        "numbers": numbers,
        "epochs": epochs,
        "backups": [b.id for b in backup.list_backups(session.dir)],
    }
