"""What the statistics give: the indicators of each shown unit (`UnitStats`), of each kind
of cell (`KindStats`), for one scope (`StatsResult`, whose `as_dict` is the JSON of
`khdesk stats --json`, keys in resources/stats/KEYS.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from khdesk.core.reports.stats.indicators import INDICATOR_KEYS, KIND_KEYS
from khdesk.core.reports.stats.scope import Scope

__all__ = ["FORMAT", "KindStats", "StatsResult", "UnitStats"]

FORMAT = 1  # of the JSON (`StatsResult.as_dict`); bump on any incompatible change


@dataclass
class UnitStats:
    """The indicators of one cell, commune or province."""

    org_code: str
    org_name: str
    kind: str | None
    parent_code: str | None
    level: str
    values: dict[str, int | float | None]

    def __getitem__(self, key: str) -> int | float | None:
        return self.values[key]

    def as_dict(self) -> dict[str, Any]:
        return {
            "org_code": self.org_code,
            "org_name": self.org_name,
            "kind": self.kind,
            "parent_code": self.parent_code,
            "level": self.level,
            **{k: self.values[k] for k in INDICATOR_KEYS},
        }


@dataclass
class KindStats(UnitStats):
    """The indicators of the cells of one kind (Chi bộ thôn…) taken together: `kind` is the
    group's key (None: cells without a kind on record), `org_code` / `org_name` repeat it
    as text, `parent_code` is None, `level` is "cell_kind", `cells` the group's cell codes."""

    cells: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        head = {"kind": self.kind, "cells": len(self.cells)}
        return {
            **{k: head[k] for k in KIND_KEYS},
            **{k: self.values[k] for k in INDICATOR_KEYS},
        }


@dataclass
class StatsResult:
    scope: Scope
    as_of: date
    org_code: str  # the profile's organisation: the top unit
    level: str
    units: dict[str, list[UnitStats]]  # level -> units, the levels present in LEVELS order
    baseline: dict[str, Any] | None = None
    upper_name: str | None = None  # the organisation above the profile's (document headers)
    # The shown cells grouped by kind (`compute._by_cell_kind`): records kept above the cells are in
    # no group.
    by_cell_kind: list[KindStats] = field(default_factory=list)
    _by_code: dict[str, UnitStats] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_code = {u.org_code: u for us in self.units.values() for u in us}

    @property
    def top(self) -> UnitStats:
        return self._by_code[self.org_code]

    def unit(self, org_code: str) -> UnitStats:
        return self._by_code[org_code]

    def level_units(self, level: str) -> list[UnitStats]:
        return self.units.get(level, [])

    def children(self, org_code: str) -> list[UnitStats]:
        """The units one level below `org_code` that belong to it (cells of a commune…)."""
        return [u for us in self.units.values() for u in us if u.parent_code == org_code]

    def as_dict(self) -> dict[str, Any]:
        """The JSON of `khdesk stats --json` (keys: resources/stats/KEYS.md)."""
        return {
            "format": FORMAT,
            "scope": {
                "kind": self.scope.kind,
                "year": self.scope.year,
                "period": self.scope.period,
                "from": self.scope.start.isoformat(),
                "to": self.scope.end.isoformat(),
                "as_of": self.as_of.isoformat(),
            },
            "org_code": self.org_code,
            "level": self.level,
            "levels": {lvl: [u.as_dict() for u in us] for lvl, us in self.units.items()},
            "baseline": self.baseline,
            "by_cell_kind": [g.as_dict() for g in self.by_cell_kind],
        }
