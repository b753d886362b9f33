"""Catalogues: the province issues rulebooks, the holiday overlay, form templates and the
organisation list as one signed file; communes and cells install it; checks judge with it.

Trust (FORMAT.md §10): a catalogue is accepted when its issuer's key is enrolled here as
the province's, or when an upper station enrolled here (the commune committee a cell
enrolled) countersigned it — "I verified this catalogue, issued by that key" — when it
passed it on (`forward`). A station below cannot vouch for what comes from above.

Installing: never an older version than the one installed (rollback), never a second
content under a version already seen; one transaction, audited. The organisation list
updates the rows it names (matched by org code, see `apply_orgs`) unless this station
has news about a row the province has not seen, and adds the missing ones of this
station's branch of the tree.

Judging — which catalogue's rulebooks and working-day calendar apply, the installed one's
or the shipped ones — is khdesk.core.sync.judging (plain SQL, no SQLAlchemy: the app's
first screen judges the files).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from itertools import takewhile
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, delete, func, select, update

from khdesk import __version__
from khdesk.core.domain.roles import Action
from khdesk.core.domain.scope import OrgTree
from khdesk.core.errors import AccessDenied, InputError
from khdesk.core.fsutil import atomic_write_bytes, safe_file_name
from khdesk.core.store import schema as t
from khdesk.core.store.engine import bulk_insert
from khdesk.core.store.orgtree import load_tree
from khdesk.core.store.store import WriteTx, new_uuid
from khdesk.core.sync import canonical, keys, records
from khdesk.core.sync import catalogue as fmt
from khdesk.core.sync.catalogue_content import OUTSIDE
from khdesk.core.sync.catalogue_content import outside_provinces as parse_outside
from khdesk.core.sync.errors import CatalogueError
from khdesk.core.sync.judging import (
    CURRENT,
    REPLACED,
    CatalogueInfo,
    CatalogueRow,
    Judge,
    _folder_files,
    _info,
    _shipped_rules,
    current_row,
    judge,
    shipped_entries,
)

if TYPE_CHECKING:
    from khdesk.core.services.session import Session

_UPPER_ROLES = ("committee", "province")
_BOOKKEEPING = ("uuid", "rev", "owner", "updated_by", "updated_at", "deleted")
# The org columns a catalogue sets (the template's org sheet and the approval body).
ORG_DATA = tuple(f for f in fmt.ORG_FIELDS if f not in _BOOKKEEPING)
_VIETNAM = timezone(timedelta(hours=7))
_MAX_READ = fmt.DEFAULT_LIMITS.max_file


# -- form templates --


def form_template(conn: Connection, name: str) -> bytes | None:
    """A form template (path under forms/) from the installed catalogue, or None: then the
    shipped one applies."""
    return installed_entry(conn, f"forms/{name}")


def installed_entry(conn: Connection, name: str) -> bytes | None:
    """A content entry of the installed catalogue (checked when it was installed), or
    None: no catalogue, or none such in it."""
    row = current_row(conn)
    if row is None:
        return None
    return conn.execute(
        select(t.catalogue_files.c.content).where(
            t.catalogue_files.c.catalogue_id == row.catalogue_id,
            t.catalogue_files.c.name == name,
        )
    ).scalar()


def outside_provinces(conn: Connection) -> list[tuple[str, str]]:
    """The other provinces the installed catalogue lists, (code, name) by code."""
    data = installed_entry(conn, OUTSIDE)
    return parse_outside({OUTSIDE: data}) if data is not None else []


# -- trust --


def _below(conn: Connection, home_org: str) -> set[str]:
    """The organisations under this station (the write-scope rule's tree)."""
    return set(load_tree(conn).branch(home_org) - {home_org})


def trusted_via(conn: Connection, home_org: str, opened: fmt.Opened, now: datetime) -> str:
    """The org code whose key, enrolled here, vouches for the catalogue: the province
    itself, or an upper station that countersigned it. Refuses otherwise. Every identity
    the signer signed (org code, name, role) must be what was enrolled for its key; a
    retired key vouches only for what it signed before it was replaced, within the grace
    (`now` is this station's clock)."""
    issuer = opened.issuer
    own = conn.execute(
        select(t.sync_own_keys.c.status).where(t.sync_own_keys.c.key_id == issuer["key_id"])
    ).scalar()
    if own is not None:
        if own == keys.REVOKED:
            raise CatalogueError(
                "revoked_signer", "Bộ danh mục được ký bằng một khóa đã thu hồi của hồ sơ này."
            )
        if own == keys.RETIRED:
            replaced = keys.own_retired_at(conn, issuer["key_id"])
            why = keys.aged_out(replaced, opened.manifest["created_at"], now)
            if why:
                raise CatalogueError(
                    "retired_signer",
                    f"Bộ danh mục được ký bằng một khóa cũ của hồ sơ này, đã được thay: {why}.",
                )
        return home_org
    direct = keys.peer(conn, issuer["key_id"])
    if direct is not None:
        if direct.status == keys.REVOKED:
            raise CatalogueError(
                "revoked_signer",
                f"Khóa của {direct.org_code} (mã xác nhận {direct.fingerprint}) đã bị thu hồi: "
                "không nhận bộ danh mục ký bằng khóa này.",
            )
        if direct.org_code != issuer["org_code"] or direct.role != "province":
            raise CatalogueError(
                "signer_mismatch",
                f"Bộ danh mục tự xưng do {issuer['org_code']} ban hành nhưng được ký bằng khóa "
                f"của {direct.org_code} ({direct.role}).",
            )
        if direct.org_name != issuer["org_name"]:
            raise CatalogueError(
                "signer_mismatch",
                f"Bộ danh mục ghi đơn vị ban hành là '{_shown(issuer['org_name'])}', nhưng khóa "
                f"ký đã được ghi nhận ở đây cho '{direct.org_name}' ({direct.org_code}).",
            )
        if direct.status == keys.RETIRED:
            replaced = keys.retired_at(conn, direct.key_id)
            why = keys.aged_out(replaced, opened.manifest["created_at"], now)
            if why:
                raise CatalogueError(
                    "retired_signer",
                    f"Bộ danh mục được ký bằng khóa cũ của {direct.org_code} (mã xác nhận "
                    f"{direct.fingerprint}), đã được thay: {why}.",
                )
        return direct.org_code
    # Every endorsement by a key enrolled here is checked, not only the first that would
    # do (FORMAT.md §10.3): a revoked key, a false claim or a bad signature refuses.
    below = _below(conn, home_org)
    skipped: list[str] = []
    vouchers: list[str] = []
    for e in opened.endorsements:
        p = keys.peer(conn, e.key_id)
        if p is None:
            continue  # a key unknown here can neither vouch nor harm
        if p.org_code != e.org_code or p.role != e.role:
            raise CatalogueError(
                "signer_mismatch",
                f"Xác nhận trên bộ danh mục tự xưng của {e.org_code} ({e.role}) nhưng được ký "
                f"bằng khóa của {p.org_code} ({p.role}).",
            )
        if (p.org_name, p.role) != (e.org_name, e.role):
            raise CatalogueError(
                "signer_mismatch",
                f"Xác nhận trên bộ danh mục ghi '{_shown(e.org_name)}' (vai trò "
                f"'{_shown(e.role)}'), nhưng khóa ký đã được ghi nhận ở đây cho "
                f"'{p.org_name}' ({p.org_code}, vai trò '{p.role}').",
            )
        if p.status == keys.REVOKED:
            raise CatalogueError(
                "revoked_signer",
                f"Bộ danh mục mang xác nhận ký bằng khóa đã thu hồi của {p.org_code} (mã xác "
                f"nhận {p.fingerprint}): không nhận.",
            )
        if not e.verified_by(p.public):
            raise CatalogueError(
                "endorsement_signature",
                f"Chữ ký xác nhận của {p.org_code} trên bộ danh mục không đúng: tệp đã bị sửa "
                "hoặc làm giả.",
            )
        late = p.status == keys.RETIRED and keys.aged_out(
            keys.retired_at(conn, p.key_id), e.at, now
        )
        if late:
            skipped.append(f"khóa cũ của {p.org_code}: {late}")
            continue
        if p.role not in _UPPER_ROLES or p.org_code in below or p.org_code == home_org:
            # A station below cannot vouch for what comes from above.
            skipped.append(f"{p.org_code} không phải đơn vị cấp trên")
            continue
        vouchers.append(p.org_code)
    if vouchers:
        return vouchers[0]
    names = ", ".join(e.org_code for e in opened.endorsements) or "không có"
    extra = f" ({'; '.join(skipped)})" if skipped else ""
    raise CatalogueError(
        "unknown_signer",
        f"Bộ danh mục do {issuer['org_code']} ký bằng khóa chưa được ghi nhận ở hồ sơ này, và "
        f"không có xác nhận của đơn vị cấp trên nào mà hồ sơ này đã ghi nhận khóa (xác nhận "
        f"kèm theo: {names}){extra}. Hãy nhận bộ danh mục do đảng ủy cấp trên chuyển xuống "
        "('khdesk catalogue forward'), hoặc ghi nhận thẻ khóa của Tỉnh ủy ('khdesk keys enrol').",
    )


def _shown(text: str) -> str:
    """A claimed name as a message may quote it: short, printable."""
    return "".join(ch if ch.isprintable() else "?" for ch in text[:80])


# -- versions --


def _verdict(conn: Connection, opened: fmt.Opened) -> str:
    """'new' or 'already' (this very catalogue is the one installed); refuses an older
    version (rollback) and a second content under a version already installed."""
    m = opened.manifest
    same = conn.execute(
        select(t.catalogues.c.status).where(t.catalogues.c.catalogue_hash == opened.catalogue_hash)
    ).scalar()
    if same == CURRENT:
        return "already"
    current = current_row(conn)
    if same is not None:
        raise _rollback(opened, current)
    if current is None:
        return "new"
    issuer = m["issuer"]["org_code"]
    if issuer == current.issuer_org:
        if m["seq"] < current.seq:
            raise _rollback(opened, current)
        if m["seq"] == current.seq:
            raise CatalogueError(
                "version_conflict",
                f"Đã cài {fmt.version_label(current.issuer_org, current.seq, current.issued_on)}"
                f" nhưng tệp này cũng mang số {m['seq']} với nội dung khác: có hai bộ danh mục "
                f"cùng số (máy của {issuer} được khôi phục từ bản sao lưu, hoặc tệp bị làm giả). "
                f"Hãy hỏi lại {issuer}.",
            )
    elif m["issued_on"] < current.issued_on:
        raise _rollback(opened, current)
    return "new"


def _rollback(opened: fmt.Opened, current) -> CatalogueError:
    now = fmt.version_label(current.issuer_org, current.seq, current.issued_on)
    return CatalogueError(
        "rollback",
        f"Tệp này là {opened.label}, cũ hơn {now} đang dùng ở đây: không cài lại bộ danh mục "
        "cũ hơn.",
    )


# -- installing --


@dataclass
class OrgChanges:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    kept: list[str] = field(default_factory=list)  # changed here after the listed version
    elsewhere: int = 0  # listed, outside this station's branch: not added


@dataclass
class InstallResult:
    status: str  # installed / already
    info: CatalogueInfo
    previous: str | None = None  # the version it replaced
    rulebooks: list[str] = field(default_factory=list)  # legal bases, local overlays too
    days_off: int = 0
    working_days: int = 0
    forms: int = 0
    orgs: OrgChanges = field(default_factory=OrgChanges)
    path: str | None = None

    def as_dict(self) -> dict:
        out = asdict(self)
        out["catalogue"] = self.info.version
        return out


def _branch(rows: list[dict], home_org: str, local_parent: str | None) -> set[str]:
    """The codes of this station's branch of the catalogue's tree: its ancestors, itself
    and everything under it (as the write-scope rule walks a tree)."""
    tree = OrgTree({r["code"]: r["parent_code"] for r in rows})
    start = home_org if home_org in tree else local_parent
    chain = [start, *tree.ancestors(start)] if start is not None else []
    return set(takewhile(lambda code: code in tree, chain)) | tree.branch(home_org)


def _sent_upto(conn: Connection, home_org: str, below: set[str]) -> int:
    """The change counter up to which this station has sent its records to a station
    above it (a bundle written whole): a record changed later is news the province has
    not seen."""
    value = conn.execute(
        select(func.max(t.sync_sent.c.change_seq_upto)).where(
            t.sync_sent.c.status == "done",
            t.sync_sent.c.recipient_org.not_in([home_org, *below]),
        )
    ).scalar()
    return int(value or 0)


def apply_orgs(tx: WriteTx, rows: list[dict], home_org: str) -> OrgChanges:
    """The catalogue's organisation list into this database: the province owns the tree.

    A row is matched by org code, so the province's and a committee's copies of one
    organisation are one row. It is kept as it is here when this station has news the
    province has not seen: a higher revision of the same record (a bundle in transit), two
    versions under one revision (sync lists that conflict), or a record this station
    writes that it changed after its last bundle up. Otherwise, for the same record, the
    province's version is taken whole (data, revision, who and when) and marked changed, so
    that it travels back up once, identical, and the province's ledger knows the writer
    has it; for another record of the same code (copies made apart) only the data fields
    are set. Missing rows are added only within this station's branch of the tree, under
    the province's record id and owner. This station's own row belongs to the level above
    and always takes the catalogue's data."""
    conn = tx.conn
    local = {r["code"]: r for r in conn.execute(select(t.orgs)).mappings()}
    uuids = {r["uuid"] for r in local.values()}
    own = local.get(home_org)
    branch = _branch(rows, home_org, own["parent_code"] if own else None)
    below = _below(conn, home_org)
    writes_for = below | {home_org}
    sent = _sent_upto(conn, home_org, below)
    out = OrgChanges()
    inserts = []
    for row in rows:
        code = row["code"]
        old = local.get(code)
        if old is None:
            if code not in branch:
                out.elsewhere += 1
                continue
            new = {f: row[f] for f in fmt.ORG_FIELDS}
            if new["uuid"] in uuids:  # the id is taken here by another code: a copy of it
                new["uuid"] = new_uuid()
            new["change_seq"] = tx.change_seq
            inserts.append(new)
            out.added.append(code)
            continue
        same = old["uuid"] == row["uuid"]
        fields = fmt.ORG_FIELDS if same else ORG_DATA
        changes = {f: row[f] for f in fields if old[f] != row[f]}
        if not changes:
            out.unchanged += 1
            continue
        pending = code != home_org and old["owner"] in writes_for and old["change_seq"] > sent
        if (
            old["deleted"]  # removed here on purpose: a catalogue does not revive it
            or pending
            or (same and old["rev"] > row["rev"])
            or (same and old["rev"] == row["rev"] and "updated_at" in changes)
        ):
            out.kept.append(code)
            continue
        if same:
            changes["change_seq"] = tx.change_seq
        conn.execute(update(t.orgs).where(t.orgs.c.id == old["id"]).values(**changes))
        out.updated.append(code)
    bulk_insert(conn, t.orgs, inserts)
    return out


def _install(
    tx: WriteTx,
    opened: fmt.Opened,
    contents: fmt.Contents,
    *,
    home_org: str,
    vouched_by: str,
    source: str,
) -> InstallResult:
    conn = tx.conn
    m = opened.manifest
    previous = current_row(conn)
    if previous is not None:
        conn.execute(
            update(t.catalogues).where(t.catalogues.c.id == previous.id).values(status=REPLACED)
        )
        conn.execute(
            delete(t.catalogue_files).where(
                t.catalogue_files.c.catalogue_id == previous.catalogue_id
            )
        )
    conn.execute(
        t.catalogues.insert().values(
            catalogue_id=m["catalogue_id"],
            catalogue_hash=opened.catalogue_hash,
            content_hash=m["content_hash"],
            issuer_org=m["issuer"]["org_code"],
            issuer_key_id=m["issuer"]["key_id"],
            seq=m["seq"],
            issued_on=m["issued_on"],
            version=opened.version,
            manifest=opened.manifest_bytes.decode("utf-8"),
            signature=opened.signature,
            endorsements=canonical.dumps(opened.raw_endorsements).decode("utf-8"),
            trusted_via=vouched_by,
            source=source,
            status=CURRENT,
            installed_at=tx.now,
            installed_by=tx.user,
        )
    )
    conn.execute(
        t.catalogue_files.insert(),
        [
            {
                "catalogue_id": m["catalogue_id"],
                "name": name,
                "sha256": m["files"][name]["sha256"],
                "content": data,
            }
            for name, data in sorted(opened.entries.items())
        ],
    )
    orgs = apply_orgs(tx, contents.orgs, home_org)
    info = _info(current_row(conn))
    result = InstallResult(
        status="installed",
        info=info,
        previous=previous.version if previous is not None else None,
        rulebooks=list(
            dict.fromkeys(x for b in contents.rulebooks.books for x in (b.legal_basis, *b.overlays))
        ),
        days_off=len(contents.calendar.days_off),
        working_days=len(contents.calendar.working_days),
        forms=len(contents.forms),
        orgs=orgs,
    )
    tx.audit(
        "catalogue_issue" if source == "issued" else "catalogue_import",
        "catalogue",
        opened.version,
        catalogue_hash=opened.catalogue_hash,
        content_hash=m["content_hash"],
        trusted_via=vouched_by,
        replaced=result.previous,
        orgs_added=orgs.added,
        orgs_updated=orgs.updated,
        orgs_kept=orgs.kept,
    )
    return result


def _where(path: Path, exc: CatalogueError) -> CatalogueError:
    return CatalogueError(exc.code, f"Tệp danh mục '{path.name}': {exc.message} Không thay đổi gì.")


def _read_file(path: Path) -> bytes:
    try:
        with open(path, "rb") as f:
            data = f.read(_MAX_READ + 1)  # never read a huge file whole
    except FileNotFoundError:
        raise CatalogueError("no_file", f"Không thấy tệp '{path}'.") from None
    except IsADirectoryError:
        raise CatalogueError(
            "no_file", f"'{path}' là một thư mục, không phải tệp danh mục."
        ) from None
    except OSError as exc:
        raise CatalogueError("io", f"Không đọc được tệp '{path.name}': {exc.strerror}") from None
    return data


def import_catalogue(session: Session, path: Path) -> InstallResult:
    """Install a catalogue file received from above, all or nothing."""
    session.require(Action.SEND_RECEIVE)
    path = Path(path)
    try:
        data = _read_file(path)
        with session.store.read() as conn:
            # Signature first: no content entry is inflated before a key enrolled here vouches.
            opened = fmt.read(
                data, trust=lambda o: trusted_via(conn, session.org_code, o, session.store.clock())
            )
            if _verdict(conn, opened) == "already":
                return InstallResult("already", _info(current_row(conn)), path=str(path))
        contents = fmt.contents(opened)
        with session.store.write(session.user) as tx:
            # Again inside the write: a key may have been revoked, a catalogue installed.
            vouched = trusted_via(tx.conn, session.org_code, opened, session.store.clock())
            if _verdict(tx.conn, opened) == "already":
                return InstallResult("already", _info(current_row(tx.conn)), path=str(path))
            result = _install(
                tx,
                opened,
                contents,
                home_org=session.org_code,
                vouched_by=vouched,
                source="imported",
            )
    except CatalogueError as exc:
        raise _where(path, exc) from None
    result.path = str(path)
    return result


# -- issuing and passing on --


def _target(out: Path, issuer: str, seq: int) -> Path:
    out = Path(out)
    if not out.is_dir():
        return out
    return out / safe_file_name(f"danh-muc-{issuer}-{seq}{fmt.SUFFIX}")


def _write_checked(target: Path, data: bytes) -> None:
    """Write, read back, compare: a pulled or full stick never leaves a file that reads."""
    atomic_write_bytes(target, data)
    try:
        ok = target.read_bytes() == data
    except OSError:
        ok = False
    if not ok:
        try:
            target.unlink()
        except OSError:
            pass
        raise InputError(
            f"Đọc lại '{target.name}' không thấy đúng nội dung vừa ghi (thẻ nhớ hỏng, đầy hoặc "
            "bị rút ra?). Tệp đã bị xóa; hãy thử lại."
        )


def _today(now_iso: str) -> str:
    return datetime.fromisoformat(now_iso).astimezone(_VIETNAM).date().isoformat()


def source_entries(source: Path | None) -> dict[str, bytes]:
    """The content to issue: the shipped files, with those of `source` (a folder laid out
    like resources/: rulebooks/*.json, calendar/vn-overlay.json, forms/…) added or put in
    place of the shipped file of the same name."""
    entries = shipped_entries()
    if source is None:
        return entries
    source = Path(source)
    if not source.is_dir():
        raise InputError(f"Không thấy thư mục nguồn '{source}'.")
    books = source / "rulebooks"
    if books.is_dir():
        for p in sorted(books.glob("*.json")):
            name = f"rulebooks/{p.name}"
            if not fmt.is_content(name):
                raise InputError(
                    f"Tên tệp căn cứ '{p.name}' không hợp lệ: chỉ dùng chữ thường không dấu, số, "
                    "'.', '-', '_' và đuôi .json."
                )
            entries[name] = p.read_bytes()
    overlay = source / "calendar" / "vn-overlay.json"
    if overlay.is_file():
        entries[fmt.CALENDAR] = overlay.read_bytes()
    if (source / "forms").is_dir():
        entries.update(_folder_files(source / "forms", "forms"))
    return entries


def issue_catalogue(
    session: Session, out: Path, *, source: Path | None = None, note: str | None = None
) -> InstallResult:
    """The province issues the next catalogue version: the shipped files (or those of
    `source`) and its organisation list, signed; installed here too, and written to `out`
    (a file, or a folder: the name is made up). Nothing is recorded if the file cannot be
    written whole."""
    if session.info.role != "province":
        hint = (
            " Để chuyển bộ danh mục đã nhận xuống các chi bộ, dùng 'khdesk catalogue forward "
            "--out …'."
            if session.info.role == "committee"
            else ""
        )
        raise AccessDenied(
            f"Chỉ Tỉnh ủy được ban hành bộ danh mục; hồ sơ {session.org_code} không có quyền "
            f"này.{hint}"
        )
    session.require(Action.ISSUE_CATALOGUE)
    info = session.info
    try:
        entries = source_entries(source)
        with session.store.write(session.user) as tx:
            conn = tx.conn
            pair = keys.ensure_station_keys(conn, tx.now)
            orgs = conn.execute(
                select(t.orgs).where(t.orgs.c.deleted.is_(False)).order_by(t.orgs.c.code)
            ).mappings()
            entries[fmt.ORGS] = fmt.org_lines([records.to_wire(t.orgs, r) for r in orgs])
            s = t.transfer_stations.c
            outside = conn.execute(
                select(s.org_code, s.org_name)
                .where(s.status == keys.ACTIVE)
                .order_by(s.org_code)
                .distinct()
            ).all()
            if outside:  # the provinces a cell may send a file to (FORMAT.md §12)
                listed = [{"code": c, "name": n} for c, n in outside]
                entries[OUTSIDE] = canonical.dumps(listed)
            last = conn.execute(
                select(func.max(t.catalogues.c.seq)).where(
                    t.catalogues.c.issuer_org == info.org_code
                )
            ).scalar()
            manifest = fmt.build_manifest(
                pair,
                org_code=info.org_code,
                org_name=info.org_name,
                catalogue_id=new_uuid(),
                seq=(last or 0) + 1,
                issued_on=_today(tx.now),
                created_at=tx.now,
                app_version=__version__,
                note=note or None,
                entries=entries,
            )
            data = fmt.write(manifest, entries, pair)
            # Read back as a station would: what is issued must be what they accept.
            opened = fmt.read(data)
            contents = fmt.contents(opened)
            result = _install(
                tx,
                opened,
                contents,
                home_org=info.org_code,
                vouched_by=info.org_code,
                source="issued",
            )
            target = _target(out, info.org_code, manifest["seq"])
            _write_checked(target, data)  # inside: a failed write records nothing
    except CatalogueError as exc:
        raise CatalogueError(
            exc.code, f"Không ban hành được bộ danh mục: {exc.message} Không thay đổi gì."
        ) from None
    result.path = str(target)
    return result


def forward_catalogue(session: Session, out: Path) -> dict:
    """Write the installed catalogue for the stations below, countersigned by this one
    (they enrolled this station's key, not necessarily the province's)."""
    if session.info.role == "cell":
        raise AccessDenied(
            "Chi bộ không có đơn vị cấp dưới: không chuyển bộ danh mục đi đâu. Bộ danh mục đến "
            "từ đảng ủy cấp trên ('khdesk catalogue import TỆP')."
        )
    session.require(Action.SEND_RECEIVE)
    info = session.info
    with session.store.write(session.user, changes=False) as tx:
        conn = tx.conn
        row = current_row(conn)
        if row is None:
            raise InputError(
                "Hồ sơ này chưa cài bộ danh mục nào của Tỉnh ủy: chưa có gì để chuyển xuống. "
                "Nhập bộ danh mục nhận từ cấp trên trước ('khdesk catalogue import TỆP')."
            )
        pair = keys.ensure_station_keys(conn, tx.now)
        entries = dict(
            conn.execute(
                select(t.catalogue_files.c.name, t.catalogue_files.c.content).where(
                    t.catalogue_files.c.catalogue_id == row.catalogue_id
                )
            ).all()
        )
        mine = fmt.endorse(
            row.catalogue_hash,
            row.issuer_key_id,
            pair,
            org_code=info.org_code,
            org_name=info.org_name,
            role=info.role,
            at=tx.now,
        )
        kept = [
            e
            for e in json.loads(row.endorsements)
            if e["endorsement"]["endorser"]["key_id"] != pair.key_id
        ]
        data = fmt.reassemble(row.manifest.encode("utf-8"), row.signature, [*kept, mine], entries)
        fmt.read(data)  # what goes down must open
        target = _target(out, row.issuer_org, row.seq)
        _write_checked(target, data)
        tx.audit("catalogue_forward", "catalogue", row.version, file=target.name)
    return {
        "path": str(target),
        "catalogue": row.version,
        "label": fmt.version_label(row.issuer_org, row.seq, row.issued_on),
        "endorsed_by": info.org_code,
        "fingerprint": pair.public.fingerprint,
    }


# -- showing --


def show_catalogue(session: Session) -> dict:
    """The catalogue judging here, what it holds, and the ones installed before."""
    with session.store.read() as conn:
        j = judge(conn)
        row = current_row(conn)
        history = [
            {
                "catalogue": r.version,
                "status": r.status,
                "source": r.source,
                "installed_at": r.installed_at,
                "trusted_via": r.trusted_via,
            }
            for r in conn.execute(select(t.catalogues).order_by(t.catalogues.c.id.desc()))
        ]
        names = []
        if row is not None:
            names = list(
                conn.execute(
                    select(t.catalogue_files.c.name)
                    .where(t.catalogue_files.c.catalogue_id == row.catalogue_id)
                    .order_by(t.catalogue_files.c.name)
                ).scalars()
            )
    if row is None:
        try:
            names = sorted(shipped_entries())
        except CatalogueError:
            names = sorted(_shipped_rules())
    info = current_info_from(j, row)
    overlay = j.calendar.overlay
    return {
        **info.as_dict(),
        "catalogue": info.version,
        "rulebooks": [
            {
                "legal_basis": b.legal_basis,
                "effective_from": b.effective_from.isoformat(),
                "effective_to": b.effective_to.isoformat() if b.effective_to else None,
                "overlays": list(b.overlays),
            }
            for b in j.rulebooks.books
        ],
        "days_off": len(overlay.days_off),
        "working_days": len(overlay.working_days),
        "forms": [n[len("forms/") :] for n in names if n.startswith("forms/")],
        "warning": j.warning,
        "history": history,
    }


def current_info_from(j: Judge, row: CatalogueRow | None) -> CatalogueInfo:
    """The installed catalogue's description even when it could not be used (the judge
    then names the built-in one)."""
    return j.info if row is None or not j.warning else _info(row)
