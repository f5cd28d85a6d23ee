"""Counters instead of rows: sign-in and submission limits, and audit events counted per day.

login_failure (one row per failed sign-in, whatever was typed) becomes rate_counter (one row per counted
thing, reused window after window); failed sign-ins for accounts that do not exist and refused attempts are
counted per day in audit_tally instead of one append-only audit row each.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_counter",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
    )
    op.create_index("ix_rate_counter_window_start", "rate_counter", ["window_start"])
    op.create_table(
        "audit_tally",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("action", sa.String(32), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
    )
    # Failures counted the old way last at most the throttle window (15 minutes): nothing worth carrying over.
    op.drop_index("ix_login_failure_client_key", "login_failure")
    op.drop_index("ix_login_failure_account_key", "login_failure")
    op.drop_index("ix_login_failure_at", "login_failure")
    op.drop_table("login_failure")


def downgrade() -> None:
    op.create_table(
        "login_failure",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("account_key", sa.String(64), nullable=False),
        sa.Column("client_key", sa.String(64), nullable=False),
    )
    op.create_index("ix_login_failure_at", "login_failure", ["at"])
    op.create_index("ix_login_failure_account_key", "login_failure", ["account_key"])
    op.create_index("ix_login_failure_client_key", "login_failure", ["client_key"])
    op.drop_table("audit_tally")
    op.drop_index("ix_rate_counter_window_start", "rate_counter")
    op.drop_table("rate_counter")
