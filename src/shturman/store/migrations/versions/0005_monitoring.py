"""monitoring: check results (a time series per server and check) and check states (issue 12)

``check_results`` is pruned by the check jobs themselves (``monitoring.retention_days``);
``check_states`` holds one row per (server, check): the state machine survives restarts.

Revision ID: 0005
Revises: 0004
"""

from alembic import op
import sqlalchemy as sa


revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "check_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("server", sa.String(length=128), nullable=False),
        sa.Column("check", sa.String(length=255), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("duration", sa.Float(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_results")),
    )
    with op.batch_alter_table("check_results", schema=None) as batch_op:
        batch_op.create_index("ix_check_results_server_check_at", ["server", "check", "at"],
                              unique=False)
        batch_op.create_index("ix_check_results_at", ["at"], unique=False)
    op.create_table(
        "check_states",
        sa.Column("server", sa.String(length=128), nullable=False),
        sa.Column("check", sa.String(length=255), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("incident", sa.Integer(), nullable=False),
        sa.Column("worst", sa.String(length=16), nullable=False),
        sa.Column("alerted", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("server", "check", name=op.f("pk_check_states")),
    )


def downgrade() -> None:
    op.drop_table("check_states")
    with op.batch_alter_table("check_results", schema=None) as batch_op:
        batch_op.drop_index("ix_check_results_at")
        batch_op.drop_index("ix_check_results_server_check_at")
    op.drop_table("check_results")
