"""The judge of tests/ui/test_no_english.py and tests/integration/cli/test_cli_no_english.py:
what it calls English, and what it lets be."""

import pytest

from tests.english import english_words


@pytest.mark.parametrize(
    ("text", "english"),
    [
        ("&Look in:", ["Look"]),
        ("usage: khdesk [-h]", ["usage"]),
        (
            "the following arguments are required",
            ["the", "following", "arguments", "are", "required"],
        ),
        ("passed (CHINH_THUC)", ["CHINH_THUC", "passed"]),
        ("PROBATION_END", ["PROBATION_END"]),
        ("OK", ["OK"]),
        ("khdesk is great", ["is", "great"]),
    ],
)
def test_english_is_found(text, english):
    assert english_words(text) == english


@pytest.mark.parametrize(
    "text",
    [
        "Chi bộ đề nghị Ban Thường vụ Đảng ủy xã Cam Hải xem xét",
        "In biểu mẫu… Chữ to hơn; ngày/tháng/năm",
        "CHI BỘ THÔN TÂN ĐỨC Số 12-NQ/CB, 5-KNĐ, THPT, XXXX XXXX",
        "Đã lưu: /tmp/pytest-1/x/5-KND.pdf; thẻ the-khoa-X01.card; tệp .khbak",
        "Chưa ghi người giới thiệu (mã quy tắc INTRO_COUNT)",
        "<span style='color:#9b1c1c'>&nbsp;Quá hạn&nbsp;</span>",
        "cán bộ kỹ thuật làm bằng lệnh 'khdesk retention --purge'",
        "Mở dữ liệu mẫu (demo) bằng Excel hoặc CSV; Ctrl+N",
        "YB2W 4JD6 BLPV RNY3 KHWG 67AT J3GU S6OF",  # a recovery key's random groups
        # a key's id and a bundle's, as the audit names them
        "Khóa 444cd6c964a2978c619d16dc584e5381; Gói 0634edcc-cba8-4cf5-a00d-72102db893bc",
    ],
)
def test_vietnamese_names_paths_codes_and_commands_pass(text):
    assert english_words(text) == []
