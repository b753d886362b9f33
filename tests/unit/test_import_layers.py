"""The layers contract (pyproject.toml, [tool.importlinter]) really refuses wrong imports:
import-linter runs on a copy of the package with wrong imports planted, one for each
contract, and each contract must come out broken. (`.ci/run` runs `lint-imports` on the
real tree, which must be green.)"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which(
    "lint-imports"
)

# (file in the copy, the line planted in it, what lint-imports must then say)
PLANTS = [
    (
        "core/sync/merge.py",
        "from khdesk.core.services import candidates  # planted: sync reaching up",
        "khdesk.core.sync is not allowed to import khdesk.core.services",
    ),
    (
        "core/services/plan.py",
        "from khdesk.demo import small  # planted: a service reaching the demo",
        "khdesk.core.services is not allowed to import khdesk.demo",
    ),
    (
        "core/domain/rules.py",
        "import PySide6.QtCore  # planted: Qt in the core",
        "khdesk.core is not allowed to import PySide6",
    ),
    (
        "core/domain/terms.py",
        "from khdesk.core.domain import pipeline  # planted: half of a cycle",
        "No cycles are allowed in khdesk.core.domain",
    ),
    (
        "core/domain/pipeline.py",
        "from khdesk.core.domain import terms  # planted: the other half",
        "No cycles are allowed in khdesk.core.domain",
    ),
    (
        "cli/parser.py",
        "import PySide6.QtWidgets  # planted: Qt in the command line itself",
        "khdesk.cli is not allowed to import PySide6",
    ),
    (
        "cli/stats_commands.py",
        "from khdesk.cli.main import main  # planted: a command module importing main",
        "khdesk.cli.stats_commands is not allowed to import khdesk.cli.main",
    ),
]


def _lint(tree: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache", "--no-logo", str(tree / "pyproject.toml")],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.skipif(LINT_IMPORTS is None, reason="lint-imports (import-linter) is not installed")
def test_layers_contract_fails_on_planted_wrong_imports(tmp_path):
    shutil.copytree(
        ROOT / "khdesk", tmp_path / "khdesk", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    clean = _lint(tmp_path)
    assert clean.returncode == 0, clean.stdout + clean.stderr  # the copy as it is: green

    for rel, line, _ in PLANTS:
        path = tmp_path / "khdesk" / rel
        path.write_text(path.read_text(encoding="utf-8") + "\n" + line + "\n", encoding="utf-8")
    broken = _lint(tmp_path)

    assert broken.returncode != 0
    for _, _, said in PLANTS:
        assert said in broken.stdout, broken.stdout
    assert "0 kept" in broken.stdout, broken.stdout  # every contract caught its plant
