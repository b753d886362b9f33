"""The reads of the app's first screen (check, judging) run without SQLAlchemy: they keep
the schema's facts they need as constants, held to the schema here."""

import subprocess
import sys
from dataclasses import fields

from sqlalchemy import Date

from khdesk.core.services import checking
from khdesk.core.store import schema as t
from khdesk.core.sync import judging


def test_candidate_dates_are_the_schemas_date_columns():
    dates = tuple(c.name for c in t.candidates.c if isinstance(c.type, Date))
    assert checking.CANDIDATE_DATES == dates


def test_catalogue_row_has_the_catalogues_columns():
    assert [f.name for f in fields(judging.CatalogueRow)] == [c.name for c in t.catalogues.c]


SCRIPT = """
import sys
import khdesk.core.services.checking, khdesk.core.sync.judging
import khdesk.core.sync.catalogue_content
heavy = ("sqlalchemy", "khdesk.core.store.schema", "khdesk.core.store.engine",
         "khdesk.core.store.store")
print(",".join(sorted(m for m in sys.modules if m.startswith(heavy))))
"""


def test_the_checks_reads_import_no_sqlalchemy():
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
