"""The database tables (SQLAlchemy Core, portable: SQLite/SQLCipher and PostgreSQL).

Every synchronised record carries the same bookkeeping columns (`_record_columns`): a
UUID that travels between stations, a revision number, the owning station (the one
writer of the record), who changed it and when, the database-wide change counter value
of its last change (what the sync issue exports from), and a tombstone flag.

Changing a table here needs a new Alembic revision in `migrations/versions/`.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _record_columns() -> list[Column]:
    return [
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("uuid", String(36), nullable=False, unique=True),
        Column("rev", Integer, nullable=False, default=1),
        Column("owner", String(64), nullable=False),
        Column("updated_by", String(64), nullable=False),
        Column("updated_at", String(32), nullable=False),  # ISO 8601, UTC
        Column("change_seq", Integer, nullable=False, index=True),
        Column("deleted", Boolean, nullable=False, default=False),
    ]


# Key/value facts about this database: profile id, change counter, app version.
meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("display_name", String(200)),
    Column("role", String(32), nullable=False),  # owner / secretary / deputy / viewer
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", String(32), nullable=False),
    # A viewer takes data out of the PC only when the owner grants it (migration 0007).
    Column("may_take_out", Boolean, nullable=False, default=False, server_default=false()),
)

orgs = Table(
    "orgs",
    metadata,
    *_record_columns(),
    Column("code", String(64), nullable=False, unique=True),
    Column("name", String(300), nullable=False),
    Column("parent_code", String(64), index=True),
    Column("kind", String(64)),
    Column("is_grassroots_cell", Boolean),
    Column("self_managed", Boolean),
    Column("has_youth_union", Boolean),
    Column("special_area", Boolean),
    Column("villages", Integer),
    Column("village_head_is_member", Boolean),
    # Who decides admission and recognition for this cell (RULES.md §1), shown on forms;
    # whether step A9 exists follows from is_grassroots_cell.
    Column("decision_body", String(300)),
)

plans = Table(
    "plans",
    metadata,
    *_record_columns(),
    Column("org_code", String(64), nullable=False, index=True),
    Column("year", Integer),
    Column("period", String(16)),
    Column("target", Integer, nullable=False),
    Column("target_youth", Integer),
    Column("target_private", Integer),
    # One yearly target and one period target per org; '' stands for "not this kind".
    Column("plan_key", String(32), nullable=False),
    UniqueConstraint("org_code", "plan_key"),
)

members = Table(
    "members",
    metadata,
    *_record_columns(),
    Column("member_code", String(64), nullable=False, unique=True),
    Column("full_name", String(200), nullable=False),
    Column("sex", String(8), nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("cccd", String(32), index=True),
    Column("org_code", String(64), nullable=False, index=True),
    Column("admitted_on", Date, nullable=False),
    Column("official_on", Date),
    Column("status", String(32)),
    Column("ethnicity", String(64)),
    Column("religion", String(64)),
    Column("home_town", String(300)),
    Column("history_no", String(64)),
    Column("village_head", Boolean),
    Column("name_folded", String(200), nullable=False),
    Column("sort_key", String(400), nullable=False, index=True),
)

member_records = Table(
    "member_records",
    metadata,
    *_record_columns(),
    Column("member_code", String(64), nullable=False),
    Column("year", Integer, nullable=False),
    Column("months_absent", Integer),
    Column("months_unpaid", Integer),
    Column("violated", Boolean),
    Column("declining", Boolean),
    UniqueConstraint("member_code", "year"),
)

ratings = Table(
    "ratings",
    metadata,
    *_record_columns(),
    Column("member_code", String(64), nullable=False),
    Column("year", Integer, nullable=False),
    Column("rating", String(64), nullable=False),
    UniqueConstraint("member_code", "year"),
)

private_units = Table(
    "private_units",
    metadata,
    *_record_columns(),
    Column("name", String(300), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("org_code", String(64)),
    Column("workers", Integer),
    Column("members", Integer),
    Column("has_party_org", Boolean),
    Column("has_trade_union", Boolean),
    Column("has_youth_union", Boolean),
    Column("name_folded", String(300), nullable=False),
    UniqueConstraint("org_code", "name_folded"),
)

candidates = Table(
    "candidates",
    metadata,
    *_record_columns(),
    Column("file_code", String(64), nullable=False, unique=True),
    Column("full_name", String(200), nullable=False),
    Column("sex", String(8), nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("home_town", String(300)),
    Column("cccd", String(32), index=True),
    Column("history_no", String(64)),
    Column("ethnicity", String(64)),
    Column("religion", String(64)),
    Column("education", String(32)),
    Column("occupation", String(200)),
    Column("sea_fisher", Boolean),
    Column("workplace", String(300)),
    Column("workplace_kind", String(64)),
    Column("youth_union_member", Boolean),
    Column("village_head", Boolean),
    Column("org_code", String(64), nullable=False, index=True),
    # Step details that the step history does not carry (TEMPLATE.md pipeline columns).
    Column("a6_introducer1", String(200)),
    Column("a6_introducer1_since", Date),
    Column("a6_introducer2", String(200)),
    Column("a6_introducer2_since", Date),
    Column("a6_union_intro", String(16)),
    Column("a6_replacement", Boolean),
    Column("mentor", String(200)),
    Column("notes", Text),
    Column("exception_approval", String(300)),
    # Derived from the steps, cached for lists and statistics; recomputed on every change.
    Column("state", String(16), nullable=False, index=True),
    Column("name_folded", String(200), nullable=False),
    Column("sort_key", String(400), nullable=False, index=True),
    Index("ix_candidates_org_state", "org_code", "state"),
)

# A cell meeting (kỳ họp chi bộ, RULES.md §2a): its roll, typed once, is the
# denominator of every vote it holds and the attendance lines of 6-/13-KNĐ (0012).
meetings = Table(
    "meetings",
    metadata,
    *_record_columns(),
    Column("org_code", String(64), nullable=False, index=True),
    Column("on", Date, nullable=False),
    Column("official_members", Integer, nullable=False),  # on the roll
    Column("probationary_members", Integer, nullable=False),
    # JSON list of {"name", "kind" (official | probationary), "reason"} (domain/meetings.py)
    Column("absences", Text, nullable=False),
    Column("chair", String(200)),
    Column("chair_role", String(100)),
    Column("secretary", String(200)),
    Column("note", Text),
)

steps = Table(
    "steps",
    metadata,
    *_record_columns(),
    Column(
        "candidate_uuid",
        String(36),
        ForeignKey("candidates.uuid", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("step_id", String(16), nullable=False),
    Column("on", Date, nullable=False),
    Column("seq", Integer, nullable=False),  # recording order within the file
    Column("result", String(16), nullable=False),
    Column("doc_no", String(100)),
    Column("official_members", Integer),
    Column("votes_for", Integer),
    # A10/P5: when the cell received the decision; A11: the date of the upper committee's
    # approval of a late ceremony (its number in doc_no; rules.ceremony_approved)
    Column("received_on", Date),
    Column("note", Text),
    # A8/P3 voted at a cell meeting: its roll is the vote's denominator (migration 0012).
    Column("meeting_uuid", String(36), index=True),
    # A transfer (CHUYEN_DI / CHUYEN_DEN / CHUYEN_TRA, RULES.md §2a, migration 0010): the
    # unit the file leaves and the one it goes to; the reason in note.
    Column("from_org", String(64)),
    Column("to_org", String(64)),
    Index("ix_steps_candidate", "candidate_uuid", "seq"),
    Index("ix_steps_step_id", "step_id"),  # the few transfers among all steps (lists)
)

# Scanned documents of a file, stored inside the encrypted database. The content lives
# once per hash in `blobs` (sync carries attachments by content hash).
blobs = Table(
    "blobs",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", Integer, nullable=False),
    Column("content", LargeBinary, nullable=False),
)

attachments = Table(
    "attachments",
    metadata,
    *_record_columns(),
    Column(
        "candidate_uuid",
        String(36),
        ForeignKey("candidates.uuid", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("step_uuid", String(36)),  # the step the document belongs to; None: the whole file
    Column("name", String(300), nullable=False),
    Column("sha256", String(64), ForeignKey("blobs.sha256"), nullable=False),
    Column("size", Integer, nullable=False),
)


# Append-only, hash-chained: who opened and who changed which file, when.
def _audit_entry_columns(index_key: bool) -> list[Column]:
    """An audit entry as it is hashed (store.entry_hash): the log's, and the reported ones'."""
    return [
        Column("at", String(32), nullable=False),
        Column("user", String(64), nullable=False),
        Column("action", String(32), nullable=False),
        Column("entity", String(32)),
        Column("entity_key", String(64), index=index_key),
        Column("detail", Text),
        Column("prev_hash", String(64), nullable=False),
        Column("hash", String(64), nullable=False),
    ]


audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *_audit_entry_columns(index_key=True),
)

SYNCED_TABLES = (
    orgs,
    plans,
    members,
    member_records,
    ratings,
    private_units,
    candidates,
    meetings,
    steps,
    attachments,
)

# -- sync: this station's keys, the stations it knows, the bundles it sent and received.
# Local bookkeeping, never sent anywhere (no record columns). See resources/sync/FORMAT.md.

# This station's own key pairs (raw 32-byte private keys: the database is the safe).
# Retired keys stay to open bundles still in transit; revoked ones open nothing.
sync_own_keys = Table(
    "sync_own_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key_id", String(32), nullable=False, unique=True),
    Column("sign_private", LargeBinary, nullable=False),  # Ed25519
    Column("enc_private", LargeBinary, nullable=False),  # X25519
    Column("status", String(16), nullable=False),  # active / retired / revoked
    Column("created_at", String(32), nullable=False),
    Column("replaces", String(32)),  # key id of the key this one replaced
    Column("rotation", Text),  # the statement, signed by the replaced key, announcing it
)

# Public keys of the other stations, enrolled after a human compared fingerprints (or
# announced by a rotation statement signed with an enrolled key).
sync_peers = Table(
    "sync_peers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key_id", String(32), nullable=False, unique=True),
    Column("org_code", String(64), nullable=False, index=True),
    Column("org_name", String(300), nullable=False),
    Column("role", String(16), nullable=False),
    Column("sign_public", LargeBinary, nullable=False),
    Column("enc_public", LargeBinary, nullable=False),
    Column("status", String(16), nullable=False),  # active / retired / revoked
    Column("enrolled_at", String(32), nullable=False),
    Column("enrolled_by", String(64), nullable=False),  # a user, or "rotation"
    Column("replaces", String(32)),
    Column("revoked_at", String(32)),
)

# Stations of other provinces' khdesk (RULES.md §2a, FORMAT.md §12): outside our tree, so
# kept apart from `sync_peers` — their keys sign transfer files and answers, never bundles.
transfer_stations = Table(
    "transfer_stations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key_id", String(32), nullable=False, unique=True),
    Column("org_code", String(64), nullable=False, index=True),
    Column("org_name", String(300), nullable=False),
    Column("sign_public", LargeBinary, nullable=False),
    Column("enc_public", LargeBinary, nullable=False),
    Column("status", String(16), nullable=False),  # active / retired / revoked
    Column("enrolled_at", String(32), nullable=False),
    Column("enrolled_by", String(64), nullable=False),
)

# Transfer files written here (out) and received here (in), by the CHUYEN_DI they carry:
# a file received once is never received again (replay), an answer names what it answers.
transfer_files = Table(
    "transfer_files",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("transfer_uuid", String(36), nullable=False),  # the CHUYEN_DI step's uuid
    Column("direction", String(8), nullable=False),  # out / in
    Column("station_org", String(64), nullable=False),  # the other province
    Column("station_key_id", String(32), nullable=False),
    Column("candidate_uuid", String(36), nullable=False),
    Column("file_code", String(64), nullable=False),
    Column("status", String(16), nullable=False),  # sent / accepted / returned
    Column("at", String(32), nullable=False),
    Column("by", String(64), nullable=False),
    Column("answered_at", String(32)),
    Column("answer_record", Text),  # in: the answer's step as sent (canonical JSON)
    UniqueConstraint("transfer_uuid", "direction"),
)

# Bundles this station wrote: the sequence and hash chain per recipient and epoch.
sync_sent = Table(
    "sync_sent",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("bundle_id", String(36), nullable=False, unique=True),
    Column("recipient_org", String(64), nullable=False),
    Column("recipient_key_id", String(32), nullable=False),
    Column("epoch", String(36), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("bundle_hash", String(64), nullable=False),  # sha256 of manifest.json
    Column("file_sha256", String(64), nullable=False),  # of the whole file as written
    Column("change_seq_from", Integer, nullable=False),
    Column("change_seq_upto", Integer, nullable=False),
    Column("status", String(16), nullable=False),  # pending / done / failed
    Column("created_at", String(32), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("acknowledged_at", String(32)),  # set by the recipient's receipt
    # The length of this station's audit chain the bundle reported (up only; migration
    # 0008): once acknowledged, later bundles report only the entries after it.
    Column("audit_count", Integer),
    UniqueConstraint("recipient_org", "epoch", "seq"),
)

# The sending lineages (epochs) of the stations this one receives from.
sync_epochs = Table(
    "sync_epochs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("sender_org", String(64), nullable=False),
    Column("epoch", String(36), nullable=False),
    Column("started_at", String(32), nullable=False),
    Column("reason", Text),  # JSON: why the sender started it (restore, move, hand-over)
    Column("previous_epoch", String(36)),
    Column("previous_last_seq", Integer),  # what the new lineage knew of the previous one
    Column("status", String(16), nullable=False),  # current / ended
    Column("accepted_at", String(32), nullable=False),
    Column("accepted_by", String(64), nullable=False),
    Column("ended_at", String(32)),
    Column("ended_after_seq", Integer),  # the last bundle received in it
    UniqueConstraint("sender_org", "epoch"),
)

# Bundles imported here. The constraints make "imported once" hold under concurrency.
sync_received = Table(
    "sync_received",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("bundle_id", String(36), nullable=False, unique=True),
    Column("bundle_hash", String(64), nullable=False, unique=True),
    Column("sender_org", String(64), nullable=False),
    Column("sender_key_id", String(32), nullable=False),
    Column("epoch", String(36), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("prev_seq", Integer),
    Column("prev_hash", String(64)),
    Column("change_seq_upto", Integer, nullable=False),  # the sender's counter: for receipts
    Column("imported_at", String(32), nullable=False),
    Column("imported_by", String(64), nullable=False),
    Column("summary", Text, nullable=False),  # JSON: counts per table
    UniqueConstraint("sender_org", "epoch", "seq"),
)

# Bundles set aside: a reused sequence number with other content, a forked chain.
sync_quarantine = Table(
    "sync_quarantine",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("found_at", String(32), nullable=False),
    Column("found_by", String(64), nullable=False),
    Column("sender_org", String(64), nullable=False),
    Column("epoch", String(36), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("bundle_hash", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    Column("manifest", Text, nullable=False),
    Column("content", LargeBinary, nullable=False),  # the file as it came
)

# Incoming versions not applied because this station's copy changed too: kept, listed.
sync_conflicts = Table(
    "sync_conflicts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("found_at", String(32), nullable=False),
    Column("sender_org", String(64), nullable=False),
    Column("bundle_id", String(36), nullable=False),
    Column("table_name", String(32), nullable=False),
    Column("record_uuid", String(36), nullable=False, index=True),
    Column("record_key", String(200)),  # file code, member code…: what a person recognises
    Column("local_rev", Integer),
    Column("incoming_rev", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("incoming", Text, nullable=False),  # the record as received (JSON)
    Column("resolved_at", String(32)),
)

# -- history reported upward (FORMAT.md §11, migration 0008): the audit chains of the
# stations below as their bundles reported them, so that history once reported cannot be
# rewritten unseen.

# Every reported entry as it came, append-only: a position reported twice with different
# content (a restore that rewound the sender's log) keeps both rows; the sender's current
# chain is, per position up to the head's count, the row stored last.
sync_audit_reported = Table(
    "sync_audit_reported",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("sender_org", String(64), nullable=False),
    Column("position", Integer, nullable=False),  # 1 = the sender's first entry
    *_audit_entry_columns(index_key=False),
    Column("bundle_id", String(36), nullable=False),  # the bundle that reported it
    Index("ix_sync_audit_reported_sender_org_position", "sender_org", "position"),
)

# Each sender's chain head as last reported, and the bundle that reported it.
sync_audit_heads = Table(
    "sync_audit_heads",
    metadata,
    Column("sender_org", String(64), primary_key=True),
    Column("count", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("epoch", String(36), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("bundle_id", String(36), nullable=False),
    Column("updated_at", String(32), nullable=False),
)

# Reported history that did not extend what was reported before: rewritten (quarantined),
# rewound by a confirmed new epoch (a restore), or not checkable (a gap). Kept, listed.
sync_audit_alerts = Table(
    "sync_audit_alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("found_at", String(32), nullable=False),
    Column("sender_org", String(64), nullable=False, index=True),
    Column("bundle_id", String(36), nullable=False),
    Column("epoch", String(36), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("kind", String(16), nullable=False),  # rewritten / truncated / missing / rewound / gap
    Column("position", Integer, nullable=False),  # the first position that differs
    Column("reason", Text, nullable=False),  # Vietnamese
)

# The version of each received record as it last came in: the base that tells "changed
# here since" from "changed there since".
sync_base = Table(
    "sync_base",
    metadata,
    Column("uuid", String(36), primary_key=True),
    Column("table_name", String(32), nullable=False),
    Column("sender_org", String(64), nullable=False),
    Column("rev", Integer, nullable=False),
    Column("epoch", String(36), nullable=False),
    Column("seq", Integer, nullable=False),
)

# Document numbers (resolutions, decisions, reports): one counter per issuing org,
# document type and committee term (nhiệm kỳ). Local bookkeeping of the issuing station,
# never sent anywhere; rows are never deleted, so a number once used is never proposed
# again (a withdrawn document's row is marked void).
document_numbers = Table(
    "document_numbers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("issuer", String(64), nullable=False),  # org code
    Column("doc_type", String(16), nullable=False),  # NQ / QĐ / BC
    Column("term", String(16), nullable=False),  # "2025-2030"
    Column("number", Integer, nullable=False),
    Column("doc_no", String(100), nullable=False),  # as printed after "Số": "05-NQ/CB"
    Column("on", Date, nullable=False),  # the document's date
    Column("file_code", String(64), index=True),
    Column("step_id", String(16)),
    Column("step_uuid", String(36)),
    Column("status", String(16), nullable=False),  # used / void
    Column("note", Text),
    Column("created_at", String(32), nullable=False),
    Column("created_by", String(64), nullable=False),
    UniqueConstraint("issuer", "doc_type", "term", "number"),
)

# -- catalogues: rulebooks, holiday overlay, form templates and organisation list issued by
# the province and passed down (resources/sync/FORMAT.md §10). Local bookkeeping, never
# sent in bundles. The `current` one judges here; none: the shipped ("built-in") files.
catalogues = Table(
    "catalogues",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("catalogue_id", String(36), nullable=False, unique=True),
    Column("catalogue_hash", String(64), nullable=False, unique=True),  # sha256 of its manifest
    Column("content_hash", String(64), nullable=False),
    Column("issuer_org", String(64), nullable=False),
    Column("issuer_key_id", String(32), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("issued_on", String(10), nullable=False),
    Column("version", String(120), nullable=False),
    Column("manifest", Text, nullable=False),  # catalogue.json as signed
    Column("signature", LargeBinary, nullable=False),
    Column("endorsements", Text, nullable=False),  # JSON list as received
    Column("trusted_via", String(64), nullable=False),  # whose enrolled key vouched for it
    Column("source", String(16), nullable=False),  # issued (here) / imported
    Column("status", String(16), nullable=False),  # current / replaced
    Column("installed_at", String(32), nullable=False),
    Column("installed_by", String(64), nullable=False),
    UniqueConstraint("issuer_org", "seq"),
)

# The content entries of installed catalogues (rulebooks/…, calendar/…, forms/…, orgs.jsonl);
# a replaced catalogue's entries are dropped, its manifest stays.
catalogue_files = Table(
    "catalogue_files",
    metadata,
    Column("catalogue_id", String(36), primary_key=True),
    Column("name", String(300), primary_key=True),
    Column("sha256", String(64), nullable=False),
    Column("content", LargeBinary, nullable=False),
)

# -- class rosters (lớp bồi dưỡng nhận thức về Đảng, RULES.md §2a): local bookkeeping of
# the station that records the class. Never sent in bundles: the A2 steps they lead to are
# (a committee's go down to each cell, FORMAT.md).
classes = Table(
    "classes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("code", String(64), nullable=False, unique=True),  # "LOP-2026-01"
    Column("name", String(300), nullable=False),
    Column("organiser", String(300), nullable=False),  # đơn vị tổ chức lớp
    Column("issuer", String(300), nullable=False),  # who signs the certificates
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("cert_on", Date, nullable=False),  # the certificates' date: A2 is dated by it
    Column("note", Text),
    Column("created_at", String(32), nullable=False),
    Column("created_by", String(64), nullable=False),
)

class_participants = Table(
    "class_participants",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("class_id", Integer, ForeignKey("classes.id", ondelete="CASCADE"), nullable=False),
    Column("row_no", Integer, nullable=False),  # the roster's order (its sheet row)
    Column("full_name", String(200), nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("cccd", String(32)),
    Column("org_code", String(64)),  # the cell the roster names
    Column("cert_no", String(100)),
    Column("passed", Boolean, nullable=False),
    Column("file_code", String(64), index=True),  # the file matched (or chosen)
    Column("outcome", String(16), nullable=False),  # domain.classes.Outcome
    Column("reason", Text),  # why not recorded (Vietnamese)
    Column("step_uuid", String(36)),  # the A2 step recorded for it
    Index("ix_class_participants_class", "class_id", "row_no"),
)

# -- decisions a cell reports (issue 17 "one truth", migration 0013): a committee step the
# cell typed from its paper copy travels up in its bundle but is never written into the
# committee's `steps` (one writer per record, FORMAT.md §8.1); it waits here until the
# committee confirms it (recording its own step, which goes down) or dismisses it.
# Local bookkeeping of the committee, never sent anywhere.
decision_reports = Table(
    "decision_reports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("uuid", String(36), nullable=False, unique=True),  # the cell's step record
    Column("rev", Integer, nullable=False),  # its revision as last taken
    Column("sender_org", String(64), nullable=False, index=True),  # the reporting unit
    Column("candidate_uuid", String(36), nullable=False, index=True),
    Column("step_id", String(16), nullable=False),
    Column("on", Date, nullable=False),
    Column("result", String(16), nullable=False),
    Column("doc_no", String(100)),
    Column("official_members", Integer),
    Column("votes_for", Integer),
    Column("note", Text),
    Column("received_on", Date),  # when the cell received the paper decision
    Column("seq", Integer, nullable=False),  # its place in the cell's history of the file
    Column("reported_at", String(32), nullable=False),  # when it was last taken here
    Column("status", String(16), nullable=False),  # pending/confirmed/dismissed/withdrawn
    Column("decided_at", String(32)),
    Column("decided_by", String(64)),
    Column("reason", Text),  # why dismissed (Vietnamese, typed by the committee)
    Column("step_uuid", String(36)),  # the committee's own step confirming it
)
