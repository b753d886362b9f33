"""Build khdesk for Windows (or, to prove it, on the current OS) and check the result.

    .venv/bin/python installer/build.py [--skip-build] [--skip-selftest] [--skip-measure]
                                        [--skip-nsis] [--runs 5] [--sign-cmd CMD]

1. PyInstaller onedir from installer/khdesk.spec into dist/khdesk/ (khdesk + khdesk-cli).
2. The frozen app's `--self-test` (temporary data directory, offscreen Qt): exit 0 or stop.
3. Figures: the onedir's size (and its largest parts), start time to the main window
   (`gui --exit-when-ready` on a demo data directory made by the frozen app's `demo`),
   median of N runs, frozen vs `python -m khdesk`.
4. makensis installer/khdesk.nsi -> dist/khdesk-<version>-setup.exe (over the Linux onedir
   when run on Linux: that proves the script compiles; the Windows installer is built on
   Windows). Installs Debian's `nsis` when makensis is missing and this is root on Debian.

Exit 0 when every step done passed. The figures also go to dist/build-report.json.
Needs `pip install -e ".[build]"` (PyInstaller).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "dist"
ONEDIR = DIST / "khdesk"
WORK = ROOT / "build" / "pyinstaller"
SPEC = ROOT / "installer" / "khdesk.spec"
NSI = ROOT / "installer" / "khdesk.nsi"
WINDOWS = sys.platform == "win32"
EXE = ".exe" if WINDOWS else ""
DEMO_PASSWORD = "khdesk-demo"
DEMO_PROFILE = "X01-CB01"  # a cell of the demo commune: its main window


def version() -> str:
    text = (ROOT / "khdesk" / "__init__.py").read_text(encoding="utf-8")
    return re.search(r'^__version__\s*=\s*"([^"]+)"', text, re.M).group(1)


def version_quad(v: str) -> str:
    """`0.1.0` -> `0.1.0.0` for Windows version resources (digits only)."""
    nums = [re.match(r"\d+", part) for part in v.split(".")]
    parts = [m.group(0) for m in nums if m][:4]
    return ".".join(parts + ["0"] * (4 - len(parts)))


def say(line: str = "") -> None:
    print(line, flush=True)


def step(title: str) -> None:
    say()
    say(f"== {title}")


def fail(message: str) -> None:
    say(f"build: LỖI — {message}")
    sys.exit(1)


def offscreen_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    if not WINDOWS:  # no screen here; on Windows the real platform plugin is the test
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env.update(extra)
    return env


# -- 1. PyInstaller -------------------------------------------------------------------------


def build_onedir() -> float:
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        fail('PyInstaller chưa được cài: .venv/bin/pip install -e ".[build]"')
    step("PyInstaller (onedir) -> dist/khdesk/")
    t0 = time.perf_counter()
    cmd = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--clean",
        "--log-level",
        "WARN",
        "--distpath",
        str(DIST),
        "--workpath",
        str(WORK),
        str(SPEC),
    ]
    if subprocess.run(cmd, cwd=ROOT).returncode != 0:
        fail("PyInstaller không đóng gói được")
    took = time.perf_counter() - t0
    say(f"đóng gói xong trong {took:.0f} s")
    return took


def exe(name: str) -> Path:
    return ONEDIR / f"{name}{EXE}"


# -- 2. self-test ---------------------------------------------------------------------------


def self_test() -> float:
    step("Tự kiểm tra bản đóng gói (--self-test)")
    # On Windows the console twin prints; the windowed khdesk.exe has no stdout.
    program = exe("khdesk-cli" if WINDOWS else "khdesk")
    if not program.exists():
        fail(f"không thấy {program}: chạy lại không có --skip-build")
    t0 = time.perf_counter()
    code = subprocess.run([str(program), "--self-test"], env=offscreen_env()).returncode
    took = time.perf_counter() - t0
    if code != 0:
        fail(f"tự kiểm tra thất bại (mã thoát {code})")
    version_out = subprocess.run(
        [str(exe("khdesk-cli")), "--version"], capture_output=True, text=True
    ).stdout.strip()
    if version_out != f"khdesk {version()}":
        fail(f"khdesk-cli --version in ra {version_out!r}")
    say(f"khdesk-cli --version: {version_out}")
    return took


# -- 3. figures -----------------------------------------------------------------------------


def tree_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def largest_parts(limit: int = 12) -> list[tuple[str, int]]:
    """The biggest files and Qt/library folders inside the onedir."""
    sizes: dict[str, int] = {}
    for p in ONEDIR.rglob("*"):
        if not p.is_file() or p.is_symlink():  # Linux: links to the Qt libraries
            continue
        rel = p.relative_to(ONEDIR).parts
        if rel[0] == "_internal" and len(rel) > 2:
            key = "/".join(rel[:3] if rel[1] in ("PySide6",) and len(rel) > 3 else rel[:2])
        else:
            key = "/".join(rel)
        sizes[key] = sizes.get(key, 0) + p.stat().st_size
    return sorted(sizes.items(), key=lambda kv: -kv[1])[:limit]


def _timed_runs(commands: dict[str, list[str]], env: dict[str, str], runs: int) -> dict:
    """Start each command `runs` times, taking turns (so a busy moment on the machine
    hits both alike); the first round warms the disk cache and is not counted."""
    walls: dict[str, list[float]] = {k: [] for k in commands}
    reported: dict[str, list[int]] = {k: [] for k in commands}
    for i in range(runs + 1):
        for key, cmd in commands.items():
            t0 = time.perf_counter()
            done = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
            wall = (time.perf_counter() - t0) * 1000
            if done.returncode != 0:
                fail(f"{' '.join(cmd)} thoát với mã {done.returncode}: {done.stderr[-500:]}")
            if i == 0:
                continue
            walls[key].append(wall)
            numbers = [s for s in done.stdout.split() if s.isdigit()]
            if numbers:  # the app's own figure: ms from its first import to the window
                reported[key].append(int(numbers[-1]))
    return {
        key: {
            "wall_ms_median": round(statistics.median(walls[key])),
            "wall_ms": [round(w) for w in walls[key]],
            "reported_ms_median": (
                round(statistics.median(reported[key])) if reported[key] else None
            ),
        }
        for key in commands
    }


def measure(runs: int) -> dict:
    step(f"Số đo: kích thước, thời gian mở cửa sổ (trung vị {runs} lần)")
    size = tree_size(ONEDIR)
    say(f"dist/khdesk/: {size / 1e6:.1f} MB, {sum(1 for _ in ONEDIR.rglob('*'))} tệp/thư mục")
    parts = largest_parts()
    for name, n in parts:
        say(f"  {n / 1e6:7.1f} MB  {name}")
    home = Path(tempfile.mkdtemp(prefix="khdesk-do-"))
    try:
        env = offscreen_env(KHDESK_PASSWORD=DEMO_PASSWORD, KHDESK_HOME=str(home))
        made = subprocess.run(
            [str(exe("khdesk-cli")), "demo"], env=env, capture_output=True, text=True
        )
        if made.returncode != 0:
            fail(f"bản đóng gói không tạo được dữ liệu mẫu: {made.stderr[-500:]}")
        args = ["gui", "--exit-when-ready", "--profile", DEMO_PROFILE]
        timed = _timed_runs(
            {
                "frozen": [str(exe("khdesk")), *args],
                "source": [sys.executable, "-m", "khdesk", *args],
            },
            env,
            runs,
        )
        frozen, source = timed["frozen"], timed["source"]
    finally:
        shutil.rmtree(home, ignore_errors=True)
    for label, r in (("bản đóng gói", frozen), ("python -m khdesk", source)):
        say(
            f"  {label:18} cửa sổ chính sau {r['wall_ms_median']} ms (cả tiến trình; "
            f"ứng dụng tự đo {r['reported_ms_median']} ms); các lần: {r['wall_ms']}"
        )
    return {
        "onedir_bytes": size,
        "onedir_mb": round(size / 1e6, 1),
        "largest_parts_mb": {k: round(v / 1e6, 1) for k, v in parts},
        "start_frozen": frozen,
        "start_source": source,
        "runs": runs,
    }


# -- 4. NSIS --------------------------------------------------------------------------------


def find_makensis() -> str | None:
    found = shutil.which("makensis")
    if found or WINDOWS:
        return found or next(
            (
                str(p)
                for p in (
                    Path(os.environ.get("ProgramFiles(x86)", "")) / "NSIS" / "makensis.exe",
                    Path(os.environ.get("ProgramFiles", "")) / "NSIS" / "makensis.exe",
                )
                if p.is_file()
            ),
            None,
        )
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        say("makensis chưa có: cài gói Debian 'nsis' (apt-get install nsis)")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=False)
        subprocess.run(["apt-get", "install", "-y", "-qq", "nsis"], env=env, check=False)
    return shutil.which("makensis")


def sign_onedir(sign_cmd: str) -> None:
    """Sign the program's own executables before they go into the installer."""
    step("Ký số các tệp chương trình")
    for program in sorted(ONEDIR.glob("*.exe")):
        command = sign_cmd.replace("%1", str(program))
        if "%1" not in sign_cmd:
            command = f'{sign_cmd} "{program}"'
        if subprocess.run(command, shell=True).returncode != 0:
            fail(f"không ký được {program.name}")
        say(f"đã ký {program.name}")


