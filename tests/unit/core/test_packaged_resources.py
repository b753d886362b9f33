"""Issue 16 item 6: the package ships whole. Every resource file the code reads is in the
wheel's package data (pyproject.toml's globs for khdesk.resources), and every package is
listed. Cheap: no wheel is built here (.ci/wheel-check builds and runs one)."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from setuptools import find_packages

from khdesk.core.resources import resources_root
from khdesk.selftest import REQUIRED_RESOURCES

ROOT = Path(__file__).resolve().parents[3]
RESOURCES = ROOT / "resources"
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
    "setuptools"
]


def _shipped() -> set[str]:
    """The files under resources/ that pyproject's package-data globs put in the wheel."""
    globs = SETUPTOOLS["package-data"]["khdesk.resources"]
    return {
        p.relative_to(RESOURCES).as_posix()
        for pattern in globs
        for p in RESOURCES.glob(pattern)
        if p.is_file()
    }


def _files_under(relative: str) -> set[str]:
    path = RESOURCES / relative
    if path.is_file():
        return {relative}
    return {
        p.relative_to(RESOURCES).as_posix()
        for p in path.rglob("*")
        if p.is_file() and p.suffix != ".py" and "__pycache__" not in p.parts
    }


def _read_by_the_code() -> set[str]:
    """What the code opens: each `resource_path("a", "b")` call's literal arguments (a
    folder when the rest is computed: all its files), the self-test's list, and the
    images the user guide's HTML shows."""
    read: set[str] = set(REQUIRED_RESOURCES)
    for source in (ROOT / "khdesk").rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if not (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) == "resource_path"
            ):
                continue
            literal = []
            for arg in node.args:
                if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                    break
                literal.append(arg.value)
            if literal:
                read |= _files_under("/".join(literal))
    guide = (RESOURCES / "guide" / "huong-dan.html").read_text(encoding="utf-8")
    read |= {f"guide/{src}" for src in re.findall(r'src="([^":]+)"', guide)}
    return read


def test_finding_6_every_resource_the_code_reads_is_in_the_wheel():
    read = _read_by_the_code()
    # the scan sees the kinds the issue names (else it proves nothing)
    for expected in (
        "fonts/LiberationSerif-Regular.ttf",
        "rulebooks/294-2025.json",
        "calendar/vn-overlay.json",
        "forms/6-KND.json",
        "template/khdesk-mau-nhap-lieu.xlsx",
        "guide/huong-dan.html",
        "guide/images/17-mau-6-knd.png",
        "stats/baseline-2015-2020.json",
    ):
        assert expected in read
    assert all((RESOURCES / p).is_file() for p in read), "the code reads a file that is not there"
    assert sorted(read - _shipped()) == []


def test_finding_6_every_package_is_listed_for_the_wheel():
    """pyproject lists the packages (find cannot add khdesk.resources): a new package
    left off the list would be missing from the wheel."""
    found = set(find_packages(where=str(ROOT), include=["khdesk*"])) | {"khdesk.resources"}
    assert set(SETUPTOOLS["packages"]) == found
    assert SETUPTOOLS["package-dir"] == {"khdesk.resources": "resources"}
    assert (RESOURCES / "__init__.py").is_file()  # a regular package: a real folder when installed


def test_finding_6_a_checkout_reads_its_own_resources_folder():
    assert resources_root() == RESOURCES


def test_finding_6_installed_without_the_checkout_resources_come_from_the_package(tmp_path):
    """Laid out as a wheel installs it (khdesk/ with only the shipped files in
    khdesk/resources/, no pyproject.toml beside it), the code finds every file it reads
    through importlib.resources, not at `<site-packages>/resources`."""
    site = tmp_path / "site-packages"
    shutil.copytree(ROOT / "khdesk", site / "khdesk", ignore=shutil.ignore_patterns("__pycache__"))
    for relative in [*_shipped(), "__init__.py"]:
        target = site / "khdesk" / "resources" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(RESOURCES / relative, target)
    probe = (
        "import json, sys\n"
        "from khdesk.core.resources import resource_path, resources_root\n"
        "names = json.loads(sys.argv[1])\n"
        "print(json.dumps([str(resources_root())] + "
        "[n for n in names if not resource_path(*n.split('/')).is_file()]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-S", "-c", probe, json.dumps(sorted(_read_by_the_code()))],
        cwd=tmp_path,
        env={"PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    root, *missing = json.loads(done.stdout)
    assert Path(root) == site / "khdesk" / "resources"
    assert missing == []
