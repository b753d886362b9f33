"""The launch's second half (issue 5): the home is read through the unlock's connection,
then the store is built on a thread while the window stays usable."""

from khdesk.core.services import session as sessions
from khdesk.ui.main_window import MainWindow
from khdesk.ui.store_loader import StoreLoader
from tests.ui.helpers import TODAY, unlocks_audited, unlocks_in


def test_home_shows_from_the_unlock_then_the_store_loads_on_a_thread(qtbot, demo_home):
    unlocks = unlocks_audited(demo_home)
    session = sessions.open_profile(
        demo_home, "X01-CB01", "bithu", "demo-password", lazy_store=True
    )
    try:
        window = MainWindow(session, today=TODAY)
        qtbot.addWidget(window)
        window.show()
        home = window.pages.built["home"]
        assert home.model.rowCount() > 0  # findings, read without the store
        assert not session.store_ready
        loader = StoreLoader(session)
        with qtbot.waitSignal(loader.done, timeout=30_000) as done:
            loader.start()
        loader.wait()
        assert done.args == [None]
        assert session.store_ready
        # this unlock is audited, once, when the store is built; the home reads the same
        assert unlocks_in(session) == unlocks + 1
        rows = home.model.rowCount()
        home.refresh()
        assert home.model.rowCount() == rows
        # a page that needs SQLAlchemy builds now
        window.show_page("candidates")
        assert window.candidates.model.rowCount() > 0
    finally:
        session.close()


def test_a_store_that_cannot_open_is_reported_not_raised(qtbot, demo_home, monkeypatch):
    unlocks = unlocks_audited(demo_home)
    session = sessions.open_profile(
        demo_home, "X01-CB01", "bithu", "demo-password", lazy_store=True
    )
    try:
        from khdesk.core.errors import ProfileError

        def broken(*_):
            raise ProfileError("Không mở được cơ sở dữ liệu: thử lỗi.")

        monkeypatch.setattr(sessions, "open_store", broken)
        loader = StoreLoader(session)
        with qtbot.waitSignal(loader.done, timeout=30_000) as done:
            loader.start()
        loader.wait()
        assert isinstance(done.args[0], ProfileError)
        assert not session.store_ready
        with session.reader() as conn:  # the unlock's connection still reads
            assert conn.execute("SELECT count(*) FROM candidates").fetchone()[0] > 0
    finally:
        monkeypatch.undo()
        session.close()  # builds the store now: the unlock's audit entries are kept
    assert not session.holds_lock
    assert unlocks_audited(demo_home) == unlocks + 2  # the failed launch's, then the count's
