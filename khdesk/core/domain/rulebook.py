"""Rulebooks as data: every number of RULES.md §3, per legal basis, with its source and grade.

The implementing regulations changed three times between 2021 and 2025 (24-QĐ/TW →
232-QĐ/TW → 294-QĐ/TW), so nothing the rules engine counts with is a literal in code. Each
book lives in `resources/rulebooks/<no>-<year>.json`:

    {"legal_basis": "294-QĐ/TW", "title": "…", "effective_from": "2025-07-01",
     "effective_to": null,
     "params": {"age_min_months": {"value": 216, "source": "…", "grade": "P"}, …},
     "severities": {"AGE_MIN": "error", "CCCD_FORMAT.mismatch": "warning", …}}

`grade` is RULES.md's tag: P read in the document's own wording, S secondary summary,
U unverified or inferred (a finding resting on a U parameter says so).

A *local overlay* (e.g. the Khánh Hòa Provincial Committee's own guidance, Chỉ thị 28 lets
the competent committee set stricter standards) has the same shape with
`"overlay": true` and `"applies_to": ["294-QĐ/TW", …]`, gives only the parameters and
severities it changes, and may only tighten a parameter (a lower age limit may rise, a
deadline may shorten…); anything looser is refused with a message naming it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from khdesk.core.domain.template import EDUCATION
from khdesk.core.errors import KhdeskError
from khdesk.core.resources import resource_path
from khdesk.core.text import ISO_DATE_FORM

__all__ = [
    "DEADLINE_RULES",
    "GRADES",
    "PARAM_SPECS",
    "RULE_IDS",
    "RULE_PARAMS",
    "SEVERITY_KEYS",
    "SEVERITY_LABELS",
    "Fraction",
    "Overlay",
    "Param",
    "ParamSpec",
    "Rulebook",
    "RulebookError",
    "RulebookSet",
    "Severity",
    "default_rulebooks",
    "load_overlay",
    "load_rulebook",
    "load_rulebooks",
    "parse_overlay",
    "parse_rulebook",
    "rulebook_for",
]


class RulebookError(KhdeskError):
    """A rulebook or overlay file is malformed (message in Vietnamese)."""


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 for error, 2 for info: sort ascending to see the worst first."""
        return _SEVERITY_RANK[self]

    def at_least(self, other: Severity) -> bool:
        """True when self is `other` or worse (`check --severity S`)."""
        return self.rank <= other.rank


_SEVERITY_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
SEVERITY_LABELS = {Severity.ERROR: "Lỗi", Severity.WARNING: "Cảnh báo", Severity.INFO: "Nhắc việc"}

# Every rule id of RULES.md §3, in the order of the book.
RULE_IDS: tuple[str, ...] = (
    "AGE_MIN",
    "AGE_MAX",
    "EDU_MIN",
    "READMIT",
    "CERT_MISSING",
    "CERT_EXPIRED",
    "VERIFY_MISSING",
    "DOSSIER_STALE",
    "DOC_MISSING",
    "INTRO_STATUS",
    "INTRO_OVERLAP",
    "INTRO_COUNT",
    "INTRO_YOUTH",
    "VOTE_2_3",
    "VOTE_ESCALATE",
    "DECISION_DUE",
    "CEREMONY_DUE",
    "PROBATION_END",
    "RECOGNITION_DUE",
    "CCCD_FORMAT",
    "DUPLICATE_PERSON",
    "SCREEN_ABSENT",
    "SCREEN_DECLINE",
    "SCREEN_VIOLATION_2Y",
    "TRANSFER_REDO",
    "TRANSFER_MENTOR",
    "TRANSFER_PRIOR_OPINION",
)
# Deadline rules: their severity follows the due date (info > 30 days, warning within the
# window, error once overdue), so a book does not set it.
DEADLINE_RULES = frozenset({"DECISION_DUE", "CEREMONY_DUE", "PROBATION_END", "RECOGNITION_DUE"})

