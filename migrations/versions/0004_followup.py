"""Follow-up on each self-check: a status (new, reviewed, contacted), who changed it last and when, and an
optional encrypted staff note.

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every self-check already stored starts as "new": nobody has marked it yet.
    op.add_column("submission", sa.Column("status", sa.String(10), server_default="new", nullable=False))
    op.add_column("submission", sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("submission", sa.Column("status_changed_by", sa.String(254), nullable=True))
    op.add_column("submission", sa.Column("staff_note", sa.LargeBinary(), nullable=True))
    op.create_index("ix_submission_status", "submission", ["status"])


def downgrade() -> None:
    with op.batch_alter_table("submission") as batch:
        batch.drop_index("ix_submission_status")
        batch.drop_column("staff_note")
        batch.drop_column("status_changed_by")
        batch.drop_column("status_changed_at")
        batch.drop_column("status")
