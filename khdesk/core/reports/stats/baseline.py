"""The directive's 2015–2020 baseline (`resources/stats/baseline-2015-2020.json`) and the
comparison of a result's top unit with it."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from khdesk.core.reports.stats.indicators import INDICATOR_BY_KEY
from khdesk.core.reports.stats.result import UnitStats
from khdesk.core.reports.stats.scope import Scope
from khdesk.core.resources import resource_path

__all__ = ["compare_baseline", "load_baseline"]


@lru_cache(maxsize=1)
def load_baseline() -> dict[str, Any] | None:
    """The 2015–2020 figures of the directive (None if the file is missing)."""
    path = resource_path("stats", "baseline-2015-2020.json")
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


# Baseline figures that are shares: comparable at any level. The counts are the whole
# province's: compared only on a province's own figures (`admitted` only over a period).
_BASELINE_SHARES = ("youth_pct", "villages_with_cell_pct")


def compare_baseline(baseline: dict[str, Any], top: UnitStats, scope: Scope) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, base in baseline.get("values", {}).items():
        if key not in INDICATOR_BY_KEY:
            continue
        if key not in _BASELINE_SHARES and top.level != "province":
            continue
        if key == "admitted" and scope.kind != "period":
            continue
        actual = top.values.get(key)
        diff = None if actual is None else round(actual - base, 2)
        out[key] = {"baseline": base, "actual": actual, "difference": diff}
    return out
