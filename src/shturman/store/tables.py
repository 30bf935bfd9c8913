"""Table definitions (SQLAlchemy Core). One migration set covers SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

servers = Table(
    "servers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(128), nullable=False, unique=True),
    Column("host", String(255), nullable=False),
    Column("port", Integer, nullable=False),
    Column("user", String(128), nullable=False),
    Column("auth", String(16), nullable=False),
    Column("key_path", Text),
    Column("aliases", JSON, nullable=False),
    Column("services", JSON, nullable=False),
    Column("tags", JSON, nullable=False),
    Column("profile", String(16), nullable=False),
    Column("forbidden_commands", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

host_keys = Table(
    "host_keys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("server", String(128), nullable=False, unique=True),
    Column("host", String(255), nullable=False),
    Column("port", Integer, nullable=False),
    Column("key_line", Text, nullable=False),
    Column("fingerprint", String(128), nullable=False),
    Column("pinned_at", DateTime(timezone=True), nullable=False),
)

credentials = Table(
    "credentials",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("server", String(128), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("blob", LargeBinary, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("server", "kind", name="uq_credentials_server_kind"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("actor", String(255), nullable=False),
    Column("server", String(128), nullable=False, index=True),
    Column("action", String(32), nullable=False),
    Column("command", Text, nullable=False, default=""),
    Column("decision", String(16), nullable=False, default=""),
    Column("exit_code", Integer),
    Column("duration", Float),
    Column("outcome", String(16), nullable=False, default=""),
    Column("detail", Text, nullable=False, default=""),
    Column("run_id", String(36), index=True),
)

command_outputs = Table(
    "command_outputs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("audit_id", Integer, ForeignKey("audit_log.id", ondelete="CASCADE"), nullable=False),
    Column("stdout", Text, nullable=False),
    Column("stderr", Text, nullable=False),
    Column("stdout_bytes", Integer, nullable=False),
    Column("stderr_bytes", Integer, nullable=False),
    Index("ix_command_outputs_audit_id", "audit_id"),
)

runs = Table(
    "runs",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("finished_at", DateTime(timezone=True)),
    Column("actor", String(255), nullable=False),
    Column("request", Text, nullable=False),
    Column("mode", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("route", String(16), nullable=False, default=""),
    Column("servers", JSON, nullable=False),
    Column("summary", Text, nullable=False, default=""),
    Column("verified", Boolean, nullable=False, default=False),
)

run_events = Table(
    "run_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", String(36), ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("type", String(32), nullable=False),
    Column("data", JSON, nullable=False),
    UniqueConstraint("run_id", "seq", name="uq_run_events_run_id_seq"),
)

incidents = Table(
    "incidents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", String(36), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("server", String(128), nullable=False, index=True),
    Column("query", Text, nullable=False),
    Column("intent", String(32), nullable=False, default=""),
    Column("commands", JSON, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("summary", Text, nullable=False, default=""),
    Column("duration", Float, nullable=False, default=0.0),
)

# --- jobs: queue, attempts, schedule leases (migration 0002) ---

# --- users, approvals, notifications (migration 0003) ---
