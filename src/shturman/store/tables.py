"""Table definitions (SQLAlchemy Core). One migration set covers SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
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

jobs = Table(
    "jobs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("priority", Integer, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("server", String(128)),
    Column("actor", String(255), nullable=False),
    Column("schedule", String(128)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("deadline", DateTime(timezone=True)),
    Column("timeout", Float, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("max_attempts", Integer, nullable=False),
    Column("not_before", DateTime(timezone=True)),
    Column("started_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    Column("owner", String(255)),
    Column("heartbeat_at", DateTime(timezone=True)),
    Column("cancel_requested", Boolean, nullable=False, default=False),
    Column("run_id", String(36)),
    Column("progress", JSON, nullable=False),
    Column("result", JSON),
    Column("error", Text, nullable=False, default=""),
    Index("ix_jobs_status_priority_id", "status", "priority", "id"),
    Index("ix_jobs_server_status", "server", "status"),
)

job_attempts = Table(
    "job_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("job_id", Integer, ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("worker", String(255), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("outcome", String(16)),
    Column("error", Text, nullable=False, default=""),
    UniqueConstraint("job_id", "number", name="uq_job_attempts_job_id_number"),
)

job_schedules = Table(
    "job_schedules",
    metadata,
    Column("name", String(128), primary_key=True),
    Column("holder", String(255)),
    Column("expires_at", DateTime(timezone=True)),
    Column("next_run_at", DateTime(timezone=True), nullable=False),
    Column("last_job_id", Integer),
    Column("runs", Integer, nullable=False, default=0),
    Column("skipped", Integer, nullable=False, default=0),
)


# --- users, approvals, notifications (migration 0003) ---

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("language", String(8), nullable=False, default="ru"),
    Column("telegram_id", BigInteger, unique=True),
    Column("password_hash", Text),
    Column("settings", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

approvals = Table(
    "approvals",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("server", String(128), nullable=False),
    Column("command", Text, nullable=False),  # redacted: for people to read
    Column("digest", String(64), nullable=False),  # sha256 of the exact command: the binding
    Column("reasons", JSON, nullable=False),
    Column("reasons_ru", JSON, nullable=False),
    Column("diff", Text, nullable=False, default=""),
    Column("run_id", String(36), index=True),
    Column("requested_by", String(255), nullable=False),
    Column("roles", JSON, nullable=False),
    Column("waiter", String(255), nullable=False, default=""),
    Column("status", String(16), nullable=False, index=True),
    Column("decided_by", String(255), nullable=False, default=""),
    Column("decided_at", DateTime(timezone=True)),
    Column("note", Text, nullable=False, default=""),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("user", String(64), index=True),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("action", String(32), nullable=False),
    Column("data", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("read_at", DateTime(timezone=True)),
)


# --- web sessions and API tokens (migration 0004): only digests are stored ---

user_tokens = Table(
    "user_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user", String(64), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("digest", String(64), nullable=False, unique=True),  # sha256 of the token
    Column("label", String(128), nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True)),
    Column("last_used_at", DateTime(timezone=True)),
)


# --- monitoring: check results (a time series, pruned) and check states (migration 0005) ---

check_results = Table(
    "check_results",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("server", String(128), nullable=False),
    Column("check", String(255), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("value", Float),
    Column("duration", Float, nullable=False, default=0.0),
    Column("detail", Text, nullable=False, default=""),
    Index("ix_check_results_server_check_at", "server", "check", "at"),
    Index("ix_check_results_at", "at"),
)

check_states = Table(
    "check_states",
    metadata,
    Column("server", String(128), primary_key=True),
    Column("check", String(255), primary_key=True),
    Column("state", String(16), nullable=False),
    Column("since", DateTime(timezone=True), nullable=False),
    Column("failures", Integer, nullable=False, default=0),
    Column("incident", Integer, nullable=False, default=0),
    Column("worst", String(16), nullable=False),
    Column("alerted", Boolean, nullable=False, default=False),
    Column("detail", Text, nullable=False, default=""),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("run_id", String(36)),
)


# --- tasks, their analysis, and the chat with the agent (migration 0006) ---

tasks = Table(
    "tasks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("server", String(128)),  # the author's choice (optional)
    Column("created_by", String(64), nullable=False, index=True),
    Column("lang", String(8), nullable=False, default="ru"),
    Column("status", String(16), nullable=False, index=True),
    Column("can_delegate_to_ai", Boolean),
    Column("reason", Text),
    Column("matched_server", String(128)),
    Column("complexity", String(16)),
    Column("estimated_minutes", Float),
    Column("recommended_mode", String(16)),
    Column("analysed_at", DateTime(timezone=True)),
    Column("run_id", String(36), index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

chat_messages = Table(
    "chat_messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user", String(64), nullable=False),
    Column("role", String(8), nullable=False),
    Column("text", Text, nullable=False),
    Column("run_id", String(36), index=True),
    Column("task_id", Integer),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_chat_messages_user_id", "user", "id"),
)


# --- peers: the watchdog's actions (restart, power-cycle) and what held them (migration 0007) ---

peer_actions = Table(
    "peer_actions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("peer", String(64), nullable=False),
    Column("server", String(128), nullable=False),
    Column("action", String(16), nullable=False),  # restart | power | held
    Column("provider", String(16), nullable=False, default=""),  # ssh | command | webhook
    Column("status", String(16), nullable=False),  # requested approved denied done failed held
    Column("reason", Text, nullable=False, default=""),
    Column("detail", Text, nullable=False, default=""),
    Column("actor", String(255), nullable=False, default=""),
    Column("job_id", Integer),
    Column("run_id", String(36)),
    Column("approval_id", String(64)),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Index("ix_peer_actions_peer_requested_at", "peer", "requested_at"),
)


# --- Web Push: each browser's subscription of a user (migration 0008) ---

push_subscriptions = Table(
    "push_subscriptions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user", String(64), nullable=False, index=True),
    Column("endpoint", String(1024), nullable=False, unique=True),
    Column("p256dh", String(128), nullable=False),  # the browser's public key (base64url)
    Column("auth", String(64), nullable=False),  # its 16-byte auth secret (base64url)
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_sent_at", DateTime(timezone=True)),
)
