"""Core services the desktop start and list use: password check of an open session,
screen settings files, the list's filters in SQL, and the quick schema check."""

from datetime import date

import pytest

from khdesk.core.domain.rules import age_in_months
from khdesk.core.errors import AccessDenied
from khdesk.core.services import profiles
from khdesk.core.services.candidates import (
    file_ids,
    file_rows,
    ids_by_code,
    list_files,
    youth_birth_cutoff,
)
from khdesk.core.services.session import load_settings, open_profile, save_settings, settings_path
from khdesk.core.store import migrate, revision
from tests.conftest import PASSWORD

TODAY = date(2026, 11, 26)


@pytest.fixture(scope="module")
def demo_session(tmp_path_factory):
    from khdesk.demo.stations import create_demo

    home = tmp_path_factory.mktemp("svc-demo")
    create_demo(home, "demo-password", today=TODAY)
    session = open_profile(home, "X01", "bithu", "demo-password")
    yield session
    session.close()


def test_verify_password(home, clock):
    session, _ = profiles.create_profile(
        home, role="cell", org_code="C1", org_name="Chi bộ 1", user="bithu", password=PASSWORD
    )
    profiles.verify_password(session, PASSWORD)
    with pytest.raises(AccessDenied, match="Mật khẩu không đúng"):
        profiles.verify_password(session, "sai-mat-khau")
    session.close()


def test_settings_files_merge_and_survive_garbage(tmp_path):
    path = settings_path(tmp_path, "C1")
    assert load_settings(path) == {}
    save_settings(path, autolock_minutes=5)
    save_settings(path, list_columns=["full_name"])
    assert load_settings(path) == {"autolock_minutes": 5, "list_columns": ["full_name"]}
    path.write_text("{not json", encoding="utf-8")
    assert load_settings(path) == {}
    assert settings_path(tmp_path) == tmp_path / "settings.json"


@pytest.mark.parametrize(
    ("today", "cutoff"),
    [(date(2026, 11, 26), date(1995, 12, 1)), (date(2026, 1, 1), date(1995, 2, 1))],
)
def test_youth_cutoff_follows_the_rule_age(today, cutoff):
    assert youth_birth_cutoff(today) == cutoff
    assert age_in_months(cutoff, today) == 31 * 12 - 1  # still 30 full years
    before = date(cutoff.year - (cutoff.month == 1), (cutoff.month - 2) % 12 + 1, 28)
    assert age_in_months(before, today) == 31 * 12


def test_file_ids_filters_combine_with_search(demo_session):
    everyone = list_files(demo_session)
    cutoff = youth_birth_cutoff(TODAY)
    young = {f["file_code"] for f in everyone if date.fromisoformat(f["birth_date"]) >= cutoff}
    codes = {i: r["file_code"] for i, r in file_rows(demo_session, file_ids(demo_session)).items()}
    assert {codes[i] for i in file_ids(demo_session, born_from=cutoff)} == young
    older = {codes[i] for i in file_ids(demo_session, born_before=cutoff)}
    assert older == {f["file_code"] for f in everyone} - young
    kind = everyone[0]["workplace_kind"]
    same_kind = {f["file_code"] for f in everyone if f["workplace_kind"] == kind}
    assert {codes[i] for i in file_ids(demo_session, workplace_kind=kind)} == same_kind
    # with a search: the FTS match and the range side by side, still in name order
    nguyen = file_ids(demo_session, "nguyen")
    both = file_ids(demo_session, "nguyen", born_before=cutoff)
    assert both == [i for i in nguyen if codes[i] in older]
    assert file_ids(demo_session, "nguyen", "NGUON", workplace_kind=kind) == [
        i for i in file_ids(demo_session, "nguyen", "NGUON") if codes[i] in same_kind
    ]
    assert set(ids_by_code(demo_session)) == {f["file_code"] for f in everyone}


def test_quick_head_matches_alembic():
    assert revision.head_from_files() == migrate.head_revision()


def test_file_index_gives_the_same_ids_as_file_ids(demo_session):
    from khdesk.core.services.candidates import FileIndex

    index = FileIndex(demo_session)
    cutoff = youth_birth_cutoff(TODAY)
    kind = list_files(demo_session)[0]["workplace_kind"]
    for search in (None, "nguyen", "duc", "X01", "zzz"):
        for state in (None, "NGUON"):
            for filters in (
                {},
                {"workplace_kind": kind},
                {"born_from": cutoff},
                {"born_before": cutoff, "workplace_kind": kind},
            ):
                assert index.ids(search, state, **filters) == file_ids(
                    demo_session, search, state, **filters
                ), (search, state, filters)
    assert index.current()
