"""The core must never import Qt: the CLI, the tests and the province server use it."""

import subprocess
import sys

SCRIPT = """
import importlib, pkgutil, sys
import khdesk.core
for mod in pkgutil.walk_packages(khdesk.core.__path__, "khdesk.core."):
    if ".migrations" in mod.name:
        continue
    importlib.import_module(mod.name)
bad = sorted(m for m in sys.modules if m.startswith("PySide6") or m.startswith("shiboken"))
print("qt:" + ",".join(bad))
print(len([m for m in sys.modules if m.startswith("khdesk.core")]))
"""


def test_core_imports_no_qt():
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True)
    qt_modules, count = out.stdout.strip().splitlines()
    assert qt_modules == "qt:"
    assert int(count) >= 10  # the walk really imported the core
