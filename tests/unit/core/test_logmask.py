"""No CCCD/CMND number reaches the log file, in a message, its arguments or a traceback."""

from __future__ import annotations

import logging

from khdesk.cli.main import _setup_logging
from khdesk.core.logmask import mask_ids


def test_mask_ids_keeps_the_ends_and_other_numbers():
    assert mask_ids("CCCD 079123456712.") == "CCCD 0791******12."
    assert mask_ids("CMND 225123489, năm 2026") == "CMND 225****89, năm 2026"
    assert mask_ids("điện thoại 0912345678") == "điện thoại 0912345678"  # 10 digits
    assert mask_ids("0791234567123") == "0791234567123"  # 13 digits: not an id


def test_a_logged_exception_with_a_cccd_is_masked_in_the_log_file(tmp_path):
    root = logging.getLogger()
    before = list(root.handlers)
    path = _setup_logging(tmp_path)
    try:
        log = logging.getLogger("khdesk.test")
        try:
            raise ValueError("trùng số CCCD 079123456712 với hồ sơ khác")
        except ValueError:
            log.exception("nhập thất bại cho %s (CMND %s)", "079123456799", 225123489)
        log.warning("stack", stack_info=True)
    finally:
        for h in root.handlers[:]:
            if h not in before:
                root.removeHandler(h)
                h.close()
    text = path.read_text(encoding="utf-8")
    assert "0791******12" in text and "0791******99" in text and "225****89" in text
    for raw in ("079123456712", "079123456799", "225123489"):
        assert raw not in text
    assert "ValueError: trùng số CCCD 0791******12" in text  # the traceback is kept, masked