# Severity keys a book must set: the static rules, plus the variants of a rule that
# RULES.md grades differently ("CCCD_FORMAT: wrong length → error, digits disagreeing
# with sex/year → warning") or that are data gaps rather than proven breaches.
SEVERITY_KEYS: dict[str, str] = {
    **{r: f"quy tắc {r}" for r in RULE_IDS if r not in DEADLINE_RULES},
    "READMIT.approved": "đã có văn bản chấp thuận kết nạp lại: nhắc kiểm tra điều kiện",
    "CERT_EXPIRED.before_meeting": "giấy chứng nhận sắp / đã hết hạn khi chi bộ chưa họp xét",
    "INTRO_STATUS.unknown": "không tìm thấy người giới thiệu trong danh sách đảng viên",
    "INTRO_OVERLAP.unknown": "chưa ghi ngày cùng công tác với người giới thiệu",
    "INTRO_YOUTH.unknown": "chưa ghi đơn vị có tổ chức Đoàn hay không (đoàn viên trong độ tuổi "
    "thanh niên được hai đảng viên giới thiệu)",
    "INTRO_OVERLAP.replacement": "người giới thiệu thay thế được miễn thời gian cùng công tác",
    "VOTE_2_3.data": "số phiếu ghi không khớp (tán thành nhiều hơn số đảng viên…)",
    "CCCD_FORMAT.mismatch": "số CCCD không khớp giới tính / năm sinh",
}
# Keys added after books were issued (and signed into catalogues): a book without one reads
# RULES.md's default, so every catalogue already installed keeps loading.
LATER_SEVERITY_DEFAULTS: dict[str, Severity] = {
    "INTRO_YOUTH.unknown": Severity.INFO,
    "TRANSFER_REDO": Severity.WARNING,
    "TRANSFER_MENTOR": Severity.WARNING,
    "TRANSFER_PRIOR_OPINION": Severity.ERROR,
}
# DOC_MISSING is "warning at most": never an error for a document the record cannot carry.
_MAX_SEVERITY = {"DOC_MISSING": Severity.WARNING}

# A rule's grade: P the document's own words, S a secondary guide, U an unverified reading.
GRADES = ("P", "S", "U")


