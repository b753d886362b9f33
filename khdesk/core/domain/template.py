"""The Excel template (TEMPLATE.md) as data: sheets, headers, JSON keys, value kinds.

Importer, exporter, demo generator and the JSON output all read this one description,
so a header or a key is spelled in exactly one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    TEXT = "text"
    DATE = "date"
    BOOL = "bool"
    INT = "int"
    CHOICE = "choice"  # one of Column.choices (Vietnamese labels)
    STEP = "step"  # A1…P5, XOA_TEN, DUNG, or the step's Vietnamese name
    PERIOD = "period"  # 2026-2030


@dataclass(frozen=True)
class Column:
    header: str  # Vietnamese header as printed in the template (without the '*')
    key: str  # ascii key, also the JSON key
    kind: Kind = Kind.TEXT
    required: bool = False
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sheet:
    name: str
    key: str  # ascii name, used for csv file names
    columns: tuple[Column, ...]

    def column(self, key: str) -> Column:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(key)


ORG_KINDS = (
    "Tỉnh ủy",
    "Đảng ủy xã",
    "Đảng ủy phường",
    "Đảng ủy đặc khu",
    "Đảng ủy cơ sở",
    "Chi bộ thôn",
    "Chi bộ tổ dân phố",
    "Chi bộ cơ quan",
    "Chi bộ trường học",
    "Chi bộ trường tư thục",
    "Chi bộ doanh nghiệp tư nhân",
    "Chi bộ công an",
    "Chi bộ quân sự",
    "Chi bộ khác",
)
CELL_KINDS = tuple(k for k in ORG_KINDS if k.startswith("Chi bộ"))
COMMUNE_KINDS = ("Đảng ủy xã", "Đảng ủy phường", "Đảng ủy đặc khu")  # the commune level


def kind_from_name(name: str, role: str) -> str:
    """A unit's kind as its name says it ("Chi bộ thôn Bãi Giếng" → "Chi bộ thôn"), else
    the plainest kind of its role (a cell: "Chi bộ khác"; a committee: "Đảng ủy cơ sở")."""
    lowered = name.casefold()
    found = [k for k in ORG_KINDS if lowered.startswith(k.casefold() + " ")]
    if found:
        return max(found, key=len)
    return "Chi bộ khác" if role == "cell" else "Đảng ủy cơ sở"


SEXES = ("Nam", "Nữ")
MEMBER_STATUSES = ("Chính thức", "Dự bị", "Chuyển đi", "Từ trần", "Xóa tên", "Khai trừ")
RATINGS = (
    "Hoàn thành xuất sắc nhiệm vụ",
    "Hoàn thành tốt nhiệm vụ",
    "Hoàn thành nhiệm vụ",
    "Không hoàn thành nhiệm vụ",
)
PRIVATE_UNIT_KINDS = ("Doanh nghiệp tư nhân", "Trường tư thục", "Khác")
EDUCATION = ("Tiểu học", "THCS", "THPT")
# Older files write the grade over the 12-year scale.
EDUCATION_ALIASES = {"5/12": "Tiểu học", "9/12": "THCS", "12/12": "THPT"}
WORKPLACE_KINDS = (
    "Cơ quan nhà nước",
    "Đơn vị sự nghiệp",
    "Doanh nghiệp nhà nước",
    "Doanh nghiệp tư nhân",
    "Trường tư thục",
    "Lực lượng vũ trang",
    "Nông dân",
    "Ngư dân",
    "Lao động tự do",
    "Học sinh sinh viên",
    "Khác",
)
UNION_INTRO = ("Đoàn", "Công đoàn")
CLOSED_KINDS = ("Xóa tên", "Dừng")
STEP_RESULTS = ("Thông qua", "Không thông qua", "Trả lại")

C = Column

ORGS = Sheet(
    "Đơn vị",
    "orgs",
    (
        C("Mã đơn vị", "code", required=True),
        C("Tên đơn vị", "name", required=True),
        C("Mã đơn vị cấp trên", "parent_code"),
        C("Loại", "kind", Kind.CHOICE, choices=ORG_KINDS),
        C("Chi bộ cơ sở", "is_grassroots_cell", Kind.BOOL),
        C("Chi bộ dùng khdesk", "self_managed", Kind.BOOL),
        C("Có tổ chức Đoàn", "has_youth_union", Kind.BOOL),
        C("Vùng đặc biệt", "special_area", Kind.BOOL),
        C("Số thôn/tổ dân phố", "villages", Kind.INT),
        C("Trưởng thôn là đảng viên", "village_head_is_member", Kind.BOOL),
    ),
)

MEMBERS = Sheet(
    "Đảng viên",
    "members",
    (
        C("Mã đảng viên", "member_code"),
        C("Họ và tên", "full_name", required=True),
        C("Giới tính", "sex", Kind.CHOICE, True, SEXES),
        C("Ngày sinh", "birth_date", Kind.DATE, True),
        C("Số CCCD", "cccd"),
        C("Mã chi bộ", "org_code", required=True),
        C("Ngày vào Đảng", "admitted_on", Kind.DATE, True),
        C("Ngày chính thức", "official_on", Kind.DATE),
        C("Trạng thái", "status", Kind.CHOICE, choices=MEMBER_STATUSES),
        C("Dân tộc", "ethnicity"),
        C("Tôn giáo", "religion"),
        C("Quê quán", "home_town"),
        C("Số lý lịch", "history_no"),
        C("Trưởng thôn/Tổ trưởng TDP", "village_head", Kind.BOOL),
    ),
)

MEMBER_RECORDS = Sheet(
    "Theo dõi đảng viên",
    "member_records",
    (
        C("Mã đảng viên", "member_code", required=True),
        C("Năm", "year", Kind.INT, True),
        C("Số tháng bỏ sinh hoạt", "months_absent", Kind.INT),
        C("Số tháng không đóng đảng phí", "months_unpaid", Kind.INT),
        C("Vi phạm tư cách", "violated", Kind.BOOL),
        C("Giảm sút ý chí", "declining", Kind.BOOL),
    ),
)

PLANS = Sheet(
    "Kế hoạch",
    "plans",
    (
        C("Mã đơn vị", "org_code", required=True),
        C("Năm", "year", Kind.INT),
        C("Giai đoạn", "period", Kind.PERIOD),
        C("Chỉ tiêu kết nạp", "target", Kind.INT, True),
        C("Chỉ tiêu thanh niên", "target_youth", Kind.INT),
        C("Chỉ tiêu khu vực tư nhân", "target_private", Kind.INT),
    ),
)

RATINGS_SHEET = Sheet(
    "Xếp loại",
    "ratings",
    (
        C("Mã đảng viên", "member_code", required=True),
        C("Năm", "year", Kind.INT, True),
        C("Xếp loại", "rating", Kind.CHOICE, True, RATINGS),
    ),
)

PRIVATE_UNITS = Sheet(
    "Đơn vị tư nhân",
    "private_units",
    (
        C("Tên đơn vị", "name", required=True),
        C("Loại", "kind", Kind.CHOICE, True, PRIVATE_UNIT_KINDS),
        C("Mã đơn vị quản lý", "org_code"),
        C("Số lao động", "workers", Kind.INT),
        C("Số đảng viên", "members", Kind.INT),
        C("Có tổ chức đảng", "has_party_org", Kind.BOOL),
        C("Có công đoàn", "has_trade_union", Kind.BOOL),
        C("Có đoàn thanh niên", "has_youth_union", Kind.BOOL),
    ),
)

# Candidate identity columns (stored on the candidate record).
CANDIDATE_IDENTITY = (
    C("Mã hồ sơ", "file_code"),
    C("Họ và tên", "full_name", required=True),
    C("Giới tính", "sex", Kind.CHOICE, True, SEXES),
    C("Ngày sinh", "birth_date", Kind.DATE, True),
    C("Quê quán", "home_town"),
    C("Số CCCD", "cccd"),
    C("Số lý lịch", "history_no"),
    C("Dân tộc", "ethnicity"),
    C("Tôn giáo", "religion"),
    C("Trình độ GDPT", "education", Kind.CHOICE, choices=EDUCATION),
    C("Nghề nghiệp", "occupation"),
    C("Ngư dân bám biển", "sea_fisher", Kind.BOOL),
    C("Nơi làm việc", "workplace"),
    C("Loại hình nơi làm việc", "workplace_kind", Kind.CHOICE, choices=WORKPLACE_KINDS),
    C("Đoàn viên", "youth_union_member", Kind.BOOL),
    C("Trưởng thôn/Tổ trưởng TDP", "village_head", Kind.BOOL),
    C("Mã chi bộ", "org_code", required=True),
)

# Pipeline columns: each holds the latest record of one step (see STEP_COLUMNS).
CANDIDATE_PIPELINE = (
    C("Ngày vào nguồn", "a1_source_on", Kind.DATE),
    C("Ngày cấp chứng nhận bồi dưỡng", "a2_cert_on", Kind.DATE),
    C("Số chứng nhận", "a2_cert_no"),
    C("Ngày nhận đơn", "a3_application_on", Kind.DATE),
    C("Ngày nhận lý lịch", "a4_history_on", Kind.DATE),
    C("Ngày kết luận thẩm tra", "a5_verified_on", Kind.DATE),
    C("Ngày giới thiệu", "a6_introduced_on", Kind.DATE),
    C("Ngày tổng hợp ý kiến", "a7_opinions_on", Kind.DATE),
    C("Người giới thiệu 1", "a6_introducer1"),
    C("Người giới thiệu 1 cùng công tác từ", "a6_introducer1_since", Kind.DATE),
    C("Người giới thiệu 2", "a6_introducer2"),
    C("Người giới thiệu 2 cùng công tác từ", "a6_introducer2_since", Kind.DATE),
    C("Giới thiệu của Đoàn/Công đoàn", "a6_union_intro", Kind.CHOICE, choices=UNION_INTRO),
    C("Người giới thiệu thay thế", "a6_replacement", Kind.BOOL),
    C("Ngày chi bộ xét", "a8_cell_meeting_on", Kind.DATE),
    C("Số đảng viên chính thức", "a8_official_members", Kind.INT),
    C("Số tán thành", "a8_votes_for", Kind.INT),
    C("Ngày nghị quyết đảng ủy", "a9_committee_resolution_on", Kind.DATE),
    C("Số quyết định kết nạp", "a10_decision_no"),
    C("Ngày quyết định kết nạp", "a10_decision_on", Kind.DATE),
    C("Ngày nhận quyết định", "a10_received_on", Kind.DATE),
    C("Ngày kết nạp", "a11_ceremony_on", Kind.DATE),
    # A ceremony held after its deadline: the upper committee's approval (RULES.md "Done late")
    C("Số văn bản đồng ý kết nạp muộn", "a11_approval_no"),
    C("Ngày văn bản đồng ý kết nạp muộn", "a11_approval_on", Kind.DATE),
    C("Ngày chi bộ xét chính thức", "p3_cell_meeting_on", Kind.DATE),
    C("Số đảng viên chính thức khi xét", "p3_official_members", Kind.INT),
    C("Số tán thành chính thức", "p3_votes_for", Kind.INT),
    C("Đảng viên giúp đỡ", "mentor"),
    C("Số quyết định chính thức", "p5_decision_no"),
    C("Ngày quyết định chính thức", "p5_decision_on", Kind.DATE),
    C("Kết thúc", "closed", Kind.CHOICE, choices=CLOSED_KINDS),
    C("Ngày kết thúc", "closed_on", Kind.DATE),
    C("Lý do kết thúc", "closed_reason"),
    C("Ghi chú", "notes"),
    C("Văn bản chấp thuận", "exception_approval"),
)

CANDIDATES = Sheet("Quần chúng", "candidates", CANDIDATE_IDENTITY + CANDIDATE_PIPELINE)

STEPS = Sheet(
    "Các bước",
    "steps",
    (
        C("Mã hồ sơ", "file_code", required=True),
        C("Bước", "step_id", Kind.STEP, True),
        C("Ngày", "on", Kind.DATE, True),
        C("Số văn bản", "doc_no"),
        C("Số đảng viên chính thức", "official_members", Kind.INT),
        C("Số tán thành", "votes_for", Kind.INT),
        C("Kết quả", "result", Kind.CHOICE, choices=STEP_RESULTS),
        C("Ghi chú", "note"),
    ),
)

# Import order matters: organisations before the people that belong to them.
SHEETS: tuple[Sheet, ...] = (
    ORGS,
    PLANS,
    MEMBERS,
    MEMBER_RECORDS,
    RATINGS_SHEET,
    PRIVATE_UNITS,
    CANDIDATES,
    STEPS,
)
SHEETS_BY_KEY = {s.key: s for s in SHEETS}
