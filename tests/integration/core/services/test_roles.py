"""Roles (issue 7 §5, khdesk/core/domain/roles.py): a viewer changes nothing and takes
nothing out; a deputy does the day-to-day work but not what can lose or hand away the
records; handover rotates the recovery key, and recovery with the new key is audited."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from khdesk.core.domain.pipeline import StepEvent
from khdesk.core.errors import AccessDenied, InputError, UsageError
from khdesk.core.services import (
    attachments,
    backup,
    candidates,
    catalogue,
    exporter,
    importer,
    integrity,
    members,
    numbering,
    organisations,
    printing,
    profiles,
    reporting,
    retention,
    safety,
    steps,
    sync,
    transfers,
)
from khdesk.core.services.importer import RowTables
from khdesk.core.services.session import TAKE_OUT_REFUSED, open_profile
from khdesk.core.store import schema as t
from tests.stations import PASSWORD, build_commune

TODAY = date(2026, 11, 26)


@pytest.fixture
def commune(tmp_path):
    commune = build_commune(tmp_path / "home", enrol=False)
    for session in (commune.cells["X01-CB01"], commune.committee):
        profiles.add_user(session, "xem", "xem-123456", "viewer")
        profiles.add_user(session, "pho", "pho-123456", "deputy")
    yield commune
    commune.close()


@pytest.fixture
def cell(commune):
    return commune.cells["X01-CB01"]


def _as(cell, user: str, password: str):
    return open_profile(cell.dir.home, cell.dir.name, user, password)


def _a_file(session) -> tuple[str, str]:
    with session.store.read() as conn:
        row = conn.execute(
            select(t.candidates.c.file_code, t.candidates.c.uuid).order_by(t.candidates.c.id)
        ).first()
    return row.file_code, row.uuid


def _write_services(cell, tmp_path):
    """Every service that changes data or takes it out of the PC, with plausible args."""
    code, _ = _a_file(cell)
    doc = tmp_path / "giay.pdf"
    doc.write_bytes(b"%PDF-1.4 demo")
    home, name = cell.dir.home, cell.dir.name
    a_backup = backup.create_backup(cell, "manual")
    return {
        "tạo hồ sơ": lambda s: candidates.create_candidate(s, {"full_name": "Thử Văn A"}),
        "sửa hồ sơ": lambda s: candidates.update_identity(s, code, {"notes": "x"}),
        "ghi bước": lambda s: steps.record_step(s, code, StepEvent("A1", TODAY), TODAY),
        "hoàn tác bước": lambda s: steps.undo_step(s, code, "khong-co"),
        "đính kèm": lambda s: attachments.attach(s, code, doc),
        "nhập Excel": lambda s: importer.import_tables(s, RowTables.from_dicts({}), "thu"),
        "xuất Excel": lambda s: exporter.export_file(s, tmp_path / "ra.xlsx"),
        "đảng viên": lambda s: members.save_member(s, {"full_name": "B"}),
        "nhiệm kỳ": lambda s: numbering.set_term_start(s, TODAY),
        "lấy số": lambda s: numbering.use_number(s, "NQ", TODAY),
        "hủy số": lambda s: numbering.void_number(s, "NQ", "2025-2030", 1, "x"),
        "đơn vị": lambda s: organisations.save_org_settings(s, s.org_code, {}),
        "in": lambda s: printing.set_print_settings(s),
        "nhận danh mục": lambda s: catalogue.import_catalogue(s, tmp_path / "dm"),
        "thẻ khóa": lambda s: sync.write_card(s, tmp_path / "the.card"),
        "ghi nhận thẻ": lambda s: sync.enrol_card(s, tmp_path / "the.card", "x"),
        "đổi khóa": lambda s: sync.rotate_keys(s),
        "thu hồi khóa": lambda s: sync.revoke_key(s, "x"),
        "giai đoạn mới": lambda s: sync.start_new_epoch(s, "x"),
        "gửi gói": lambda s: sync.export_bundle(s, tmp_path / "goi"),
        "nhận gói": lambda s: sync.import_bundles(s, [tmp_path / "goi.khgoi"]),
        "xác nhận giai đoạn mới của đơn vị gửi": lambda s: sync.import_bundles(
            s, [tmp_path / "goi.khgoi"], accept_epoch=True
        ),
        "sao lưu": lambda s: backup.create_backup(s, "manual"),
        "thêm người dùng": lambda s: profiles.add_user(s, "moi", "moi-123456"),
        "xóa người dùng": lambda s: profiles.remove_user(s, "bithu"),
        "đổi mật khẩu người khác": lambda s: profiles.change_password(s, "bithu", "abc-123456"),
        "lưu trữ hồ sơ cũ": lambda s: retention.run_retention(s, date(2036, 1, 1), 5),
        "đưa hồ sơ về": lambda s: retention.restore_archived(s, code),
        "thời hạn lưu": lambda s: retention.set_configured_years(s, 3),
        "chuyển máy": lambda s: safety.move_to_new_pc(s, tmp_path),
        "bàn giao": lambda s: safety.handover(s, "moi", "moi-123456"),
        "chuyển hồ sơ": lambda s: transfers.transfer_out(s, code, "X01-CB02", TODAY, TODAY),
        "tiếp nhận hồ sơ": lambda s: transfers.accept(s, code, TODAY, TODAY),
        "trả lại hồ sơ": lambda s: transfers.return_(s, code, "x", TODAY, TODAY),
        "khôi phục": lambda s: backup.restore_backup(home, name, a_backup.id, s.user, s._password),
        "mở bản sao lưu ở máy khác": lambda s: backup.import_backup(
            tmp_path / "may-moi", a_backup.path, s.user, s._password
        ),
    }


# what a deputy may not do (the rest they may: see roles.py)
DEPUTY_REFUSED = {
    "đơn vị",
    "in",  # the print settings are the unit's: the signer printed on every form
    "xác nhận giai đoạn mới của đơn vị gửi",  # a trust decision, as enrolling a key
    "ghi nhận thẻ",
    "đổi khóa",
    "thu hồi khóa",
    "giai đoạn mới",
    "thêm người dùng",
    "xóa người dùng",
    "đổi mật khẩu người khác",
    "lưu trữ hồ sơ cũ",
    "đưa hồ sơ về",
    "thời hạn lưu",
    "chuyển máy",
    "bàn giao",
    "chuyển hồ sơ",  # hands a file to another unit (RULES.md §2a)
    "tiếp nhận hồ sơ",
    "trả lại hồ sơ",
    "khôi phục",
    "mở bản sao lưu ở máy khác",
}


def test_a_viewer_is_refused_every_write_in_vietnamese(cell, tmp_path):
    services = _write_services(cell, tmp_path)
    before = integrity.list_audit(cell, limit=1)[0]["id"]
    viewer = _as(cell, "xem", "xem-123456")
    viewer._password = "xem-123456"
    try:
        for what, call in services.items():
            with pytest.raises(AccessDenied) as refused:
                call(viewer)
            message = refused.value.message
            assert message in (
                "Người dùng này không có quyền làm việc này.",
                "Chỉ chủ hồ sơ hoặc bí thư mới được khôi phục hay mở bản sao lưu thành hồ sơ.",
                TAKE_OUT_REFUSED,
            ), (what, message)
        # Reading is fine.
        assert candidates.file_ids(viewer)
    finally:
        viewer.close()
    # Nothing was written but the viewer's unlock (and the backup the setup made).
    actions = [e["action"] for e in integrity.list_audit(cell, limit=100) if e["id"] > before]
    assert set(actions) <= {"unlock"}, actions


def test_a_deputy_is_refused_only_what_can_lose_the_records(cell, tmp_path):
    services = _write_services(cell, tmp_path)
    deputy = _as(cell, "pho", "pho-123456")
    deputy._password = "pho-123456"
    try:
        for what, call in services.items():
            try:
                call(deputy)
            except AccessDenied as exc:
                assert what in DEPUTY_REFUSED, (what, exc.message)
            except Exception:  # refused for another reason (a dummy argument): allowed
                assert what not in DEPUTY_REFUSED, what
            else:
                assert what not in DEPUTY_REFUSED, what
    finally:
        deputy.close()


def test_handover_new_owner_new_recovery_key_new_epoch(cell):
    result = safety.handover(cell, "bithumoi", "moi-123456", remove_current=True)
    assert result.removed == "bithu" and result.epoch and result.recovery_key
    users = {u["name"]: u["role"] for u in profiles.list_users(cell)}
    assert users.get("bithumoi") == "owner" and "bithu" not in users
    home, name = cell.dir.home, cell.dir.name
    cell.close()
    with pytest.raises(AccessDenied):
        open_profile(home, name, "bithu", PASSWORD)
    new = profiles.recover(home, name, "bithumoi", result.recovery_key, "sau-khi-quen")
    try:
        actions = [e["action"] for e in integrity.list_audit(new, limit=20)]
        assert {"handover", "sync_epoch", "recovery_key_new", "user_add", "user_remove"} <= set(
            actions
        )
        assert actions[0] == "user_recover"
        assert integrity.check_database(new).ok
    finally:
        new.close()


def test_a_committee_viewer_cannot_pass_catalogues_down(commune, tmp_path):
    viewer = _as(commune.committee, "xem", "xem-123456")
    try:
        with pytest.raises(AccessDenied, match="không có quyền"):
            catalogue.forward_catalogue(viewer, tmp_path / "dm")
    finally:
        viewer.close()


def test_finding_12_a_viewer_takes_nothing_out_without_the_owners_grant(
    cell, tmp_path, capsys, monkeypatch
):
    from khdesk.cli.main import main

    code, _ = _a_file(cell)
    scan = tmp_path / "đơn.pdf"
    scan.write_bytes(b"%PDF don")
    uuid = attachments.attach(cell, code, scan)["uuid"]
    out = tmp_path / "ra"
    out.mkdir()
    take_outs = {
        "lưu bản sao bản quét": lambda s: attachments.save_attachment(s, uuid, out),
        "xuất Excel": lambda s: exporter.export_file(s, out / "du-lieu.xlsx"),
        "biểu mẫu ra tệp": lambda s: printing.export_checklist(s, code, out / "dm.pdf", on=TODAY),
        "sổ ra tệp": lambda s: printing.export_register(s, out / "so.pdf", on=TODAY),
        "báo cáo có tên ra tệp": lambda s: reporting.export_screening(
            s, out / "ra-soat.xlsx", 2026, TODAY
        ),
    }
    monkeypatch.setenv("KHDESK_PASSWORD", PASSWORD)
    base = ["--home", str(cell.dir.home), "--profile", cell.dir.name]
    viewer = _as(cell, "xem", "xem-123456")
    try:
        assert not viewer.may_take_out()
        for what, call in take_outs.items():
            with pytest.raises(AccessDenied) as refused:
                call(viewer)
            assert refused.value.message == TAKE_OUT_REFUSED, what
        assert list(out.iterdir()) == []
        # Reading and opening on this PC stay a viewer's.
        assert attachments.open_copy(viewer, uuid).read_bytes() == b"%PDF don"

        assert main(["user", "grant", "xem", "--take-out", *base]) == 0
        assert "Đã cho phép 'xem'" in capsys.readouterr().out
        assert main(["user", "list", "--json", *base]) == 0
        listed = {u["name"]: u for u in json.loads(capsys.readouterr().out)}
        assert listed["xem"]["may_take_out"] and listed["pho"]["may_take_out"]
        for call in take_outs.values():
            call(viewer)
        assert len(list(out.iterdir())) == len(take_outs)

        assert main(["user", "grant", "xem", "--no-take-out", *base]) == 0
        capsys.readouterr()
        with pytest.raises(AccessDenied):
            take_outs["lưu bản sao bản quét"](viewer)
    finally:
        viewer.close()
    grants = [
        (e["action"], e["entity_key"])
        for e in integrity.list_audit(cell, limit=100)
        if e["action"] == "user_grant"
    ]
    assert grants == [("user_grant", "xem")] * 2
    assert main(["user", "grant", "xem", *base]) == 2  # --take-out or --no-take-out
    capsys.readouterr()


def test_finding_12_only_the_owner_grants_and_only_to_a_viewer(cell):
    deputy = _as(cell, "pho", "pho-123456")
    try:
        with pytest.raises(AccessDenied):
            profiles.grant_take_out(deputy, "xem", True)
    finally:
        deputy.close()
    with pytest.raises(InputError, match="chỉ người dùng Chỉ xem"):
        profiles.grant_take_out(cell, "pho", True)
    with pytest.raises(InputError, match="Không có người dùng"):
        profiles.grant_take_out(cell, "khong-co", True)


def test_finding_12_a_viewers_refused_import_makes_no_backup(cell, tmp_path):
    sheet = tmp_path / "du-lieu.xlsx"
    exporter.export_file(cell, sheet)
    before = sorted(p.name for p in cell.dir.backup_dir.glob("*"))
    viewer = _as(cell, "xem", "xem-123456")
    try:
        with pytest.raises(AccessDenied):
            importer.import_file(viewer, sheet)
    finally:
        viewer.close()
    assert sorted(p.name for p in cell.dir.backup_dir.glob("*")) == before


def test_finding_12_a_refused_handover_makes_no_backup(cell):
    before = sorted(p.name for p in cell.dir.backup_dir.glob("*"))
    with pytest.raises(UsageError):
        safety.handover(cell, "tên có dấu", "moi-123456")
    with pytest.raises(InputError, match="đã có"):
        safety.handover(cell, "pho", "moi-123456")
    assert sorted(p.name for p in cell.dir.backup_dir.glob("*")) == before