@dataclass(frozen=True)
class Fraction:
    """A vote threshold of all `members` (not of those present). The one place its
    arithmetic lives: the rules, the record-step dialog and the forms ask it."""

    numerator: int
    denominator: int

    def need(self, members: int) -> int:
        """The least number of votes for that reaches the threshold."""
        return -(-self.numerator * members // self.denominator)

    def reached(self, votes_for: int, members: int) -> bool:
        return votes_for >= self.need(members)

    def __str__(self) -> str:
        if (self.numerator, self.denominator) == (2, 3):
            return "hai phần ba"
        return f"{self.numerator}/{self.denominator}"


@dataclass(frozen=True)
class ParamSpec:
    kind: str  # months | working_days | days | years | count | fraction | bool | education
    stricter: str  # higher | lower | false | fixed — which way a local overlay may move it
    label: str  # Vietnamese, for error messages and the rulebook view


_EDU_RANK = {e: i for i, e in enumerate(EDUCATION)}

PARAM_SPECS: dict[str, ParamSpec] = {
    "age_min_months": ParamSpec("months", "higher", "tuổi tối thiểu (tháng)"),
    "age_max_months": ParamSpec("months", "lower", "tuổi tối đa (tháng)"),
    "edu_min": ParamSpec("education", "higher", "trình độ học vấn tối thiểu"),
    "edu_min_special": ParamSpec(
        "education", "higher", "trình độ tối thiểu ở vùng đặc biệt / ngư dân bám biển"
    ),
    "readmit_wait_months": ParamSpec("months", "higher", "thời gian chờ kết nạp lại (tháng)"),
    "readmit_wait_after_conviction_months": ParamSpec(
        "months", "higher", "thời gian chờ kết nạp lại sau khi được xóa án tích (tháng)"
    ),
    "readmit_max_times": ParamSpec("count", "lower", "số lần được kết nạp lại"),
    "cert_validity_months": ParamSpec(
        "months", "lower", "thời hạn giá trị giấy chứng nhận bồi dưỡng (tháng)"
    ),
    "dossier_validity_months": ParamSpec("months", "lower", "thời hạn giá trị hồ sơ (tháng)"),
    "intro_overlap_months": ParamSpec(
        "months", "higher", "thời gian cùng công tác với người giới thiệu (tháng)"
    ),
    "intro_replacement_exempt": ParamSpec(
        "bool", "false", "miễn thời gian cùng công tác cho người giới thiệu thay thế"
    ),
    "youth_age_max_years": ParamSpec("years", "higher", "tuổi thanh niên tối đa (năm)"),
    "vote_fraction": ParamSpec("fraction", "higher", "tỉ lệ tán thành"),
    "escalate_after_votes": ParamSpec(
        "count", "lower", "số lần xét công nhận không đủ hai phần ba trước khi báo cáo cấp trên"
    ),
    "decision_working_days": ParamSpec(
        "working_days", "lower", "thời hạn ra quyết định kết nạp (ngày làm việc)"
    ),
    "decision_extension_working_days": ParamSpec(
        "working_days", "lower", "thời gian kéo dài tối đa trường hợp đặc biệt (ngày làm việc)"
    ),
    "ceremony_working_days": ParamSpec(
        "working_days", "lower", "thời hạn tổ chức lễ kết nạp (ngày làm việc)"
    ),
    "probation_months": ParamSpec("months", "fixed", "thời gian dự bị (tháng)"),
    "recognition_cell_working_days": ParamSpec(
        "working_days", "lower", "thời hạn chi bộ xét công nhận chính thức (ngày làm việc)"
    ),
    "recognition_decision_working_days": ParamSpec(
        "working_days", "lower", "thời hạn ra quyết định công nhận chính thức (ngày làm việc)"
    ),
    "recognition_extension_working_days": ParamSpec(
        "working_days", "lower", "thời gian kéo dài tối đa khi công nhận (ngày làm việc)"
    ),
    "warning_window_days": ParamSpec("days", "higher", "báo trước thời hạn (ngày)"),
    "screen_absent_months": ParamSpec(
        "months", "lower", "số tháng bỏ sinh hoạt / không đóng đảng phí trong năm"
    ),
    "screen_decline_years": ParamSpec("years", "lower", "số năm liền ghi nhận giảm sút ý chí"),
    "screen_violation_years": ParamSpec(
        "years", "lower", "số năm liền ghi nhận vi phạm tư cách đảng viên"
    ),
    "transfer_prior_opinion_months": ParamSpec(
        "months",
        "lower",
        "thời gian dự bị ở chi bộ cũ từ đó cần ý kiến của chi bộ cũ khi xét chính thức (tháng)",
    ),
}

# The parameters each rule rests on: findings name the basis of these (an overlay's when it
# changed one) and say so when one of them is graded U.
RULE_PARAMS: dict[str, tuple[str, ...]] = {
    "AGE_MIN": ("age_min_months",),
    "AGE_MAX": ("age_max_months",),
    "EDU_MIN": ("edu_min", "edu_min_special"),
    "READMIT": ("readmit_wait_months", "readmit_wait_after_conviction_months"),
    "CERT_MISSING": (),
    "CERT_EXPIRED": ("cert_validity_months",),
    "VERIFY_MISSING": (),
    "DOSSIER_STALE": ("dossier_validity_months",),
    "DOC_MISSING": (),
    "INTRO_STATUS": (),
    "INTRO_OVERLAP": ("intro_overlap_months",),
    "INTRO_COUNT": (),
    "INTRO_YOUTH": ("youth_age_max_years",),
    "VOTE_2_3": ("vote_fraction",),
    "VOTE_ESCALATE": ("escalate_after_votes",),
    "DECISION_DUE": ("decision_working_days",),
    "CEREMONY_DUE": ("ceremony_working_days",),
    "PROBATION_END": ("probation_months",),
    "RECOGNITION_DUE": ("probation_months", "recognition_cell_working_days"),
    "CCCD_FORMAT": (),
    "DUPLICATE_PERSON": (),
    "SCREEN_ABSENT": ("screen_absent_months",),
    "SCREEN_DECLINE": ("screen_decline_years",),
    "SCREEN_VIOLATION_2Y": ("screen_violation_years",),
    "TRANSFER_REDO": (),
    "TRANSFER_MENTOR": (),
    "TRANSFER_PRIOR_OPINION": ("transfer_prior_opinion_months",),
}
# Parameters added after books were issued (and signed into catalogues): a book without
# one reads RULES.md's default, so every catalogue already installed keeps loading.
LATER_PARAM_DEFAULTS: dict[str, tuple[Any, str, str]] = {  # name -> (value, source, grade)
    "transfer_prior_opinion_months": (
        6,
        "RULES.md §2a: đảng viên dự bị chuyển sinh hoạt đã ở chi bộ cũ từ 6 tháng trở lên thì "
        "khi xét công nhận chính thức cần ý kiến bằng văn bản của chi bộ cũ (theo thực tiễn; "
        "quy định chuyển sinh hoạt của 294-QĐ/TW, 06-HD/TW chưa được đối chiếu đầy đủ)",
        "U",
    ),
}


@dataclass(frozen=True)
class Param:
    """One number (or switch) of a rulebook with where it comes from."""

    name: str
    value: Any
    source: str
    grade: str  # "P" | "S" | "U"
    basis: str  # legal basis of the book or overlay that set it


@dataclass(frozen=True)
class Overlay:
    """A local rulebook that tightens parameters or changes severities of base books."""

    legal_basis: str
    title: str
    applies_to: tuple[str, ...]  # legal bases of the books it overlays
    params: Mapping[str, Param]
    severities: Mapping[str, Severity]
    effective_from: date | None = None
    effective_to: date | None = None


@dataclass(frozen=True)
class Rulebook:
    """One legal basis in force over [effective_from, effective_to], possibly overlaid."""

    legal_basis: str
    title: str
    effective_from: date
    effective_to: date | None
    params: Mapping[str, Param]
    severities: Mapping[str, Severity]
    severity_basis: Mapping[str, str] = field(default_factory=dict)  # set by overlays
    overlays: tuple[str, ...] = ()

    def in_force(self, d: date) -> bool:
        return self.effective_from <= d and (self.effective_to is None or d <= self.effective_to)

    def param(self, name: str) -> Param:
        return self.params[name]

    def value(self, name: str) -> Any:
        return self.params[name].value

    def severity(self, key: str) -> Severity:
        """Severity of a rule id or of one of its variants ("CCCD_FORMAT.mismatch")."""
        return self.severities[key]

    def basis(self, key: str, params: Iterable[str] = ()) -> str:
        """The legal basis a finding names: the book's, plus an overlay's where it changed
        the severity `key` or one of `params`."""
        bases = [self.legal_basis]
        extra = [self.params[p].basis for p in params] + [self.severity_basis.get(key, "")]
        for b in extra:
            if b and b not in bases:
                bases.append(b)
        return "; ".join(bases)

    def unverified(self, params: Iterable[str]) -> list[Param]:
        """The parameters among `params` graded U (the finding must say so)."""
        return [self.params[p] for p in params if self.params[p].grade == "U"]

    def with_overlay(self, overlay: Overlay) -> Rulebook:
        """This book with a local overlay applied (the overlay was validated on load)."""
        params = {**self.params}
        for name, p in overlay.params.items():
            _check_tighter(overlay.legal_basis, self.legal_basis, params[name], p)
            params[name] = p
        severity_basis = {**self.severity_basis}
        for key in overlay.severities:
            severity_basis[key] = overlay.legal_basis
        return replace(
            self,
            params=params,
            severities={**self.severities, **overlay.severities},
            severity_basis=severity_basis,
            overlays=(*self.overlays, overlay.legal_basis),
        )


def _check_tighter(overlay: str, book: str, old: Param, new: Param) -> None:
    spec = PARAM_SPECS[old.name]
    looser = False
    if spec.stricter == "fixed":
        looser = new.value != old.value
    elif spec.stricter == "false":
        looser = bool(new.value) and not old.value
    else:
        a, b = _order_key(spec.kind, old.value), _order_key(spec.kind, new.value)
        looser = b < a if spec.stricter == "higher" else b > a
    if looser:
        raise RulebookError(
            f"Quy định địa phương '{overlay}' chỉ được quy định chặt hơn '{book}': "
            f"'{spec.label}' ({old.name}) không thể đổi từ {_show(old.value)} thành "
            f"{_show(new.value)}."
        )


def _order_key(kind: str, value: Any) -> Any:
    if kind == "fraction":
        return value.numerator / value.denominator
    if kind == "education":
        return _EDU_RANK[value]
    return value


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "có" if value else "không"
    return str(value)


class RulebookSet:
    """The books of all legal bases; `rulebook_for(d)` picks the one in force on d."""

    def __init__(self, books: Iterable[Rulebook]):
        ordered = sorted(books, key=lambda b: b.effective_from)
        if not ordered:
            raise RulebookError("Không có căn cứ (rulebook) nào được nạp.")
        for prev, cur in zip(ordered, ordered[1:], strict=False):
            if prev.effective_to is None or prev.effective_to >= cur.effective_from:
                raise RulebookError(
                    f"Thời gian hiệu lực của '{prev.legal_basis}' và '{cur.legal_basis}' "
                    "chồng lên nhau."
                )
        self.books: tuple[Rulebook, ...] = tuple(ordered)
        # A book split by a dated overlay appears twice: `get` returns its latest piece.
        self._by_basis = {b.legal_basis: b for b in ordered}
        self._cache: dict[date, Rulebook] = {}

    def __iter__(self):
        return iter(self.books)

    def __len__(self) -> int:
        return len(self.books)

    def get(self, legal_basis: str) -> Rulebook | None:
        return self._by_basis.get(legal_basis)

    def rulebook_for(self, d: date) -> Rulebook:
        """The book judging a step taken on `d`. Before the earliest shipped book the
        earliest one judges (the 2016 rules, 29-QĐ/TW, are not shipped); in a gap between
        two books the older one stays in force until replaced."""
        found = self._cache.get(d)
        if found is None:
            found = self.books[0]
            for book in self.books:
                if book.effective_from <= d:
                    found = book
                else:
                    break
            if len(self._cache) < 50_000:  # dates repeat a lot across files
                self._cache[d] = found
        return found

    def with_overlay(self, overlay: Overlay) -> RulebookSet:
        unknown = [b for b in overlay.applies_to if b not in self._by_basis]
        if unknown:
            raise RulebookError(
                f"Quy định địa phương '{overlay.legal_basis}' áp dụng cho căn cứ không có: "
                f"{', '.join(unknown)}."
            )
        books: list[Rulebook] = []
        for b in self.books:
            if b.legal_basis not in overlay.applies_to:
                books.append(b)
                continue
            # The overlay may start or end inside the book's period: split the book there.
            start = max(b.effective_from, overlay.effective_from or date.min)
            ends = [e for e in (b.effective_to, overlay.effective_to) if e is not None]
            end = min(ends) if ends else None
            if end is not None and end < start:
                books.append(b)  # the overlay is not in force while this book is
                continue
            if start > b.effective_from:
                books.append(replace(b, effective_to=date.fromordinal(start.toordinal() - 1)))
            books.append(replace(b.with_overlay(overlay), effective_from=start, effective_to=end))
            if end is not None and (b.effective_to is None or end < b.effective_to):
                after = date.fromordinal(end.toordinal() + 1)
                books.append(replace(b, effective_from=after))
        return RulebookSet(books)


# --- parsing --------------------------------------------------------------------------------


def _date(data: Mapping[str, Any], key: str, origin: str, required: bool) -> date | None:
    raw = data.get(key)
    if raw is None:
        if required:
            raise RulebookError(f"Căn cứ '{origin}': thiếu '{key}' (ngày {ISO_DATE_FORM}).")
        return None
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise RulebookError(
            f"Căn cứ '{origin}': '{key}' = '{raw}' không phải ngày {ISO_DATE_FORM}."
        ) from None


def _text(data: Mapping[str, Any], key: str, origin: str) -> str:
    raw = data.get(key)
    if not isinstance(raw, str) or not raw.strip():
        raise RulebookError(f"Căn cứ '{origin}': thiếu '{key}' (chuỗi ký tự).")
    return raw.strip()


def _value(name: str, raw: Any, where: str) -> Any:
    spec = PARAM_SPECS[name]
    kind = spec.kind
    if kind == "bool":
        if not isinstance(raw, bool):
            raise RulebookError(f"{where}: giá trị phải là true hoặc false.")
        return raw
    if kind == "fraction":
        ok = (
            isinstance(raw, dict)
            and set(raw) == {"numerator", "denominator"}
            and all(type(raw[k]) is int for k in raw)
            and 0 < raw["numerator"] <= raw["denominator"]
        )
        if not ok:
            raise RulebookError(
                f'{where}: cần dạng {{"numerator": 2, "denominator": 3}} '
                "(tử số dương, không lớn hơn mẫu số)."
            )
        return Fraction(raw["numerator"], raw["denominator"])
    if kind == "education":
        if raw not in _EDU_RANK:
            raise RulebookError(f"{where}: phải là một trong {', '.join(EDUCATION)}.")
        return raw
    if type(raw) is not int or raw < 0:
        raise RulebookError(f"{where}: giá trị phải là số nguyên không âm.")
    return raw


def _params(raw: Any, origin: str, basis: str, require_all: bool) -> dict[str, Param]:
    if not isinstance(raw, dict):
        raise RulebookError(f"Căn cứ '{origin}': 'params' phải là một đối tượng JSON.")
    unknown = sorted(k for k in raw if not k.startswith("_") and k not in PARAM_SPECS)
    if unknown:
        raise RulebookError(f"Căn cứ '{origin}': không hiểu tham số {', '.join(unknown)}.")
    out: dict[str, Param] = {}
    if require_all:
        missing = [k for k in PARAM_SPECS if k not in raw and k not in LATER_PARAM_DEFAULTS]
        if missing:
            raise RulebookError(f"Căn cứ '{origin}': thiếu tham số {', '.join(missing)}.")
        for name, (value, source, grade) in LATER_PARAM_DEFAULTS.items():
            out[name] = Param(name, value, source, grade, basis)
    for name in PARAM_SPECS:
        if name not in raw:
            continue
        item = raw[name]
        where = f"Căn cứ '{origin}', tham số '{name}'"
        if not isinstance(item, dict) or not {"value", "source", "grade"} <= set(item):
            raise RulebookError(f'{where}: cần dạng {{"value": …, "source": …, "grade": …}}.')
        grade = item["grade"]
        if grade not in GRADES:
            raise RulebookError(f"{where}: 'grade' phải là P, S hoặc U (đang là '{grade}').")
        source = item["source"]
        if not isinstance(source, str) or not source.strip():
            raise RulebookError(f"{where}: thiếu 'source' (văn bản, điều khoản làm căn cứ).")
        out[name] = Param(name, _value(name, item["value"], where), source.strip(), grade, basis)
    return out


def _severities(raw: Any, origin: str, require_all: bool) -> dict[str, Severity]:
    if not isinstance(raw, dict):
        raise RulebookError(f"Căn cứ '{origin}': 'severities' phải là một đối tượng JSON.")
    unknown = sorted(k for k in raw if not k.startswith("_") and k not in SEVERITY_KEYS)
    if unknown:
        hint = (
            " (mức độ của các quy tắc thời hạn đi theo ngày đến hạn)"
            if any(k in DEADLINE_RULES for k in unknown)
            else ""
        )
        raise RulebookError(f"Căn cứ '{origin}': không hiểu mức độ của {', '.join(unknown)}{hint}.")
    out: dict[str, Severity] = {}
    if require_all:
        missing = [k for k in SEVERITY_KEYS if k not in raw and k not in LATER_SEVERITY_DEFAULTS]
        if missing:
            raise RulebookError(f"Căn cứ '{origin}': thiếu mức độ của {', '.join(missing)}.")
        out.update(LATER_SEVERITY_DEFAULTS)
    for key, value in raw.items():
        if key.startswith("_"):
            continue
        try:
            sev = Severity(value)
        except ValueError:
            raise RulebookError(
                f"Căn cứ '{origin}': mức độ của {key} phải là error, warning hoặc info "
                f"(đang là '{value}')."
            ) from None
        cap = _MAX_SEVERITY.get(key.split(".")[0])
        if cap is not None and sev.rank < cap.rank:
            raise RulebookError(
                f"Căn cứ '{origin}': {key} cao nhất chỉ là '{cap.value}' (không báo lỗi cho "
                "giấy tờ mà hồ sơ không ghi được)."
            )
        out[key] = sev
    return out


_BOOK_KEYS = {"format", "legal_basis", "title", "effective_from", "effective_to", "params",
              "severities", "notes"}  # fmt: skip
_OVERLAY_KEYS = _BOOK_KEYS | {"overlay", "applies_to"}


def _check_keys(data: Any, origin: str, allowed: set[str]) -> None:
    if not isinstance(data, dict):
        raise RulebookError(f"Căn cứ '{origin}' phải là một đối tượng JSON.")
    unknown = sorted(k for k in data if not k.startswith("_") and k not in allowed)
    if unknown:
        raise RulebookError(f"Căn cứ '{origin}': không hiểu mục {', '.join(unknown)}.")
    if data.get("format", 1) != 1:
        raise RulebookError(
            f"Căn cứ '{origin}' dùng định dạng {data.get('format')}, phiên bản này chỉ đọc "
            "định dạng 1: cần cập nhật khdesk."
        )


def parse_rulebook(data: Any, origin: str = "rulebook") -> Rulebook:
    """A base rulebook from its JSON value; raises RulebookError (Vietnamese) if malformed."""
    if isinstance(data, dict) and data.get("overlay"):
        raise RulebookError(f"'{origin}' là quy định địa phương, không phải căn cứ gốc.")
    _check_keys(data, origin, _BOOK_KEYS)
    basis = _text(data, "legal_basis", origin)
    start = _date(data, "effective_from", origin, required=True)
    end = _date(data, "effective_to", origin, required=False)
    assert start is not None
    if end is not None and end < start:
        raise RulebookError(f"Căn cứ '{origin}': 'effective_to' trước 'effective_from'.")
    params = _params(data.get("params"), origin, basis, require_all=True)
    for low, high in (("age_min_months", "age_max_months"), ("edu_min_special", "edu_min")):
        if _order_key(PARAM_SPECS[low].kind, params[low].value) > _order_key(
            PARAM_SPECS[high].kind, params[high].value
        ):
            raise RulebookError(f"Căn cứ '{origin}': '{low}' lớn hơn '{high}'.")
    return Rulebook(
        legal_basis=basis,
        title=_text(data, "title", origin),
        effective_from=start,
        effective_to=end,
        params=params,
        severities=_severities(data.get("severities"), origin, require_all=True),
    )


def parse_overlay(data: Any, origin: str = "overlay") -> Overlay:
    """A local overlay from its JSON value; raises RulebookError (Vietnamese) if malformed."""
    _check_keys(data, origin, _OVERLAY_KEYS)
    if data.get("overlay") is not True:
        raise RulebookError(f"Quy định địa phương '{origin}' cần có \"overlay\": true.")
    basis = _text(data, "legal_basis", origin)
    applies = data.get("applies_to")
    if (
        not isinstance(applies, list)
        or not applies
        or not all(isinstance(a, str) and a for a in applies)
    ):
        raise RulebookError(
            f"Quy định địa phương '{origin}': 'applies_to' phải liệt kê các căn cứ được bổ sung "
            '(ví dụ ["294-QĐ/TW"]).'
        )
    return Overlay(
        legal_basis=basis,
        title=_text(data, "title", origin),
        applies_to=tuple(applies),
        params=_params(data.get("params", {}), origin, basis, require_all=False),
        severities=_severities(data.get("severities", {}), origin, require_all=False),
        effective_from=_date(data, "effective_from", origin, required=False),
        effective_to=_date(data, "effective_to", origin, required=False),
    )


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RulebookError(f"Không tìm thấy tệp căn cứ '{path}'.") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RulebookError(f"Không đọc được tệp căn cứ '{path.name}': {exc}") from None


def load_rulebook(path: Path) -> Rulebook:
    return parse_rulebook(_read_json(path), path.name)


def load_overlay(path: Path) -> Overlay:
    return parse_overlay(_read_json(path), path.name)


def load_rulebooks(
    directory: Path | None = None, overlays: Iterable[Path | Overlay] = ()
) -> RulebookSet:
    """Every `*.json` book of `directory` (default: the shipped `resources/rulebooks/`),
    with the given local overlays applied in order."""
    directory = directory or resource_path("rulebooks")
    paths = sorted(directory.glob("*.json"))
    books = RulebookSet(load_rulebook(p) for p in paths)
    for item in overlays:
        books = books.with_overlay(item if isinstance(item, Overlay) else load_overlay(item))
    return books


@lru_cache(maxsize=1)
def default_rulebooks() -> RulebookSet:
    """The shipped books (one per process)."""
    return load_rulebooks()


def rulebook_for(d: date, rulebooks: RulebookSet | None = None) -> Rulebook:
    """The book in force on the date of the step being judged."""
    return (rulebooks or default_rulebooks()).rulebook_for(d)
