"""The `khdesk` command line's grammar: every command and its options, declared without
importing any command's module, so `--help`, `--version` and a usage error start at once.

Each command names what runs it as "module:function" inside `khdesk.cli`; `cli.main`
imports that module only when the command runs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from khdesk import __version__

# argparse's own words (it looks each up through its module's `_` / `ngettext` when it
# speaks), in Vietnamese: "usage:", "options", "the following arguments are required"...
# reach secretaries otherwise. Only what a user of `khdesk` can meet; the rest (a
# programmer's mistakes in declaring options) stays as argparse writes it.
_ARGPARSE_VI = {
    "usage: ": "cách dùng: ",
    "positional arguments": "tham số",
    "options": "tùy chọn",
    "show this help message and exit": "hiện hướng dẫn này rồi thoát",
    "%(prog)s: error: %(message)s\n": "%(prog)s: lỗi: %(message)s\n",
    "the following arguments are required: %s": "còn thiếu: %s",
    "unrecognized arguments: %s": "không hiểu: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "không có lựa chọn %(value)r (chọn một trong: %(choices)s)"
    ),
    "expected one argument": "cần một giá trị",
    "expected at most one argument": "cần nhiều nhất một giá trị",
    "expected at least one argument": "cần ít nhất một giá trị",
    "invalid %(type)s value: %(value)r": "giá trị không hợp lệ: %(value)r",
    "argument %(argument_name)s: %(message)s": "%(argument_name)s: %(message)s",
    "not allowed with argument %s": "không dùng cùng với %s",
    "ignored explicit argument %r": "không nhận giá trị %r",
    "ambiguous option: %(option)s could match %(matches)s": (
        "tùy chọn %(option)s chưa rõ: có thể là %(matches)s"
    ),
    "one of the arguments %s is required": "cần một trong: %s",
    "unexpected option string: %s": "tùy chọn không đúng chỗ: %s",
    "can't open '%(filename)s': %(error)s": "không mở được '%(filename)s': %(error)s",
}


def _vi(text: str) -> str:
    return _ARGPARSE_VI.get(text, text)


def _vi_n(singular: str, plural: str, n: int) -> str:
    if singular == "expected %s argument":
        return "cần %s giá trị"
    return singular if n == 1 else plural


argparse._ = _vi  # type: ignore[attr-defined]
argparse.ngettext = _vi_n  # type: ignore[attr-defined]


# The placeholder of each value in the help and the errors ("--on NGÀY", "còn thiếu:
# MÃ_HỒ_SƠ"), by the argument's dest: argparse would show the English dest (FILE_CODE).
# One word per idea, the GLOSSARY's. A dest meaning different things in different commands
# (--to: a unit or a folder; --out: a file or a folder; name; code; id) says its own
# metavar where it is declared.
PLACEHOLDERS = {
    "file_code": "MÃ_HỒ_SƠ",
    "org_code": "MÃ_ĐƠN_VỊ",
    "parent_code": "MÃ_ĐƠN_VỊ",
    "org_name": "TÊN_ĐƠN_VỊ",
    "organiser": "TÊN_ĐƠN_VỊ",
    "issuer": "TÊN_ĐƠN_VỊ",
    "on": "NGÀY",
    "today": "NGÀY",
    "received_on": "NGÀY",
    "birth_date": "NGÀY",
    "year": "NĂM",
    "years": "SỐ_NĂM",
    "period": "NĂM_ĐẦU-NĂM_CUỐI",
    "home": "THƯ_MỤC",
    "folder": "THƯ_MỤC",
    "source": "THƯ_MỤC",
    "file": "TỆP",
    "path": "TỆP",
    "paths": "TỆP",
    "out": "TỆP",
    "recovery_key_out": "TỆP",
    "pdf": "TỆP",
    "xlsx": "TỆP",
    "profile": "HỒ_SƠ_LÀM_VIỆC",
    "user": "NGƯỜI_DÙNG",
    "new_user": "NGƯỜI_DÙNG",
    "role": "VAI_TRÒ",
    "full_name": "HỌ_TÊN",
    "chair": "HỌ_TÊN",
    "secretary": "HỌ_TÊN",
    "chair_role": "CHỨC_VỤ",
    "sex": "GIỚI_TÍNH",
    "cccd": "SỐ_CCCD",
    "class_code": "MÃ_LỚP",
    "participant": "HỌC_VIÊN",
    "row": "DÒNG",
    "meeting": "MÃ_KỲ_HỌP",
    "step": "BƯỚC",
    "state": "GIAI_ĐOẠN",
    "rule": "MÃ_QUY_TẮC",
    "search": "TỪ_KHÓA",
    "fingerprint": "MÃ_XÁC_NHẬN",
    "uuid": "MÃ_BẢN_GHI",
    "step_uuid": "MÃ_BẢN_GHI",
    "doc_no": "SỐ_VĂN_BẢN",
    "opinion": "SỐ_VĂN_BẢN",
    "note": "GHI_CHÚ",
    "reason": "LÝ_DO",
    "field": "TRƯỜNG=GIÁ_TRỊ",
    "detail": "TRƯỜNG=GIÁ_TRỊ",
    "value": "TÊN=GIÁ_TRỊ",
    "members": "SỐ",
    "votes": "SỐ",
    "official": "SỐ",
    "probationary": "SỐ",
    "limit": "SỐ",
    "seed": "SỐ",
    "cells": "SỐ",
    "people": "SỐ",
    "files": "SỐ",
    "from_org": "MÃ_ĐƠN_VỊ",
    "unit": "MÃ_ĐƠN_VỊ",
    "text": "NỘI_DUNG",
    "scan": "TỆP",
    "answer_out": "THƯ_MỤC",
    "id": "SỐ_THỨ_TỰ",
}


class Parser(argparse.ArgumentParser):
    """argparse in Vietnamese where it speaks to the user, exit 2 on usage errors."""

    def _add_action(self, action: argparse.Action) -> argparse.Action:
        # Every argument (a mutually exclusive group's too) passes here once declared.
        if action.metavar is None and action.nargs != 0 and not action.choices:
            action.metavar = PLACEHOLDERS.get(action.dest)
        return super()._add_action(action)

    def error(self, message: str):  # noqa: D401 - argparse API
        # argparse names a subcommand by its dest ("action: không có lựa chọn 'x'").
        name, sep, rest = message.partition(": ")
        if sep and name in SUBCOMMAND_NAMES:
            message = f"{SUBCOMMAND_NAMES[name]}: {rest}"
        self.print_usage(sys.stderr)
        self.exit(2, f"khdesk: lỗi cú pháp lệnh: {message}\n")


# The dests of the subcommand choices, as an error names them to the user.
SUBCOMMAND_NAMES = {
    "command": "lệnh",
    "LỆNH": "lệnh",
    "action": "lệnh con",
    "kind": "loại báo cáo",
}


def global_options(parser: argparse.ArgumentParser, suppress: bool) -> None:
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument("--home", default=default, help="thư mục dữ liệu (KHDESK_HOME)")
    parser.add_argument("--profile", default=default, help="hồ sơ làm việc (KHDESK_PROFILE)")
    parser.add_argument("--user", default=default, help="người dùng (KHDESK_USER)")
    parser.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="kết quả dạng JSON",
    )


def action(group, name: str, help_text: str, func: str) -> argparse.ArgumentParser:
    """A sub-subcommand (`khdesk bundle import`, `backup list`…) with the global options;
    `func` is "module:function" in khdesk.cli."""
    p = group.add_parser(name, help=help_text, description=help_text)
    global_options(p, suppress=True)
    p.set_defaults(func=func)
    return p


@dataclass(frozen=True)
class ReportKind:
    """`khdesk report NAME`: what it prints and the files it writes; the function that
    makes it is `report_commands.REPORTS[NAME]`."""

    help: str
    formats: tuple[str, ...] = (".pdf",)


REPORT_KINDS: dict[str, ReportKind] = {
    "register": ReportKind("sổ đảng viên dự bị (mẫu 18-KNĐ)"),
    "due": ReportKind("danh sách việc đến hạn (các cảnh báo có thời hạn)"),
    "annual": ReportKind("báo cáo năm về công tác phát triển đảng viên", formats=(".pdf", ".xlsx")),
    "screening": ReportKind(
        "danh sách đảng viên cần xem xét theo Chỉ thị 28-CT/TW", formats=(".pdf", ".xlsx")
    ),
}


class _Unbuilt:
    """Stands for the parser of a command that is not on the command line: every command
    is registered (its name and help), but only those named on the line get their options,
    so `khdesk --version`, `--help` and a usage error do not build some eighty parsers."""

    def __getattr__(self, name: str):
        return self._ignore

    def _ignore(self, *args: object, **kwargs: object) -> _Unbuilt:
        return self


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The command parser; `args.func` is the "module:function" that runs. With `argv`,
    only the commands it names are built whole (the others are names and help)."""
    named = None if argv is None else set(argv)
    parser = Parser(prog="khdesk", description="khdesk — công tác phát triển đảng viên")
    parser.add_argument(
        "--version",
        action="version",
        version=f"khdesk {__version__}",
        help="in số phiên bản rồi thoát",
    )
    global_options(parser, suppress=False)
    # "LỆNH" in the usage line: the commands are listed below it, once.
    sub = parser.add_subparsers(dest="command", metavar="LỆNH", parser_class=Parser)

    def command(name: str, help_text: str, func: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        if named is not None and name not in named:
            return _Unbuilt()  # type: ignore[return-value]
        global_options(p, suppress=True)
        p.set_defaults(func=func)
        return p

    p = command("gui", "mở ứng dụng", "gui_commands:cmd_gui")
    p.add_argument(
        "--exit-when-ready", action="store_true", help="in thời gian khởi động rồi thoát"
    )

    p = command("demo", "tạo dữ liệu mẫu", "commands:cmd_demo")
    p.add_argument("--open", action="store_true", help="mở ứng dụng sau khi tạo")
    p.add_argument(
        "--scale",
        choices=["commune", "province"],
        default="commune",
        help="commune: một xã (đảng ủy và các chi bộ, mặc định); province: dữ liệu cả tỉnh "
        "để thử tốc độ",
    )
    p.add_argument(
        "--out", metavar="THƯ_MỤC", help="thư mục ghi dữ liệu tỉnh (với --scale province)"
    )
    province = "(với --scale province)"
    p.add_argument("--seed", type=int, default=1, help=f"số khởi tạo ngẫu nhiên {province}")
    p.add_argument("--cells", type=int, default=2000, help=f"số chi bộ {province}")
    p.add_argument("--people", type=int, default=100_000, help=f"số đảng viên {province}")
    p.add_argument("--files", type=int, default=10_000, help=f"số hồ sơ {province}")
    p.add_argument("--today", help="ngày làm mốc (ngày/tháng/năm như 31/12/2026), mặc định hôm nay")

    profile = command("profile", "hồ sơ làm việc", "commands:cmd_help")
    psub = profile.add_subparsers(dest="action", parser_class=Parser)
    p = action(
        psub,
        "create",
        "tạo hồ sơ làm việc mới (mật khẩu: hỏi khi chạy, hoặc KHDESK_PASSWORD)",
        "commands:cmd_profile_create",
    )
    p.add_argument(
        "--role",
        required=True,
        choices=["cell", "committee", "province"],
        help="cell: chi bộ; committee: đảng ủy xã/phường/đặc khu; province: Tỉnh ủy",
    )
    p.add_argument("--org-code", required=True, help="mã đơn vị, ví dụ X01-CB01")
    p.add_argument("--org-name", required=True, help="tên đơn vị, ví dụ 'Chi bộ thôn Tân Đức'")
    p.add_argument("--parent-code", help="mã đơn vị cấp trên, ví dụ X01")
    p.add_argument(
        "--name", metavar="HỒ_SƠ_LÀM_VIỆC", help="tên hồ sơ làm việc (mặc định: mã đơn vị)"
    )
    p.add_argument(
        "--db",
        metavar="ĐỊA_CHỈ",
        help="cơ sở dữ liệu trên máy chủ PostgreSQL (cấp tỉnh): postgresql://máy:cổng/tên; "
        "người dùng là tài khoản máy chủ của mình (--user hoặc trong URL)",
    )
    p.add_argument("--recovery-key-out", help="ghi khóa khôi phục vào tệp này")
    action(psub, "list", "liệt kê hồ sơ làm việc", "commands:cmd_profile_list")

    user = command("user", "người dùng của hồ sơ", "commands:cmd_help")
    usub = user.add_subparsers(dest="action", parser_class=Parser)
    for name, func, help_text in (
        ("add", "commands:cmd_user_add", "thêm người dùng"),
        ("passwd", "commands:cmd_user_passwd", "đổi mật khẩu"),
        ("remove", "commands:cmd_user_remove", "xóa người dùng"),
        ("list", "commands:cmd_user_list", "liệt kê người dùng"),
        ("recover", "commands:cmd_user_recover", "đặt lại mật khẩu bằng khóa khôi phục"),
        (
            "grant",
            "commands:cmd_user_grant",
            "cho người dùng chỉ xem đưa dữ liệu ra khỏi máy, hay thôi",
        ),
        (
            "new-recovery-key",
            "commands:cmd_user_new_recovery_key",
            "tạo khóa khôi phục mới (đổi khóa)",
        ),
    ):
        p = action(usub, name, help_text, func)
        if name in ("add", "remove", "grant"):
            p.add_argument("name", metavar="NGƯỜI_DÙNG")
        if name in ("passwd", "recover"):
            p.add_argument("name", nargs="?", metavar="NGƯỜI_DÙNG")
        if name == "add":
            p.add_argument(
                "--role",
                default="secretary",
                choices=["owner", "secretary", "deputy", "viewer"],
                help="owner: chủ hồ sơ; secretary: bí thư (mặc định); deputy: phó bí thư / cán "
                "bộ; viewer: chỉ xem. Mật khẩu: hỏi khi chạy, hoặc KHDESK_NEW_PASSWORD",
            )
        if name == "grant":
            which = p.add_mutually_exclusive_group(required=True)
            which.add_argument(
                "--take-out",
                dest="take_out",
                action="store_true",
                help="được xuất tệp, lưu bản sao, lưu biểu mẫu/báo cáo ra tệp",
            )
            which.add_argument(
                "--no-take-out", dest="take_out", action="store_false", help="thôi cho phép"
            )

    p = command("import", "nhập Excel/CSV theo mẫu", "commands:cmd_import")
    p.add_argument(
        "file", help="tệp .xlsx, tệp .csv, hoặc thư mục các tệp .csv (mỗi trang một tệp)"
    )
    p.add_argument("--dry-run", action="store_true", help="chỉ kiểm tra, không ghi gì")
    p.add_argument("--all-or-nothing", action="store_true", help="có lỗi thì không nhập gì")
    p.add_argument(
        "--map",
        dest="column_map",
        metavar="TỆP_GHÉP_CỘT",
        help='tệp JSON ghép cột của tệp vào trường của mẫu, ví dụ {"Quần chúng": '
        '{"Ng.sinh": "birth_date", "STT": null}}; được nhớ cho lần sau (cùng bộ tiêu đề)',
    )

    p = command("export", "xuất dữ liệu ra Excel/CSV theo mẫu", "commands:cmd_export")
    p.add_argument("file", help="tệp .xlsx ghi ra, hoặc một thư mục (mỗi trang một tệp .csv)")

    p = command("list", "danh sách hồ sơ quần chúng", "commands:cmd_list")
    p.add_argument("--search", help="tìm theo họ tên (gõ có dấu hay không dấu) hoặc mã hồ sơ")
    p.add_argument(
        "--state",
        help="chỉ hồ sơ ở giai đoạn này, ví dụ DU_BI (đảng viên dự bị), CHINH_THUC; "
        "gõ sai thì được liệt kê các giai đoạn",
    )
    p.add_argument(
        "--on", help="ngày tính thời hạn (ngày/tháng/năm như 31/12/2026, hoặc 2026-12-31)"
    )

    p = command("check", "kiểm tra hồ sơ: sai sót, thiếu, đến hạn", "commands:cmd_check")
    p.add_argument(
        "--on",
        help="ngày kiểm tra (ngày/tháng/năm như 31/12/2026, hoặc 2026-12-31), mặc định hôm nay",
    )
    p.add_argument("--rule", help="chỉ một quy tắc, ví dụ AGE_MIN")
    p.add_argument("--severity", choices=["error", "warning", "info"], help="mức này và nặng hơn")

    p = command("show", "xem một hồ sơ", "commands:cmd_show")
    p.add_argument("file_code")

    for register in (
        _sync_commands,
        _file_commands,
        _transfer_commands,
        _decision_commands,
        _report_commands,
        _catalogue_commands,
        _admin_commands,
        _org_commands,
        _stats_commands,
        _class_commands,
        _meeting_commands,
    ):
        register(sub, command, global_options, Parser)
    return parser


def _sync_commands(sub, command, global_options, parser_class) -> None:
    """Add `keys` and `bundle` to the command parser (called by build_parser)."""
    keys_cmd = command("keys", "khóa ký và mã hóa gói đồng bộ", "commands:cmd_help")
    ksub = keys_cmd.add_subparsers(dest="action", parser_class=parser_class)
    action(ksub, "show", "xem mã xác nhận và các khóa đã ghi nhận", "sync_commands:cmd_keys_show")
    p = action(ksub, "card", "ghi thẻ khóa công khai ra tệp", "sync_commands:cmd_keys_card")
    p.add_argument("--out", required=True, help="tệp thẻ khóa")
    p = action(ksub, "enrol", "ghi nhận thẻ khóa của đơn vị khác", "sync_commands:cmd_keys_enrol")
    p.add_argument("file", help="tệp thẻ khóa nhận được")
    p.add_argument("--fingerprint", required=True, help="mã xác nhận đọc từ đơn vị kia")
    p.add_argument(
        "--add-unit",
        action="store_true",
        help="thêm đơn vị của thẻ vào danh sách đơn vị trực thuộc (thẻ ghi cấp trên là hồ sơ này)",
    )
    action(
        ksub,
        "rotate",
        "đổi khóa (khóa mới được thông báo bằng khóa cũ)",
        "sync_commands:cmd_keys_rotate",
    )
    p = action(ksub, "revoke", "thu hồi một khóa", "sync_commands:cmd_keys_revoke")
    p.add_argument("fingerprint", help="mã xác nhận của khóa cần thu hồi")

    bundle_cmd = command("bundle", "gói đồng bộ qua thẻ nhớ", "commands:cmd_help")
    bsub = bundle_cmd.add_subparsers(dest="action", parser_class=parser_class)
    p = action(
        bsub,
        "export",
        "xuất gói gửi cấp trên, hoặc gói trả về cấp dưới (--to)",
        "sync_commands:cmd_bundle_export",
    )
    p.add_argument(
        "--out",
        required=True,
        metavar="TỆP_HOẶC_THƯ_MỤC",
        help="tệp gói, hoặc thư mục (tên tự đặt)",
    )
    p.add_argument("--full", action="store_true", help="gửi toàn bộ, không chỉ phần thay đổi")
    p.add_argument(
        "--to",
        metavar="MÃ_ĐƠN_VỊ",
        help="mã đơn vị nhận: cấp dưới (gói trả về) hoặc cấp trên (mặc định: cấp trên)",
    )
    p = action(
        bsub, "verify", "kiểm tra một gói, không thay đổi gì", "sync_commands:cmd_bundle_verify"
    )
    p.add_argument("path", help="tệp gói .khdb")
    p = action(
        bsub,
        "import",
        "nhập các gói nhận được (mỗi gói một giao dịch; gói đã nhập thì bỏ qua; không có "
        "--profile thì mỗi gói vào hồ sơ làm việc có khóa nhận của gói; thoát mã 1 nếu có gói "
        "bị từ chối, cách ly hoặc chờ xác nhận giai đoạn mới)",
        "sync_commands:cmd_bundle_import",
    )
    p.add_argument("paths", nargs="+", help="các tệp gói .khdb (viết được E:\\*.khdb)")
    p.add_argument(
        "--accept-epoch", action="store_true", help="xác nhận giai đoạn gửi mới của đơn vị gửi"
    )
    p = action(
        bsub,
        "conflicts",
        "các xung đột khi nhập gói, chờ giải quyết",
        "sync_commands:cmd_bundle_conflicts",
    )
    p.add_argument("--all", action="store_true", help="cả các xung đột đã giải quyết")
    p = action(bsub, "resolve", "giải quyết một xung đột", "sync_commands:cmd_bundle_resolve")
    p.add_argument("id", type=int, metavar="SỐ", help="số xung đột (xem 'bundle conflicts')")
    p.add_argument(
        "--keep",
        required=True,
        choices=["here", "incoming"],
        help="here: giữ bản ở đây; incoming: nhận bản gửi đến",
    )


def _file_commands(sub, command, global_options, parser_class) -> None:
    """Add `candidate`, `step` and `attach` to the command parser (called by build_parser)."""

    field_help = "khóa=giá_trị theo mẫu Excel (ví dụ home_town='Cam Lâm'), lặp lại được"
    cand = command("candidate", "thêm, sửa hồ sơ quần chúng", "commands:cmd_help")
    csub = cand.add_subparsers(dest="action", parser_class=parser_class)
    p = action(csub, "add", "thêm hồ sơ quần chúng", "file_commands:cmd_candidate_add")
    p.add_argument("--full-name", dest="full_name", required=True, help="họ và tên")
    p.add_argument("--sex", required=True, help="Nam / Nữ")
    p.add_argument(
        "--birth-date", dest="birth_date", required=True, help="ngày/tháng/năm, ví dụ 04/05/1995"
    )
    p.add_argument("--cccd", help="số căn cước công dân (12 chữ số)")
    p.add_argument("--org-code", dest="org_code", help="chi bộ (mặc định: chi bộ của hồ sơ)")
    p.add_argument("--file-code", dest="file_code", help="mã hồ sơ (mặc định tự cấp)")
    p.add_argument("--field", action="append", help=field_help)
    p = action(csub, "edit", "sửa thông tin cá nhân của hồ sơ", "file_commands:cmd_candidate_edit")
    p.add_argument("file_code")
    p.add_argument("--field", action="append", help=field_help)

    step = command("step", "ghi các bước của hồ sơ", "commands:cmd_help")
    ssub = step.add_subparsers(dest="action", parser_class=parser_class)
    p = action(ssub, "next", "các bước có thể ghi tiếp", "file_commands:cmd_step_next")
    p.add_argument("file_code")
    p.add_argument("--today", help="ngày hôm nay (mặc định theo máy)")
    p = action(ssub, "record", "ghi một bước (chỉ bước hợp lệ)", "file_commands:cmd_step_record")
    p.add_argument("file_code")
    p.add_argument("step", help="mã bước (A1…A11, P1…P5, XOA_TEN, DUNG) hoặc tên bước")
    p.add_argument("--on", required=True, help="ngày của bước (ngày/tháng/năm, ví dụ 31/12/2026)")
    p.add_argument("--doc-no", dest="doc_no", help="số văn bản")
    p.add_argument("--members", type=int, help="số đảng viên chính thức (biểu quyết)")
    p.add_argument("--votes", type=int, help="số tán thành")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--failed", action="store_true", help="biểu quyết không thông qua")
    group.add_argument("--returned", action="store_true", help="cấp trên trả lại hồ sơ")
    p.add_argument(
        "--received-on",
        dest="received_on",
        help="A10, P5: ngày chi bộ nhận quyết định; A11: ngày văn bản cấp trên đồng ý tổ chức "
        "lễ kết nạp quá thời hạn (số văn bản ở --doc-no)",
    )
    p.add_argument("--note", help="ghi chú; lý do khi dừng / xóa tên")
    p.add_argument(
        "--detail",
        action="append",
        help="A6: a6_introducer1=MÃ, a6_introducer1_since=ngày/tháng/năm…; P1: mentor=MÃ",
    )
    p.add_argument("--today", help="ngày hôm nay (mặc định theo máy)")
    p = action(
        ssub,
        "approval",
        "ghi văn bản cấp ủy cấp trên đồng ý lễ kết nạp quá thời hạn",
        "file_commands:cmd_step_approval",
    )
    p.add_argument("file_code")
    p.add_argument("--doc-no", dest="doc_no", required=True, help="số văn bản đồng ý")
    p.add_argument("--on", required=True, help="ngày văn bản đồng ý (ngày/tháng/năm)")
    p.add_argument("--today", help="ngày hôm nay (mặc định theo máy)")
    p = action(ssub, "undo", "hoàn tác một bước do đơn vị này ghi", "file_commands:cmd_step_undo")
    p.add_argument("file_code")
    p.add_argument(
        "step",
        nargs="?",
        help="bước cần hoàn tác, ví dụ A10 (lần ghi mới nhất); bước của đảng ủy mở hồ sơ "
        "làm việc của đảng ủy",
    )
    p.add_argument("--uuid", help="mã bản ghi của bước (mặc định: bước mới nhất)")

    att = command("attach", "tệp đính kèm (bản quét) của hồ sơ", "commands:cmd_help")
    asub = att.add_subparsers(dest="action", parser_class=parser_class)
    p = action(asub, "add", "đính kèm một tệp vào hồ sơ", "file_commands:cmd_attach_add")
    p.add_argument("file_code")
    p.add_argument("path", help="tệp bản quét (PDF, ảnh)")
    p.add_argument("--step-uuid", dest="step_uuid", help="gắn với một bước (mã bản ghi)")
    p = action(asub, "list", "liệt kê tệp đính kèm", "file_commands:cmd_attach_list")
    p.add_argument("file_code")
    p = action(asub, "save", "lưu bản sao một tệp đính kèm", "file_commands:cmd_attach_save")
    p.add_argument("uuid", help="mã bản ghi của tệp đính kèm (xem 'attach list')")
    p.add_argument(
        "--out",
        required=True,
        metavar="TỆP_HOẶC_THƯ_MỤC",
        help="thư mục để lưu (tên tệp an toàn, không ghi đè) hoặc đường dẫn tệp muốn ghi",
    )


def _transfer_commands(sub, command, global_options, parser_class) -> None:
    """Add `transfer` to the command parser (called by build_parser): CLI.md."""
    today = "ngày hôm nay (mặc định theo máy)"
    opinion = (
        "số văn bản nhận xét của chi bộ cũ: đảng viên dự bị đã sinh hoạt ở chi bộ cũ từ 6 tháng "
        "trở lên cần có khi xét công nhận chính thức"
    )
    transfer = command(
        "transfer",
        "chuyển hồ sơ sang đơn vị khác khi người đó chuyển nơi ở, nơi làm việc (hồ sơ chưa "
        "công nhận chính thức; trong khi chuyển không ghi bước nào ở cả hai nơi)",
        "commands:cmd_help",
    )
    tsub = transfer.add_subparsers(dest="action", parser_class=parser_class)
    p = action(tsub, "out", "chuyển hồ sơ đi", "transfer_commands:cmd_transfer_out")
    p.add_argument("file_code")
    p.add_argument("--to", required=True, metavar="MÃ_ĐƠN_VỊ", help="mã đơn vị nhận hồ sơ")
    p.add_argument("--on", help="ngày chuyển đi (mặc định hôm nay)")
    p.add_argument("--reason", help="lý do chuyển")
    p.add_argument("--opinion", help=opinion)
    p.add_argument("--today", help=today)
    p = action(
        tsub, "accept", "tiếp nhận hồ sơ chuyển đến", "transfer_commands:cmd_transfer_accept"
    )
    p.add_argument("file_code")
    p.add_argument("--on", help="ngày tiếp nhận (mặc định hôm nay)")
    p.add_argument("--opinion", help=opinion)
    p.add_argument("--today", help=today)
    p = action(tsub, "return", "trả lại hồ sơ chuyển đến", "transfer_commands:cmd_transfer_return")
    p.add_argument("file_code")
    p.add_argument("--reason", required=True, help="lý do trả lại")
    p.add_argument("--on", help="ngày trả lại (mặc định hôm nay)")
    p.add_argument("--today", help=today)
    p = action(
        tsub,
        "withdraw",
        "rút lại hồ sơ đã chuyển đi, khi đơn vị nhận chưa tiếp nhận",
        "transfer_commands:cmd_transfer_withdraw",
    )
    p.add_argument("file_code")
    p.add_argument("--reason", help="lý do rút lại")
    p.add_argument("--on", help="ngày rút lại (mặc định hôm nay)")
    p.add_argument("--today", help=today)
    p = action(
        tsub,
        "opinion",
        "ghi ý kiến bằng văn bản của chi bộ cũ, sau khi tiếp nhận (TRANSFER_PRIOR_OPINION)",
        "transfer_commands:cmd_transfer_opinion",
    )
    p.add_argument("file_code")
    p.add_argument("--from", dest="from_org", required=True, help="mã chi bộ cũ cho ý kiến")
    p.add_argument("--text", required=True, help="nội dung (tóm tắt) ý kiến nhận xét")
    p.add_argument("--doc-no", dest="doc_no", help="số văn bản nhận xét")
    p.add_argument("--scan", help="tệp bản quét văn bản (PDF, ảnh)")
    p.add_argument("--on", help="ngày của văn bản (mặc định hôm nay)")
    p.add_argument("--today", help=today)
    p = action(
        tsub, "list", "các hồ sơ chuyển đi, chuyển đến", "transfer_commands:cmd_transfer_list"
    )
    p.add_argument(
        "--in-transit", dest="in_transit", action="store_true", help="chỉ hồ sơ đang chuyển"
    )
    _outside_transfer_commands(tsub, today)


def _outside_transfer_commands(tsub, today: str) -> None:
    """`transfer station-enrol|stations|station-revoke|export|receive|answer|answer-import|
    files|print`: a file
    moving out of the province (RULES.md §2a, FORMAT.md §12), at the province."""
    x = "outside_transfer_commands:"
    p = action(
        tsub,
        "station-enrol",
        "ghi nhận thẻ khóa khdesk của tỉnh khác (chỉ để chuyển hồ sơ)",
        x + "cmd_station_enrol",
    )
    p.add_argument("file", help="tệp thẻ khóa của tỉnh kia")
    p.add_argument("--fingerprint", required=True, help="mã xác nhận đọc từ tỉnh kia")
    action(tsub, "stations", "các khóa của tỉnh khác đã ghi nhận", x + "cmd_stations")
    p = action(tsub, "station-revoke", "thu hồi khóa của một tỉnh khác", x + "cmd_station_revoke")
    p.add_argument("fingerprint", help="mã xác nhận của khóa cần thu hồi")
    p = action(tsub, "export", "xuất tệp chuyển hồ sơ sang tỉnh khác (.khct)", x + "cmd_export")
    p.add_argument("file_code")
    p.add_argument("--out", required=True, help="thư mục ghi tệp")
    p = action(
        tsub,
        "receive",
        "xem, tiếp nhận hoặc trả lại tệp chuyển hồ sơ từ tỉnh khác",
        x + "cmd_receive",
    )
    p.add_argument("file", help="tệp chuyển hồ sơ (.khct)")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--accept", action="store_true", help="tiếp nhận hồ sơ")
    how.add_argument("--return", dest="return_reason", metavar="LÝ_DO", help="trả lại hồ sơ")
    p.add_argument("--to", dest="unit", help="đơn vị của tỉnh nhận hồ sơ (mặc định: tỉnh)")
    p.add_argument("--answer-out", dest="answer_out", help="thư mục ghi tệp trả lời")
    p.add_argument("--on", help="ngày tiếp nhận hoặc trả lại (mặc định hôm nay)")
    p.add_argument("--today", help=today)
    p = action(tsub, "answer", "ghi lại tệp trả lời cho tỉnh gửi", x + "cmd_answer")
    p.add_argument("file_code", help="mã hồ sơ (hoặc mã lần chuyển)")
    p.add_argument("--out", required=True, help="thư mục ghi tệp")
    p = action(tsub, "answer-import", "nhập tệp trả lời của tỉnh nhận", x + "cmd_answer_import")
    p.add_argument("file", help="tệp trả lời (.khct)")
    p.add_argument("--today", help=today)
    action(tsub, "files", "các tệp chuyển hồ sơ đã xuất, đã nhận", x + "cmd_files")
    p = action(
        tsub, "print", "in danh sách chuyển hồ sơ (PDF) cho tỉnh không dùng khdesk", x + "cmd_print"
    )
    p.add_argument("file_code")
    p.add_argument("--out", required=True, help="tệp PDF ghi ra")


def _decision_commands(sub, command, global_options, parser_class) -> None:
    """Add `decision` to the command parser (called by build_parser): the decisions cells
    report from their paper copies, confirmed or dismissed at the committee."""
    decision = command(
        "decision", "quyết định chi bộ báo lên: xác nhận hoặc không xác nhận", "commands:cmd_help"
    )
    dsub = decision.add_subparsers(dest="action", parser_class=parser_class)
    p = action(dsub, "list", "các quyết định chi bộ báo lên", "decision_commands:cmd_decision_list")
    p.add_argument("--of", dest="org", metavar="MÃ_CHI_BỘ", help="chỉ của một chi bộ")
    p.add_argument("--all", action="store_true", help="cả những quyết định đã xử lý")
    p = action(
        dsub,
        "confirm",
        "xác nhận: đảng ủy ghi quyết định của mình (gửi về chi bộ ở lần gửi sau)",
        "decision_commands:cmd_decision_confirm",
    )
    p.add_argument("id", nargs="?", type=int, help="số thứ tự trong 'khdesk decision list'")
    p.add_argument(
        "--all-of", dest="all_of", metavar="MÃ_CHI_BỘ", help="xác nhận tất cả của một chi bộ"
    )
    p.add_argument("--on", help="sửa ngày quyết định (ngày/tháng/năm)")
    p.add_argument("--doc-no", dest="doc_no", help="sửa số quyết định")
    p.add_argument("--today", help="ngày hôm nay (mặc định theo máy)")
    p = action(
        dsub, "dismiss", "không xác nhận (ghi lý do)", "decision_commands:cmd_decision_dismiss"
    )
    p.add_argument("id", type=int, help="số thứ tự trong 'khdesk decision list'")
    p.add_argument("--reason", required=True, help="lý do không xác nhận")


def _report_commands(sub, command, global_options, parser_class) -> None:
    """Add `form` and `report` to the command parser (called by build_parser)."""
    p = command(
        "form",
        "in một mẫu của hồ sơ (5-, 6-, 7-, 8-, 9-, 12-, 13-, 14-, 15-, 16-KNĐ; "
        "'checklist': danh mục tài liệu hồ sơ)",
        "report_commands:cmd_form",
    )
    p.add_argument(
        "code",
        metavar="MÃ_MẪU",
        help="mã mẫu, ví dụ 6-KNĐ (viết 6-KND cũng được) hoặc 'checklist'",
    )
    p.add_argument("--file", required=True, metavar="MÃ_HỒ_SƠ", help="mã hồ sơ")
    p.add_argument("--out", required=True, help="tệp PDF ghi ra")
    p.add_argument(
        "--value",
        action="append",
        metavar="TÊN=GIÁ_TRỊ",
        help="điền thêm một chỗ trống, ví dụ --value signer='Trần Văn A' (lặp lại được)",
    )
    p.add_argument("--on", help="ngày kiểm tra cho danh mục tài liệu (mặc định hôm nay)")

    report = command("report", "in sổ, danh sách, báo cáo", "report_commands:_report_help")
    rsub = report.add_subparsers(dest="kind", parser_class=parser_class)
    for name, kind in REPORT_KINDS.items():
        p = rsub.add_parser(name, help=kind.help, description=kind.help)
        global_options(p, suppress=True)
        p.set_defaults(func="report_commands:cmd_report")
        formats = " hoặc ".join(kind.formats)
        p.add_argument("--out", required=True, help=f"tệp ghi ra ({formats})")
        p.add_argument("--year", type=int, help="năm")
        p.add_argument(
            "--on",
            help="ngày tính (ngày/tháng/năm như 31/12/2026, hoặc 2026-12-31), mặc định hôm nay",
        )


def _class_commands(sub, command, global_options, parser_class) -> None:
    """Add `class` (party-awareness class rosters) to the command parser."""
    group = command(
        "class",
        "lớp bồi dưỡng nhận thức về Đảng: danh sách học viên, ghi bước A2",
        "commands:cmd_help",
    )
    csub = group.add_subparsers(dest="action", parser_class=parser_class)

    def class_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--code", required=True, metavar="MÃ_LỚP", help="mã lớp, ví dụ LOP-2026-05")
        p.add_argument("--name", required=True, metavar="TÊN_LỚP", help="tên lớp")
        p.add_argument("--organiser", required=True, help="đơn vị tổ chức lớp")
        p.add_argument("--issuer", help="nơi cấp giấy chứng nhận (mặc định: đơn vị tổ chức)")
        p.add_argument(
            "--from", dest="starts_on", metavar="NGÀY", required=True, help="ngày khai giảng"
        )
        p.add_argument("--to", dest="ends_on", metavar="NGÀY", required=True, help="ngày kết thúc")
        p.add_argument(
            "--cert-on",
            dest="cert_on",
            metavar="NGÀY",
            required=True,
            help="ngày cấp giấy chứng nhận (ngày của A2)",
        )
        p.add_argument("--note", help="ghi chú")
        p.add_argument("--today", help="ngày hôm nay (mặc định theo máy)")

    p = action(
        csub,
        "new",
        "ghi một lớp với học viên gõ tay; ghi bước A2 cho người đạt",
        "class_commands:cmd_class_new",
    )
    class_options(p)
    p.add_argument(
        "--participant",
        action="append",
        help="'Họ tên;ngày sinh;CCCD;mã chi bộ;số chứng nhận;Đạt' (lặp lại cho mỗi học viên)",
    )
    p = action(
        csub,
        "import",
        "ghi một lớp từ tệp danh sách học viên (.xlsx/.csv); ghi bước A2 cho người đạt",
        "class_commands:cmd_class_import",
    )
    p.add_argument(
        "file",
        help="tệp danh sách: Họ và tên, Ngày sinh, Số CCCD, Mã chi bộ, Số chứng nhận, Kết quả "
        "(Đạt/Không đạt), Mã hồ sơ (nếu biết)",
    )
    class_options(p)
    p = action(
        csub,
        "resolve",
        "chọn hồ sơ cho một học viên chưa khớp; ghi bước A2",
        "class_commands:cmd_class_resolve",
    )
    p.add_argument("class_code", help="mã lớp")
    p.add_argument("row", type=int, help="dòng của học viên (xem 'class show')")
    p.add_argument("file_code", help="mã hồ sơ đúng của học viên")
    p.add_argument("--today", help="ngày hôm nay (mặc định theo máy)")
    p = action(
        csub, "show", "xem một lớp và kết quả từng học viên", "class_commands:cmd_class_show"
    )
    p.add_argument("class_code", help="mã lớp")
    action(csub, "list", "liệt kê các lớp đã ghi", "class_commands:cmd_class_list")


def _catalogue_commands(sub, command, global_options, parser_class) -> None:
    """Add `catalogue` to the command parser (called by build_parser)."""
    cat = command(
        "catalogue",
        "bộ danh mục (căn cứ, lịch nghỉ, mẫu biểu, đơn vị) của Tỉnh ủy",
        "commands:cmd_help",
    )
    csub = cat.add_subparsers(dest="action", parser_class=parser_class)
    p = action(
        csub,
        "export",
        "Tỉnh ủy ban hành bộ danh mục mới (ký số)",
        "catalogue_commands:cmd_catalogue_export",
    )
    p.add_argument(
        "--out",
        required=True,
        metavar="TỆP_HOẶC_THƯ_MỤC",
        help="tệp danh mục, hoặc thư mục (tên tự đặt)",
    )
    p.add_argument(
        "--from",
        dest="source",
        help="thư mục có rulebooks/*.json, calendar/vn-overlay.json, forms/… thay cho tệp "
        "có sẵn cùng tên",
    )
    p.add_argument("--note", help="ghi chú: bộ này thay đổi gì")
    p = action(
        csub,
        "forward",
        "đảng ủy chuyển bộ danh mục đã cài xuống chi bộ (kèm chữ ký xác nhận)",
        "catalogue_commands:cmd_catalogue_forward",
    )
    p.add_argument(
        "--out",
        required=True,
        metavar="TỆP_HOẶC_THƯ_MỤC",
        help="tệp danh mục, hoặc thư mục (tên tự đặt)",
    )
    p = action(
        csub,
        "import",
        "cài bộ danh mục nhận từ cấp trên",
        "catalogue_commands:cmd_catalogue_import",
    )
    p.add_argument("path", help="tệp bộ danh mục .khdc")
    action(csub, "show", "xem bộ danh mục đang dùng", "catalogue_commands:cmd_catalogue_show")


def _admin_commands(sub, command, global_options, parser_class) -> None:
    """Add `backup`, `db` and `audit` to the command parser (called by build_parser)."""
    group = command("backup", "sao lưu và khôi phục (bản sao lưu được mã hóa)", "commands:cmd_help")
    bsub = group.add_subparsers(dest="action", parser_class=parser_class)
    p = action(bsub, "create", "tạo bản sao lưu ngay", "admin_commands:cmd_backup_create")
    p.add_argument(
        "--to", metavar="THƯ_MỤC", help="thêm một bản vào thư mục này (ví dụ thẻ nhớ USB)"
    )
    p.add_argument("--note", help="ghi chú")
    p = action(bsub, "list", "liệt kê các bản sao lưu", "admin_commands:cmd_backup_list")
    p.add_argument("--folder", help="xem các bản trong thư mục khác (ví dụ USB)")
    p = action(
        bsub,
        "restore",
        "khôi phục từ một bản sao lưu (có thể hoàn tác)",
        "admin_commands:cmd_backup_restore",
    )
    p.add_argument(
        "id",
        metavar="BẢN_SAO_LƯU",
        help="mã bản sao lưu (xem 'backup list') hoặc đường dẫn tệp .khbak",
    )
    p = action(
        bsub,
        "import",
        "mở bản sao lưu từ máy khác thành hồ sơ trên máy này",
        "admin_commands:cmd_backup_import",
    )
    p.add_argument("file", help="tệp .khbak")
    p.add_argument(
        "--name",
        metavar="HỒ_SƠ_LÀM_VIỆC",
        help="tên hồ sơ làm việc trên máy này (mặc định: như trong bản sao lưu)",
    )
    p = action(
        bsub,
        "move",
        "ghi bản sao lưu để chuyển hồ sơ sang máy mới",
        "admin_commands:cmd_backup_move",
    )
    p.add_argument(
        "--to", required=True, metavar="THƯ_MỤC", help="thư mục đích (ví dụ thẻ nhớ USB)"
    )

    group = command("db", "kiểm tra cơ sở dữ liệu", "commands:cmd_help")
    dsub = group.add_subparsers(dest="action", parser_class=parser_class)
    action(
        dsub,
        "check",
        "kiểm tra toàn vẹn: mã hóa, cấu trúc, nhật ký, giai đoạn",
        "admin_commands:cmd_db_check",
    )

    group = command("audit", "nhật ký thao tác", "commands:cmd_help")
    asub = group.add_subparsers(dest="action", parser_class=parser_class)
    p = action(
        asub,
        "verify",
        "kiểm tra chuỗi nhật ký không bị sửa, xóa, chèn",
        "admin_commands:cmd_audit_verify",
    )
    p.add_argument(
        "--reported",
        metavar="MÃ_ĐƠN_VỊ",
        help="kiểm tra nhật ký mà đơn vị cấp dưới này đã báo cáo lên qua các gói đồng bộ",
    )
    p = action(asub, "list", "xem nhật ký (mới nhất trước)", "admin_commands:cmd_audit_list")
    p.add_argument("--file", metavar="MÃ_HỒ_SƠ", help="chỉ các mục của một hồ sơ")
    p.add_argument("--limit", type=int, default=200, help="số mục (mặc định 200)")

    p = command(
        "retention",
        "lưu trữ hoặc xóa hồ sơ đã đóng lâu năm (đã chính thức, xóa tên, dừng)",
        "admin_commands:cmd_retention",
    )
    p.add_argument(
        "--years", type=int, help="số năm kể từ khi đóng (mặc định: theo cài đặt của hồ sơ)"
    )
    p.add_argument("--dry-run", action="store_true", help="chỉ liệt kê, không thay đổi gì")
    p.add_argument(
        "--purge", action="store_true", help="xóa hẳn (cả trong kho lưu trữ) thay vì lưu trữ"
    )
    p.add_argument("--list-archived", action="store_true", help="xem các hồ sơ trong kho lưu trữ")
    p.add_argument("--restore", metavar="MÃ_HỒ_SƠ", help="đưa một hồ sơ từ kho lưu trữ về")
    p.add_argument("--today", help=argparse.SUPPRESS)

    p = command(
        "handover",
        "bàn giao hồ sơ cho bí thư mới (người dùng mới, khóa khôi phục mới, giai đoạn gửi mới)",
        "admin_commands:cmd_handover",
    )
    p.add_argument("new_user", help="tên đăng nhập của bí thư mới (mật khẩu: KHDESK_NEW_PASSWORD)")
    p.add_argument("--remove-me", action="store_true", help="gỡ người dùng đang bàn giao")
    p.add_argument("--note", help="ghi chú")  # tests: the date to count from


def _org_commands(sub, command, global_options, parser_class) -> None:
    """Add `org` to the command parser (called by build_parser)."""
    group = command("org", "các đơn vị: xem, thêm đơn vị trực thuộc", "commands:cmd_help")
    osub = group.add_subparsers(dest="action", parser_class=parser_class)
    action(
        osub,
        "list",
        "các đơn vị: đơn vị của hồ sơ này và các đơn vị trực thuộc (mã, cấp trên, loại, tên)",
        "org_commands:cmd_org_list",
    )
    p = action(
        osub,
        "add",
        "thêm một đơn vị trực thuộc (đảng ủy, Tỉnh ủy); chi bộ tự dùng khdesk thì ghi nhận thẻ "
        "khóa của chi bộ ('keys enrol --add-unit')",
        "org_commands:cmd_org_add",
    )
    p.add_argument("code", metavar="MÃ_ĐƠN_VỊ", help="mã đơn vị mới, ví dụ X01-CB09")
    p.add_argument("--name", required=True, metavar="TÊN_ĐƠN_VỊ", help="tên đơn vị")
    p.add_argument(
        "--kind",
        metavar="LOẠI",
        help="loại đơn vị, ví dụ 'Chi bộ thôn', 'Chi bộ tổ dân phố', 'Đảng ủy cơ sở'",
    )
    p.add_argument(
        "--parent",
        metavar="MÃ_ĐƠN_VỊ",
        help="đơn vị cấp trên (mặc định: đơn vị của hồ sơ này)",
    )


def _stats_commands(sub, command, global_options, parser_class) -> None:
    """Add `stats` to the command parser (called by build_parser)."""
    p = command(
        "stats", "thống kê phát triển đảng viên theo năm hoặc giai đoạn", "stats_commands:cmd_stats"
    )
    which = p.add_mutually_exclusive_group()
    which.add_argument("--year", type=int, help="năm thống kê (mặc định năm nay)")
    which.add_argument("--period", help="giai đoạn kế hoạch, ví dụ 2026-2030")
    p.add_argument("--pdf", help="ghi báo cáo PDF vào tệp này")
    p.add_argument(
        "--xlsx",
        help="ghi bảng Excel (mỗi cấp một trang, thêm trang theo loại chi bộ) vào tệp này",
    )
    p.add_argument(
        "--on",
        help="ngày tính số liệu cuối kỳ (31/12/2026 hoặc 2026-12-31), mặc định hôm nay",
    )


def _meeting_commands(sub, command, global_options, parser_class) -> None:
    """Add `meeting` to the command parser (called by build_parser)."""
    meet = command("meeting", "kỳ họp chi bộ: danh sách, biểu quyết, biên bản", "commands:cmd_help")
    msub = meet.add_subparsers(dest="action", parser_class=parser_class)
    p = action(
        msub, "new", "ghi một kỳ họp chi bộ và danh sách đảng viên", "meeting_commands:cmd_new"
    )
    p.add_argument("--on", required=True, help="ngày họp (ngày/tháng/năm)")
    p.add_argument(
        "--org-code", dest="org_code", help="chi bộ (mặc định: đơn vị của hồ sơ làm việc)"
    )
    p.add_argument(
        "--official", type=int, required=True, help="tổng số đảng viên chính thức của chi bộ"
    )
    p.add_argument(
        "--probationary", type=int, default=0, help="tổng số đảng viên dự bị (mặc định 0)"
    )
    _roll_options(p, p)
    p = action(
        msub,
        "edit",
        "sửa danh sách, chủ trì, thư ký, ngày họp của kỳ họp (không sửa đơn vị)",
        "meeting_commands:cmd_edit",
    )
    p.add_argument("meeting", help="mã kỳ họp (ít nhất 4 ký tự đầu)")
    p.add_argument(
        "--on", "--date", dest="on", help="ngày họp mới (chỉ khi kỳ họp chưa có biểu quyết)"
    )
    p.add_argument("--official", type=int, help="tổng số đảng viên chính thức")
    p.add_argument("--probationary", type=int, help="tổng số đảng viên dự bị")
    absent = p.add_mutually_exclusive_group()
    absent.add_argument(
        "--nobody-absent", dest="nobody_absent", action="store_true", help="không ai vắng mặt"
    )
    _roll_options(p, absent)
    p = action(
        msub,
        "delete",
        "xóa kỳ họp ghi nhầm (chỉ khi chưa có biểu quyết)",
        "meeting_commands:cmd_delete",
    )
    p.add_argument("meeting", help="mã kỳ họp (ít nhất 4 ký tự đầu)")
    action(msub, "list", "liệt kê các kỳ họp", "meeting_commands:cmd_list")
    p = action(
        msub, "show", "danh sách và các biểu quyết của một kỳ họp", "meeting_commands:cmd_show"
    )
    p.add_argument("meeting", help="mã kỳ họp (ít nhất 4 ký tự đầu)")
    p = action(
        msub,
        "vote",
        "ghi biểu quyết của kỳ họp về một hồ sơ (A8 xét kết nạp, P3 xét công nhận)",
        "meeting_commands:cmd_vote",
    )
    p.add_argument("meeting", help="mã kỳ họp (ít nhất 4 ký tự đầu)")
    p.add_argument("file_code")
    p.add_argument("step", help="A8 hoặc P3")
    p.add_argument("--votes", type=int, required=True, help="số đảng viên chính thức tán thành")
    p.add_argument("--doc-no", dest="doc_no", help="số nghị quyết (khi thông qua)")
    p.add_argument("--note", help="ghi chú")
    p.add_argument("--today", help="ngày hôm nay (mặc định theo máy)")
    p = action(msub, "minutes", "in biên bản họp chi bộ (PDF)", "meeting_commands:cmd_minutes")
    p.add_argument("meeting", help="mã kỳ họp (ít nhất 4 ký tự đầu)")
    p.add_argument("--out", required=True, help="tệp PDF ghi ra")
    p.add_argument(
        "--value",
        action="append",
        help="điền một chỗ trống ('venue', 'end_time', 'opinions'), lặp lại được",
    )


def _roll_options(p, absent) -> None:
    """The options of a meeting's roll that `meeting new` and `meeting edit` share."""
    absent.add_argument(
        "--absent",
        action="append",
        metavar="'HỌ TÊN;LOẠI;LÝ DO'",
        help="một người vắng mặt: loại 'ct' (chính thức) hoặc 'db' (dự bị), lặp lại được "
        "(meeting edit: thay cả danh sách)",
    )
    p.add_argument("--chair", help="người chủ trì")
    p.add_argument("--chair-role", dest="chair_role", help="chức vụ người chủ trì")
    p.add_argument("--secretary", help="thư ký hội nghị")
    p.add_argument("--note", help="ghi chú")
    p.add_argument("--today", help="ngày hôm nay (mặc định theo máy)")
