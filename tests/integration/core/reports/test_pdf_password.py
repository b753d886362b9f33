"""A PDF of personal data saved with a password (to a USB stick): it opens only with the
password, and then reads exactly as the plain one."""

from __future__ import annotations

import io
import json
import threading

import pytest
from pypdf import PdfReader

from khdesk.core.reports import pdf
from khdesk.core.services import printing

from . import pdfcheck
from .conftest import ADMITTED, TODAY

PASSWORD = "Mật-khẩu 2026"


def _decrypted_text(data: bytes, password: str) -> str:
    reader = PdfReader(io.BytesIO(data))
    assert reader.is_encrypted
    assert reader.decrypt(password)
    return " ".join("\n".join(p.extract_text() or "" for p in reader.pages).split())


def test_form_with_a_password_needs_it_and_reads_the_same(commune, tmp_path):
    plain = printing.form_pdf(commune, "6-KNĐ", ADMITTED)
    out = tmp_path / "6-KND.pdf"
    printing.export_form(commune, "6-KNĐ", ADMITTED, out, password=PASSWORD)
    data = out.read_bytes()
    assert b"/Encrypt" in data
    reader = PdfReader(io.BytesIO(data))
    assert reader.is_encrypted
    assert not reader.decrypt("sai mật khẩu")
    text = _decrypted_text(data, PASSWORD)
    assert "Nguyễn Thị Ánh Tuyết" in text
    assert text == pdfcheck.flat(plain)
    # The audit says the export was encrypted (never the password).
    with commune.store.read() as conn:
        rows = conn.exec_driver_sql(
            "SELECT detail FROM audit WHERE action = 'export' ORDER BY id DESC LIMIT 1"
        ).all()
    detail = json.loads(rows[0][0])
    assert detail["encrypted"] is True and detail["form"] == "6-KNĐ"
    assert PASSWORD not in rows[0][0]


def test_without_a_password_nothing_is_encrypted(commune):
    assert not PdfReader(io.BytesIO(printing.form_pdf(commune, "6-KNĐ", ADMITTED))).is_encrypted
    assert not PdfReader(
        io.BytesIO(printing.form_pdf(commune, "6", ADMITTED, password=""))
    ).is_encrypted


def test_checklist_with_a_password(commune, tmp_path):
    out = tmp_path / "checklist.pdf"
    printing.export_checklist(commune, ADMITTED, out, on=TODAY, password=PASSWORD)
    assert "Nguyễn Thị Ánh Tuyết" in _decrypted_text(out.read_bytes(), PASSWORD)


def test_the_password_stays_in_its_context():
    doc = pdf.PdfDocument(title="t")
    doc.paragraph("Xin chào")
    seen: list[bool] = []
    with pdf.encrypted("abc"):
        # another thread building at the same time does not encrypt
        t = threading.Thread(
            target=lambda: seen.append(PdfReader(io.BytesIO(doc.build())).is_encrypted)
        )
        t.start()
        t.join()
        assert PdfReader(io.BytesIO(doc.build())).is_encrypted
    assert seen == [False]
    assert not PdfReader(io.BytesIO(doc.build())).is_encrypted


@pytest.mark.parametrize("password", [None, ""])
def test_no_password_means_plain(password):
    doc = pdf.PdfDocument(title="t")
    doc.paragraph("Xin chào")
    with pdf.encrypted(password):
        assert not PdfReader(io.BytesIO(doc.build())).is_encrypted
