"""The README's set-up works as written: the system packages it lists for the GUI are the
ones `.ci/run` installs, and (on Debian) they provide every library Qt's X11 plugin loads;
the Windows steps are PowerShell 5.1 that stops at a failed step."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# On every Debian or Ubuntu already: apt and dpkg themselves depend on them.
BASE = {"libc6", "libstdc++6", "libgcc-s1", "zlib1g", "libzstd1"}


def readme_package_lists() -> list[set[str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    lists = []
    for block in re.findall(r"sudo apt-get install -y ((?:.*\\\n)*.*)", text):
        names = set(block.replace("\\\n", " ").split()) - {"python3", "python3-venv"}
        lists.append(names)
    return lists


def ci_packages() -> set[str]:
    text = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    return set(re.search(r'GUI_PACKAGES="([^"]*)"', text).group(1).split())


def test_the_readme_lists_what_ci_installs():
    lists = readme_package_lists()
    assert len(lists) == 2  # the Vietnamese and the English set-up
    assert lists[0] == lists[1] == ci_packages()
    assert {"libxcb-icccm4", "libxcb-keysyms1", "libxcb-cursor0"} <= ci_packages()


@pytest.mark.skipif(
    not (shutil.which("dpkg-query") and shutil.which("readelf")),
    reason="needs Debian's dpkg-query and readelf (package binutils)",
)
def test_the_listed_packages_provide_every_library_qt_xcb_loads():
    import PySide6

    qt = Path(PySide6.__file__).parent / "Qt"
    binaries = [qt / "plugins" / "platforms" / "libqxcb.so"]
    binaries += [p for p in (qt / "lib").glob("libQt6*.so.6") if p.stem.split(".")[0] in {
        "libQt6XcbQpa", "libQt6Gui", "libQt6Core", "libQt6Widgets", "libQt6DBus", "libQt6OpenGL"
    }]  # fmt: skip
    needed = set()
    for binary in binaries:
        dynamic = subprocess.run(["readelf", "-d", str(binary)], capture_output=True, text=True)
        needed |= set(re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", dynamic.stdout))
    system = {lib for lib in needed if not lib.startswith(("libQt6", "libicu", "ld-linux"))}
    assert "libxcb-icccm.so.4" in system
    listed = ci_packages()
    patterns = [f"*/{lib}" for lib in sorted(system)]
    found = subprocess.run(["dpkg-query", "-S", *patterns], capture_output=True, text=True)
    owners_of: dict[str, set[str]] = {}
    for line in found.stdout.splitlines():  # "libxcb1:amd64: /usr/lib/…/libxcb.so.1"
        owner, _, path = line.rpartition(": ")
        packages = {name.split(":")[0] for name in owner.split(", ")}
        owners_of.setdefault(Path(path).name, set()).update(packages)
    missing = {}
    for lib in sorted(system):
        owners = owners_of.get(lib, set())
        if not owners:
            missing[lib] = "không gói nào đã cài có tệp này"
        elif not owners & (listed | BASE):
            missing[lib] = ", ".join(sorted(owners))
    assert not missing, missing


def test_the_fresh_debian_run_reads_the_readmes_own_lines():
    """tests/setup/fresh_debian.sh (by hand, as root) runs what it reads from the README: it
    must keep finding the Linux block and the test command, so the two cannot drift apart."""
    script = ROOT / "tests" / "setup" / "fresh_debian.sh"
    run = subprocess.run(
        ["bash", str(script), "--print-steps"], capture_output=True, text=True, check=True
    )
    steps = run.stdout.splitlines()
    assert steps[0] == "sudo apt-get update"
    assert set(steps[1].split()[4:]) - {"python3", "python3-venv"} == ci_packages()
    assert steps[2:] == [
        "python3 -m venv .venv",
        '.venv/bin/pip install -e ".[dev]"',
        ".venv/bin/khdesk demo --open",
        'QT_QPA_PLATFORM=offscreen .venv/bin/python -m pytest -q -m "not slow"',
    ]
    # The English set-up is the same block, line for line.
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    linux = [b for b in re.findall(r"```bash\n(.*?)```", text, re.S) if "demo --open" in b]
    assert len(linux) == 2 and linux[0] == linux[1]


def test_the_windows_steps_are_powershell_5_that_stop_at_a_failure():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```powershell\n(.*?)```", text, re.S)
    assert blocks
    for block in blocks:
        assert "&&" not in block and "Activate" not in block
        # `exit` typed or pasted into a window closes it, and the error with it.
        assert not re.search(r"(?<!\.)\bexit\b", block)  # (sys.exit is Python)
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        steps = [i for i, line in enumerate(lines) if line.startswith(("py ", ".venv"))]
        checked = [i for i in steps if lines[i + 1].startswith("if ($LASTEXITCODE) { throw ")]
        if len(steps) > 1 and "pytest" not in block:
            # A throw stops the rest only inside one block pasted at once.
            assert (lines[0], lines[-1]) == ("& {", "}")
            assert checked == steps[:-1]  # every step but the last is checked
        if any(line.startswith("py -3 ") for line in lines):
            # py -3 takes the newest Python installed: an older one is refused right after.
            assert any("sys.version_info < (3, 11)" in line for line in lines)
        # $env: lasts as long as the window: an offscreen app started later would not show.
        if "$env:QT_QPA_PLATFORM" in block:
            assert lines[-1] == "Remove-Item Env:QT_QPA_PLATFORM"
    assert "E:\\\\" not in text
    assert '`"C:\\Program Files' not in text  # PowerShell needs & before a quoted path
