"""Pull the plug: SIGKILL a real `khdesk` process at a random (seeded) moment during an
import, a bundle import, a bundle export and a backup. Afterwards the database passes
`db check` and each operation happened wholly or not at all.

10 runs here; `pytest -m slow tests/reliability` runs 100 (KHDESK_KILL_RUNS to change).
The moment of the kill is random by design; what is asserted holds at any moment.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from khdesk.core.services import backup, demo, integrity, profiles, sync
from khdesk.core.store import keyslots
from khdesk.core.store import schema as t
from tests.conftest import FAST_KDF
from tests.sync.conftest import PASSWORD, build_commune, export

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL is a POSIX signal")

OPERATIONS = ("import", "bundle_import", "bundle_export", "backup")


def _env(home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHDESK_")}
    env.update(KHDESK_HOME=str(home), KHDESK_PASSWORD=PASSWORD, KHDESK_LOCK_WAIT="0")
    return env


def _command(op: str, work: Path) -> list[str]:
    return {
        "import": ["--profile", "KH", "import", str(work / "dataset")],
        "bundle_import": ["--profile", "X01", "bundle", "import", str(work / "up.khb")],
        "bundle_export": [
            "--profile", "X01-CB01", "bundle", "export", "--full", "--out", str(work / "usb")
        ],
        "backup": ["--profile", "KH", "backup", "create"],
    }[op]  # fmt: skip


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """One home with a commune (committee + enrolled cell), a province profile holding a
    small synthetic province, a dataset to import into it, and a bundle to import."""
    work = tmp_path_factory.mktemp("kill")
    commune = build_commune(work / "home")
    try:
        bundle_path = export(commune.cells["X01-CB01"], work / "out", full=True)
    finally:
        commune.close()
    shutil.move(bundle_path, work / "up.khb")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(keyslots, "DEFAULT_KDF", FAST_KDF)
        province, _ = profiles.create_profile(
            work / "home", role="province", org_code="KH", org_name="Tỉnh ủy Khánh Hòa",
            parent_code=None, user=demo.DEMO_USER, password=PASSWORD,
        )  # fmt: skip
    seed = work / "seed"
    demo.write_province_dataset(
        seed, seed=7, cells=20, people=1000, files=100, today=date(2026, 11, 26)
    )
    from khdesk.core.services.importer import import_file

    import_file(province, seed)
    province.close()
    demo.write_province_dataset(
        work / "dataset", seed=8, cells=20, people=1000, files=100, today=date(2026, 11, 26)
    )
    (work / "usb").mkdir()
    durations = {op: _timed_run(op, work) for op in OPERATIONS}
    return work, durations


def _timed_run(op: str, work: Path) -> float:
    """How long an undisturbed run takes (on a throwaway copy): where to aim the kills."""
    copy = work.parent / f"{work.name}-timing-{op}"
    shutil.copytree(work, copy)
    started = time.monotonic()
    out = subprocess.run(
        [sys.executable, "-m", "khdesk", *_command(op, copy)],
        env=_env(copy / "home"), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, (op, out.stderr)
    shutil.rmtree(copy)
    return time.monotonic() - started


def _snapshot(home: Path, name: str) -> dict:
    session = profiles.open_profile(home, name, demo.DEMO_USER, PASSWORD)
    try:
        report = integrity.check_database(session)
        with session.store.read() as conn:
            counts = {
                table.name: conn.execute(select(func.count()).select_from(table)).scalar()
                for table in (t.members, t.candidates, t.steps, t.sync_received, t.sync_sent)
            }
        counts["backups"] = len(backup.list_backups(session.dir))
        return {"problems": report.problems, **counts}
    finally:
        session.close()


def _profile_of(op: str) -> str:
    return {"import": "KH", "bundle_import": "X01", "bundle_export": "X01-CB01", "backup": "KH"}[op]


def _kill_once(run: int, pristine, tmp_path) -> None:
    work, durations = pristine
    rng = random.Random(run)
    op = OPERATIONS[run % len(OPERATIONS)]
    copy = tmp_path / f"run-{run}"
    shutil.copytree(work, copy)
    home = copy / "home"
    name = _profile_of(op)
    before = _snapshot(home, name)
    assert before["problems"] == []
    proc = subprocess.Popen(
        [sys.executable, "-m", "khdesk", *_command(op, copy)],
        env=_env(home), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    # Aim at the whole run, start-up included, with a little past the typical end.
    time.sleep(rng.uniform(0.2, 1.1) * durations[op])
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)

    after = _snapshot(home, name)
    assert after["problems"] == [], (op, run, after["problems"])
    changed = {k for k in before if k != "problems" and before[k] != after[k]}
    if op == "import":
        done = after["members"] > before["members"]
        # Wholly or not at all: a finished import adds every row of the dataset at once.
        assert changed <= {"members", "candidates", "steps", "backups"}
        if done:
            assert after["candidates"] > before["candidates"]
        else:
            assert changed <= {"backups"}
    elif op == "bundle_import":
        assert after["sync_received"] - before["sync_received"] in (0, 1)
        if after["sync_received"] == before["sync_received"]:
            assert changed == set(), changed
        else:
            assert after["candidates"] > before["candidates"]
    elif op == "bundle_export":
        # A file under its final name is a whole, verifiable bundle; a half-written one
        # exists only under a temporary name.
        committee = profiles.open_profile(home, "X01", demo.DEMO_USER, PASSWORD)
        try:
            for path in (copy / "usb").iterdir():
                if not path.name.startswith("."):
                    report = sync.verify_bundle(committee, path)
                    assert report.valid, (path.name, report.reason)
        finally:
            committee.close()
        assert after["sync_sent"] - before["sync_sent"] in (0, 1)
    else:
        assert after["backups"] - before["backups"] in (0, 1)
        for b in backup.list_backups(profiles.ProfileDir(home, name)):
            backup.read_backup(b.path)  # each listed backup whole (hash checked)


RUNS = 10


@pytest.mark.parametrize("run", range(RUNS))
def test_kill_at_a_random_moment(run, pristine, tmp_path):
    _kill_once(run, pristine, tmp_path)


@pytest.mark.slow
def test_kill_a_hundred_times(pristine, tmp_path):
    for run in range(RUNS, RUNS + int(os.environ.get("KHDESK_KILL_RUNS", "100"))):
        _kill_once(run, pristine, tmp_path)
        shutil.rmtree(tmp_path / f"run-{run}")
