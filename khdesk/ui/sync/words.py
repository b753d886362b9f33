"""How bundles and what they carry are put in words on the sync page."""

from __future__ import annotations

TABLE_WORDS = {
    "orgs": "đơn vị",
    "plans": "kế hoạch",
    "members": "đảng viên",
    "member_records": "theo dõi đảng viên",
    "ratings": "xếp loại",
    "private_units": "đơn vị tư nhân",
    "candidates": "hồ sơ",
    "steps": "bước",
    "attachments": "tệp đính kèm",
    "decision_reports": "quyết định chi bộ báo lên (chờ đảng ủy xác nhận)",
}


COUNT_WORDS = {
    "added": "thêm",
    "updated": "sửa",
    "unchanged": "không đổi",
    "older": "cũ hơn, bỏ qua",
    "conflicts": "xung đột",
}


def counts_text(counts: dict[str, int]) -> str:
    order = list(TABLE_WORDS)
    parts = [
        f"{n} {TABLE_WORDS.get(k, k)}"
        for k, n in sorted(counts.items(), key=lambda x: order.index(x[0]) if x[0] in order else 99)
        if n
    ]
    return ", ".join(parts) or "không có thay đổi"


def size_text(n: int) -> str:
    if n >= 1 << 30:
        return f"{n / (1 << 30):.1f} GB".replace(".", ",")
    if n >= 1 << 20:
        return f"{n / (1 << 20):.1f} MB".replace(".", ",")
    return f"{max(n // 1024, 1)} KB"
