"""Issue 15, finding 12, without a profile: the one rule on stored text (core/text.py) and
records arriving in a bundle."""

from __future__ import annotations

import pytest

from khdesk.core.store import schema as t
from khdesk.core.sync import records
from khdesk.core.sync.errors import BundleError
from khdesk.core.text import forbidden_char_problem
from tests.integration.core.services.test_stored_text import BAD


@pytest.mark.parametrize("bad", BAD)
def test_finding_12_bundle_records_with_control_characters_are_refused(bad):
    wire = {
        "uuid": "0" * 8 + "-0000-4000-8000-" + "0" * 12,
        "rev": 1,
        "owner": "X01-CB01",
        "updated_by": "bithu",
        "updated_at": "2026-11-26T00:00:00+00:00",
        "deleted": False,
        "member_code": "X01-CB01-DV0001",
        "full_name": f"Võ{bad}Văn G",
        "sex": "Nam",
        "birth_date": "1980-01-01",
        "org_code": "X01-CB01",
        "admitted_on": "2005-01-01",
    }
    with pytest.raises(BundleError) as err:
        records.from_wire(t.members, wire, "records/members.jsonl dòng 1")
    assert "full_name" in err.value.message and f"U+{ord(bad):04X}" in err.value.message
    wire["full_name"] = "Võ Văn G"
    assert records.from_wire(t.members, wire, "x")["full_name"] == "Võ Văn G"


def test_allowed_text_is_not_refused():
    for text in ("Nguyễn Văn A", "dòng 1\ndòng 2\tcột", "Ê-đê", "a\u00a0b", "😀\u200d", ""):
        assert forbidden_char_problem(text) is None
