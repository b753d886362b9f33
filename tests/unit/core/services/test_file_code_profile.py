"""Issue 17 item 6: which profile a FILE_CODE names, read from profile.json alone."""

import pytest

from khdesk.core.services.session import ProfileInfo, profile_for_file_code


def info(name, org_code, role="cell", parent=None):
    return ProfileInfo(name, role, org_code, "Tên", parent, f"id-{name}", "2026-01-01", "1")


PROFILES = [
    info("X01", "X01", "committee"),
    info("X01-CB01", "X01-CB01", parent="X01"),
    info("CB05", "CB05", parent="X01"),
]


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("X01-CB01-0007", "X01-CB01"),
        (" x01-cb01-0007 ", "X01-CB01"),
        ("X01-CB03-0002", "X01"),  # no profile of its own here: its committee holds it
        ("CB05-0001", "CB05"),
    ],
)
def test_finding_6_the_nearest_profile_up_the_unit_code_holds_the_file(code, name):
    assert profile_for_file_code(PROFILES, code).name == name


@pytest.mark.parametrize(
    "code", ["Z09-CB01-0001", "X01", "X01-CB01", "X01-CB01-", "Nguyễn Văn-A", "X01-CB01-００07", ""]
)
def test_finding_6_no_file_code_or_no_holder_names_no_profile(code):
    assert profile_for_file_code(PROFILES, code) is None


def test_finding_6_two_profiles_of_one_unit_name_none():
    twins = [*PROFILES, info("X01-CB01-cu", "X01-CB01")]
    assert profile_for_file_code(twins, "X01-CB01-0007") is None


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("X01-CB01-0007", "X01"),  # the cell's own profile cannot record the decision
        ("X01-CB03-0002", "X01"),
        ("CB05-0001", None),  # no committee on its code: the caller asks for --profile
    ],
)
def test_a_committee_step_finds_the_committee_holding_the_file(code, name):
    found = profile_for_file_code(PROFILES, code, committee=True)
    assert (found and found.name) == name
