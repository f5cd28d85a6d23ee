"""Submissions and the encryption key check.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "submission",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("idempotency_key", sa.String(36), nullable=False, unique=True),
        sa.Column("reference", sa.String(9), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("consent_version", sa.String(16), nullable=False),
        sa.Column("urgency", sa.String(8), nullable=False),
        sa.Column("answers_digest", sa.String(64), nullable=False),
        sa.Column("answers", sa.LargeBinary(), nullable=False),
        sa.Column("outcome", sa.LargeBinary(), nullable=False),
        sa.Column("contact", sa.LargeBinary(), nullable=True),
    )
    op.create_index("ix_submission_created_at", "submission", ["created_at"])
    op.create_index("ix_submission_urgency", "submission", ["urgency"])
    op.create_table(
        "key_check",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token", sa.LargeBinary(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("key_check")
    op.drop_index("ix_submission_urgency", "submission")
    op.drop_index("ix_submission_created_at", "submission")
    op.drop_table("submission")