def _without_file(sign_cmd: str) -> str:
    return sign_cmd.replace('"%1"', "").replace("%1", "").strip()


def build_installer(sign_cmd: str | None = None) -> dict:
    step("NSIS -> dist/khdesk-<version>-setup.exe")
    makensis = find_makensis()
    if makensis is None:
        fail("không có makensis (Debian: apt-get install nsis; Windows: cài NSIS 3)")
    v = version()
    out = DIST / f"khdesk-{v}-setup.exe"
    if not ONEDIR.is_dir():
        fail("chưa có dist/khdesk/")
    flag = "/" if WINDOWS else "-"
    cmd = [
        makensis,
        f"{flag}V2",
        f"{flag}DVERSION={v}",
        f"{flag}DVERSION_QUAD={version_quad(v)}",
        f"{flag}DSRCDIR={ONEDIR}",
        f"{flag}DOUTFILE={out}",
        # khdesk.nsi appends the file ("%1") itself.
        *([f"{flag}DSIGN_CMD={_without_file(sign_cmd)}"] if sign_cmd else []),
        str(NSI),
    ]
    t0 = time.perf_counter()
    if subprocess.run(cmd, cwd=ROOT).returncode != 0:
        fail("makensis không dịch được installer/khdesk.nsi")
    took = time.perf_counter() - t0
    size = out.stat().st_size
    say(f"{out.relative_to(ROOT)}: {size / 1e6:.1f} MB ({took:.0f} s)")
    return {"setup": str(out.relative_to(ROOT)), "setup_bytes": size, "nsis_seconds": round(took)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-build", action="store_true", help="dùng dist/khdesk/ đã có")
    parser.add_argument("--skip-selftest", action="store_true")
    parser.add_argument("--skip-measure", action="store_true")
    parser.add_argument("--skip-nsis", action="store_true")
    parser.add_argument("--runs", type=int, default=5, help="số lần đo thời gian khởi động")
    parser.add_argument(
        "--sign-cmd",
        default=os.environ.get("KHDESK_SIGN_CMD"),
        help='lệnh ký số, "%%1" là tệp cần ký (mặc định: biến KHDESK_SIGN_CMD; không có: không ký)',
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    report: dict = {"version": version(), "platform": sys.platform}
    if not args.skip_build:
        report["pyinstaller_seconds"] = round(build_onedir())
    if not args.skip_selftest:
        report["selftest_seconds"] = round(self_test(), 1)
    if not args.skip_measure:
        report.update(measure(args.runs))
    if not args.skip_nsis:
        if args.sign_cmd:
            sign_onedir(args.sign_cmd)
        report.update(build_installer(args.sign_cmd))
        report["signed"] = bool(args.sign_cmd)
    report["total_seconds"] = round(time.perf_counter() - started)
    DIST.mkdir(exist_ok=True)
    (DIST / "build-report.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    step(f"Xong trong {report['total_seconds']} s — dist/build-report.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
