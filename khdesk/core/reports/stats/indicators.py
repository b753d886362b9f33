"""The indicators of RULES.md §4: each one's key, label, kind, group and definition, and the
one computation of a unit's values from its counts and targets (`indicator_values`), which
every output shows — the statistics page, the committee's overview, the annual report, the
xlsx, `khdesk stats --json` and the province. The JSON keys: resources/stats/KEYS.md."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

__all__ = [
    "GROUPS",
    "INDICATORS",
    "INDICATOR_BY_KEY",
    "INDICATOR_KEYS",
    "KIND_KEYS",
    "TARGETS",
    "UNIT_KEYS",
    "Indicator",
    "indicator_values",
    "pct",
]


@dataclass(frozen=True)
class Indicator:
    """One statistic: its stable key (JSON, xlsx, tests), its Vietnamese label, what kind
    of number it is (count, pct, target, average), the group it is shown in and, where a
    screen explains it (tooltips), its definition in Vietnamese."""

    key: str
    label: str
    kind: str
    group: str
    definition: str = ""


GROUPS = {
    "admission": "Kết nạp đảng viên",
    "probation": "Đảng viên dự bị",
    "pipeline": "Nguồn và hồ sơ",
    "members": "Đảng viên, sàng lọc (Chỉ thị 28)",
    "private": "Khu vực kinh tế tư nhân (Chỉ thị 33)",
    "villages": "Thôn, tổ dân phố",
}

# What a screen says an indicator means (tooltips): the readings of the package's docstring,
# in Vietnamese. A share (`*_pct`) is defined by its two counts.
_DEFINITIONS = {
    "admitted": "Số người có quyết định kết nạp (bước A10) đề ngày trong kỳ — tuổi đảng tính "
    "từ ngày quyết định (Điều lệ Đảng, Điều 5.4) — cộng các đảng viên trong sổ có ngày vào "
    "Đảng trong kỳ mà không có hồ sơ nào ở đây; tính đến ngày lấy số liệu.",
    "target": "Chỉ tiêu kết nạp trong kế hoạch của đơn vị cho kỳ này; đơn vị không có kế "
    "hoạch riêng thì là tổng chỉ tiêu của các đơn vị trực thuộc có kế hoạch.",
    "admitted_per_year": "Số đảng viên kết nạp chia cho số năm của kỳ đã qua.",
    "admitted_youth": "Người được kết nạp từ đủ 18 tuổi đến hết 30 tuổi vào ngày quyết định "
    "kết nạp (tuổi tính theo tháng).",
    "admitted_ethnic_minority": "Người được kết nạp có dân tộc khác Kinh.",
    "admitted_religious": "Người được kết nạp có tôn giáo (khác 'Không').",
    "admitted_private": "Người được kết nạp làm việc trong doanh nghiệp tư nhân hoặc trường "
    "tư thục (theo nơi làm việc trong hồ sơ; không ghi thì theo loại chi bộ).",
    "recognised": "Quyết định công nhận đảng viên chính thức (bước P5) đề ngày trong kỳ.",
    "recognised_on_time": "Chi bộ xét (P3) trong hạn sau khi hết 12 tháng dự bị và cấp ủy "
    "quyết định (P5) trong hạn sau nghị quyết của chi bộ, như việc cần làm tính hạn.",
    "recognised_late": "Chi bộ xét hoặc cấp ủy quyết định công nhận muộn hơn thời hạn.",
    "recognition_overdue": "Đảng viên dự bị đã quá hạn xét hoặc quyết định công nhận vào "
    "ngày cuối kỳ (như việc cần làm báo quá hạn).",
    "struck_off": "Quyết định xóa tên trong danh sách đảng viên dự bị đề ngày trong kỳ.",
    "added_to_pool": "Quần chúng được đưa vào danh sách nguồn (bước A1) trong kỳ.",
    "trained": "Quần chúng học lớp bồi dưỡng nhận thức về Đảng (bước A2) trong kỳ.",
    "source_pool": "Hồ sơ đang làm (không dừng) chưa có quyết định kết nạp vào ngày cuối kỳ.",
    "files_stale": "Hồ sơ chưa được chi bộ xét có đơn, lý lịch, giấy giới thiệu hoặc bản "
    "tổng hợp ý kiến quá 12 tháng vào ngày cuối kỳ.",
    "members_total": "Đảng viên chính thức và dự bị trong sổ đã vào Đảng đến ngày cuối kỳ, "
    "cộng người đã kết nạp theo hồ sơ nhưng chưa ghi vào sổ.",
    "screening_listed": "Đảng viên các quy tắc sàng lọc (Chỉ thị 28) nêu vào ngày cuối kỳ, "
    "theo theo dõi năm đó và năm trước.",
    "villages": "Thôn, tổ dân phố các chi bộ thôn, tổ dân phố phụ trách; đảng ủy ghi số lớn "
    "hơn thì theo số của đảng ủy.",
    "villages_with_cell": "Thôn, tổ dân phố có một chi bộ chỉ phụ trách riêng thôn, tổ đó.",
    "village_heads_members": "Theo đánh dấu của chi bộ, hoặc đảng viên của chi bộ được ghi "
    "là trưởng thôn, tổ trưởng.",
}

I = Indicator  # noqa: E741 - a table of rows reads better short
_TABLE: tuple[Indicator, ...] = (
    I("admitted", "Số đảng viên kết nạp", "count", "admission"),
    I("target", "Chỉ tiêu kết nạp", "target", "admission"),
    I("target_pct", "Tỷ lệ đạt chỉ tiêu (%)", "pct", "admission"),
    I("admitted_per_year", "Bình quân kết nạp mỗi năm", "average", "admission"),
    I("admitted_youth", "Kết nạp trong độ tuổi thanh niên (18–30)", "count", "admission"),
    I("youth_pct", "Tỷ lệ kết nạp trong độ tuổi thanh niên (%)", "pct", "admission"),
    I("target_youth", "Chỉ tiêu kết nạp thanh niên", "target", "admission"),
    I("target_youth_pct", "Tỷ lệ đạt chỉ tiêu thanh niên (%)", "pct", "admission"),
    I("admitted_women", "Kết nạp đảng viên nữ", "count", "admission"),
    I("women_pct", "Tỷ lệ đảng viên nữ trong số kết nạp (%)", "pct", "admission"),
    I("admitted_ethnic_minority", "Kết nạp người dân tộc thiểu số", "count", "admission"),
    I("ethnic_minority_pct", "Tỷ lệ người dân tộc thiểu số (%)", "pct", "admission"),
    I("admitted_religious", "Kết nạp người có tôn giáo", "count", "admission"),
    I("religious_pct", "Tỷ lệ người có tôn giáo (%)", "pct", "admission"),
    I("admitted_private_enterprise", "Kết nạp trong doanh nghiệp tư nhân", "count", "admission"),
    I("admitted_private_school", "Kết nạp trong trường tư thục", "count", "admission"),
    I("admitted_private", "Kết nạp khu vực tư nhân (doanh nghiệp, trường tư thục)", "count",
      "admission"),
    I("private_pct", "Tỷ lệ kết nạp khu vực tư nhân (%)", "pct", "admission"),
    I("target_private", "Chỉ tiêu kết nạp khu vực tư nhân", "target", "admission"),
    I("target_private_pct", "Tỷ lệ đạt chỉ tiêu khu vực tư nhân (%)", "pct", "admission"),
    I("recognised", "Công nhận đảng viên chính thức", "count", "probation"),
    I("recognised_on_time", "Công nhận đúng thời hạn", "count", "probation"),
    I("recognised_late", "Công nhận chậm so với thời hạn", "count", "probation"),
    I("recognised_on_time_pct", "Tỷ lệ công nhận đúng thời hạn (%)", "pct", "probation"),
    I("recognition_overdue", "Dự bị quá hạn chưa được công nhận (cuối kỳ)", "count",
      "probation"),
    I("struck_off", "Xóa tên trong danh sách đảng viên dự bị", "count", "probation"),
    I("added_to_pool", "Quần chúng ưu tú mới vào nguồn", "count", "pipeline"),
    I("trained", "Quần chúng học lớp bồi dưỡng nhận thức về Đảng", "count", "pipeline"),
    I("source_pool", "Nguồn quần chúng ưu tú chưa kết nạp (cuối kỳ)", "count", "pipeline"),
    I("trained_not_admitted", "Đã học lớp nhận thức về Đảng, chưa kết nạp (cuối kỳ)", "count",
      "pipeline"),
    I("files_stale", "Hồ sơ có giấy tờ quá 12 tháng (cuối kỳ)", "count", "pipeline"),
    I("members_total", "Tổng số đảng viên (cuối kỳ)", "count", "members"),
    I("screening_listed", "Đảng viên cần xem xét sàng lọc (Chỉ thị 28)", "count", "members"),
    I("screen_absent", "— bỏ sinh hoạt đảng, không đóng đảng phí", "count", "members"),
    I("screen_decline", "— giảm sút ý chí, không tiến bộ", "count", "members"),
    I("screen_violation_2y", "— vi phạm tư cách đảng viên 2 năm liền", "count", "members"),
    I("private_units", "Đơn vị tư nhân trong sổ theo dõi", "count", "private"),
    I("private_units_no_member", "Đơn vị tư nhân chưa có đảng viên", "count", "private"),
    I("private_units_no_member_pct", "Tỷ lệ đơn vị tư nhân chưa có đảng viên (%)", "pct",
      "private"),
    I("private_units_no_party_org", "Đơn vị tư nhân chưa có tổ chức đảng", "count", "private"),
    I("private_units_no_party_org_pct", "Tỷ lệ đơn vị tư nhân chưa có tổ chức đảng (%)", "pct",
      "private"),
    I("villages", "Số thôn, tổ dân phố", "count", "villages"),
    I("villages_with_cell", "Thôn, tổ dân phố có chi bộ riêng", "count", "villages"),
    I("villages_with_cell_pct", "Tỷ lệ thôn, tổ dân phố có chi bộ riêng (%)", "pct", "villages"),
    I("village_heads_members", "Trưởng thôn, tổ trưởng tổ dân phố là đảng viên", "count",
      "villages"),
    I("village_heads_members_pct", "Tỷ lệ trưởng thôn, tổ trưởng là đảng viên (%)", "pct",
      "villages"),
)  # fmt: skip
del I
INDICATORS: tuple[Indicator, ...] = tuple(
    replace(i, definition=_DEFINITIONS.get(i.key, "")) for i in _TABLE
)
INDICATOR_KEYS: tuple[str, ...] = tuple(i.key for i in INDICATORS)
INDICATOR_BY_KEY = {i.key: i for i in INDICATORS}
UNIT_KEYS = ("org_code", "org_name", "kind", "parent_code", "level")
KIND_KEYS = ("kind", "cells")  # a `by_cell_kind` entry's keys before the indicators

# share key -> (numerator, denominator)
_SHARES = {
    "target_pct": ("admitted", "target"),
    "youth_pct": ("admitted_youth", "admitted"),
    "target_youth_pct": ("admitted_youth", "target_youth"),
    "women_pct": ("admitted_women", "admitted"),
    "ethnic_minority_pct": ("admitted_ethnic_minority", "admitted"),
    "religious_pct": ("admitted_religious", "admitted"),
    "private_pct": ("admitted_private", "admitted"),
    "target_private_pct": ("admitted_private", "target_private"),
    "recognised_on_time_pct": ("recognised_on_time", "_recognition_judged"),
    "private_units_no_member_pct": ("private_units_no_member", "private_units"),
    "private_units_no_party_org_pct": ("private_units_no_party_org", "private_units"),
    "villages_with_cell_pct": ("villages_with_cell", "villages"),
    "village_heads_members_pct": ("village_heads_members", "villages"),
}
TARGETS = ("target", "target_youth", "target_private")


def pct(numerator: float | None, denominator: float | None) -> float | None:
    """A percentage with two decimals (the directive writes 60.44%); None without a base."""
    if numerator is None or not denominator:
        return None
    return round(100.0 * numerator / denominator, 2)


def indicator_values(
    counts: Mapping[str, int], targets: Mapping[str, int | None], years_run: int
) -> dict[str, int | float | None]:
    """Every indicator from summed counts (with the hidden helper counts such as
    `_recognition_judged`) and targets: the one computation of a unit's and of a cell-kind
    group's values, so that every share is recomputed from its sums, never averaged."""
    values: dict[str, int | float | None] = {}
    for ind in INDICATORS:
        if ind.kind == "count":
            values[ind.key] = int(counts.get(ind.key, 0))
    for key in TARGETS:
        values[key] = targets.get(key)
    values["admitted_per_year"] = round(counts.get("admitted", 0) / years_run, 1)
    extra = {"_recognition_judged": counts.get("_recognition_judged", 0)}
    for key, (num, den) in _SHARES.items():
        values[key] = pct(values.get(num, extra.get(num)), values.get(den, extra.get(den)))
    return values
