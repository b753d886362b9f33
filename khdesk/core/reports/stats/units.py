"""Which units a profile's statistics show, at which level, and where each record counts:
a cell profile its own cell; a committee its commune and every cell under it; the province
itself, every commune and every cell. A record counts in its nearest shown unit (a cell
inside a đảng ủy cơ sở counts in its commune's cells, a record kept at the đảng ủy cơ sở
in the commune); a record of an organisation the profile does not know counts in the
profile's own unit; one of an organisation known elsewhere in the tree counts nowhere.
The tree itself is the domain's `OrgTree`."""

from __future__ import annotations

from collections.abc import Mapping

from khdesk.core.domain.scope import OrgTree
from khdesk.core.domain.template import CELL_KINDS
from khdesk.core.reports.stats.rows import OrgRow

__all__ = ["LEVELS", "LEVEL_BY_ROLE", "LEVEL_LABELS", "OUTSIDE", "UnitTree", "level_of"]

LEVELS = ("province", "commune", "cell")
LEVEL_LABELS = {"province": "Tỉnh", "commune": "Xã, phường, đặc khu", "cell": "Chi bộ"}
LEVEL_BY_ROLE = {"cell": "cell", "committee": "commune", "province": "province"}
_COMMUNE_KINDS = frozenset(("Đảng ủy xã", "Đảng ủy phường", "Đảng ủy đặc khu"))
_CELL_KINDS = frozenset(CELL_KINDS)

OUTSIDE = ""  # the owner of records kept outside the profile's branch: not shown


def level_of(kind: str | None) -> str | None:
    if kind == "Tỉnh ủy":
        return "province"
    if kind in _COMMUNE_KINDS:
        return "commune"
    if kind in _CELL_KINDS:
        return "cell"
    return None  # a đảng ủy cơ sở: counted in the commune above it


class UnitTree:
    """The organisations the profile sees (`inside`: its branch), the units shown
    (`levels`, `shown` parents before children), the shown unit directly above each shown
    unit (`up`) and where each record's organisation counts (`owner`)."""

    def __init__(self, orgs: Mapping[str, OrgRow], top_code: str, top_level: str):
        self.orgs = dict(orgs)
        if top_code not in self.orgs:  # a profile always holds its org; be lenient anyway
            self.orgs[top_code] = OrgRow(top_code, top_code, None, None, None, None)
        self.top = top_code
        self.tree = OrgTree({code: org.parent_code for code, org in self.orgs.items()})
        self.inside = self.tree.branch(top_code)
        depth = {code: self._depth(code) for code in self.inside}
        order = sorted(self.inside, key=lambda code: (depth[code], code))
        self.levels: dict[str, str] = {top_code: top_level}
        top_rank = LEVELS.index(top_level)
        for code in order:
            lvl = level_of(self.orgs[code].kind)
            if code != top_code and lvl is not None and LEVELS.index(lvl) > top_rank:
                self.levels[code] = lvl
        self.shown = [c for c in order if c in self.levels]  # parents before children
        self._owner: dict[str | None, str] = {}
        self.up = {c: self.owner(self.orgs[c].parent_code) for c in self.shown if c != top_code}

    def _depth(self, code: str) -> int:
        above = self.tree.ancestors(code)
        return above.index(self.top) + 1 if self.top in above else 0

    def owner(self, code: str | None) -> str:
        """The shown unit a record kept at `code` counts in: its nearest shown ancestor;
        the profile's own unit for an organisation the profile does not know; OUTSIDE
        (counted nowhere) for one known elsewhere in the tree."""
        found = self._owner.get(code)
        if found is None:
            if code not in self.orgs:
                found = self.top
            elif code not in self.inside:
                found = OUTSIDE
            else:
                found = next(c for c in (code, *self.tree.ancestors(code)) if c in self.levels)
            self._owner[code] = found
        return found
