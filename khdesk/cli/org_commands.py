"""`khdesk org list` and `khdesk org add`: the units this station keeps, and a unit added
under it by hand (the CLI twin of "Thêm đơn vị" on the unit page)."""

from __future__ import annotations

import argparse

from khdesk.cli.commands import opened
from khdesk.cli.console import print_json
from khdesk.core.services.organisations import add_org, branch_orgs


def cmd_org_list(args: argparse.Namespace) -> int:
    with opened(args) as session:
        units = branch_orgs(session)
    if args.json:
        print_json(units)
        return 0
    for u in units:
        above = u["parent_code"] or "—"
        own = "  (tự dùng khdesk)" if u["self_managed"] else ""
        print(f"{u['code']:<16} {above:<10} {u['kind'] or '':<28} {u['name']}{own}")
    return 0


def cmd_org_add(args: argparse.Namespace) -> int:
    with opened(args) as session:
        added = add_org(session, args.code, args.name, args.kind, args.parent or session.org_code)
    if args.json:
        print_json(added)
        return 0
    kind = f", {added['kind']}" if added["kind"] else ""
    print(
        f"Đã thêm đơn vị {added['code']} ({added['name']}{kind}) trực thuộc {added['parent_code']}."
    )
    return 0
