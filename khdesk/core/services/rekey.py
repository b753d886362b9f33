"""Change the database key when someone's access must end (issue 15 finding 3): removing
a user, handing the profile over, replacing the recovery key.

Without it, a copy of the old keys.json plus a removed user's password kept opening the
database. Now the use case's own change (the user row made inactive, its audit entries)
is written into a copy of the database encrypted with a NEW key, and the new key is
sealed to the public key of every remaining user's slot and of the recovery slot
(keyslots.py) — no passwords needed — and both files replace the old ones in one
crash-safe step (store/swap.py). An old keys.json then opens nothing current.

A password change rekeys too (whoever kept a copy of keys.json and learnt the old
password is shut out) — unless someone's slot could not follow; then, as before, only
that user's slot changes, so a password change never costs anyone their access.

What stays as it was: backups made before keep their own keys.json and still open with
the passwords they were made under (keep old USB sticks safe). Only slots of users who
are active in the database follow the new key. A user whose slot is still in the old
format (never signed in since this version) cannot follow: they are named in the result
and the owner sets them a new password. A recovery slot in the old format is replaced
by a new recovery key, shown once. A PostgreSQL profile has no database key: the server
signs users in, and removing a user disables their server login instead.

What it does not stop: a user who, while they still held the database key, used tools
to put a key of their own into another user's slot (or copied the whole database) —
at rest the key binds the file, roles bind the app. The binding tag in each slot stops
anyone who never held the key (a removed user still at the shared PC) from doing that.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import select

from khdesk.core.errors import InputError, ProfileError
from khdesk.core.services import access
from khdesk.core.services.session import Session
from khdesk.core.store import schema as t
from khdesk.core.store import swap as files
from khdesk.core.store.engine import check_open, open_sqlcipher
from khdesk.core.store.keyslots import KeySlots, new_database_key
from khdesk.core.store.store import Store, WriteTx

BACKUPS_NOTE = (
    "Các bản sao lưu làm trước đó vẫn mở được bằng mật khẩu lúc làm chúng (kể cả của người "
    "đã gỡ): hãy cất giữ hoặc hủy các thẻ nhớ cũ."
)
STATION_KEY_NOTE = (
    "Người vừa rời đi có thể đã chép khóa ký gói đồng bộ của đơn vị (khóa này không đổi theo "
    "khóa cơ sở dữ liệu): khi đã gửi xong các gói đang chờ, hãy đổi khóa ký (Đồng bộ → Khóa "
    "→ Đổi khóa, hoặc lệnh khdesk keys rotate) để cấp trên chỉ nhận gói ký bằng khóa mới."
)


@dataclass
class RekeyResult:
    lost: list[str] = field(default_factory=list)  # users who need a new password
    recovery_key: str | None = None  # a new recovery key, to be shown once
    # Someone left (removed, or the previous secretary): they could read the station's
    # signing key too, which a rekey does not change (SECURITY.md).
    departed: bool = False

    def messages(self) -> list[str]:
        """What to tell the owner (Vietnamese)."""
        lines = ["Đã đổi khóa cơ sở dữ liệu: tệp khóa cũ không còn mở được dữ liệu hiện tại."]
        for name in self.lost:
            lines.append(
                f"Người dùng '{name}' chưa đăng nhập từ khi nâng cấp nên không giữ được quyền "
                "vào: chủ hồ sơ hãy đặt mật khẩu mới cho họ (trong “Người dùng”: thêm lại cùng "
                f"tên; hoặc lệnh khdesk user passwd {name})."
            )
        lines.append(BACKUPS_NOTE)
        if self.departed:
            lines.append(STATION_KEY_NOTE)
        return lines


def rekey(
    session: Session,
    reason: str,
    change: Callable[[WriteTx], None] | None = None,
    *,
    drop: Iterable[str] = (),
    new_recovery: bool = False,
    passwords: Mapping[str, str] | None = None,
    unless_someone_is_lost: bool = False,
) -> RekeyResult | None:
    """Apply `change` and move the profile to a new database key in one step; the users
    in `drop` lose their slot, the users in `passwords` get a new one. With
    `new_recovery` the recovery key is replaced. With `unless_someone_is_lost` nothing
    is done (None) when a slot or the recovery key could not follow."""
    session.require_local("Đổi khóa cơ sở dữ liệu")
    assert session.db_key is not None
    folder = session.dir.path
    store = session.store
    access.acquire_lock(folder, session.user, session.clock())
    try:
        slots = KeySlots.load(session.dir.keys_file)
        dropped = set(drop)
        with store.read() as conn:
            active = set(conn.execute(select(t.users.c.name).where(t.users.c.active)).scalars())
        keep = [u for u in slots.users() if u in active and u not in dropped]
        new_key = new_database_key()
        done = slots.resealed(session.db_key, new_key, keep)
        for name, password in (passwords or {}).items():
            done.slots.set_password(name, password, new_key)
            done.lost = [u for u in done.lost if u != name]
        if unless_someone_is_lost and (done.lost or done.recovery_key):
            return None
        if session.user in done.lost and session.user not in dropped:
            raise ProfileError(
                "Tệp khóa của chính người đang dùng còn ở dạng cũ: hãy đăng xuất, đăng nhập "
                "lại rồi làm lại việc này."
            )
        if new_recovery and done.recovery_key is None:
            done.recovery_key = done.slots.set_recovery(new_key)
        result = RekeyResult(done.lost, done.recovery_key, departed=bool(dropped))
        old_engine = store.engine
        if old_engine.pool.checkedout():  # another thread (the daily backup) is at work
            raise InputError("Đang có việc khác dùng dữ liệu; đợi giây lát rồi làm lại.")
        session.close_connections()  # nothing may write the old file past the copy
        # Until the swap, the store opens nothing: a use case started meanwhile on another
        # thread fails (wrong key) instead of writing into the file about to be replaced.
        store.engine = open_sqlcipher(session.dir.db_file, new_key)
        try:
            staged = files.stage(folder, session.db_key, new_key)
            staged_store = Store(open_sqlcipher(staged, new_key), store.owner, store.clock)
            try:
                with staged_store.write(session.user) as tx:
                    tx.audit(
                        "rekey",
                        "profile",
                        session.info.name,
                        reason=reason,
                        users=len(done.slots.users()),
                        lost=", ".join(done.lost),
                        new_recovery_key="có" if done.recovery_key else "",
                    )
                    if change is not None:
                        change(tx)
            finally:
                staged_store.dispose()
            files.seal_staged(folder, new_key)
        except BaseException:
            files.finish_pending(folder)  # nothing committed: the staged copy goes
            store.engine.dispose()
            store.engine = old_engine
            raise
        files.commit(folder, done.slots.to_bytes())
        session.db_key = new_key
        store.engine.dispose()  # connections refused meanwhile leave nothing pooled
        check_open(store.engine)
    finally:
        access.release_lock(folder)
    return result
