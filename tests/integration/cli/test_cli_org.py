"""Issue 17: `khdesk org add` / `org list`, the CLI twin of "Thêm đơn vị" on the unit page:
the same service and checks (core/services/organisations.add_org), on the demo's real
encrypted profiles."""

import pytest

from tests.integration.cli.test_cli_profiles import demo  # noqa: F401 - the fixture

ADD = ["org", "add", "X01-CB09", "--name", "Chi bộ thôn Hòa Sơn", "--kind", "Chi bo thon"]


def test_a_committee_adds_a_unit_and_lists_it(demo, quiet_cli, capsys):  # noqa: F811
    home, _today = demo
    assert quiet_cli(home, "--profile", "X01", *ADD) == 0, capsys.readouterr().err
    assert capsys.readouterr().out.strip() == (
        "Đã thêm đơn vị X01-CB09 (Chi bộ thôn Hòa Sơn, Chi bộ thôn) trực thuộc X01."
    )
    assert quiet_cli(home, "--profile", "X01", "org", "list") == 0
    listed = capsys.readouterr().out
    line = next(x for x in listed.splitlines() if x.startswith("X01-CB09"))
    assert "Chi bộ thôn Hòa Sơn" in line and "X01" in line.split()[1:]


@pytest.mark.parametrize(
    ("profile", "args", "words"),
    [
        ("X01-CB01", ADD, "Chi bộ không thêm đơn vị"),
        ("X01", ["org", "add", "X01-CB01", "--name", "Chi bộ"], "Đã có đơn vị mã 'X01-CB01'"),
        ("X01", [*ADD, "--parent", "X01-CB01"], "là chi bộ"),
    ],
)
def test_refusals(demo, quiet_cli, capsys, profile, args, words):  # noqa: F811
    home, _today = demo
    assert quiet_cli(home, "--profile", profile, *args) == 1
    out = capsys.readouterr()
    assert words in out.err and "Traceback" not in out.err
