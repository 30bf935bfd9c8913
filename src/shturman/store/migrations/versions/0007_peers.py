"""peers, watchdog state and power actions (issue 12)

``peer_actions`` holds every action the peer watchdog took or held back (an agent restart, a
power-cycle, a cool-down or hourly cap that stopped one): the cool-down and the per-hour limit
are read from it, so they hold across restarts and processes.

Revision ID: 0007
Revises: 0006
"""

from alembic import op
import sqlalchemy as sa


revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "peer_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("peer", sa.String(length=64), nullable=False),
        sa.Column("server", sa.String(length=128), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("run_id", sa.String(length=36), nullable=True),
        sa.Column("approval_id", sa.String(length=64), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peer_actions")),
    )
    with op.batch_alter_table("peer_actions", schema=None) as batch_op:
        batch_op.create_index("ix_peer_actions_peer_requested_at", ["peer", "requested_at"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("peer_actions", schema=None) as batch_op:
        batch_op.drop_index("ix_peer_actions_peer_requested_at")
    op.drop_table("peer_actions")
